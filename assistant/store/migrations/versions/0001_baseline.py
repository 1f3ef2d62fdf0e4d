"""Baseline: the tables as the pre-Alembic code (schema_info version 1) created them.

A database made before Alembic is stamped at this revision by ``upgrade`` and migrated from here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.String(998)),
        sa.Column("content_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("from_addr", sa.String(320), nullable=False),
        sa.Column("from_name", sa.String(320), nullable=False),
        sa.Column("to_addrs", sa.JSON, nullable=False),
        sa.Column("in_reply_to", sa.String(998)),
        sa.Column("references", sa.JSON, nullable=False),
        sa.Column("date_header", UTC_DATETIME),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("body_text", sa.Text),
        sa.Column("body_html", sa.Text),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("has_id_document", sa.Boolean, nullable=False),
        sa.Column("mailboxes", sa.JSON, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("claimed_by", sa.String(128)),
        sa.Column("claimed_at", UTC_DATETIME),
        sa.Column("body_purged_at", UTC_DATETIME),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ix_messages_status", "messages", ["status"])
    op.create_index("ix_messages_message_id", "messages", ["message_id"], unique=True)
    op.create_table(
        "message_locations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_pk", sa.Integer, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("folder", sa.String(512), nullable=False),
        sa.Column("uidvalidity", sa.Integer, nullable=False),
        sa.Column("uid", sa.Integer, nullable=False),
        sa.Column("marked", sa.Boolean, nullable=False),
        sa.Column("keywords_set", sa.JSON, nullable=False),
        sa.UniqueConstraint("account", "folder", "uidvalidity", "uid"),
    )
    op.create_index("ix_message_locations_marked", "message_locations", ["marked"])
    op.create_index("ix_message_locations_message_pk", "message_locations", ["message_pk"])
    op.create_table(
        "folder_cursors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("folder", sa.String(512), nullable=False),
        sa.Column("uidvalidity", sa.Integer, nullable=False),
        sa.Column("last_uid", sa.Integer, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("account", "folder"),
    )
    op.create_table(
        "classifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_pk", sa.Integer, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("entities", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ix_classifications_message_pk", "classifications", ["message_pk"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_pk", sa.Integer, sa.ForeignKey("messages.id"), nullable=False, unique=True),
        sa.Column("rights", sa.JSON, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("requester_name", sa.String(320)),
        sa.Column("requester_email", sa.String(320)),
        sa.Column("id_number", sa.String(32)),
        sa.Column("id_number_valid", sa.Boolean),
        sa.Column("policy_number", sa.String(64)),
        sa.Column("mailboxes", sa.JSON, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("extended", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closed_at", UTC_DATETIME),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ix_cases_deadline", "cases", ["deadline"])
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body_suggested", sa.Text, nullable=False),
        sa.Column("body_final", sa.Text),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("knowledge_version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("approved_by", sa.String(128)),
        sa.Column("approved_at", UTC_DATETIME),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ix_replies_case_id", "replies", ["case_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reply_id", sa.Integer, sa.ForeignKey("replies.id"), nullable=False, unique=True),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("draft_message_id", sa.String(998), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("done_at", UTC_DATETIME),
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_case_id", "audit_events", ["case_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(128), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("api_token_hash", sa.String(128), unique=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_table(
        "schema_info",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "schema_info",
        "users",
        "audit_events",
        "outbox",
        "replies",
        "cases",
        "classifications",
        "folder_cursors",
        "message_locations",
        "messages",
    ):
        op.drop_table(table)
