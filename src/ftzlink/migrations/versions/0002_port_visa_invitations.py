"""electronic port visa: inviting units, their history, invitations

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inviting_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("statement", sa.String(length=2000), nullable=False),
        sa.Column("applied_by", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("refusal_reason", sa.String(length=2000), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.String(length=2000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'revoked' AND revoked_on IS NOT NULL) OR (status <> 'revoked' AND revoked_on IS NULL)",
            name=op.f("ck_inviting_units_revoked_has_date"),
        ),
        sa.CheckConstraint(
            "status IN ('approved', 'revoked') OR (approved_on IS NULL AND valid_until IS NULL)",
            name=op.f("ck_inviting_units_period_only_when_approved"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused', 'revoked')",
            name=op.f("ck_inviting_units_known_status"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'revoked') OR (approved_on IS NOT NULL AND valid_until IS NOT NULL)",
            name=op.f("ck_inviting_units_approved_has_period"),
        ),
        sa.CheckConstraint(
            "revoked_on IS NULL OR revoked_on >= approved_on",
            name=op.f("ck_inviting_units_revoked_after_approval"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR approved_on IS NULL OR valid_until >= approved_on",
            name=op.f("ck_inviting_units_period_order"),
        ),
        sa.ForeignKeyConstraint(
            ["applied_by"], ["users.id"], name=op.f("fk_inviting_units_applied_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_inviting_units_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_inviting_units_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_inviting_units_revoked_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inviting_units")),
    )
    with op.batch_alter_table("inviting_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inviting_units_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inviting_units_status"), ["status"], unique=False)

    op.create_table(
        "inviting_unit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("acted_for_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acted_for_id"],
            ["organisations.id"],
            name=op.f("fk_inviting_unit_events_acted_for_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_inviting_unit_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["inviting_units.id"],
            name=op.f("fk_inviting_unit_events_unit_id_inviting_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inviting_unit_events")),
    )
    with op.batch_alter_table("inviting_unit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inviting_unit_events_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "port_visa_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("invitee_name", sa.String(length=200), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column("passport_number", sa.String(length=32), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("activity", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=2000), nullable=False),
        sa.Column("visa_type", sa.String(length=8), nullable=False),
        sa.Column("planned_entry_on", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("enter_by", sa.Date(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("max_stay_days", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("acted_for_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "enter_by >= issued_on", name=op.f("ck_port_visa_invitations_enter_by_after_issue")
        ),
        sa.CheckConstraint("entries >= 1", name=op.f("ck_port_visa_invitations_entries")),
        sa.CheckConstraint(
            "max_stay_days >= 1", name=op.f("ck_port_visa_invitations_max_stay_days")
        ),
        sa.CheckConstraint(
            "planned_entry_on <= enter_by",
            name=op.f("ck_port_visa_invitations_planned_before_enter_by"),
        ),
        sa.CheckConstraint(
            "planned_entry_on >= issued_on",
            name=op.f("ck_port_visa_invitations_planned_after_issue"),
        ),
        sa.ForeignKeyConstraint(
            ["acted_for_id"],
            ["organisations.id"],
            name=op.f("fk_port_visa_invitations_acted_for_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_port_visa_invitations_issued_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_port_visa_invitations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["inviting_units.id"],
            name=op.f("fk_port_visa_invitations_unit_id_inviting_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_port_visa_invitations")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_port_visa_invitations_code_digest")),
        sa.UniqueConstraint("reference", name=op.f("uq_port_visa_invitations_reference")),
    )
    with op.batch_alter_table("port_visa_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_port_visa_invitations_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_port_visa_invitations_unit_id"), ["unit_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("port_visa_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_port_visa_invitations_unit_id"))
        batch_op.drop_index(batch_op.f("ix_port_visa_invitations_organisation_id"))

    op.drop_table("port_visa_invitations")
    with op.batch_alter_table("inviting_unit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inviting_unit_events_unit_id"))

    op.drop_table("inviting_unit_events")
    with op.batch_alter_table("inviting_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inviting_units_status"))
        batch_op.drop_index(batch_op.f("ix_inviting_units_organisation_id"))

    op.drop_table("inviting_units")
