"""Case-level actions shared by the console, the API and the CLI (views and the worker stay thin).

The suggested reply is composed when someone first needs it, not at ingestion: the worker's path
stays short, and the suggestion uses the knowledge base current when the agent reads it. Once
composed it is stored, so what was suggested stays on record (GDPR Art. 5(2)).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .deadlines import deadline
from .mime import THREAD_PREFIX
from .replies import (
    ReplyContext,
    SuggestedReply,
    compose_reply,
    deadline_sentence,
    extension_letter,
    replace_deadline_sentence,
)
from .store import Case, CaseStatus, Classification, Message, Reply, ReplyStatus, repo


def latest_classification(session: Session, message: Message) -> Classification | None:
    return session.scalars(
        select(Classification)
        .where(Classification.message_pk == message.id)
        .order_by(Classification.id.desc())
        .limit(1)
    ).first()


def reply_context(session: Session, case: Case) -> ReplyContext:
    message = session.get(Message, case.message_pk)
    classification = latest_classification(session, message)
    entities = classification.entities if classification else {}
    context = ReplyContext.from_stored(
        labels=list(case.rights),
        language=case.language or "es",
        received=case.received_on,
        entities=entities,
        cleaned_text=f"{message.subject or ''}\n{message.body_text or ''}",
        has_id_document=message.has_id_document or case.id_received_on is not None,
        extended=case.extended,
    )
    if not context.requester_name and case.requester_name:  # the sender's display name: greet them by it
        context = replace(context, requester_name=case.requester_name)
    return context


def reply_subject(subject: str) -> str:
    """ "Re: " once, whatever prefixes the thread already carries.

    >>> reply_subject("RE: Fwd: R: Supresión")
    'Re: Supresión'
    """
    return f"Re: {THREAD_PREFIX.sub('', subject)}".strip()


def needs_new_reply(case: Case, latest: Reply) -> bool:
    """A case open again after its reply went out (the ID arrived, a follow-up asked for more, an
    agent reopened it) needs a new reply; the approved one stays on record as sent."""
    return latest.status == ReplyStatus.APPROVED and case.status == CaseStatus.OPEN


def suggested_reply(session: Session, case: Case) -> tuple[Reply, SuggestedReply]:
    """The case's reply row (composed and stored on first call) and the structured suggestion."""
    suggestion = compose_reply(reply_context(session, case))
    existing = session.scalars(select(Reply).where(Reply.case_id == case.id).order_by(Reply.id.desc())).first()
    if existing is not None and not needs_new_reply(case, existing):
        return existing, suggestion
    message = session.get(Message, case.message_pk)
    reply = repo.add_reply(
        session,
        case,
        language=suggestion.language,
        subject=reply_subject(message.subject or ""),
        body=suggestion.text,
        citations=suggestion.citations,
        knowledge_version=suggestion.knowledge_version,
    )
    session.flush()
    return reply, suggestion


def extended_deadline(case: Case) -> date:
    """The date the case would be due once extended (shown to the agent before confirming)."""
    return deadline(case.received_on, extended=True)


def extend_deadline(session: Session, case: Case, actor: str, reason: str = "") -> SuggestedReply:
    """GDPR Art. 12(3): two more months; returns the letter that tells the requester why.

    The reply not yet approved gets the extension notice, with ``reason``, in place of its deadline
    sentence: the requester must hear of the extension and its reasons within the first month.
    Without a reason the notice keeps ``[[extension_reason]]``, which blocks approval until filled.
    """
    case.extended = True
    case.deadline = extended_deadline(case)
    reply, _ = suggested_reply(session, case)
    if reply.status != ReplyStatus.APPROVED:
        notice = deadline_sentence(reply.language, case.deadline, extended=True, reason=reason)
        reply.body_final = replace_deadline_sentence(reply.body_final or reply.body_suggested, reply.language, notice)
        reply.status = ReplyStatus.EDITED
    repo.audit(
        session, actor, "deadline_extended", case_id=case.id, deadline=case.deadline.isoformat(), reason=reason[:500]
    )
    return extension_letter(reply_context(session, case))
