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
                    "escalated": {"type": "boolean", "description": "a reminder or complaint arrived on the case"},
                    "id_received_on": {
                        "type": ["string", "null"],
                        "description": "the day the identity document asked for arrived; the month runs from it",
                    },
                    "assigned_to": {"type": ["string", "null"]},
                    "last_activity_at": {"type": ["string", "null"]},
                },
            },
            "CaseMessage": {
                "type": "object",
                "description": "A message of the case's conversation, how it joined and what it changed",
                "required": ["id", "subject", "from", "received_at", "joined_by", "added_rights", "effects", "labels"],
                "properties": {
                    "id": {"type": "integer"},
                    "message_id": {"type": ["string", "null"]},
                    "subject": {"type": "string"},
                    "from": {"type": "string"},
                    "received_at": {"type": "string"},
                    "joined_by": {"type": "string", "enum": ["origin", "headers", "subject"]},
                    "added_rights": {"type": "array", "items": {"type": "string"}},
                    "effects": {
                        "type": "array",
                        "items": {"type": "string", "enum": ["id_received", "escalated", "reopened"]},
                    },
                    "has_id_document": {"type": "boolean"},
                    "attachments": {"type": "array"},
                    "body_text": {"type": ["string", "null"]},
                    "labels": {"type": "array", "items": {"type": "string"}},
                    "evidence": {"type": "object"},
                },
            },
            "CaseDetail": {
                "type": "object",
                "required": ["id", "rights", "status", "deadline", "deadline_basis", "messages", "timeline", "reply"],
                "properties": {
                    "id": {"type": "integer"},
                    "rights": {"type": "array"},
                    "status": {"type": "string"},
                    "deadline": {"type": "string"},
                    "deadline_basis": {
                        "type": "object",
                        "description": "which date the month runs from (received, or identity_received) and the rule",
                        "required": ["due", "starts_on", "reason", "rule_id"],
                    },
                    "messages": {
                        "type": "array",
                        "description": "the conversation, oldest first",
                        "items": {"$ref": "#/components/schemas/CaseMessage"},
                    },
                    "timeline": {
                        "type": "array",
                        "description": "messages, approved replies and status changes, oldest first",
                        "items": {
                            "type": "object",
                            "required": ["at", "kind"],
                            "properties": {"kind": {"enum": ["message", "reply", "event", "note"]}},
                        },
                    },
                    "message": {"type": "object", "description": "the message that opened the case"},
                    "classification": {"type": ["object", "null"]},
                    "reply": {"type": "object"},
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
                    for n in ("label", "language", "status", "deadline_before", "q", "assigned_to")
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
                "summary": "One case: its conversation (messages and timeline), classification and reply",
                "security": SECURED,
                "parameters": CASE_ID,
                "responses": {"200": _json({"$ref": "#/components/schemas/CaseDetail"}), **_errors(401, 404)},
            },
            "patch": {
                "summary": "Change the status, or assign the case to a colleague (null: nobody)",
                "security": SECURED,
                "parameters": CASE_ID,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "status": {"type": "string"},
                                    "assigned_to": {"type": ["string", "null"]},
                                },
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
        "/api/v1/cases/{case_id}/notes": {
            "post": {
                "summary": "Add an internal note (for colleagues; never sent to the requester)",
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
                "responses": {
                    "201": _json({"type": "object", "required": ["id", "author", "body", "at"]}),
                    **_errors(400, 401, 403, 404, 415, 422),
                },
            }
        },
        "/api/v1/cases/{case_id}/rights": {
            "put": {
                "summary": "Correct the case's rights (labels of the taxonomy); audited with the reason",
                "security": SECURED,
                "parameters": CASE_ID,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["rights"],
                                "properties": {
                                    "rights": {"type": "array", "items": {"type": "string"}},
                                    "reason": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["case", "change", "reply_outdated"],
                            "properties": {
                                "case": {"$ref": "#/components/schemas/CaseSummary"},
                                "change": {"type": "object", "required": ["before", "after", "added", "removed"]},
                                "reply_outdated": {"type": "boolean"},
                            },
                        }
                    ),
                    **_errors(400, 401, 403, 404, 409, 415, 422),
                },
            }
        },
        "/api/v1/cases/{case_id}/reply/recompose": {
            "get": {
                "summary": "What recomposing the reply for the current rights would change (line diff)",
                "security": SECURED,
                "parameters": CASE_ID,
                "responses": {
                    "200": _json({"type": "object", "required": ["differs", "current", "proposed", "diff"]}),
                    **_errors(401, 404),
                },
            },
            "post": {
                "summary": "Recompose the reply for the current rights; the previous reply stays on record",
                "security": SECURED,
                "parameters": CASE_ID,
                "responses": {"200": _json({"type": "object"}), **_errors(401, 403, 404, 409)},
            },
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
