"""The mail worker against a real Dovecot: nothing lost, nothing duplicated, triage visible."""

from __future__ import annotations

import threading
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import func, select

from assistant.cases import suggested_reply
from assistant.config import load_config
from assistant.store import (
    Case,
    Message,
    MessageLocation,
    MessageStatus,
    OutboxItem,
    repo,
    session_factory,
    transaction,
)
from mail_ingest.errors import LoginRefused
from mail_ingest.imap import Mailbox
from mail_ingest.pipeline import Pipeline
from mail_ingest.worker import Worker

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
USERS = {"derechos": ("derechos@test.local", "derechos-pass"), "dpo": ("dpo@test.local", "dpo-pass")}


def connect(dovecot, who: str) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
    client.login(*USERS[who])
    return client


def wipe(dovecot) -> None:
    """Empty both test mailboxes (the tests may delete; the product never does)."""
    for who in USERS:
        client = connect(dovecot, who)
        folders = sorted(client.list_folders(), key=lambda f: -f[2].count("/"))  # children before parents
        for flags, _sep, name in folders:
            if b"\\Noselect" not in flags:
                client.select_folder(name)
                uids = client.search("ALL")
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
            virtual = {b"\\Noselect", b"\\NonExistent"} & set(flags)  # an implied parent, not a mailbox
            if name not in ("INBOX", "Drafts") and not virtual:
                client.select_folder("INBOX")
                client.delete_folder(name)
        client.logout()


