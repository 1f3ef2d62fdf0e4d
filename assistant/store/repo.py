"""Repository functions: the only place that knows how rows are found, claimed and changed.

Views and the worker call these; they never build queries themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..accounts import check_password, check_username
from .identity import raw_key
from .models import (
    AttachmentFile,
    AuditEvent,
    Case,
    CaseMessage,
    CaseNote,
    CaseStatus,
    ChatFeedback,
    Classification,
    FolderCursor,
    GoldLabel,
    Message,
    MessageLocation,
    MessageStatus,
    OutboxItem,
    OutboxStatus,
    RateCounter,
    Reply,
    ReplyStatus,
    User,
    utcnow,
)

ROLES = ("agent", "admin")


@dataclass(frozen=True)
class NewMessage:
    """What the ingester hands to storage: a parsed message, bodies already sanitised."""

    content_sha256: str
    content_key: str = ""  # store.identity: same key, same message (else derived from the bytes' hash)
    message_id: str | None = None
    subject: str = ""
    from_addr: str = ""
    from_name: str = ""
    to_addrs: Sequence[str] = ()
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    date_header: datetime | None = None
    received_at: datetime | None = None
    body_text: str | None = None
    body_html: str | None = None
    attachments: Sequence[dict[str, Any]] = ()
    attachment_data: Sequence[bytes | None] = ()  # per attachment; None when not kept (too large)
    has_id_document: bool = False
    size: int = 0
    status: str = MessageStatus.NEW
    error: str | None = None
    mailbox: str = ""
    extra_mailboxes: Sequence[str] = field(default_factory=tuple)
    raw: bytes | None = None  # kept only for quarantined messages

    @property
    def key(self) -> str:
        return self.content_key or raw_key(self.content_sha256)


def find_duplicate(session: Session, new: NewMessage) -> Message | None:
    """The stored copy of a message: the same bytes, or the same Message-ID and content (store.identity)."""
    query = select(Message).where(or_(Message.content_sha256 == new.content_sha256, Message.content_key == new.key))
    return session.scalars(query.limit(1)).first()


def _conflicting_ids(session: Session, news: Sequence[NewMessage]) -> set[str]:
    """Message-IDs of ``news`` already stored (as another message, since duplicates were set aside)."""
    ids = {n.message_id for n in news if n.message_id}
    if not ids:
        return set()
    return set(session.scalars(select(Message.message_id).where(Message.message_id.in_(ids))))


def note_mailbox(message: Message, mailbox: str) -> None:
    if mailbox and mailbox not in message.mailboxes:
        message.mailboxes = [*message.mailboxes, mailbox]  # new list: JSON columns track assignment


def _new_row(new: NewMessage) -> Message:
    return Message(
        message_id=new.message_id,
        content_sha256=new.content_sha256,
        content_key=new.key,
        raw=new.raw,
        subject=new.subject,
        from_addr=new.from_addr,
        from_name=new.from_name,
        to_addrs=list(new.to_addrs),
        in_reply_to=new.in_reply_to,
        references=list(new.references),
        date_header=new.date_header,
        received_at=new.received_at or utcnow(),
        body_text=new.body_text,
        body_html=new.body_html,
        attachments=list(new.attachments),
        files=[AttachmentFile(position=i, data=d) for i, d in enumerate(new.attachment_data) if d is not None],
        has_id_document=new.has_id_document,
        mailboxes=[m for m in dict.fromkeys([new.mailbox, *new.extra_mailboxes]) if m],
        size=new.size,
        status=new.status,
        error=new.error,
    )


def save_messages(session: Session, news: Sequence[NewMessage]) -> list[tuple[Message, bool]]:
    """The batch form of ``save_message``: one lookup and one flush for the whole batch.

    When a concurrent writer inserted one of them meanwhile, the unique constraints refuse the
    batch and each message takes the one-by-one path, which resolves the conflict.
    """
    hashes = [n.content_sha256 for n in news]
    keys = [n.key for n in news]
    same = or_(Message.content_sha256.in_(hashes), Message.content_key.in_(keys))
    known = session.scalars(select(Message).where(same))
    by_hash: dict[str, Message] = {}
    by_key: dict[str, Message] = {}
    for message in known:
        by_hash[message.content_sha256] = message
        if message.content_key:
            by_key[message.content_key] = message
    taken_ids = _conflicting_ids(session, news)
    results: list[tuple[Message, bool]] = []
    created: list[Message] = []
    for new in news:
        found = by_hash.get(new.content_sha256) or by_key.get(new.key)
        if found is not None:
            note_mailbox(found, new.mailbox)
            results.append((found, False))
            continue
        message = _new_row(new)
        if new.message_id and new.message_id in taken_ids:
            message.id_conflict = True
        by_hash[new.content_sha256] = message
        by_key[new.key] = message
        if new.message_id:
            taken_ids.add(new.message_id)
        created.append(message)
        results.append((message, True))
    try:
        with session.begin_nested():
            session.add_all(created)
            session.flush()
    except IntegrityError:
        return [save_message(session, new) for new in news]
    return results


def save_message(session: Session, new: NewMessage) -> tuple[Message, bool]:
    """Store a message once; a copy seen again (other mailbox, other folder) only notes the mailbox.

    Returns ``(message, created)``. A new message whose Message-ID another message already has is
    stored too, flagged ``id_conflict`` (RFC 5322 wants IDs unique; senders do not always comply).
    Safe against a concurrent insert of the same message: the unique constraints decide, and the
    loser gets the winner's row.
    """
    existing = find_duplicate(session, new)
    if existing is not None:
        note_mailbox(existing, new.mailbox)
        return existing, False
    message = _new_row(new)
    message.id_conflict = bool(new.message_id and _conflicting_ids(session, [new]))
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        existing = find_duplicate(session, new)
        if existing is None:
            raise
        note_mailbox(existing, new.mailbox)
        return existing, False
    return message, True


def record_location(
    session: Session, message: Message, *, account: str, folder: str, uidvalidity: int, uid: int
) -> MessageLocation:
    location = session.scalars(
        select(MessageLocation).where(
            MessageLocation.account == account,
            MessageLocation.folder == folder,
            MessageLocation.uidvalidity == uidvalidity,
            MessageLocation.uid == uid,
        )
    ).first()
    if location is None:
        location = MessageLocation(message=message, account=account, folder=folder, uidvalidity=uidvalidity, uid=uid)
        session.add(location)
        session.flush()
    return location


def record_locations(
    session: Session, *, account: str, folder: str, uidvalidity: int, messages: Sequence[tuple[Message, int]]
) -> None:
    """The batch form of ``record_location`` for one folder: one lookup, one flush."""
    uids = [uid for _, uid in messages]
    known = set(
        session.scalars(
            select(MessageLocation.uid).where(
                MessageLocation.account == account,
                MessageLocation.folder == folder,
                MessageLocation.uidvalidity == uidvalidity,
                MessageLocation.uid.in_(uids),
            )
        )
    )
    for message, uid in messages:
        if uid not in known:
            session.add(
                MessageLocation(message_pk=message.id, account=account, folder=folder, uidvalidity=uidvalidity, uid=uid)
            )
            known.add(uid)
    session.flush()


def remark_message(session: Session, message_pk: int) -> None:
    """The message's labels changed (an agent corrected them): the worker writes its keywords again."""
    session.execute(update(MessageLocation).where(MessageLocation.message_pk == message_pk).values(marked=False))


