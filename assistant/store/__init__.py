"""Storage: SQLAlchemy 2 models, engines and the repository functions that use them."""

from .db import SchemaMismatch, check_schema, make_engine, session_factory, transaction, upgrade
from .models import (
    AttachmentFile,
    AuditEvent,
    Base,
    Case,
    CaseStatus,
    Classification,
    FolderCursor,
    Message,
    MessageLocation,
    MessageStatus,
    OutboxItem,
    OutboxStatus,
    Reply,
    ReplyStatus,
    User,
)

__all__ = [
    "AttachmentFile",
    "AuditEvent",
    "Base",
    "Case",
    "CaseStatus",
    "Classification",
    "FolderCursor",
    "Message",
    "MessageLocation",
    "MessageStatus",
    "OutboxItem",
    "OutboxStatus",
    "Reply",
    "ReplyStatus",
    "SchemaMismatch",
    "User",
    "check_schema",
    "make_engine",
    "session_factory",
    "transaction",
    "upgrade",
]
