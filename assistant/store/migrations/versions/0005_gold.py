"""Gold labels from agents' work and the chat's yes/no feedback (issue #16).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "gold_labels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("predicted", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("set_by", sa.String(128), nullable=False),
        sa.Column("set_at", UTC_DATETIME, nullable=False),
        sa.Column("masked_subject", sa.Text),
        sa.Column("masked_body", sa.Text),
    )
    op.create_index("ix_gold_labels_case_id", "gold_labels", ["case_id"])
    op.create_index("ix_gold_labels_set_at", "gold_labels", ["set_at"])
    op.create_table(
        "chat_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("intent", sa.String(128), nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("masked_question", sa.Text),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ix_chat_feedback_intent", "chat_feedback", ["intent"])
    op.create_index("ix_chat_feedback_created_at", "chat_feedback", ["created_at"])


def downgrade() -> None:
    op.drop_table("chat_feedback")
    op.drop_table("gold_labels")
