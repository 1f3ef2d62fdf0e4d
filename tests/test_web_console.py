"""The agents' console: login, CSRF, queue, case page, actions, audit, languages."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select
from webapp import PASSWORDS

from assistant.store import AuditEvent, Case, OutboxItem, session_factory


def test_pages_need_a_login(client):
    for path in ("/", "/cases/1", "/register", "/stats"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/login")


def test_login_needs_csrf_and_right_password(client, console):
    assert client.post("/login", data={"username": "agent", "password": PASSWORDS["agent"]}).status_code == 403
    wrong = console.login(password="nope")
    assert wrong.status_code == 401 and "incorrect" in wrong.get_data(as_text=True)
    ok = console.login()
    assert ok.status_code == 302
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_queue_filters_and_urgency(client, console):
    console.login()
    page = client.get("/?label=erasure").get_data(as_text=True)
    rows = re.findall(r'<tr class="[^"]*">(.*?)</tr>', page, re.S)
    assert rows and all("erasure" in row for row in rows)
    everything = client.get("/?status=any&sort=received").get_data(as_text=True)
    assert everything.count("/cases/") >= 15


def test_case_page_sanitised_highlighted_and_audited(seeded, client, console):
    engine, _ = seeded
    console.login()
    factory = session_factory(engine)
    with factory() as session:
        html_case = session.scalars(select(Case).where(Case.language == "fr").order_by(Case.id)).all()
        ids = [c.id for c in html_case]
    pages = [client.get(f"/cases/{i}").get_data(as_text=True) for i in ids]
    assert any("<mark" in page for page in pages), "evidence highlighted in the message"
    for page in pages:
        assert "<script" not in page.split("</head>")[1].replace('<script src="', "")
        assert "tracker.example" not in page and "alert(" not in page
    with factory() as session:
        viewed = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "case_viewed"))
        assert viewed >= len(ids)


def test_invalid_dni_is_shown_as_invalid(client, console):
    console.login()
    page = client.get("/?status=any").get_data(as_text=True)
    assert "12345678A" in page and "NO válido" in page


def test_approve_from_the_case_page_queues_a_draft(seeded, client, console):
    engine, _ = seeded
    console.login()
    case_id = int(re.search(r"/cases/(\d+)", client.get("/?label=erasure").get_data(as_text=True)).group(1))
    token = console.csrf(f"/cases/{case_id}")
    response = client.post(
        f"/cases/{case_id}/action", data={"csrf_token": token, "action": "approve", "body": "Suprimiremos sus datos."}
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Aprobada" in page and "answered" in page
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(OutboxItem)) == 1
    forged = client.post(f"/cases/{case_id}/action", data={"action": "closed"})
    assert forged.status_code == 403


def test_languages(client, console):
    console.login()
    assert "Queue" in client.get("/?lang=en").get_data(as_text=True)
    assert "File d'attente" in html.unescape(client.get("/?lang=fr").get_data(as_text=True))
    assert "Bandeja" in client.get("/?lang=es").get_data(as_text=True)


def test_register_and_stats(client, console):
    console.login()
    assert "case_id" in client.get("/register").get_data(as_text=True)
    stats = client.get("/stats").get_data(as_text=True)
    assert "<svg" in stats and "erasure" in stats


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