def claim_new_messages(session: Session, worker: str, limit: int = 50) -> list[int]:
    """Mark up to ``limit`` new messages as this worker's; no two workers get the same one.

    PostgreSQL: candidate rows are locked with FOR UPDATE SKIP LOCKED, so concurrent workers
    take disjoint batches without waiting. Every backend: the UPDATE re-checks the status, so
    a row is claimed by exactly one transaction even without row locks (SQLite).
    """
    candidates = select(Message.id).where(Message.status == MessageStatus.NEW).order_by(Message.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    claimed = session.scalars(
        update(Message)
        .where(Message.id.in_(ids), Message.status == MessageStatus.NEW)
        .values(status=MessageStatus.PROCESSING, claimed_by=worker, claimed_at=utcnow())
        .returning(Message.id)
    )
    return sorted(claimed)


def release_stale_claims(session: Session, older_than: timedelta) -> int:
    """Give back messages claimed by a worker that died before finishing them."""
    result = session.execute(
        update(Message)
        .where(Message.status == MessageStatus.PROCESSING, Message.claimed_at < utcnow() - older_than)
        .values(status=MessageStatus.NEW, claimed_by=None, claimed_at=None)
    )
    return result.rowcount or 0


def quarantine(session: Session, message: Message, error: str) -> None:
    """Keep the message with its error and release its claim; it never blocks the others and is never lost."""
    message.status = MessageStatus.QUARANTINED
    message.error = error[:2000]
    message.claimed_by = None
    message.claimed_at = None


def quarantined(session: Session, limit: int = 500) -> list[Message]:
    """Quarantined messages, newest first, for the console."""
    query = select(Message).where(Message.status == MessageStatus.QUARANTINED).order_by(Message.id.desc())
    return list(session.scalars(query.limit(limit)))


def requeue(session: Session, message: Message) -> None:
    """Back to the classifier's queue (the console's "retry")."""
    message.status = MessageStatus.NEW
    message.error = None
    message.claimed_by = None
    message.claimed_at = None


def dismiss(session: Session, message: Message, reason: str) -> None:
    """Out of the quarantine without a case: an agent read it and it is not a request."""
    message.status = MessageStatus.DISMISSED
    message.error = reason[:2000]
    message.claimed_by = None
    message.claimed_at = None


def replace_content(session: Session, message: Message, new: NewMessage) -> None:
    """A quarantined row takes the content its raw bytes now parse to; the bytes are dropped (minimisation)."""
    fresh = _new_row(new)
    for column in (
        "message_id", "content_key", "subject", "from_addr", "from_name", "to_addrs", "in_reply_to", "references",
        "date_header", "body_text", "body_html", "attachments", "has_id_document",
    ):  # fmt: skip
        setattr(message, column, getattr(fresh, column))
    message.id_conflict = bool(
        new.message_id
        and session.scalar(select(Message.id).where(Message.message_id == new.message_id, Message.id != message.id))
    )
    message.raw = None


def record_classifications(session: Session, items: Sequence[tuple[Message, dict[str, Any]]]) -> None:
    """Store what the classifier said of each (flushed) message, in one INSERT for the batch: no
    ORM objects are built for rows that are only read later, by queries."""
    if not items:
        return
    rows = [
        {
            "message_pk": message.id,
            "language": analysis.get("language", ""),
            "labels": list(analysis.get("labels", [])),
            "scores": dict(analysis.get("scores", {})),
            "evidence": dict(analysis.get("evidence", {})),
            "entities": dict(analysis.get("entities", {})),
            "model_version": analysis.get("model_version", ""),
        }
        for message, analysis in items
    ]
    session.execute(insert(Classification), rows)
    for message, _ in items:
        message.status = MessageStatus.CLASSIFIED
        message.error = None


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


def usernames(session: Session) -> list[str]:
    return list(session.scalars(select(User.username).order_by(User.username)))


def conversation_sizes(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """How many messages each case's conversation has (for the queue's one line per conversation)."""
    rows = session.execute(
        select(CaseMessage.case_id, func.count()).where(CaseMessage.case_id.in_(case_ids)).group_by(CaseMessage.case_id)
    )
    return {case_id: count for case_id, count in rows}


def audit_many(session: Session, actor: str, action: str, events: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """The same action on many cases, ``(case_id, detail)`` each, in one INSERT."""
    if events:
        rows = [{"actor": actor, "action": action, "case_id": case_id, "detail": d} for case_id, d in events]
        session.execute(insert(AuditEvent), rows)


def audit(
    session: Session, actor: str, action: str, *, case_id: int | None = None, case: Case | None = None, **detail: Any
) -> AuditEvent:
    """Record who did what (GDPR Art. 5(2)); pass ``case`` for a case not yet flushed."""
    event = AuditEvent(actor=actor, action=action, case_id=case_id, detail=detail)
    if case is not None:
        event.case = case
    session.add(event)
    return event


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


def approve_reply(session: Session, reply: Reply, *, body: str, approved_by: str, account: str) -> OutboxItem:
    """Freeze the agent's text and queue it for the worker; approving twice is one outbox row."""
    existing = session.scalars(select(OutboxItem).where(OutboxItem.reply_id == reply.id)).first()
    if existing is not None:
        return existing
    reply.body_final = body
    reply.status = ReplyStatus.APPROVED
    reply.approved_by = approved_by
    reply.approved_at = utcnow()
    item = OutboxItem(
        reply_id=reply.id,
        account=account,
        draft_message_id=f"<reply-{reply.id}-{secrets.token_hex(8)}@dpo-assistant.local>",
    )
    session.add(item)
    session.flush()
    return item


def pending_outbox(session: Session, limit: int = 20) -> list[OutboxItem]:
    query = select(OutboxItem).where(OutboxItem.status == OutboxStatus.PENDING).order_by(OutboxItem.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def get_cursor(session: Session, account: str, folder: str) -> FolderCursor | None:
    return session.scalars(
        select(FolderCursor).where(FolderCursor.account == account, FolderCursor.folder == folder)
    ).first()


def set_cursor(session: Session, account: str, folder: str, *, uidvalidity: int, last_uid: int) -> FolderCursor:
    cursor = get_cursor(session, account, folder)
    if cursor is None:
        cursor = FolderCursor(account=account, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid)
        session.add(cursor)
    else:
        cursor.uidvalidity = uidvalidity
        cursor.last_uid = last_uid
    session.flush()
    return cursor


def purge_old_bodies(session: Session, older_than_days: int) -> int:
    """Drop message bodies past the retention period (data minimisation, GDPR Art. 5(1)(c)/(e)).

    The masked copy a gold label keeps of its message goes with the body: gold outlives it as labels only."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    old_cases = select(Case.id).join(Message, Case.message_pk == Message.id).where(Message.received_at < cutoff)
    session.execute(
        update(GoldLabel)
        .where(GoldLabel.case_id.in_(old_cases), GoldLabel.masked_body.is_not(None))
        .values(masked_subject=None, masked_body=None)
    )
    result = session.execute(
        update(Message)
        .where(Message.received_at < cutoff, Message.body_purged_at.is_(None))
        .values(body_text=None, body_html=None, raw=None, body_purged_at=utcnow())
    )
    old = select(Message.id).where(Message.received_at < cutoff)
    session.execute(delete(AttachmentFile).where(AttachmentFile.message_pk.in_(old)))
    return result.rowcount or 0


GOLD_SOURCES = ("approve", "correct")


def set_gold(session: Session, case: Case, labels: Iterable[str], by: str, source: str) -> GoldLabel:
    """Record an agent's confirmation (``source="approve"``) or correction (``"correct"``) of a case's rights.

    Keeps what the classifier had predicted, with its model version, and the message's text with its
    entities masked (``assistant.nlp.masking``), so the gold can score and train later models without
    carrying the requester's personal data. Returns the new row; the newest row of a case is its gold.
    """
    from ..nlp.masking import mask

    if source not in GOLD_SOURCES:
        raise ValueError(f"source must be one of {', '.join(GOLD_SOURCES)}")
    message = session.get(Message, case.message_pk)
    classification = session.scalars(
        select(Classification).where(Classification.message_pk == case.message_pk).order_by(Classification.id.desc())
    ).first()
    known = [case.requester_name, case.requester_email, case.id_number, case.policy_number]
    if message is not None:
        known += [message.from_name, message.from_addr]
    body = message.body_text if message is not None else None
    gold = GoldLabel(
        case_id=case.id,
        labels=sorted(set(labels)),
        predicted=list(classification.labels) if classification else [],
        model_version=classification.model_version if classification else "",
        language=case.language or (classification.language if classification else ""),
        source=source,
        set_by=by,
        masked_subject=mask(message.subject or "", known) if message is not None else None,
        masked_body=mask(body, known) if body is not None else None,
    )
    session.add(gold)
    session.flush()
    return gold


def gold_labels(session: Session) -> list[tuple[GoldLabel, date]]:
    """Each gold case's newest gold row with the day its message was received, oldest case first."""
    newest = select(func.max(GoldLabel.id)).group_by(GoldLabel.case_id)
    query = (
        select(GoldLabel, Case.received_on)
        .join(Case, GoldLabel.case_id == Case.id)
        .where(GoldLabel.id.in_(newest))
        .order_by(GoldLabel.case_id)
    )
    return [(gold, received) for gold, received in session.execute(query)]


def requester_gold(session: Session, email: str) -> list[GoldLabel]:
    """The gold rows of a requester's cases (by the case's requester e-mail, case-insensitive)."""
    cases = select(Case.id).where(func.lower(Case.requester_email) == email.strip().lower())
    return list(session.scalars(select(GoldLabel).where(GoldLabel.case_id.in_(cases)).order_by(GoldLabel.id)))


def erase_requester_gold(session: Session, email: str) -> int:
    """Delete a requester's gold rows (GDPR Art. 17 on the tool's own data); returns how many.
    Models already trained keep nothing of them but what masking left: no name, ID or address."""
    rows = requester_gold(session, email)
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def record_chat_feedback(
    session: Session, *, intent: str, answered: bool, answer: str, language: str, helpful: bool, masked_question: str
) -> ChatFeedback:
    """A visitor's yes/no on an answer; the question must come masked (``assistant.feedback.record``)."""
    row = ChatFeedback(
        intent=intent[:128],
        answered=answered,
        answer=answer,
        language=language[:8],
        helpful=helpful,
        masked_question=masked_question,
    )
    session.add(row)
    session.flush()
    return row


def purge_old_chat_questions(session: Session, older_than_days: int) -> int:
    """Forget the masked questions past their retention; the intent and the yes/no stay for the figures."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = session.execute(
        update(ChatFeedback)
        .where(ChatFeedback.created_at < cutoff, ChatFeedback.masked_question.is_not(None))
        .values(masked_question=None)
    )
    return result.rowcount or 0


def chat_feedback(session: Session) -> list[ChatFeedback]:
    return list(session.scalars(select(ChatFeedback).order_by(ChatFeedback.id)))


def message_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
    return {status: count for status, count in rows}


# --- users -------------------------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, username: str, password: str, role: str = "agent") -> User:
    """A new user; the name and password must pass ``assistant.accounts`` (PolicyError otherwise)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_username(username)
    check_password(password, username)
    user = User(username=username, password_hash=generate_password_hash(password), role=role)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Change a password (policy checked) and end the user's console sessions."""
    check_password(password, user.username)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)


def end_sessions(session: Session, user: User) -> None:
    """Every console session of ``user`` stops working at its next request (logout, password change...)."""
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash to check a password against when the user does not exist: same work, same time."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right. An unknown user costs one hash check too, so the
    answer's timing does not tell which user names exist (issue #13 item 4)."""
    user = find_user(session, username)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def issue_api_token(session: Session, user: User) -> str:
    """A new API token; only its SHA-256 is stored, so it is shown once. The old token and the
    user's console sessions stop working: a reissue is what one does after a leak."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _token_digest(token)
    end_sessions(session, user)
    return token


@dataclass(frozen=True)
class Agent:
    """Who is acting on a request: enough for role checks and the audit trail, nothing secret."""

    id: int
    username: str
    role: str
    session_generation: int = 0


_AGENT_COLUMNS = (User.id, User.username, User.role, User.session_generation)


def agent_for_token(connection: Connection, token: str) -> Agent | None:
    """The token's owner, by a plain indexed SELECT: this runs on every API call."""
    row = connection.execute(select(*_AGENT_COLUMNS).where(User.api_token_hash == _token_digest(token))).first()
    return Agent(*row) if row else None


def agent_by_id(connection: Connection, user_id: int) -> Agent | None:
    row = connection.execute(select(*_AGENT_COLUMNS).where(User.id == user_id)).first()
    return Agent(*row) if row else None


# --- counters shared by every worker (rate limits, failed logins) -------------------------------

_HIT = text(
    "INSERT INTO rate_counters (key, window_end, count) VALUES (:key, :window_end, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN rate_counters.window_end = excluded.window_end THEN rate_counters.count + 1 ELSE 1 END, "
    "window_end = excluded.window_end "
    "RETURNING count"
)


COUNTER_KEEP_SECONDS = 86_400  # finished counter windows are kept a day, so read_recent sees the one before


def window_end(now: float, window: int) -> int:
    """The end of the fixed window that ``now`` falls in (Unix seconds)."""
    return (int(now) // window + 1) * window


def hit_counter(connection: Connection, key: str, *, window: int, now: float) -> int:
    """Count one more event for ``key`` in the current window; returns the count so far. One
    statement (an upsert), so concurrent workers never lose a hit."""
    count = connection.execute(_HIT, {"key": key[:255], "window_end": window_end(now, window)}).scalar_one()
    if secrets.randbelow(100) == 0:  # now and then, forget windows finished a day ago (a login window is shorter)
        connection.execute(delete(RateCounter).where(RateCounter.window_end < int(now) - COUNTER_KEEP_SECONDS))
    return int(count)


def read_counter(connection: Connection, key: str, *, window: int, now: float) -> int:
    """The count for ``key`` in the current window, without counting."""
    value = connection.scalar(
        select(RateCounter.count).where(RateCounter.key == key[:255], RateCounter.window_end == window_end(now, window))
    )
    return int(value or 0)


def read_recent(connection: Connection, key: str, *, window: int, now: float) -> int:
    """The count for ``key`` in the current window and the one before: a fixed window alone would
    forget every failure at its boundary, so five guesses just before it and five just after pass."""
    ends = (window_end(now, window), window_end(now, window) - window)
    value = connection.scalar(
        select(func.sum(RateCounter.count)).where(RateCounter.key == key[:255], RateCounter.window_end.in_(ends))
    )
    return int(value or 0)


def reset_counter(connection: Connection, key: str) -> None:
    connection.execute(delete(RateCounter).where(RateCounter.key == key[:255]))
