"""Raw mail to the row we store: parsed, or a quarantine record that keeps the bytes.

Shared by the ingester (mail_ingest.pipeline) and the console's quarantine page (retry), so a
message is turned into a row one way only. Nothing here raises for a bad message.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from .mime import MessageParseError, ParsedMessage, parse_message
from .store import Message, MessageStatus, repo

log = logging.getLogger("assistant.intake")
UNREADABLE_SUBJECT = "(unreadable message)"
MAX_KEPT_ATTACHMENT = 10 * 1024 * 1024  # kept so the agent can open the ID document; larger files stay in the mailbox


def new_message(parsed: ParsedMessage, mailbox: str, received_at: datetime | None) -> repo.NewMessage:
    """The row for a parsed message."""
    attachments = [a.to_dict() for a in parsed.attachments]
    return repo.NewMessage(
        content_sha256=parsed.content_sha256,
        content_key=parsed.content_key,
        # cut to the columns' sizes: PostgreSQL refuses longer strings (a spammer's From is unbounded)
        message_id=parsed.message_id[:998] if parsed.message_id else None,
        subject=parsed.subject,
        from_addr=parsed.from_addr[:320],
        from_name=parsed.from_name[:320],
        to_addrs=list(parsed.to_addrs) + list(parsed.cc_addrs),
        in_reply_to=parsed.in_reply_to[:998] if parsed.in_reply_to else None,
        references=list(parsed.references),
        date_header=parsed.date,
        # IMAP INTERNALDATE when we have it; for an imported backlog the sender's Date header.
        received_at=received_at or parsed.date or datetime.now(UTC),
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        attachments=attachments,
        attachment_data=[a.data if a.size <= MAX_KEPT_ATTACHMENT else None for a in parsed.attachments],
        has_id_document=parsed.has_id_document,
        size=parsed.size,
        mailbox=mailbox,
    )


def quarantine_record(raw: bytes, mailbox: str, received_at: datetime | None, error: str) -> repo.NewMessage:
    """The row for a message we could not parse or store: its raw bytes, so an agent can read it."""
    return repo.NewMessage(
        content_sha256=hashlib.sha256(raw).hexdigest(),
        subject=UNREADABLE_SUBJECT,
        size=len(raw),
        received_at=received_at or datetime.now(UTC),
        status=MessageStatus.QUARANTINED,
        error=error,
        mailbox=mailbox,
        raw=raw,
    )


def parse_or_quarantine(raw: bytes, mailbox: str, received_at: datetime | None) -> repo.NewMessage:
    """The row to store: parsed, or a quarantine record carrying why it could not be."""
    try:
        return new_message(parse_message(raw), mailbox, received_at)
    except MessageParseError as exc:
        return quarantine_record(raw, mailbox, received_at, str(exc))
    except Exception as exc:  # a parser bug: keep the message, never block the others
        log.exception("parsing failed; quarantined")
        return quarantine_record(raw, mailbox, received_at, f"parse failed: {type(exc).__name__}")


def retry(session: Session, message: Message) -> str:
    """Parse a quarantined message again (after a fix) and queue it for classification.

    Returns what happened: "queued", "duplicate" (it is another copy of a stored message, which
    now notes this mailbox) or "still unreadable: ...". Messages quarantined after parsing (their
    classification failed) are queued as they are.
    """
    if message.raw is None:
        repo.requeue(session, message)
        return "queued"
    new = parse_or_quarantine(message.raw, (message.mailboxes or [""])[0], message.received_at)
    if new.status == MessageStatus.QUARANTINED:
        message.error = new.error
        return f"still unreadable: {new.error}"
    existing = repo.find_duplicate(session, new)
    if existing is not None and existing.id != message.id:
        for mailbox in message.mailboxes:
            repo.note_mailbox(existing, mailbox)
        repo.dismiss(session, message, f"duplicate of message {existing.id}")
        return "duplicate"
    repo.replace_content(session, message, new)
    repo.requeue(session, message)
    return "queued"
