"""The register's tables: what arrived, what the assistant said, what the office did.

GDPR Art. 5(2) and 30: the controller must be able to show each request's path, so every
step is a row (classification, case, reply, outbox, audit event), never an overwrite.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class MessageStatus:
    NEW = "new"
    PROCESSING = "processing"
    CLASSIFIED = "classified"
    QUARANTINED = "quarantined"  # could not be parsed, stored or classified: kept with its raw bytes
    DISMISSED = "dismissed"  # an agent looked at a quarantined message: not a request


class Message(Base):
    """One received e-mail, stored once however many mailboxes or folders it reached."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)  # not unique: senders reuse them
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # of the raw bytes
    content_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)  # store.identity
    id_conflict: Mapped[bool] = mapped_column(Boolean, default=False)  # another message has this Message-ID
    subject: Mapped[str] = mapped_column(Text, default="")
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(320), default="")
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[Any]] = mapped_column(default=list)
    date_header: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitised, never the raw HTML
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    has_id_document: Mapped[bool] = mapped_column(Boolean, default=False)
    mailboxes: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.NEW, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column()
    body_purged_at: Mapped[datetime | None] = mapped_column()
    # The bytes as received, kept only while quarantined (an agent must be able to read them).
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    classifications: Mapped[list[Classification]] = relationship(back_populates="message", order_by="Classification.id")
    files: Mapped[list[AttachmentFile]] = relationship(order_by="AttachmentFile.position", cascade="all, delete-orphan")
    locations: Mapped[list[MessageLocation]] = relationship(back_populates="message")


