"""Case actions refuse with domain errors (assistant/cases.py), which the API and the console word
for their readers: the rules are tested here once, without HTTP."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import select

from assistant.cases import (
    CaseConflict,
    CaseInvalid,
    CaseNotFound,
    InvalidRights,
    RightsUnchanged,
    approve_reply,
    extend_deadline,
    get_case,
    register_rows,
    save_reply_edit,
    set_status,
)
from assistant.replies import deadline_sentence
from assistant.store import AuditEvent, Case, CaseStatus, Message, session_factory, transaction


@pytest.fixture
def session(engine):
    with transaction(session_factory(engine)) as session:
        yield session


def _case(session, rights: list[str] | None = None) -> Case:
    message = Message(content_sha256=f"{time.time_ns():064d}", subject="Mis datos", from_addr="a@example.net",
                      body_text="Quiero acceder a mis datos.")  # fmt: skip
    session.add(message)
    session.flush()
    case = Case(message_pk=message.id, rights=rights or ["access"], language="es", received_on=date(2026, 3, 2),
                deadline=date(2026, 4, 2), mailboxes=["derechos"])  # fmt: skip
    session.add(case)
    session.flush()
    return case


def test_an_unknown_case_is_not_found(session):
    with pytest.raises(CaseNotFound) as refused:
        get_case(session, 424242)
    assert refused.value.details == {"case_id": 424242} and refused.value.kind == "not_found"


def test_status_changes_are_audited_and_a_repeat_is_a_conflict(session):
    case = _case(session)
    set_status(session, case, CaseStatus.CLOSED, "ana")
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    with pytest.raises(CaseConflict):
        set_status(session, case, CaseStatus.CLOSED, "ana")
    with pytest.raises(CaseInvalid):
        set_status(session, case, "lost", "ana")
    set_status(session, case, CaseStatus.OPEN, "ana")
    assert case.closed_at is None
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)).all()
    assert actions == ["status_changed", "status_changed"]


def test_a_reply_with_places_to_fill_or_another_date_is_invalid(session):
    case = _case(session)
    with pytest.raises(CaseInvalid) as refused:
        approve_reply(session, case, "Hola [[requester_name]]", "ana")
    assert refused.value.kind == "placeholders"
    save_reply_edit(session, case, "Hola Ana.\n" + deadline_sentence("es", date(2026, 4, 9), extended=False), "ana")
    with pytest.raises(CaseInvalid) as refused:
        approve_reply(session, case, None, "ana")
    assert refused.value.kind == "stale_deadline" and refused.value.details["deadline"] == date(2026, 4, 2)
    assert refused.value.details["sentence"] in deadline_sentence("es", date(2026, 4, 9), extended=False)


def test_an_approved_reply_can_be_neither_edited_nor_approved_again(session):
    case = _case(session)
    item = approve_reply(session, case, "Adjuntamos sus datos.", "ana")
    assert item.id and case.status == CaseStatus.ANSWERED
    for action in (lambda: save_reply_edit(session, case, "otro", "ana"),
                   lambda: approve_reply(session, case, "otro", "ana")):  # fmt: skip
        with pytest.raises(CaseConflict) as refused:
            action()
        assert refused.value.kind == "approved"


def test_the_deadline_is_extended_once(session):
    case = _case(session)
    extend_deadline(session, case, "ana", "many files")
    with pytest.raises(CaseConflict) as refused:
        extend_deadline(session, case, "ana", "again")
    assert refused.value.kind == "already_extended"


def test_rights_errors_are_invalid_or_conflicts(session):
    from assistant.cases import correct_rights

    case = _case(session)
    for bad in (["acces"], []):
        with pytest.raises(InvalidRights):
            correct_rights(session, case, bad, "ana")
    with pytest.raises(RightsUnchanged):
        correct_rights(session, case, ["access"], "ana")
    assert issubclass(InvalidRights, CaseInvalid) and issubclass(RightsUnchanged, CaseConflict)


def test_the_register_has_a_row_per_case_in_column_order(session):
    first, second = _case(session), _case(session, ["erasure", "objection"])
    rows = register_rows(session)
    assert [row[0] for row in rows] == [str(first.id), str(second.id)]
    assert rows[1][1:5] == ["2026-03-02", "2026-04-02", "False", "erasure objection"]