def mail(
    n: int,
    body: str = "Por favor, borrad todos mis datos personales.",
    subject: str = "Supresión",
    sender: str = "ana.gil@example.net",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Ana Gil <{sender}>"
    msg["To"] = "derechos@test.local"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<t{n}-{time.time_ns()}@example.net>"
    msg["Date"] = "Tue, 10 Mar 2026 10:00:00 +0100"
    msg.set_content(body)
    return msg.as_bytes()


def config_for(dovecot, *, folders: str = "INBOX", accounts=("derechos",), **extra):
    env = {"IMAP_ACCOUNTS": ",".join(accounts), "IMAP_POLL_SECONDS": "30"}
    for name in accounts:
        user, password = USERS[name]
        prefix = f"IMAP_{name.upper()}_"
        env.update(
            {
                prefix + "HOST": "127.0.0.1",
                prefix + "PORT": str(dovecot.port),
                prefix + "USER": user,
                prefix + "PASSWORD": password,
                prefix + "SSL": "no",
                prefix + "STARTTLS": "no",
                prefix + "FOLDERS": folders,
                prefix + "ADDRESS": user,
            }
        )
    env.update(extra)
    return load_config(env)


@pytest.fixture
def mailboxes(dovecot):
    wipe(dovecot)
    yield dovecot
    wipe(dovecot)


@pytest.fixture
def factory(engine):
    return session_factory(engine)


def count(factory, model=Message, *where) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_ingest_classifies_and_marks_keywords_visible_from_another_connection(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    client.append("INBOX", mail(1))
    client.append("INBOX", mail(2, "Please stop sending me marketing emails.", "Unsubscribe"))
    client.append("INBOX", mail(3, "Adjunto la factura de la reparación del coche.", "Factura"))
    stats = Worker(config_for(mailboxes), factory).run_once()["derechos"]
    assert (stats.fetched, stats.classified, stats.marked) == (3, 3, 3)

    observer = connect(mailboxes, "derechos")
    observer.select_folder("INBOX", readonly=True)
    uids = sorted(observer.search("ALL"))
    flags = [set(f) for _, f in sorted(observer.get_flags(uids).items())]
    assert b"GDPR_erasure" in flags[0] and b"GDPR_objection_marketing" in flags[1]
    assert b"GDPR_other" in flags[2]
    assert all(b"GDPR_triaged" in f for f in flags)
    assert all(b"\\Seen" not in f for f in flags), "agents must still see the mail as new"
    assert observer.search(["KEYWORD", "GDPR_erasure"]) == [uids[0]]
    assert count(factory, Case) == 2  # the invoice opens no case
    with transaction(factory) as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        reply, suggestion = suggested_reply(session, case)
        assert "Ley 10/2010" in reply.body_suggested and suggestion.deadline == case.deadline
    client.logout()
    observer.logout()


def test_restart_resumes_without_loss_or_duplicates(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    for n in range(5):
        client.append("INBOX", mail(n))
    config = config_for(mailboxes)
    Worker(config, factory).run_once()
    for n in range(5, 8):
        client.append("INBOX", mail(n))
    Worker(config, factory).run_once()  # a new process: only the cursor in the database remembers
    Worker(config, factory).run_once()
    assert count(factory) == 8
    assert count(factory, MessageLocation) == 8
    client.select_folder("INBOX", readonly=True)
    with factory() as session:
        assert repo.get_cursor(session, "derechos", "INBOX").last_uid == max(client.search("ALL"))
    client.logout()


def test_same_message_to_both_mailboxes_is_one_case_noting_both(mailboxes, factory):
    raw = mail(1)
    for who in USERS:
        c = connect(mailboxes, who)
        c.append("INBOX", raw)
        c.logout()
    Worker(config_for(mailboxes, accounts=("derechos", "dpo")), factory).run_once()
    assert count(factory) == 1 and count(factory, Case) == 1
    with factory() as session:
        case = session.scalars(select(Case)).one()
        assert sorted(case.mailboxes) == ["derechos@test.local", "dpo@test.local"]
        assert count(factory, MessageLocation) == 2


def test_uidvalidity_change_is_handled_without_duplicates(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    client.create_folder("Solicitudes")
    raws = [mail(n) for n in range(3)]
    for raw in raws:
        client.append("Solicitudes", raw)
    config = config_for(mailboxes, folders="INBOX,Solicitudes")
    Worker(config, factory).run_once()
    first_validity = client.select_folder("Solicitudes")[b"UIDVALIDITY"]
    client.select_folder("INBOX")
    client.delete_folder("Solicitudes")  # recreated: a new UIDVALIDITY (RFC 3501 §2.3.1.1)
    client.create_folder("Solicitudes")
    for raw in [*raws, mail(9)]:
        client.append("Solicitudes", raw)
    second_validity = client.select_folder("Solicitudes")[b"UIDVALIDITY"]
    assert second_validity != first_validity
    stats = Worker(config, factory).run_once()["derechos"]
    assert stats.uidvalidity_resets == 1
    assert count(factory) == 4
    with factory() as session:
        cursor = repo.get_cursor(session, "derechos", "Solicitudes")
        assert (cursor.uidvalidity, cursor.last_uid) == (second_validity, 4)
    client.logout()


def test_malformed_and_hostile_messages_are_kept_and_never_block(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    fixtures = sorted(FIXTURES.glob("*.eml"))
    for path in fixtures:
        client.append("INBOX", path.read_bytes())
    huge = EmailMessage()
    huge["From"] = "big@example.net"
    huge["Subject"] = "Copia de mis datos"
    huge["Message-ID"] = "<huge@example.net>"
    huge.set_content("Solicito una copia de mis datos personales; adjunto mi pasaporte.")
    huge.add_attachment(b"\0" * (20 * 1024 * 1024), maintype="application", subtype="pdf", filename="pasaporte.pdf")
    client.append("INBOX", huge.as_bytes())
    client.append("INBOX", mail(1))
    Worker(config_for(mailboxes), factory).run_once()

    assert count(factory, MessageLocation) == len(fixtures) + 2, "every message is recorded, none lost"
    with factory() as session:
        by_mid = {m.message_id: m for m in session.scalars(select(Message))}
        garbage = session.scalars(select(Message).where(Message.status == MessageStatus.QUARANTINED)).all()
        assert [m.error for m in garbage] == ["no headers: not an RFC 822 message"]
        big = by_mid["<huge@example.net>"]
        assert big.status == MessageStatus.CLASSIFIED and big.has_id_document
        assert big.attachments[0]["size"] == 20 * 1024 * 1024
        html = by_mid["<htmlonly@example.net>"]
        assert "<script" not in html.body_html and "onclick" not in html.body_html
        assert "tracker.example" not in html.body_html and "javascript:" not in html.body_html
        injected = by_mid["<injection@example.net>"]
        assert "\n" not in injected.subject and "\r" not in injected.subject
        assert by_mid["<wrongcharset@example.net>"].body_text.startswith("Quiero que borréis")
        assert by_mid["<emptybody@example.net>"].status == MessageStatus.CLASSIFIED
        assert by_mid["<fwdattach@example.net>"].classifications[-1].labels == ["erasure"]
    client.logout()


def test_dovecot_restarted_mid_ingestion_every_message_once(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    total = 400
    client.multiappend("INBOX", [mail(n) for n in range(total)])
    client.select_folder("INBOX", readonly=True)
    server_uids = sorted(client.search("ALL"))
    client.logout()
    config = config_for(mailboxes)
    worker = Worker(config, factory)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while count(factory) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert 0 < count(factory) < total, "restart must happen mid-ingestion"
    mailboxes.restart()
    while count(factory) < total and time.monotonic() < deadline + 60:
        time.sleep(0.2)
    worker.stop.set()
    thread.join(timeout=30)
    assert count(factory) == total
    assert count(factory, MessageLocation) == total
    with factory() as session:
        uids = session.scalars(select(MessageLocation.uid)).all()
        assert sorted(uids) == server_uids


def test_idle_picks_up_new_mail_within_a_second(mailboxes, factory):
    worker = Worker(config_for(mailboxes), factory)
    worker.pipeline.classify_pending()  # warm the model outside the timing
    from assistant.nlp.analyze import get_analyzer

    get_analyzer()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    time.sleep(1.0)  # first pass done, now waiting in IDLE
    client = connect(mailboxes, "derechos")
    client.append("INBOX", mail(1))
    appended = time.monotonic()
    while count(factory) == 0 and time.monotonic() - appended < 10:
        time.sleep(0.01)
    latency = time.monotonic() - appended
    worker.stop.set()
    thread.join(timeout=10)
    client.logout()
    assert count(factory) == 1
    assert latency < 1.0, f"IDLE pickup took {latency:.2f}s"


def _approve_first_reply(factory, account: str) -> OutboxItem:
    with transaction(factory) as session:
        reply, _ = suggested_reply(session, session.scalars(select(Case)).first())
        return repo.approve_reply(
            session, reply, body="Hola Ana, borraremos sus datos.", approved_by="agent", account=account
        )


def test_drafts_are_threaded_and_written_exactly_once(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    original = mail(1)
    client.append("INBOX", original)
    config = config_for(mailboxes)
    Worker(config, factory).run_once()
    item = _approve_first_reply(factory, "derechos@test.local")
    Worker(config, factory).run_once()

    client.select_folder("Drafts")
    uids = client.search(["HEADER", "Message-ID", item.draft_message_id])
    assert len(uids) == 1
    fetched = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])[uids[0]]
    assert b"\\Draft" in fetched[b"FLAGS"]
    draft = BytesParser(policy=default_policy).parsebytes(fetched[b"BODY[]"])
    source = BytesParser(policy=default_policy).parsebytes(original)
    assert draft["In-Reply-To"] == source["Message-ID"]
    assert source["Message-ID"] in draft["References"]
    assert draft["Subject"] == "Re: Supresión"
    assert draft["From"] == "derechos@test.local" and draft["To"] == "ana.gil@example.net"
    assert "borraremos sus datos" in draft.get_content()

    # The worker died after APPEND but before recording it: the row is pending again.
    with transaction(factory) as session:
        session.get(OutboxItem, item.id).status = "pending"
    Worker(config, factory).run_once()
    assert len(client.search(["HEADER", "Message-ID", item.draft_message_id])) == 1
    with factory() as session:
        assert session.get(OutboxItem, item.id).status == "done"
    client.logout()


def test_messages_move_to_label_folders_when_configured(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    client.append("INBOX", mail(1))
    Worker(config_for(mailboxes, IMAP_MOVE_TO_LABEL_FOLDERS="yes"), factory).run_once()
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    client.select_folder("GDPR/erasure")
    assert len(client.search(["KEYWORD", "GDPR_erasure"])) == 1
    client.logout()


def test_wrong_password_is_a_login_refusal(mailboxes):
    account = config_for(mailboxes).imap_accounts[0]
    from dataclasses import replace

    with pytest.raises(LoginRefused):
        Mailbox(replace(account, password="wrong")).connect()


def test_pipeline_store_is_idempotent(factory):
    pipeline = Pipeline(factory)
    raw = mail(1)
    with transaction(factory) as session:
        first = pipeline.store(session, raw, mailbox="derechos@test.local").id
        again = pipeline.store(session, raw, mailbox="dpo@test.local").id
    assert first == again
    assert pipeline.classify_pending() == 1
    assert pipeline.classify_pending() == 0


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def test_replies_are_sent_by_smtp_at_most_once_when_configured(mailboxes, factory):
    from aiosmtpd.controller import Controller
    from servers import free_port

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        client = connect(mailboxes, "derechos")
        original = mail(1)
        client.append("INBOX", original)
        config = config_for(mailboxes, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
        Worker(config, factory).run_once()
        item = _approve_first_reply(factory, "derechos@test.local")
        Worker(config, factory).run_once()
        Worker(config, factory).run_once()
        assert len(sink.envelopes) == 1, "sent once, never again"
        envelope = sink.envelopes[0]
        assert envelope.rcpt_tos == ["ana.gil@example.net"]
        sent = BytesParser(policy=default_policy).parsebytes(envelope.content)
        assert sent["In-Reply-To"] == BytesParser(policy=default_policy).parsebytes(original)["Message-ID"]
        assert sent["Message-ID"] == item.draft_message_id
        client.select_folder("Sent")
        assert len(client.search(["HEADER", "Message-ID", item.draft_message_id])) == 1
        with factory() as session:
            assert session.get(OutboxItem, item.id).status == "done"
        client.logout()
    finally:
        controller.stop()


def test_smtp_failure_is_recorded_not_retried_blindly(mailboxes, factory):
    from servers import free_port

    client = connect(mailboxes, "derechos")
    client.append("INBOX", mail(1))
    config = config_for(mailboxes, SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()))  # nothing listens
    Worker(config, factory).run_once()
    item = _approve_first_reply(factory, "derechos@test.local")
    Worker(config, factory).run_once()
    with factory() as session:
        stored = session.get(OutboxItem, item.id)
        assert stored.status == "failed" and "Refused" in stored.last_error
    client.logout()
