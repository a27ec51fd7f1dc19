"""The verifiable log: entries with their leaf hashes, complete-subtree hashes, signed checkpoints
and the checkpoints a witness has seen.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint("idx >= 0", name=op.f("ck_ledger_entries_idx_not_negative")),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_ledger_entries")),
    )
    op.create_index(op.f("ix_ledger_entries_kind"), "ledger_entries", ["kind"], unique=False)
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_ledger_nodes_level_above_leaves")),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_nodes")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_ledger_checkpoints_size_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoints")),
    )
    op.create_index(
        op.f("ix_ledger_checkpoints_size"), "ledger_checkpoints", ["size"], unique=False
    )
    op.create_table(
        "ledger_witnessed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_ledger_witnessed_size_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_witnessed")),
    )
    op.create_index(
        op.f("ix_ledger_witnessed_origin"), "ledger_witnessed", ["origin"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ledger_witnessed_origin"), table_name="ledger_witnessed")
    op.drop_table("ledger_witnessed")
    op.drop_index(op.f("ix_ledger_checkpoints_size"), table_name="ledger_checkpoints")
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_nodes")
    op.drop_index(op.f("ix_ledger_entries_kind"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
