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
    page = client.get("/?label=erasure&lang=es").get_data(as_text=True)
    rows = re.findall(r'<tr class="[^"]*">(.*?)</tr>', page, re.S)
    assert rows and all('<span class="tag">Supresión</span>' in row for row in rows)
    assert re.search(r"\d+ casos", page) and ("quedan" in page or "vencido hace" in page)
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
    assert "Aprobada" in page and '<span class="status">Respondido</span>' in page
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(OutboxItem)) == 1
    forged = client.post(f"/cases/{case_id}/action", data={"action": "closed"})
    assert forged.status_code == 403


def test_languages(client, console):
    console.login()
    filtered = client.get("/?label=erasure&lang=es").get_data(as_text=True)
    assert 'href="/?label=erasure&amp;lang=fr"' in filtered, "switching language keeps the filters"
    assert "Queue" in client.get("/?lang=en").get_data(as_text=True)
    assert "File d'attente" in html.unescape(client.get("/?lang=fr").get_data(as_text=True))
    assert "Bandeja" in client.get("/?lang=es").get_data(as_text=True)


def test_register_and_stats(client, console):
    console.login()
    register = client.get("/register?lang=es").get_data(as_text=True)
    assert '<th scope="col">Caso</th>' in register and "case_id" not in register
    stats = client.get("/stats").get_data(as_text=True)
    assert "<svg" in stats and "Supresión" in stats and "erasure" not in stats


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _first_case(client, query: str = "label=erasure") -> int:  # type: ignore[no-untyped-def]
    return int(re.search(r"/cases/(\d+)", client.get(f"/?{query}").get_data(as_text=True)).group(1))


def _act(client, console, case_id: int, **form: str):  # type: ignore[no-untyped-def]
    token = console.csrf(f"/cases/{case_id}")
    return client.post(f"/cases/{case_id}/action", data={"csrf_token": token, **form}, follow_redirects=True)


def _flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash (?:success|error|info)"[^>]*>(.*?)</p>', page, re.S)]


def test_every_action_says_what_it_did(client, console):
    console.login()
    case_id = _first_case(client, "label=erasure&lang=es")
    saved = _act(client, console, case_id, action="save", body="Estimada señora:\n\n[[policy_number]]")
    assert _flashes(saved.get_data(as_text=True)) == ["Respuesta guardada."]
    waiting = _act(client, console, case_id, action="waiting_id", body="x")
    assert "a la espera del documento de identidad" in _flashes(waiting.get_data(as_text=True))[0]


def test_to_complete_follows_the_current_text(client, console):
    console.login()
    case_id = _first_case(client, "label=access&lang=es")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Por completar" in page and "[[policy_number]]" in page
    body = "Estimado señor:\n\nPóliza de referencia: P-1."
    filled = _act(client, console, case_id, action="save", body=body).get_data(as_text=True)
    assert "Por completar" not in filled


def test_closing_an_unanswered_case_needs_a_reason_and_then_it_is_read_only(seeded, client, console):
    engine, _ = seeded
    console.login()
    case_id = _first_case(client, "label=erasure&lang=es")
    refused = _act(client, console, case_id, action="closed", close_reason="  ").get_data(as_text=True)
    assert _flashes(refused) == ["No se ha enviado respuesta: indique el motivo del cierre."]
    closed = _act(client, console, case_id, action="closed", close_reason="Duplicado del caso anterior").get_data(
        as_text=True
    )
    assert _flashes(closed) == ["Caso cerrado."]
    assert re.search(r'<textarea id="reply-body"[^>]*readonly', closed) and 'value="approve"' not in closed
    edit = _act(client, console, case_id, action="save", body="otra cosa").get_data(as_text=True)
    assert _flashes(edit) == ["Este caso está cerrado: reábralo primero."]
    with session_factory(engine)() as session:
        reasons = session.scalars(select(AuditEvent).where(AuditEvent.action == "case_closed_reason")).all()
        assert [e.detail["reason"] for e in reasons] == ["Duplicado del caso anterior"]
    reopened = _act(client, console, case_id, action="open").get_data(as_text=True)
    assert _flashes(reopened) == ["Caso reabierto."] and 'value="approve"' in reopened


def test_register_exports_for_spanish_excel(client, console):
    console.login()
    csv_bytes = client.get("/register.csv?lang=es").get_data()
    assert csv_bytes.startswith("\ufeff".encode())
    header, first = csv_bytes.decode("utf-8-sig").splitlines()[:2]
    assert header.split(";")[:3] == ["Caso", "Recibido", "Plazo"] and ";" in first
    import io

    from openpyxl import load_workbook

    response = client.get("/register.xlsx?lang=fr")
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet["A1"].value == "Dossier" and isinstance(sheet["A2"].value, int)
    narrowed = client.get("/register?from=2026-11-25&to=2026-11-25&lang=es").get_data(as_text=True)
    assert narrowed.count("/cases/") < client.get("/register").get_data(as_text=True).count("/cases/")


