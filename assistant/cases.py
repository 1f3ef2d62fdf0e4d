"""Case-level actions shared by the console, the API and the CLI (views and the worker stay thin).

A refused action raises a ``CaseError`` (not found, conflict with the case's state, invalid request);
the API and the console each turn it into their answer, so the rules live here once.

The suggested reply is composed when someone first needs it, not at ingestion: the worker's path
stays short, and the suggestion uses the knowledge base current when the agent reads it. Once
composed it is stored, so what was suggested stays on record (GDPR Art. 5(2)).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.base import load as load_knowledge

from .conversations import DeadlineBasis, deadline_basis
from .deadlines import deadline
from .mime import THREAD_PREFIX
from .replies import (
    ReplyContext,
    SuggestedReply,
    compose_reply,
    deadline_sentence,
    extension_letter,
    replace_deadline_sentence,
    stale_deadline_sentence,
)
from .store import (
    AuditEvent,
    Case,
    CaseMessage,
    CaseNote,
    CaseStatus,
    Classification,
    JoinedBy,
    Message,
    OutboxItem,
    Reply,
    ReplyStatus,
    repo,
)


class CaseError(Exception):
    """A case action refused by one of the case's rules. ``kind`` names the rule, so each surface can
    word it for its readers; ``details`` holds what the wording needs (a date, a sentence)."""

    def __init__(self, message: str, kind: str = "", **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.details = details


class CaseNotFound(CaseError):
    """No case has this id (HTTP 404)."""


class CaseConflict(CaseError):
    """The case's present state forbids the action: already approved, extended, in that status (HTTP 409)."""


class CaseInvalid(CaseError):
    """The request breaks a rule whatever the state: unfilled [[places]], a wrong date, an unknown right (HTTP 422)."""


def get_case(session: Session, case_id: int) -> Case:
    """The case, or ``CaseNotFound``: the one lookup the API and the console share."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"no case {case_id}", "not_found", case_id=case_id)
    return case


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
    return _store_suggestion(session, case, suggestion), suggestion


def _store_suggestion(session: Session, case: Case, suggestion: SuggestedReply) -> Reply:
    """A suggested reply saved as the case's newest reply row (the one way a suggestion is stored)."""
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
    return reply


def extended_deadline(case: Case) -> date:
    """The date the case would be due once extended (shown to the agent before confirming)."""
    return deadline(case.received_on, extended=True)


def extend_deadline(session: Session, case: Case, actor: str, reason: str = "") -> SuggestedReply:
    """GDPR Art. 12(3): two more months; returns the letter that tells the requester why.

    The reply not yet approved gets the extension notice, with ``reason``, in place of its deadline
    sentence: the requester must hear of the extension and its reasons within the first month.
    Without a reason the notice keeps ``[[extension_reason]]``, which blocks approval until filled.
    """
    if case.extended:
        raise CaseConflict(
            "the deadline was already extended (GDPR Art. 12(3) allows it once, by two months)", "already_extended"
        )
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


# --- conversations (issue #15) ------------------------------------------------------------------

TIMELINE_ACTIONS = frozenset(
    {"status_changed", "rights_corrected", "deadline_extended", "case_closed_reason", "reply_recomposed",
     "draft_written", "reply_sent", "case_assigned"}
)  # fmt: skip


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a case's conversation, for the case page and the API: a message that arrived,
    a reply we approved, or something an agent or the worker did."""

    at: datetime
    kind: str  # "message", "reply" or "event"
    message: Message | None = None
    link: CaseMessage | None = None
    classification: Classification | None = None
    reply: Reply | None = None
    event: AuditEvent | None = None
    note: CaseNote | None = None  # internal: never sent


def case_messages(session: Session, case: Case) -> list[tuple[CaseMessage, Message, Classification | None]]:
    """The conversation's messages, oldest first, each with how it joined and its latest classification."""
    links = list(session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id)))
    if not links:  # a case stored before conversations existed has one message
        links = [
            CaseMessage(
                case_id=case.id, message_pk=case.message_pk, joined_by=JoinedBy.ORIGIN, added_rights=[], effects=[]
            )
        ]
    pks = [link.message_pk for link in links]
    messages = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(pks)))}
    latest: dict[int, Classification] = {}
    for c in session.scalars(
        select(Classification).where(Classification.message_pk.in_(pks)).order_by(Classification.id)
    ):
        latest[c.message_pk] = c
    rows = [(link, messages[link.message_pk], latest.get(link.message_pk)) for link in links]
    return sorted(rows, key=lambda row: (row[1].received_at, row[1].id))


