"""State every server process shares: the failures a throttle counts (the public invitation
check's), in the database instead of one process's memory.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_attempts")),
    )
    op.create_index("ix_failed_attempts_scope_key_at", "failed_attempts", ["scope", "key", "at"])
    op.create_index(op.f("ix_failed_attempts_at"), "failed_attempts", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_failed_attempts_at"), table_name="failed_attempts")
    op.drop_index("ix_failed_attempts_scope_key_at", table_name="failed_attempts")
    op.drop_table("failed_attempts")
