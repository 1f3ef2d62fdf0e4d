"""The JSON API through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import jsonschema
import pytest
from sqlalchemy import select
from webapp import make_app

from assistant.deadlines import deadline
from assistant.store import User, repo, session_factory, transaction
from assistant.web.openapi import SPEC


def auth(tokens, role="agent"):
    return {"Authorization": f"Bearer {tokens[role]}"}


def resolve(schema):
    """Inline the spec's #/components refs so jsonschema can check a response."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            return resolve(SPEC["components"]["schemas"][name])
        return {k: resolve(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [resolve(v) for v in schema]
    return schema


def check_against_spec(path, method, response):
    documented = SPEC["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, f"{method} {path} answered {response.status_code}"
    content = documented[str(response.status_code)].get("content", {})
    if "application/json" in content:
        jsonschema.validate(response.get_json(), resolve(content["application/json"]["schema"]))


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"


def test_agent_endpoints_need_a_login_or_a_token(client, tokens):
    anonymous = client.get("/api/v1/cases")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer forged"}).status_code == 401
    listed = client.get("/api/v1/cases", headers=auth(tokens))
    assert listed.status_code == 200 and len(listed.get_json()["cases"]) >= 10
    check_against_spec("/api/v1/cases", "get", listed)


def test_a_reissued_token_stops_working_once_the_cache_window_ends(app, client, seeded):
    engine, tokens = seeded
    assert client.get("/api/v1/cases", headers=auth(tokens)).status_code == 200
    with transaction(session_factory(engine)) as session:
        user = session.scalars(select(User).where(User.username == "agent")).one()
        repo.issue_api_token(session, user)  # replaces, and so revokes, the old token
    cache = app.extensions["token_cache"]
    assert client.get("/api/v1/cases", headers=auth(tokens)).status_code == 200  # still inside the window
    cache.known.clear()  # the window has passed
    assert client.get("/api/v1/cases", headers=auth(tokens)).status_code == 401


def test_roles(client, tokens):
    assert client.get("/api/v1/audit", headers=auth(tokens, "agent")).status_code == 403
    events = client.get("/api/v1/audit", headers=auth(tokens, "admin"))
    assert events.status_code == 200 and any(e["action"] == "case_opened" for e in events.get_json()["events"])


def test_session_writes_need_the_csrf_header(client, console):
    console.login()
    first = client.get("/api/v1/cases").get_json()["cases"][0]["id"]
    refused = client.patch(f"/api/v1/cases/{first}", json={"status": "waiting_id"})
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["message"]
    client.get("/")  # a console page hands out the session's CSRF token
    with client.session_transaction() as session:
        token = session["csrf"]
    accepted = client.patch(f"/api/v1/cases/{first}", json={"status": "waiting_id"}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "waiting_id"


def test_analyze_json_and_raw_rfc822(client, tokens):
    json_result = client.post(
        "/api/v1/analyze", json={"subject": "Baja", "body": "Borrad todos mis datos, por favor."}, headers=auth(tokens)
    )
    assert json_result.status_code == 200 and json_result.get_json()["labels"] == ["erasure"]
    check_against_spec("/api/v1/analyze", "post", json_result)
    raw = b"From: a@b.es\r\nSubject: Unsubscribe\r\n\r\nPlease stop sending me marketing emails.\r\n"
    raw_result = client.post("/api/v1/analyze", data=raw, content_type="message/rfc822", headers=auth(tokens))
    assert raw_result.get_json()["labels"] == ["objection_marketing"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"data": "hello", "content_type": "text/plain"}, 415),
        ({"json": {"subject": "", "body": ""}}, 422),
        ({"json": {"body": 42}}, 422),
        ({"json": {"raw": "no headers at all"}}, 422),
    ],
)
def test_bad_input_gets_a_json_error(client, tokens, kwargs, status):
    response = client.post("/api/v1/analyze", headers=auth(tokens), **kwargs)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error", "message"} and "Traceback" not in body["message"]
    check_against_spec("/api/v1/analyze", "post", response)


def test_oversized_request_is_413(seeded):
    engine, tokens = seeded
    small = make_app(engine, MAX_REQUEST_BYTES="2048").test_client()
    response = small.post("/api/v1/analyze", json={"body": "x" * 5000}, headers=auth(tokens))
    assert response.status_code == 413 and response.get_json()["error"] == "payload_too_large"


def test_suggest_reply(client, tokens):
    response = client.post(
        "/api/v1/suggest-reply",
        headers=auth(tokens),
        json={"body": "Yo, Ana Gil, con DNI 12345678Z, pido que borren mis datos.", "received": "2026-03-10"},
    )
    assert response.status_code == 200
    reply = response.get_json()
    assert reply["deadline"] == "2026-04-10" and "10/2010" in reply["text"]
    check_against_spec("/api/v1/suggest-reply", "post", response)


def test_chat_is_public_cors_limited_and_rate_limited(seeded):
    engine, _ = seeded
    client = make_app(
        engine, WIDGET_ALLOWED_ORIGINS="http://widget.example", CHAT_RATE_LIMIT_PER_MINUTE="3"
    ).test_client()
    ok = client.post(
        "/api/v1/chat", json={"question": "¿Cuánto tiempo guardan mi CV?"}, headers={"Origin": "http://widget.example"}
    )
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "http://widget.example"
    check_against_spec("/api/v1/chat", "post", ok)
    other = client.post("/api/v1/chat", json={"question": "hola"}, headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options(
        "/api/v1/chat", headers={"Origin": "http://widget.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    third = client.post("/api/v1/chat", json={"question": "¿Quién es el DPO?"})
    assert third.status_code == 200, "a CORS preflight is not a question: it is not counted"
    limited = client.post("/api/v1/chat", json={"question": "¿Quién es el DPO?"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    check_against_spec("/api/v1/chat", "post", limited)


def test_chat_refuses_oversized_and_invalid_input(client):
    assert client.post("/api/v1/chat", json={"question": "x" * 1001}).status_code == 413
    assert client.post("/api/v1/chat", json={"question": "hola", "history": "no"}).status_code == 422
    assert client.post("/api/v1/chat", json={}).status_code == 422


def test_case_filters(client, tokens):
    h = auth(tokens)
    erasure = client.get("/api/v1/cases?label=erasure", headers=h).get_json()["cases"]
    assert erasure and all("erasure" in c["rights"] for c in erasure)
    french = client.get("/api/v1/cases?language=fr", headers=h).get_json()["cases"]
    assert french and all(c["language"] == "fr" for c in french)
    deadlines = [c["deadline"] for c in client.get("/api/v1/cases", headers=h).get_json()["cases"]]
    assert deadlines == sorted(deadlines)
    assert client.get("/api/v1/cases?deadline_before=2000-01-01", headers=h).get_json()["cases"] == []
    assert client.get("/api/v1/cases?deadline_before=tomorrow", headers=h).status_code == 422
    assert client.get("/api/v1/cases?status=lost", headers=h).status_code == 422


def test_case_workflow_extend_edit_approve(client, tokens):
    h = auth(tokens)
    case_id = client.get("/api/v1/cases?label=erasure", headers=h).get_json()["cases"][0]["id"]
    detail = client.get(f"/api/v1/cases/{case_id}", headers=h)
    assert detail.status_code == 200 and detail.get_json()["reply"]["citations"]
    check_against_spec("/api/v1/cases/{case_id}", "get", detail)

    extended = client.post(f"/api/v1/cases/{case_id}/extend", headers=h)
    assert extended.status_code == 200
    body = extended.get_json()
    assert body["case"]["extended"] and "[[extension_reason]]" in body["letter"]["text"]
    received = date.fromisoformat(body["case"]["received_on"])
    assert body["case"]["deadline"] == deadline(received, extended=True).isoformat()
    assert client.post(f"/api/v1/cases/{case_id}/extend", headers=h).status_code == 409

    edited = client.put(f"/api/v1/cases/{case_id}/reply", json={"body": "Texto revisado [[policy_number]]"}, headers=h)
    assert edited.status_code == 200 and edited.get_json()["status"] == "edited"
    assert client.post(f"/api/v1/cases/{case_id}/reply/approve", headers=h).status_code == 422  # placeholder left
    client.put(f"/api/v1/cases/{case_id}/reply", json={"body": "Borraremos sus datos en el plazo legal."}, headers=h)
    approved = client.post(f"/api/v1/cases/{case_id}/reply/approve", headers=h)
    assert approved.status_code == 202 and approved.get_json()["draft_message_id"].startswith("<reply-")
    check_against_spec("/api/v1/cases/{case_id}/reply/approve", "post", approved)
    assert client.post(f"/api/v1/cases/{case_id}/reply/approve", headers=h).status_code == 409
    assert client.get(f"/api/v1/cases/{case_id}", headers=h).get_json()["status"] == "answered"
    assert client.patch(f"/api/v1/cases/{case_id}", json={"status": "answered"}, headers=h).status_code == 409
    assert client.get("/api/v1/cases/999999", headers=h).status_code == 404


def test_register_csv(client, tokens):
    response = client.get("/api/v1/register.csv", headers=auth(tokens))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "case_id" and len(rows) >= 11


def test_method_not_allowed_is_json_with_allow(client):
    response = client.delete("/api/v1/chat")
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_openapi_documents_every_route_and_nothing_else(app, client):
    served = client.get("/api/openapi.json").get_json()
    assert served == SPEC
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule in ("/healthz", "/readyz"):
            path = re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(ops) for path, ops in SPEC["paths"].items()}
    assert routes == documented


def test_case_detail_lists_the_conversation_and_the_deadline_basis(client, tokens):
    first = client.get("/api/v1/cases", headers=auth(tokens)).get_json()["cases"][0]["id"]
    detail = client.get(f"/api/v1/cases/{first}", headers=auth(tokens))
    check_against_spec("/api/v1/cases/{case_id}", "get", detail)
    body = detail.get_json()
    assert [m["joined_by"] for m in body["messages"]] == ["origin"]
    assert body["messages"][0]["labels"] and body["timeline"][0]["kind"] == "message"
    assert body["deadline_basis"] == {
        "due": body["deadline"], "starts_on": body["received_on"], "reason": "received", "rule_id": "gdpr.art12_3",
    }  # fmt: skip


def test_rights_correction_and_recomposition_through_the_api(client, tokens):
    case = client.get("/api/v1/cases", headers=auth(tokens)).get_json()["cases"][0]
    path = f"/api/v1/cases/{case['id']}"
    new_rights = ["portability"] if case["rights"] != ["portability"] else ["access"]
    client.get(path, headers=auth(tokens))  # an agent read it: the reply for the old rights is on file
    bad = client.put(f"{path}/rights", json={"rights": ["not-a-right"]}, headers=auth(tokens))
    assert bad.status_code == 422 and "taxonomy" in bad.get_json()["message"]
    assert client.put(f"{path}/rights", json={"rights": "access"}, headers=auth(tokens)).status_code == 422
    done = client.put(f"{path}/rights", json={"rights": new_rights, "reason": "misread"}, headers=auth(tokens))
    check_against_spec("/api/v1/cases/{case_id}/rights", "put", done)
    result = done.get_json()
    assert result["case"]["rights"] == new_rights and result["change"]["before"] == case["rights"]
    assert result["reply_outdated"] is True
    again = client.put(f"{path}/rights", json={"rights": new_rights}, headers=auth(tokens))
    assert again.status_code == 409

    preview = client.get(f"{path}/reply/recompose", headers=auth(tokens))
    check_against_spec("/api/v1/cases/{case_id}/reply/recompose", "get", preview)
    assert preview.get_json()["differs"] and any(d["op"] == "+" for d in preview.get_json()["diff"])
    before = client.get(path, headers=auth(tokens)).get_json()["reply"]
    recomposed = client.post(f"{path}/reply/recompose", headers=auth(tokens))
    assert recomposed.status_code == 200
    assert recomposed.get_json()["id"] != before["id"]
    assert recomposed.get_json()["body"] == preview.get_json()["proposed"]
    audit = client.get("/api/v1/audit", headers=auth(tokens, "admin")).get_json()["events"]
    corrected = [e for e in audit if e["action"] == "rights_corrected"]
    assert corrected and corrected[0]["actor"] == "agent" and corrected[0]["detail"]["reason"] == "misread"


def test_assign_note_and_search_through_the_api(client, tokens):
    cases = client.get("/api/v1/cases?status=open", headers=auth(tokens)).get_json()["cases"]
    target = cases[0]["id"]
    path = f"/api/v1/cases/{target}"
    assigned = client.patch(path, json={"assigned_to": "admin"}, headers=auth(tokens))
    check_against_spec("/api/v1/cases/{case_id}", "patch", assigned)
    assert assigned.get_json()["assigned_to"] == "admin"
    assert client.patch(path, json={"assigned_to": "nobody-here"}, headers=auth(tokens)).status_code == 422
    assert client.patch(path, json={}, headers=auth(tokens)).status_code == 422
    mine = client.get("/api/v1/cases?assigned_to=admin", headers=auth(tokens)).get_json()["cases"]
    assert [c["id"] for c in mine] == [target]

    note = client.post(f"{path}/notes", json={"body": "Llamar al cliente."}, headers=auth(tokens))
    check_against_spec("/api/v1/cases/{case_id}/notes", "post", note)
    assert note.status_code == 201 and note.get_json()["author"] == "agent"
    detail = client.get(path, headers=auth(tokens)).get_json()
    assert any(e["kind"] == "note" and e["note"]["body"] == "Llamar al cliente." for e in detail["timeline"])
    assert "Llamar al cliente." not in detail["reply"]["body"], "a note is never part of the reply"

    by_number = client.get(f"/api/v1/cases?q=%23{target}", headers=auth(tokens)).get_json()["cases"]
    assert target in [c["id"] for c in by_number]
    by_sender = client.get(f"/api/v1/cases?q={detail['message']['from'].upper()}", headers=auth(tokens))
    assert target in [c["id"] for c in by_sender.get_json()["cases"]]
    assert client.get("/api/v1/cases?q=%25_nothing_%25", headers=auth(tokens)).get_json()["cases"] == []
