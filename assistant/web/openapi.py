"""The OpenAPI 3.1 description of the JSON API; tests/test_web_api.py keeps it true to the routes."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "error", "content": {"application/json": {"schema": ERROR}}} for c in codes}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


MESSAGE_INPUT = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "subject": {"type": "string"},
                "body": {"type": "string"},
                "has_id_document": {"type": "boolean"},
                "received": {"type": "string", "format": "date"},
            },
        },
        {"type": "object", "required": ["raw"], "properties": {"raw": {"type": "string"}}},
    ]
}
SECURED = [{"bearer": []}, {"session": []}]
CASE_ID = [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}]

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "DPO Assistant API",
        "version": "1.0.0",
        "description": "GDPR request triage, grounded replies and the public chat of Caser's DPO office.",
    },
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "API token from `python -m assistant users add --token`",
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "session",
                "description": "console session; writes also need the X-CSRF-Token header",
            },
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
            },
            "Analysis": {
                "type": "object",
                "required": ["language", "labels", "scores", "evidence", "entities", "model_version"],
                "properties": {
                    "language": {"type": "string"},
                    "labels": {"type": "array", "items": {"type": "string"}},
                    "scores": {"type": "object"},
                    "evidence": {"type": "object"},
                    "entities": {"type": "object"},
                    "cleaned_text": {"type": "string"},
                    "model_version": {"type": "string"},
                },
            },
            "Reply": {
                "type": "object",
                "required": ["language", "text", "citations", "deadline", "placeholders"],
                "properties": {
                    "language": {"type": "string"},
                    "text": {"type": "string"},
                    "citations": {"type": "array"},
                    "deadline": {"type": "string"},
                    "placeholders": {"type": "array"},
                    "is_gdpr_request": {"type": "boolean"},
                },
            },
            "Answer": {
                "type": "object",
                "required": ["text", "language", "citations", "answered"],
                "properties": {
                    "text": {"type": "string"},
                    "language": {"type": "string"},
                    "citations": {"type": "array", "items": {"type": "object", "required": ["id", "title", "passage"]}},
                    "answered": {"type": "boolean"},
                    "mailto": {"type": ["string", "null"]},
                    "intent": {"type": ["string", "null"]},
                    "suggestions": {
                        "type": "array",
                        "items": {"type": "object", "required": ["intent", "question"]},
                    },
                },
            },
            "CaseSummary": {
                "type": "object",
                "required": ["id", "rights", "status", "received_on", "deadline"],
                "properties": {
                    "id": {"type": "integer"},
                    "rights": {"type": "array"},
                    "status": {"type": "string"},
                    "received_on": {"type": "string"},
                    "deadline": {"type": "string"},
                    "language": {"type": "string"},
                },
            },
        },
    },
    "paths": {
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": _json({"type": "object"})}}},
        "/readyz": {
            "get": {
                "summary": "Readiness: database reachable, model loaded",
                "responses": {"200": _json({"type": "object"}), "503": _json({"type": "object"}, "not ready")},
            }
        },
        "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}},
        "/api/v1/analyze": {
            "post": {
                "summary": "Classify a message: rights, evidence, entities",
                "security": SECURED,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": MESSAGE_INPUT},
                        "message/rfc822": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Analysis"}),
                    **_errors(400, 401, 413, 415, 422),
                },
            }
        },
        "/api/v1/suggest-reply": {
            "post": {
                "summary": "Suggest a reply grounded in the policy",
                "security": SECURED,
                "requestBody": {"required": True, "content": {"application/json": {"schema": MESSAGE_INPUT}}},
                "responses": {"200": _json({"$ref": "#/components/schemas/Reply"}), **_errors(400, 401, 413, 415, 422)},
            }
        },
        "/api/v1/chat": {
            "post": {
                "summary": "Public chat: answer a visitor's question from the policy (rate limited)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["question"],
                                "properties": {
                                    "question": {"type": "string", "maxLength": 1000},
                                    "lang": {"type": "string"},
                                    "history": {"type": "array", "items": {"type": "string"}},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Answer"}),
                    **_errors(400, 413, 415, 422, 429),
                },
            }
        },
        "/api/v1/chat/feedback": {
            "post": {
                "summary": "Public chat: the visitor's yes/no on an answer (question kept only masked, rate limited)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["question", "helpful"],
                                "properties": {
                                    "question": {"type": "string", "maxLength": 1000},
                                    "helpful": {"type": "boolean"},
                                    "lang": {"type": "string"},
                                    "history": {"type": "array", "items": {"type": "string"}},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "required": ["stored", "intent"],
                            "properties": {"stored": {"type": "boolean"}, "intent": {"type": "string"}},
                        },
                        "Stored",
                    ),
                    **_errors(400, 413, 415, 422, 429),
                },
            }
        },
        "/api/v1/cases": {
            "get": {
                "summary": "Cases, soonest deadline first",
                "security": SECURED,
                "parameters": [
                    {"name": n, "in": "query", "schema": {"type": "string"}}
                    for n in ("label", "language", "status", "deadline_before")
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["cases"],
                            "properties": {
                                "cases": {"type": "array", "items": {"$ref": "#/components/schemas/CaseSummary"}}
                            },
                        }
                    ),
                    **_errors(401, 422),
                },
            }
        },
        "/api/v1/cases/{case_id}": {
            "get": {
                "summary": "One case with its message, classification and reply",
                "security": SECURED,
                "parameters": CASE_ID,
                "responses": {"200": _json({"type": "object"}), **_errors(401, 404)},
            },
            "patch": {
                "summary": "Change the status",
                "security": SECURED,
                "parameters": CASE_ID,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/CaseSummary"}),
                    **_errors(400, 401, 403, 404, 409, 415, 422),
                },
            },
        },
        "/api/v1/cases/{case_id}/extend": {
            "post": {
                "summary": "Extend the deadline by two months (GDPR Art. 12(3)); returns the letter",
                "security": SECURED,
                "parameters": CASE_ID,
                "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404, 409)},
            }
        },
        "/api/v1/cases/{case_id}/reply": {
            "put": {
                "summary": "Save the agent's edit of the reply",
                "security": SECURED,
                "parameters": CASE_ID,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["body"],
                                "properties": {"body": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"200": _json({"type": "object"}), **_errors(400, 401, 403, 404, 409, 415, 422)},
            }
        },
        "/api/v1/cases/{case_id}/reply/approve": {
            "post": {
                "summary": "Approve the reply: queued for the worker, written as a threaded draft",
                "security": SECURED,
                "parameters": CASE_ID,
                "responses": {
                    "202": _json({"type": "object", "required": ["outbox_id", "draft_message_id"]}),
                    **_errors(401, 403, 404, 409, 422),
                },
            }
        },
        "/api/v1/register.csv": {
            "get": {
                "summary": "The register of requests (GDPR Art. 30) as CSV",
                "security": SECURED,
                "responses": {
                    "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                    **_errors(401),
                },
            }
        },
        "/api/v1/audit": {
            "get": {
                "summary": "The latest audit events (admin)",
                "security": SECURED,
                "responses": {"200": _json({"type": "object"}), **_errors(401, 403)},
            }
        },
    },
}