def test_errors_speak_the_agents_language(client, console):
    console.login()
    page = html.unescape(client.get("/cases/9999?lang=fr").get_data(as_text=True))
    assert "Le dossier 9999 n'existe pas." in page and "no case" not in page


def test_widget_strings_come_from_the_catalogs(client):
    script = client.get("/widget.js").get_data(as_text=True)
    assert "/*DPO_TEXT*/" not in script
    assert "¿Dudas sobre tus datos?" in script and "Une question sur vos données\u202f?" in script
    assert "Sources\u00a0:" in script


def test_attachments_open_safely_and_each_view_is_audited(seeded, client, console):
    engine, _ = seeded
    console.login()
    with session_factory(engine)() as session:
        case_id = session.scalar(select(Case.id).where(Case.requester_name == "Lucía Navarro Ruiz"))
    page = client.get(f"/cases/{case_id}?lang=es").get_data(as_text=True)
    assert "dni_lucia.jpg" in page and f"/cases/{case_id}/attachments/0" in page
    shown = client.get(f"/cases/{case_id}/attachments/0")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    saved = client.get(f"/cases/{case_id}/attachments/0?download=1")
    assert saved.mimetype == "application/octet-stream"
    assert saved.headers["Content-Disposition"] == "attachment; filename*=UTF-8''dni_lucia.jpg"
    assert saved.get_data() == shown.get_data() and saved.get_data().startswith(b"\xff\xd8\xff")
    assert client.get(f"/cases/{case_id}/attachments/7").status_code == 404
    with session_factory(engine)() as session:
        views = session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment_viewed")).all()
        assert [v.detail["disposition"] for v in views] == ["inline", "attachment"]


def test_a_declared_image_that_is_not_one_is_only_downloaded():
    from assistant.web.console import viewable_inline

    assert viewable_inline("image/png", b"\x89PNG\r\n\x1a\n....")
    assert not viewable_inline("image/png", b"<html><script>alert(1)</script>")
    assert not viewable_inline("image/svg+xml", b"<svg onload=alert(1)>")


def test_agent_corrects_the_rights_sees_the_difference_and_recomposes(client, console):
    console.login()
    case_id = _first_case(client, "label=erasure&lang=es")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Conversación" in page and "abrió el caso" in page
    assert "día en que se recibió la solicitud" in page
    assert 'id="recompose"' not in page, "nothing to recompose while the reply fits the rights"
    token = console.csrf(f"/cases/{case_id}")
    done = client.post(
        f"/cases/{case_id}/action",
        data={
            "csrf_token": token,
            "action": "rights",
            "rights": ["access", "portability"],
            "rights_reason": "leído mal",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Derechos corregidos: Acceso, Portabilidad." in html.unescape(done)
    assert "Derechos corregidos</strong>" in done and "leído mal" in done  # on the timeline
    assert 'id="recompose"' in done and "<del>" in done and "<ins>" in done
    empty = _act(client, console, case_id, action="rights", rights_reason="x")
    assert "Elija al menos un derecho" in html.unescape(_flashes(empty.get_data(as_text=True))[0])
    recomposed = _act(client, console, case_id, action="recompose").get_data(as_text=True)
    assert "Respuesta recompuesta" in _flashes(recomposed)[0]
    assert 'id="recompose"' not in recomposed


def test_queue_search_mine_and_pages(client, console, monkeypatch):
    console.login()
    page = client.get("/?status=any&q=zzzz-nothing").get_data(as_text=True)
    assert "0 casos" in page
    found = client.get("/?status=any&q=%231").get_data(as_text=True)
    assert "1 caso" in found and 'href="/cases/1"' in found
    assert "0 casos" in client.get("/?status=any&mine=1").get_data(as_text=True)
    assigned = _act(client, console, 1, action="assign", assignee="me").get_data(as_text=True)
    assert "Caso asignado a agent." in _flashes(assigned)
    assert "1 caso" in client.get("/?status=any&mine=1").get_data(as_text=True)
    refused = _act(client, console, 1, action="assign", assignee="mallory").get_data(as_text=True)
    assert "No hay ningún agente con ese nombre." in _flashes(refused)
    noted = _act(client, console, 1, action="note", note="Solo para el equipo.").get_data(as_text=True)
    assert "Solo para el equipo." in noted and "Nota interna de agent" in noted

    monkeypatch.setattr("assistant.web.console.QUEUE_PAGE", 5)
    first = client.get("/?status=any").get_data(as_text=True)
    total = int(re.search(r"(\d+) casos", first).group(1))
    pages = -(-total // 5)
    assert pages > 1 and f"página 1 de {pages}" in first and first.count("<tr class=") == 5
    last = client.get(f"/?status=any&page={pages}").get_data(as_text=True)
    assert f"página {pages} de {pages}" in last and 'rel="next"' not in last and 'rel="prev"' in last
    assert last.count("<tr class=") == total - 5 * (pages - 1)
    assert f"página {pages} de {pages}" in client.get("/?status=any&page=999").get_data(as_text=True)
