"""Storage: SQLAlchemy 2 models, engines and the repository functions that use them."""

from .db import SchemaMismatch, check_schema, make_engine, session_factory, transaction, upgrade
from .models import (
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
    RateCounter,
    Reply,
    ReplyStatus,
    User,
)

__all__ = [
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
    "RateCounter",
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
