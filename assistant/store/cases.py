"""Case rows: opening or updating a case from a classified message, the queue's query, assignment,
internal notes and the reply rows of a case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .audit import audit
from .models import (
    Case,
    CaseMessage,
    CaseNote,
    CaseStatus,
    Message,
    Reply,
)


@dataclass(frozen=True)
class Requester:
    name: str | None = None
    email: str | None = None
    id_number: str | None = None
    id_number_valid: bool | None = None
    policy_number: str | None = None


def open_or_update_case(
    session: Session,
    message: Message,
    *,
    rights: Iterable[str],
    language: str,
    requester: Requester,
    received_on: date,
    deadline: date,
    lookup: bool = True,
) -> Case:
    """One case per message; a re-classification updates rights but keeps status and deadline.

    ``lookup=False``: the caller knows the message has no case yet (a batch looked them up at once).
    """
    case = session.scalars(select(Case).where(Case.message_pk == message.id)).first() if lookup else None
    if case is None:
        case = Case(
            message_pk=message.id,
            received_on=received_on,
            deadline=deadline,
            status=CaseStatus.OPEN,
        )
        session.add(case)
    case.rights = list(rights)
    case.language = language
    case.requester_name = requester.name
    case.requester_email = requester.email
    case.id_number = requester.id_number
    case.id_number_valid = requester.id_number_valid
    case.policy_number = requester.policy_number
    case.mailboxes = list(message.mailboxes)
    return case


def list_cases(
    session: Session,
    *,
    label: str | None = None,
    language: str | None = None,
    status: str | None = None,
    deadline_before: date | None = None,
    search: str | None = None,
    assigned_to: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Case]:
    """Cases for the queue, soonest deadline first. Label filtering runs in Python: JSON
    containment differs between SQLite and PostgreSQL and the queue is small.

    ``search`` looks in the subject, the sender, the requester's e-mail and ID number, and the case
    number ("123" or "#123").
    """
    query = select(Case).order_by(Case.deadline, Case.id)
    if search and search.strip():
        needle = search.strip().casefold()
        query = query.join(Message, Message.id == Case.message_pk)
        found = [
            func.lower(column).contains(needle, autoescape=True)
            for column in (Message.subject, Message.from_addr, Case.requester_email, Case.id_number)
        ]
        if needle.lstrip("#").isdigit() and len(needle) < 10:
            found.append(Case.id == int(needle.lstrip("#")))
        query = query.where(or_(*found))
    if assigned_to:
        query = query.where(Case.assigned_to == assigned_to)
    if language:
        query = query.where(Case.language == language)
    if status:
        query = query.where(Case.status == status)
    if deadline_before:
        query = query.where(Case.deadline < deadline_before)
    cases = list(session.scalars(query))
    if label:
        cases = [c for c in cases if label in (c.rights or [])]
    return cases[offset : offset + limit]


def assign(session: Session, case: Case, username: str | None, actor: str) -> None:
    """Give the case to a colleague (or to nobody); the trail keeps who had it before."""
    previous = case.assigned_to
    case.assigned_to = username or None
    audit(session, actor, "case_assigned", case_id=case.id, previous=previous, assigned_to=case.assigned_to)


def add_note(session: Session, case: Case, author: str, body: str) -> CaseNote:
    """An internal note: for colleagues only, never part of a reply."""
    note = CaseNote(case_id=case.id, author=author, body=body)
    session.add(note)
    session.flush()
    return note


def conversation_sizes(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """How many messages each case's conversation has (for the queue's one line per conversation)."""
    rows = session.execute(
        select(CaseMessage.case_id, func.count()).where(CaseMessage.case_id.in_(case_ids)).group_by(CaseMessage.case_id)
    )
    return {case_id: count for case_id, count in rows}


def add_reply(
    session: Session,
    case: Case,
    *,
    language: str,
    subject: str,
    body: str,
    citations: list[dict[str, Any]],
    knowledge_version: str,
) -> Reply:
    reply = Reply(
        case=case,
        language=language,
        subject=subject,
        body_suggested=body,
        citations=citations,
        knowledge_version=knowledge_version,
    )
    session.add(reply)
    return reply
