"""Approved replies become threaded drafts in the account's Drafts folder, exactly once,
or are sent by SMTP where SMTP_HOST is configured (at most once).

The web process only writes outbox rows; this worker, which holds the IMAP credentials, drains
them. Exactly once: before APPEND the Drafts folder is searched for the draft's Message-ID, so a
worker that died between APPEND and marking the row done does not write a second draft.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.cases import reply_subject
from assistant.config import Config
from assistant.store import Case, CaseMessage, Message, OutboxItem, OutboxStatus, Reply, repo, transaction

from .imap import Mailbox
from .logs import get_logger

log = get_logger("outbox")


@dataclass(frozen=True)
class Draft:
    from_addr: str
    to_addr: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]


def compose_draft(draft: Draft, when: datetime | None = None) -> bytes:
    """An RFC 5322 reply threaded under the original (RFC 5322 §3.6.4: In-Reply-To, References)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = draft.from_addr
    msg["To"] = draft.to_addr
    msg["Subject"] = reply_subject(draft.subject)
    msg["Date"] = format_datetime(when or datetime.now(UTC))
    msg["Message-ID"] = draft.message_id
    if draft.in_reply_to:
        msg["In-Reply-To"] = draft.in_reply_to
        msg["References"] = " ".join([*draft.references, draft.in_reply_to])
    msg.set_content(draft.body)
    return msg.as_bytes()


def draft_for(session: Session, item: OutboxItem, from_addr: str) -> Draft:
    reply = session.get(Reply, item.reply_id)
    case = session.get(Case, reply.case_id)
    original = session.get(Message, case.message_pk)
    # RFC 5322 §3.6.4: answer the conversation's latest message, so the draft sits under it.
    latest = session.scalars(
        select(Message)
        .join(CaseMessage, CaseMessage.message_pk == Message.id)
        .where(CaseMessage.case_id == case.id, Message.message_id.is_not(None))
        .order_by(Message.received_at.desc(), Message.id.desc())
        .limit(1)
    ).first()
    answered = latest or original
    return Draft(
        from_addr=from_addr,
        to_addr=original.from_addr,
        subject=original.subject or "",
        body=reply.body_final or reply.body_suggested,
        message_id=item.draft_message_id,
        in_reply_to=answered.message_id,
        references=tuple(answered.references or ()),
    )


def send_smtp(config: Config, raw: bytes, from_addr: str, to_addr: str) -> None:
    """Send one message (STARTTLS when offered, login when a user is configured)."""
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password)
        smtp.sendmail(from_addr, [to_addr], raw)


def drain_smtp(
    factory: sessionmaker[Session], box: Mailbox, config: Config, *, account_address: str, accept_any: bool = False
) -> int:
    """Send the pending replies of this account by SMTP, at most once, and file a copy in Sent.

    An SMTP server cannot be asked whether it already took a message, so the row is marked
    'sending' before the send: a worker that dies mid-send leaves it for a human, never resends.
    """
    with transaction(factory) as session:
        items = [i for i in repo.pending_outbox(session, limit=50) if accept_any or i.account == account_address]
        batch = []
        for item in items:
            draft = draft_for(session, item, account_address)
            batch.append((item.id, draft, compose_draft(draft)))
            item.status = OutboxStatus.SENDING
            item.attempts += 1
    done = 0
    for item_id, draft, raw in batch:
        try:
            send_smtp(config, raw, draft.from_addr, draft.to_addr)
        except (OSError, smtplib.SMTPException) as exc:
            with transaction(factory) as session:
                item = session.get(OutboxItem, item_id)
                item.status = OutboxStatus.FAILED
                item.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("sending reply %s failed: %s", item_id, type(exc).__name__)
            continue
        box.ensure_folder("Sent")
        box.append_once("Sent", raw, draft.message_id, flags=(b"\\Seen",))
        with transaction(factory) as session:
            item = session.get(OutboxItem, item_id)
            item.status = OutboxStatus.DONE
            item.done_at = datetime.now(UTC)
            reply = session.get(Reply, item.reply_id)
            repo.audit(session, "worker", "reply_sent", case_id=reply.case_id)
        done += 1
    return done


def drain(factory: sessionmaker[Session], box: Mailbox, *, account_address: str, accept_any: bool = False) -> int:
    """Write the pending drafts of this account; returns how many rows were completed."""
    with factory() as session:
        items = [i for i in repo.pending_outbox(session, limit=50) if accept_any or i.account == account_address]
        drafts = [(item.id, compose_draft(draft_for(session, item, account_address))) for item in items]
        ids = {item.id: item.draft_message_id for item in items}
    if not drafts:
        return 0
    folder = box.drafts_folder()
    done = 0
    for item_id, raw in drafts:
        wrote = box.append_once(folder, raw, ids[item_id])
        with transaction(factory) as session:
            item = session.get(OutboxItem, item_id)
            if item is None or item.status == OutboxStatus.DONE:
                continue
            item.status = OutboxStatus.DONE
            item.attempts += 1
            item.done_at = datetime.now(UTC)
            reply = session.get(Reply, item.reply_id)
            repo.audit(session, "worker", "draft_written", case_id=reply.case_id, folder=folder, appended=wrote)
        done += 1
        log.info("draft %s %s", "written" if wrote else "already present", item_id)
    return done
