"""Attachment bytes, so an agent can open the ID document a requester sent (purged with the bodies).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_pk", sa.Integer, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("message_pk", "position"),
    )
    op.create_index("ix_attachment_files_message_pk", "attachment_files", ["message_pk"])


def downgrade() -> None:
    op.drop_index("ix_attachment_files_message_pk", table_name="attachment_files")
    op.drop_table("attachment_files")
