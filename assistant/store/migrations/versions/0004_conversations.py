"""Issue #15: cases are conversations. Which messages belong to a case and what each changed
(case_messages), escalation, the date the identity document arrived, assignment, last activity,
and internal notes. Existing cases get their opening message as the conversation's first.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assistant.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("escalated", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("cases", sa.Column("id_received_on", sa.Date))
    op.add_column("cases", sa.Column("assigned_to", sa.String(128)))
    op.add_column("cases", sa.Column("last_activity_at", UTCDateTime()))
    op.create_index("ix_cases_assigned_to", "cases", ["assigned_to"])
    op.create_index("ix_cases_last_activity_at", "cases", ["last_activity_at"])
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("message_pk", sa.Integer, sa.ForeignKey("messages.id"), nullable=False, unique=True),
        sa.Column("joined_by", sa.String(16), nullable=False),
        sa.Column("added_rights", sa.JSON, nullable=False),
        sa.Column("effects", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_messages_case_id", "case_messages", ["case_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"])
    # Every existing case is a conversation of one message, active since it opened.
    op.execute(
        "INSERT INTO case_messages (case_id, message_pk, joined_by, added_rights, effects, created_at) "
        "SELECT id, message_pk, 'origin', '[]', '[]', created_at FROM cases"
    )
    op.execute("UPDATE cases SET last_activity_at = created_at")


def downgrade() -> None:
    op.drop_index("ix_case_notes_case_id", table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_index("ix_case_messages_case_id", table_name="case_messages")
    op.drop_table("case_messages")
    op.drop_index("ix_cases_last_activity_at", table_name="cases")
    op.drop_index("ix_cases_assigned_to", table_name="cases")
    for column in ("last_activity_at", "assigned_to", "id_received_on", "escalated"):
        op.drop_column("cases", column)
