"""The message centre: messages per recipient, the outbox of their deliveries, e-mail preferences,
and users' e-mail addresses.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_KINDS = (
    "kind IN ('application_returned', 'application_approved', 'application_rejected', 'offer', "
    "'talent_returned', 'talent_decided', 'filing_returned', 'dataflow_reminder', "
    "'permit_expiring')"
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_KINDS, name=op.f("ck_messages_known_kind")),
        sa.CheckConstraint("lang IN ('zh', 'en')", name=op.f("ck_messages_known_lang")),
        sa.CheckConstraint(
            "read_at IS NULL OR read_at >= created_at", name=op.f("ck_messages_read_after_created")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_messages_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_messages_dedupe_key")),
    )
    op.create_index("ix_messages_user_unread", "messages", ["user_id", "read_at"])
    op.create_index(op.f("ix_messages_fanned_out_at"), "messages", ["fanned_out_at"])
    op.create_table(
        "message_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('email', 'webhook')", name=op.f("ck_message_deliveries_known_channel")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')",
            name=op.f("ck_message_deliveries_known_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_message_deliveries_attempts")),
        sa.CheckConstraint(
            "(status = 'sent') = (sent_at IS NOT NULL)", name=op.f("ck_message_deliveries_sent_at")
        ),
        sa.CheckConstraint(
            "(status = 'sending') = (claimed_by IS NOT NULL AND claimed_until IS NOT NULL)",
            name=op.f("ck_message_deliveries_claimed_while_sending"),
        ),
        sa.CheckConstraint("length(address) > 0", name=op.f("ck_message_deliveries_address")),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_deliveries_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_deliveries")),
        sa.UniqueConstraint(
            "message_id",
            "channel",
            "address",
            name=op.f("uq_message_deliveries_message_id_channel_address"),
        ),
        sa.UniqueConstraint("message_key", name=op.f("uq_message_deliveries_message_key")),
    )
    op.create_index(
        "ix_message_deliveries_due", "message_deliveries", ["status", "next_attempt_at"]
    )
    op.create_table(
        "message_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.CheckConstraint(_KINDS, name=op.f("ck_message_preferences_known_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_message_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_message_preferences")),
    )


def downgrade() -> None:
    op.drop_table("message_preferences")
    op.drop_index("ix_message_deliveries_due", table_name="message_deliveries")
    op.drop_table("message_deliveries")
    op.drop_index(op.f("ix_messages_fanned_out_at"), table_name="messages")
    op.drop_index("ix_messages_user_unread", table_name="messages")
    op.drop_table("messages")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
