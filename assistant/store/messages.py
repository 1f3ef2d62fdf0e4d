"""Messages as stored: saving (deduplicated), claiming for classification, quarantine, where each
copy lives on the IMAP server, the worker's folder cursors and the purge of old bodies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .identity import raw_key
from .models import (
    AttachmentFile,
    Case,
    Classification,
    FolderCursor,
    GoldLabel,
    Message,
    MessageLocation,
    MessageStatus,
    utcnow,
)


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


def message_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
    return {status: count for status, count in rows}
