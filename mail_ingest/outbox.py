"""Approved replies become threaded drafts in the account's Drafts folder, exactly once.

The web process only writes outbox rows; this worker, which holds the IMAP credentials, drains
them. Exactly once: before APPEND the Drafts folder is searched for the draft's Message-ID, so a
worker that died between APPEND and marking the row done does not write a second draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy.orm import Session, sessionmaker

from assistant.cases import reply_subject
from assistant.store import Case, Message, OutboxItem, OutboxStatus, Reply, repo, transaction

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
    return Draft(
        from_addr=from_addr,
        to_addr=original.from_addr,
        subject=original.subject or "",
        body=reply.body_final or reply.body_suggested,
        message_id=item.draft_message_id,
        in_reply_to=original.message_id,
        references=tuple(original.references or ()),
    )


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
