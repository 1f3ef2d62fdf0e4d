"""Cases are conversations (issue #15), against the real Dovecot: follow-ups join their case and
change it; other mail does not."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select
from test_ingest import config_for, connect, wipe

from assistant.cases import RightsError, correct_rights, recompose_reply, recomposition, suggested_reply
from assistant.conversations import deadline_basis, follow_up, subject_key
from assistant.deadlines import deadline
from assistant.store import (
    AuditEvent,
    Case,
    CaseMessage,
    CaseStatus,
    JoinedBy,
    Message,
    Reply,
    repo,
    session_factory,
    transaction,
)
from mail_ingest.worker import Worker

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def letter(
    body: str,
    subject: str,
    *,
    sender: str = "ana.gil@example.net",
    in_reply_to: str | None = None,
    date_header: str = "Tue, 10 Mar 2026 10:00:00 +0100",
    id_document: bool = False,
) -> tuple[bytes, str]:
    """A message and its Message-ID."""
    msg = EmailMessage()
    msg["From"] = f"Requester <{sender}>"
    msg["To"] = "derechos@test.local"
    msg["Subject"] = subject
    message_id = f"<c{time.time_ns()}@example.net>"
    msg["Message-ID"] = message_id
    msg["Date"] = date_header
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    if id_document:
        msg.add_attachment(PNG, maintype="image", subtype="png", filename="dni_ana.png")
    return msg.as_bytes(), message_id


@pytest.fixture
def mailboxes(dovecot):
    wipe(dovecot)
    yield dovecot
    wipe(dovecot)


@pytest.fixture
def factory(engine):
    return session_factory(engine)


def cases(factory) -> list[Case]:
    with factory() as session:
        found = list(session.scalars(select(Case).order_by(Case.id)))
        session.expunge_all()
        return found


def conversation(factory, case_id: int) -> list[tuple[str, list[str], list[str]]]:
    with factory() as session:
        rows = session.scalars(select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id))
        return [(r.joined_by, list(r.added_rights), list(r.effects)) for r in rows]


ACCESS = "Quiero ejercer mi derecho de acceso: enviadme una copia de todos mis datos personales."


def test_id_reply_to_our_draft_joins_its_case_and_reopens_it(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    raw, _ = letter(ACCESS, "Acceso a mis datos")
    client.append("INBOX", raw, msg_time=datetime(2026, 3, 10, 10, tzinfo=UTC))  # the server's receipt date
    config = config_for(mailboxes)
    Worker(config, factory).run_once()
    [case] = cases(factory)
    with transaction(factory) as session:  # the agent asks for the ID document and approves the reply
        case = session.get(Case, case.id)
        case.status = CaseStatus.WAITING_ID
        reply, _ = suggested_reply(session, case)
        item = repo.approve_reply(session, reply, body="Envíenos su DNI.", approved_by="agent", account="")
        draft_id = item.draft_message_id
    Worker(config, factory).run_once()  # writes the draft
    client.select_folder("Drafts")
    assert client.search(["HEADER", "Message-ID", draft_id])
    with factory() as session:
        assert session.get(Case, case.id).status == CaseStatus.WAITING_ID, "asking for the ID is not the answer"

    answer, answer_id = letter("Aquí tienen mi DNI.", "Re: Acceso a mis datos", in_reply_to=draft_id, id_document=True,
                       date_header="Fri, 20 Mar 2026 10:00:00 +0100")  # fmt: skip
    client.append("INBOX", answer, msg_time=datetime(2026, 3, 20, 10, tzinfo=UTC))
    Worker(config, factory).run_once()

    [after] = cases(factory)
    assert after.id == case.id
    assert after.status == CaseStatus.OPEN
    assert (after.received_on, after.id_received_on) == (date(2026, 3, 10), date(2026, 3, 20))
    assert after.deadline == deadline(date(2026, 3, 20)) > deadline(after.received_on)
    assert conversation(factory, case.id) == [(JoinedBy.ORIGIN, [], []), (JoinedBy.HEADERS, [], ["id_received"])]
    with transaction(factory) as session:
        reply, _ = suggested_reply(session, session.get(Case, case.id))
        assert reply.status == "suggested", "the reopened case gets a new reply; the sent one stays on record"
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "follow_up"))
        second = repo.approve_reply(session, reply, body="Adjuntamos sus datos.", approved_by="agent", account="")
    Worker(config, factory).run_once()
    client.select_folder("Drafts")
    [uid] = client.search(["HEADER", "Message-ID", second.draft_message_id])
    draft = client.fetch([uid], ["BODY.PEEK[HEADER.FIELDS (IN-REPLY-TO)]"])[uid]
    assert answer_id.encode() in next(v for k, v in draft.items() if k.startswith(b"BODY")), "under the ID reply"
    client.logout()


def test_follow_up_adding_erasure_adds_the_right(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    raw, first_id = letter(ACCESS, "Mis datos")
    client.append("INBOX", raw)
    config = config_for(mailboxes)
    Worker(config, factory).run_once()
    more, _ = letter(
        "Además, quiero que borréis todos mis datos personales de vuestros ficheros.", "Re: Mis datos",
        in_reply_to=first_id,
    )  # fmt: skip
    client.append("INBOX", more)
    Worker(config, factory).run_once()
    [case] = cases(factory)
    assert "access" in case.rights and "erasure" in case.rights
    assert conversation(factory, case.id)[1] == (JoinedBy.HEADERS, ["erasure"], [])
    client.logout()


def test_same_subject_from_another_sender_does_not_join(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    client.append("INBOX", letter(ACCESS, "Solicitud de acceso")[0])
    client.append("INBOX", letter(ACCESS, "Solicitud de acceso", sender="luis.mora@example.org")[0])
    Worker(config_for(mailboxes), factory).run_once()
    assert len(cases(factory)) == 2
    client.logout()


def test_same_sender_and_subject_join_without_headers_but_a_quote_alone_does_not(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    config = config_for(mailboxes)
    client.append("INBOX", letter(ACCESS, "Solicitud de acceso")[0])
    Worker(config, factory).run_once()
    client.append("INBOX", letter("Borrad también todos mis datos, por favor.", "RE: solicitud de  acceso")[0])
    quoting = f"Quiero que borréis mis datos.\n\n> {ACCESS}\n"  # quotes the first mail, new subject, no headers
    client.append("INBOX", letter(quoting, "Otra cosa")[0])
    Worker(config, factory).run_once()
    first, second = cases(factory)
    assert [j for j, _, _ in conversation(factory, first.id)] == [JoinedBy.ORIGIN, JoinedBy.SUBJECT]
    assert "erasure" in first.rights
    assert conversation(factory, second.id) == [(JoinedBy.ORIGIN, [], [])]
    client.logout()


def test_follow_ups_in_one_batch_and_a_complaint_escalates(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    raw, first_id = letter(ACCESS, "Acceso")
    client.append("INBOX", raw)
    grievance = "Os pedí acceso a mis datos hace un mes y todavía nada. Presentaré una reclamación ante la AEPD."
    client.append("INBOX", letter(grievance, "Re: Acceso", in_reply_to=first_id)[0])
    Worker(config_for(mailboxes), factory).run_once()
    [case] = cases(factory)
    assert case.escalated
    assert "escalated" in conversation(factory, case.id)[1][2]
    client.logout()


@pytest.mark.parametrize(
    ("rights", "status", "labels", "brings_id", "expected"),
    [
        (["access"], "open", ["access", "erasure"], False, (["erasure"], False, False, False)),
        (["access"], "waiting_id", ["other"], True, ([], True, False, False)),
        (["access"], "open", ["complaint"], False, ([], False, True, False)),
        (["access"], "open", ["access"], False, ([], False, True, False)),  # asked again: a reminder
        (["access"], "answered", ["erasure"], False, (["erasure"], False, False, True)),
        (["access"], "open", ["other"], False, ([], False, False, False)),  # "thank you"
    ],
)
def test_follow_up_effects(rights, status, labels, brings_id, expected):
    outcome = follow_up(case_rights=rights, case_status=status, labels=labels, brings_id=brings_id)
    assert (outcome.added_rights, outcome.id_received, outcome.escalated, outcome.reopen) == expected


def test_deadline_runs_from_the_identity_document_when_it_was_asked_for():
    basis = deadline_basis(received_on=date(2026, 3, 10), id_received_on=date(2026, 3, 20), extended=False)
    assert (basis.due, basis.reason, basis.rule_id) == (date(2026, 4, 20), "identity_received", "gdpr.art12_3_identity")
    plain = deadline_basis(received_on=date(2026, 3, 10), id_received_on=None, extended=False)
    assert (plain.due, plain.reason) == (date(2026, 4, 10), "received")


def test_subject_key_ignores_prefixes_case_and_spacing():
    assert subject_key("RE: Fwd: Solicitud  de ACCESO") == subject_key("solicitud de acceso")
    assert subject_key("Re:") == ""


def test_corrected_rights_are_the_keywords_on_the_server_seen_from_another_connection(mailboxes, factory):
    client = connect(mailboxes, "derechos")
    client.append("INBOX", letter("Por favor, borrad todos mis datos personales.", "Mis datos")[0])
    config = config_for(mailboxes)
    Worker(config, factory).run_once()
    [case] = cases(factory)
    assert case.rights == ["erasure"]
    with transaction(factory) as session:
        change = correct_rights(session, session.get(Case, case.id), ["access", "rectification"], "ana", "misread")
        assert (change["added"], change["removed"]) == (["access", "rectification"], ["erasure"])
    stats = Worker(config, factory).run_once()["derechos"]
    assert stats.marked == 1

    observer = connect(mailboxes, "derechos")
    observer.select_folder("INBOX", readonly=True)
    [uid] = observer.search("ALL")
    flags = set(observer.get_flags([uid])[uid])
    assert {b"GDPR_access", b"GDPR_rectification", b"GDPR_triaged"} <= flags
    assert b"GDPR_erasure" not in flags
    assert observer.search(["KEYWORD", "GDPR_erasure"]) == []
    with factory() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "rights_corrected"))
        assert (event.actor, event.detail["before"], event.detail["reason"]) == ("ana", ["erasure"], "misread")
    observer.logout()
    client.logout()


def test_correction_refuses_labels_outside_the_taxonomy_and_empty_sets(factory):
    with transaction(factory) as session:
        case = Case(message_pk=_stored_message(session), rights=["access"], received_on=date(2026, 3, 2),
                    deadline=date(2026, 4, 2))  # fmt: skip
        session.add(case)
        session.flush()
        for bad in (["acces"], [], ["access"]):
            with pytest.raises(RightsError):
                correct_rights(session, case, bad, "ana")


def test_recomposing_shows_the_difference_and_keeps_the_agents_edit_on_record(factory):
    with transaction(factory) as session:
        case = Case(message_pk=_stored_message(session), rights=["access"], language="es",
                    received_on=date(2026, 3, 2), deadline=date(2026, 4, 2))  # fmt: skip
        session.add(case)
        session.flush()
        reply, _ = suggested_reply(session, case)
        reply.body_final = reply.body_suggested + "\nUn saludo de Ana."
        correct_rights(session, case, ["erasure"], "ana")
        preview = recomposition(session, case)
        assert preview.differs
        assert ("-", "Un saludo de Ana.") in preview.diff and any(op == "+" for op, _ in preview.diff)
        fresh = recompose_reply(session, case, "ana")
        assert fresh.id != reply.id and fresh.body_suggested == preview.proposed
        assert suggested_reply(session, case)[0].id == fresh.id
        assert "Un saludo de Ana." in session.get(Reply, reply.id).body_final, "the edited text stays on record"


def _stored_message(session) -> int:
    message = Message(content_sha256=f"{time.time_ns():064d}", subject="Mis datos", from_addr="a@example.net",
                      body_text="Quiero acceder a mis datos.")  # fmt: skip
    session.add(message)
    session.flush()
    return message.id