def timeline(session: Session, case: Case) -> list[TimelineEntry]:
    """Messages, our approved replies, the case's status changes and internal notes, oldest first."""
    entries = [
        TimelineEntry(at=m.received_at, kind="message", message=m, link=link, classification=c)
        for link, m, c in case_messages(session, case)
    ]
    for reply in session.scalars(select(Reply).where(Reply.case_id == case.id, Reply.approved_at.is_not(None))):
        entries.append(TimelineEntry(at=reply.approved_at, kind="reply", reply=reply))
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.action.in_(TIMELINE_ACTIONS))
        .order_by(AuditEvent.id)
    )
    entries.extend(TimelineEntry(at=e.at, kind="event", event=e) for e in events)
    notes = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))
    entries.extend(TimelineEntry(at=n.created_at, kind="note", note=n) for n in notes)
    return sorted(entries, key=lambda e: e.at)


def case_deadline_basis(case: Case) -> DeadlineBasis:
    return deadline_basis(received_on=case.received_on, id_received_on=case.id_received_on, extended=case.extended)


class RightsError(CaseError):
    """A rights correction refused; ``kind`` is "unknown" or "empty" (invalid), "unchanged" (conflict)."""


class InvalidRights(RightsError, CaseInvalid):
    """Rights outside the taxonomy, or none at all."""


class RightsUnchanged(RightsError, CaseConflict):
    """The case already has exactly these rights."""


def taxonomy() -> list[str]:
    return [label.id for label in load_knowledge().labels]


def correct_rights(session: Session, case: Case, rights: list[str], actor: str, reason: str = "") -> dict[str, Any]:
    """An agent sets the case's rights (GDPR Art. 5(2): who, when, before, after and why are
    recorded). The case's first message is marked again on the IMAP server by the worker."""
    known = taxonomy()
    unknown = [r for r in rights if r not in known]
    if unknown:
        raise InvalidRights(f"not in the taxonomy: {', '.join(unknown)}", "unknown")
    after = [label for label in known if label in set(rights)]  # taxonomy order, no duplicates
    if not after:
        raise InvalidRights(
            "a case needs at least one label (use 'other' for a message that is not a request)", "empty"
        )
    before = list(case.rights)
    if set(after) == set(before):
        raise RightsUnchanged("the case already has these rights", "unchanged")
    case.rights = after
    change = {
        "before": before,
        "after": after,
        "added": [r for r in after if r not in before],
        "removed": [r for r in before if r not in after],
        "reason": " ".join(reason.split())[:500],
    }
    repo.audit(session, actor, "rights_corrected", case_id=case.id, **change)
    repo.remark_message(session, case.message_pk)
    repo.set_gold(session, case, after, actor, "correct")  # an agent's correction is gold (issue #16)
    return change


