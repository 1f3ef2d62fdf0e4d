"""Issue #13: messages keep raw bytes in quarantine and may share a Message-ID (flagged); revocable
sessions (users.session_generation); counters shared by all workers for rate limits and login
throttling; Alembic replaces schema_info.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from assistant.store.identity import raw_key, stored_content_key

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _backfill_content_keys() -> None:
    connection = op.get_bind()
    messages = sa.table(
        "messages",
        sa.column("id", sa.Integer),
        sa.column("message_id", sa.String),
        sa.column("content_sha256", sa.String),
        sa.column("from_addr", sa.String),
        sa.column("date_header", sa.DateTime(timezone=True)),
        sa.column("subject", sa.Text),
        sa.column("body_text", sa.Text),
        sa.column("attachments", sa.JSON),
        sa.column("status", sa.String),
        sa.column("content_key", sa.String),
    )
    rows = connection.execute(sa.select(messages)).mappings().all()
    for row in rows:
        if row["status"] == "quarantined":
            key = raw_key(row["content_sha256"])
        else:
            date = row["date_header"]
            if date is not None:
                date = date.replace(tzinfo=UTC) if date.tzinfo is None else date.astimezone(UTC)
            key = stored_content_key(
                message_id=row["message_id"],
                from_addr=row["from_addr"],
                date_header=date,
                subject=row["subject"],
                body_text=row["body_text"],
                attachment_hashes=[a.get("sha256", "") for a in row["attachments"] or []],
            )
        connection.execute(sa.update(messages).where(messages.c.id == row["id"]).values(content_key=key))


def upgrade() -> None:
    op.add_column("messages", sa.Column("content_key", sa.String(64)))
    op.add_column("messages", sa.Column("id_conflict", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("messages", sa.Column("raw", sa.LargeBinary))
    _backfill_content_keys()
    op.drop_index("ix_messages_message_id", table_name="messages")
    op.create_index("ix_messages_message_id", "messages", ["message_id"])
    op.create_index("ix_messages_content_key", "messages", ["content_key"], unique=True)
    op.add_column("users", sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("window_end", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_rate_counters_window_end", "rate_counters", ["window_end"])
    op.drop_table("schema_info")


def downgrade() -> None:
    op.create_table(
        "schema_info", sa.Column("id", sa.Integer, primary_key=True), sa.Column("version", sa.Integer, nullable=False)
    )
    op.execute("INSERT INTO schema_info (id, version) VALUES (1, 1)")
    op.drop_table("rate_counters")
    op.drop_column("users", "session_generation")
    op.drop_index("ix_messages_content_key", table_name="messages")
    op.drop_index("ix_messages_message_id", table_name="messages")
    op.create_index("ix_messages_message_id", "messages", ["message_id"], unique=True)
    op.drop_column("messages", "raw")
    op.drop_column("messages", "id_conflict")
    op.drop_column("messages", "content_key")
