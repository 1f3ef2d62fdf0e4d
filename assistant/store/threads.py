"""Finding the case a message continues (issue #15): the queries behind ``assistant.conversations``.

One query per kind of link for a whole batch of messages, so threading adds a constant number of
round trips to a classification batch, not one per message.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..conversations import THREAD_WINDOW, header_refs, same_thread_by_subject
from .models import Case, CaseMessage, CaseStatus, JoinedBy, Message, OutboxItem, Reply

THREADABLE = (CaseStatus.OPEN, CaseStatus.WAITING_ID)  # the subject fallback only joins live cases


def cases_by_message_id(session: Session, ids: set[str]) -> dict[str, int]:
    """Case ids by the Message-IDs of their messages and of the replies we wrote for them."""
    if not ids:
        return {}
    found: dict[str, int] = {}
    ours = select(OutboxItem.draft_message_id, Reply.case_id).join(Reply, Reply.id == OutboxItem.reply_id)
    for message_id, case_id in session.execute(ours.where(OutboxItem.draft_message_id.in_(ids))):
        found[message_id] = case_id
    theirs = (
        select(Message.message_id, CaseMessage.case_id)
        .join(CaseMessage, CaseMessage.message_pk == Message.id)
        .where(Message.message_id.in_(ids), Message.id_conflict.is_(False))  # a reused ID proves nothing
    )
    for message_id, case_id in session.execute(theirs):
        found.setdefault(message_id, case_id)
    return found


def find_threads(session: Session, messages: Sequence[Message]) -> dict[int, tuple[int, str]]:
    """For each message that continues a stored case: ``{message.id: (case_id, joined_by)}``."""
    refs = {m.id: header_refs(m.in_reply_to, m.references or ()) for m in messages}
    by_id = cases_by_message_id(session, {r for rs in refs.values() for r in rs})
    threads: dict[int, tuple[int, str]] = {}
    for message in messages:
        for ref in refs[message.id]:
            if ref in by_id:
                threads[message.id] = (by_id[ref], JoinedBy.HEADERS)
                break
    rest = [m for m in messages if m.id not in threads and m.from_addr and m.subject]
    if not rest:
        return threads
    senders = {m.from_addr.casefold() for m in rest}
    earliest = min(m.received_at for m in rest) - THREAD_WINDOW
    candidates = session.execute(
        select(CaseMessage.case_id, Message.id, Message.from_addr, Message.subject, Message.received_at)
        .join(Message, Message.id == CaseMessage.message_pk)
        .join(Case, Case.id == CaseMessage.case_id)
        .where(func.lower(Message.from_addr).in_(senders), Case.status.in_(THREADABLE), Message.received_at >= earliest)
        .order_by(Message.received_at.desc())
    ).all()
    for message in rest:
        for case_id, pk, sender, subject, received in candidates:
            if pk != message.id and same_thread_by_subject(
                sender=message.from_addr, subject=message.subject, received=message.received_at,
                other_sender=sender, other_subject=subject, other_received=received,
            ):  # fmt: skip
                threads[message.id] = (case_id, JoinedBy.SUBJECT)
                break
    return threads