@dataclass(frozen=True)
class Recomposition:
    """The suggestion for the case as it now stands, and how it differs from the reply on file."""

    current: str
    proposed: str
    diff: list[tuple[str, str]]  # ("-", line) removed, ("+", line) added, (" ", line) kept

    @property
    def differs(self) -> bool:
        return self.current != self.proposed


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line by line, what recomposing would remove and add.

    >>> line_diff("a\\nb", "a\\nc")
    [(' ', 'a'), ('-', 'b'), ('+', 'c')]
    """
    return [(line[0], line[2:]) for line in difflib.ndiff(old.splitlines(), new.splitlines()) if line[0] in " -+"]


def recomposition(session: Session, case: Case) -> Recomposition:
    """What recomposing would change, shown before the agent chooses (their edits are not lost unseen)."""
    reply, suggestion = suggested_reply(session, case)
    current = reply.body_final or reply.body_suggested
    return Recomposition(current, suggestion.text, line_diff(current, suggestion.text))


def recompose_reply(session: Session, case: Case, actor: str) -> Reply:
    """The agent chose to recompose: a new suggested reply for the case's current rights. The
    previous one (and the agent's edits of it) stays on record as its own row."""
    reply, suggestion = suggested_reply(session, case)
    _refuse_if_approved(reply)
    fresh = _store_suggestion(session, case, suggestion)
    repo.audit(session, actor, "reply_recomposed", case_id=case.id, previous_reply=reply.id, reply_id=fresh.id,
               rights=list(case.rights))  # fmt: skip
    return fresh


# --- the agent's actions on a case (the API and the console call these) ---------------------------


def set_status(session: Session, case: Case, status: str, actor: str) -> None:
    """Move the case to ``status`` (audited); closing stamps the date, any other status clears it."""
    if status not in CaseStatus.ALL:
        raise CaseInvalid(f"'status' must be one of {', '.join(CaseStatus.ALL)}", "unknown_status")
    if case.status == status:
        raise CaseConflict(f"the case is already {status}", "same_status", status=status)
    previous = case.status
    case.status = status
    case.closed_at = datetime.now(UTC) if status == CaseStatus.CLOSED else None
    repo.audit(session, actor, "status_changed", case_id=case.id, previous=previous, status=status)


def _refuse_if_approved(reply: Reply) -> None:
    if reply.status == ReplyStatus.APPROVED:
        raise CaseConflict("the reply is already approved", "approved")


def save_reply_edit(session: Session, case: Case, body: str, actor: str) -> None:
    """The agent's text becomes the reply's (the suggestion stays on record beside it)."""
    reply, _ = suggested_reply(session, case)
    _refuse_if_approved(reply)
    reply.body_final = body
    reply.status = ReplyStatus.EDITED
    repo.audit(session, actor, "reply_edited", case_id=case.id, reply_id=reply.id)


def check_sendable(case: Case, language: str, text: str) -> None:
    """Refuse a reply the requester must not receive: unfilled [[places]], or a deadline not the case's."""
    if "[[" in text:
        raise CaseInvalid("the reply still has [[placeholders]] to complete", "placeholders")
    if stale := stale_deadline_sentence(text, language, case.deadline):
        raise CaseInvalid(
            f"the reply promises a date other than the case's deadline {case.deadline}: {stale}",
            "stale_deadline",
            deadline=case.deadline,
            sentence=stale,
        )


def approve_reply(session: Session, case: Case, body: str | None, actor: str) -> OutboxItem:
    """Approve the reply (``body``, else the agent's edit, else the suggestion) and queue it for the
    mailbox. Approving confirms the case's rights: they become gold (issue #16)."""
    reply, _ = suggested_reply(session, case)
    _refuse_if_approved(reply)
    text_to_send = body or reply.body_final or reply.body_suggested
    check_sendable(case, reply.language, text_to_send)
    account = case.mailboxes[0] if case.mailboxes else ""
    item = repo.approve_reply(session, reply, body=text_to_send, approved_by=actor, account=account)
    if case.status == CaseStatus.OPEN:  # waiting for ID stays so: this reply asked for it (issue #15)
        case.status = CaseStatus.ANSWERED
    repo.audit(session, actor, "reply_approved", case_id=case.id, reply_id=reply.id, outbox_id=item.id)
    repo.set_gold(session, case, case.rights, actor, "approve")
    return item


REGISTER_COLUMNS = [
    "case_id",
    "received_on",
    "deadline",
    "extended",
    "rights",
    "language",
    "status",
    "requester_name",
    "id_number_valid",
    "mailboxes",
    "closed_at",
]


def register_rows(session: Session) -> list[list[str]]:
    """The register of requests (GDPR Art. 5(2)), one row of plain strings per case, in REGISTER_COLUMNS order."""
    return [
        [
            str(case.id),
            case.received_on.isoformat(),
            case.deadline.isoformat(),
            str(case.extended),
            " ".join(case.rights),
            case.language,
            case.status,
            case.requester_name or "",
            "" if case.id_number_valid is None else str(case.id_number_valid),
            " ".join(case.mailboxes),
            case.closed_at.isoformat() if case.closed_at else "",
        ]
        for case in session.scalars(select(Case).order_by(Case.id))
    ]