class AttachmentFile(Base):
    """An attachment's bytes, so an agent can see the ID document sent; purged with the bodies."""

    __tablename__ = "attachment_files"
    __table_args__ = (UniqueConstraint("message_pk", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # index into Message.attachments
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MessageLocation(Base):
    """Where a message sits on an IMAP server (RFC 3501 §2.3.1.1: UID is unique per UIDVALIDITY)."""

    __tablename__ = "message_locations"
    __table_args__ = (UniqueConstraint("account", "folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    account: Mapped[str] = mapped_column(String(128))
    folder: Mapped[str] = mapped_column(String(512))
    uidvalidity: Mapped[int] = mapped_column(Integer)
    uid: Mapped[int] = mapped_column(Integer)
    marked: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # triage keywords written
    keywords_set: Mapped[list[Any]] = mapped_column(default=list)

    message: Mapped[Message] = relationship(back_populates="locations")


class FolderCursor(Base):
    """How far the worker has read a folder: resume point after a restart."""

    __tablename__ = "folder_cursors"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(128))
    folder: Mapped[str] = mapped_column(String(512))
    uidvalidity: Mapped[int] = mapped_column(Integer)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Classification(Base):
    """What the classifier said of a message, with the model version that said it."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="")
    labels: Mapped[list[Any]] = mapped_column(default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    entities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship(back_populates="classifications")


class CaseStatus:
    OPEN = "open"
    WAITING_ID = "waiting_id"
    ANSWERED = "answered"
    CLOSED = "closed"
    ALL = (OPEN, WAITING_ID, ANSWERED, CLOSED)


class Case(Base):
    """A request in the register: who asked, which rights, when it is due."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    rights: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(8), default="")
    requester_name: Mapped[str | None] = mapped_column(String(320))
    requester_email: Mapped[str | None] = mapped_column(String(320))
    id_number: Mapped[str | None] = mapped_column(String(32))
    id_number_valid: Mapped[bool | None] = mapped_column(Boolean)
    policy_number: Mapped[str | None] = mapped_column(String(64))
    mailboxes: Mapped[list[Any]] = mapped_column(default=list)
    received_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN, index=True)
    closed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Issue #15: a case is a conversation.
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # reminder or complaint
    id_received_on: Mapped[date | None] = mapped_column(Date)  # the ID asked for arrived: the month runs anew
    assigned_to: Mapped[str | None] = mapped_column(String(128), index=True)
    last_activity_at: Mapped[datetime | None] = mapped_column(index=True)

    message: Mapped[Message] = relationship()
    replies: Mapped[list[Reply]] = relationship(back_populates="case", order_by="Reply.id")
    conversation: Mapped[list[CaseMessage]] = relationship(back_populates="case", order_by="CaseMessage.id")


class JoinedBy:
    ORIGIN = "origin"  # the message that opened the case
    HEADERS = "headers"  # In-Reply-To/References name a message of the case or one of our replies
    SUBJECT = "subject"  # same sender, same subject, within THREAD_WINDOW_DAYS, case open or waiting


class CaseMessage(Base):
    """A message of a case's conversation, how it was linked and what it changed."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    joined_by: Mapped[str] = mapped_column(String(16), default=JoinedBy.ORIGIN)
    added_rights: Mapped[list[Any]] = mapped_column(default=list)  # rights this message brought to the case
    effects: Mapped[list[Any]] = mapped_column(default=list)  # "id_received", "escalated", "reopened"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="conversation")
    message: Mapped[Message] = relationship()


class CaseNote(Base):
    """An agent's internal note on a case: shown to colleagues, never sent to the requester."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReplyStatus:
    SUGGESTED = "suggested"
    EDITED = "edited"
    APPROVED = "approved"


class Reply(Base):
    """A reply: as suggested, as edited by the agent, and who approved it."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="es")
    subject: Mapped[str] = mapped_column(Text, default="")
    body_suggested: Mapped[str] = mapped_column(Text, default="")
    body_final: Mapped[str | None] = mapped_column(Text)
    citations: Mapped[list[Any]] = mapped_column(default=list)
    knowledge_version: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=ReplyStatus.SUGGESTED)
    approved_by: Mapped[str | None] = mapped_column(String(128))
    approved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="replies")


class OutboxStatus:
    PENDING = "pending"
    SENDING = "sending"  # SMTP: handed over or about to be; never retried automatically
    DONE = "done"
    FAILED = "failed"


class OutboxItem(Base):
    """An approved reply waiting for the worker: the web process never holds IMAP credentials."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), unique=True)
    account: Mapped[str] = mapped_column(String(128), default="")
    draft_message_id: Mapped[str] = mapped_column(String(998), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()


class AuditEvent(Base):
    """Who looked at or did what, when: the accountability trail (GDPR Art. 5(2))."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case | None] = relationship()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    # Console sessions carry the generation they were opened in; raising it ends them all
    # (logout, password change, token reissue): Flask's signed cookies cannot be revoked alone.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateCounter(Base):
    """A fixed-window counter (rate limits, failed logins) shared by every worker through the database."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    window_end: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix seconds
    count: Mapped[int] = mapped_column(Integer)


class GoldLabel(Base):
    """An agent's word on a case's rights: the labels its message truly asks for (issue #16).

    A row per confirmation or correction, never an overwrite; the newest row of a case is its gold.
    ``predicted`` and ``model_version`` keep what the classifier said, so agents' changes measure it.
    The text is kept only with its entities masked, and is purged with the message bodies."""

    __tablename__ = "gold_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    labels: Mapped[list[Any]] = mapped_column(default=list)
    predicted: Mapped[list[Any]] = mapped_column(default=list)
    model_version: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    source: Mapped[str] = mapped_column(String(16))  # "approve" | "correct"
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    masked_subject: Mapped[str | None] = mapped_column(Text)
    masked_body: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()


class ChatFeedback(Base):
    """A visitor's yes/no on a chat answer: what the policy and knowledge base fail to answer.

    No personal data: the question only with its entities masked, and only for the retention period."""

    __tablename__ = "chat_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    intent: Mapped[str] = mapped_column(String(128), default="", index=True)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    helpful: Mapped[bool] = mapped_column(Boolean)
    masked_question: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
