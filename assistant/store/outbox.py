"""The outbox: approved replies waiting for the worker to write them to the mailbox (exactly once)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import (
    OutboxItem,
    OutboxStatus,
    Reply,
    ReplyStatus,
    utcnow,
)


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
