"""The cross-border data service: filings, registrations, transfers, reminders, spot-check draws
and inspections.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataflow_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drawn_on", sa.Date(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint_root", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("inspectors", sa.JSON(), nullable=False),
        sa.Column("drawn_by", sa.Integer(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("checkpoint_size >= 0", name=op.f("ck_dataflow_draws_checkpoint_size")),
        sa.CheckConstraint("requested >= 1", name=op.f("ck_dataflow_draws_requested")),
        sa.ForeignKeyConstraint(
            ["drawn_by"], ["users.id"], name=op.f("fk_dataflow_draws_drawn_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataflow_draws")),
    )
    op.create_table(
        "dataflow_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scenario", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=24), nullable=True),
        sa.Column("rule", sa.String(length=80), nullable=True),
        sa.Column("mechanism", sa.String(length=24), nullable=True),
        sa.Column("contract_effective_on", sa.Date(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("return_reasons", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'draft') OR (submitted_on IS NOT NULL AND route IS NOT NULL AND mechanism IS NOT NULL)",
            name=op.f("ck_dataflow_filings_submitted_with_route"),
        ),
        sa.CheckConstraint(
            "mechanism IS NULL OR mechanism IN ('security_assessment', 'standard_contract', 'certification')",
            name=op.f("ck_dataflow_filings_known_mechanism"),
        ),
        sa.CheckConstraint(
            "route IS NULL OR route IN ('exempt', 'standard_contract', 'security_assessment')",
            name=op.f("ck_dataflow_filings_known_route"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'registered')",
            name=op.f("ck_dataflow_filings_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_dataflow_filings_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_dataflow_filings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataflow_filings")),
        sa.UniqueConstraint("reference", name=op.f("uq_dataflow_filings_reference")),
    )
    op.create_index(
        op.f("ix_dataflow_filings_organisation_id"),
        "dataflow_filings",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataflow_filings_status"), "dataflow_filings", ["status"], unique=False
    )
    op.create_table(
        "dataflow_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(length=24), nullable=False),
        sa.Column("mechanism", sa.String(length=24), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("registered_by", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "mechanism IN ('security_assessment', 'standard_contract', 'certification')",
            name=op.f("ck_dataflow_registrations_known_mechanism"),
        ),
        sa.CheckConstraint(
            "route IN ('exempt', 'standard_contract', 'security_assessment')",
            name=op.f("ck_dataflow_registrations_known_route"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from",
            name=op.f("ck_dataflow_registrations_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["dataflow_filings.id"],
            name=op.f("fk_dataflow_registrations_filing_id_dataflow_filings"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_dataflow_registrations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"],
            ["users.id"],
            name=op.f("fk_dataflow_registrations_registered_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataflow_registrations")),
        sa.UniqueConstraint("filing_id", name=op.f("uq_dataflow_registrations_filing_id")),
        sa.UniqueConstraint("number", name=op.f("uq_dataflow_registrations_number")),
    )
    op.create_index(
        op.f("ix_dataflow_registrations_organisation_id"),
        "dataflow_registrations",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "dataflow_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("findings_on", sa.Date(), nullable=True),
        sa.Column("rectification_days", sa.Integer(), nullable=True),
        sa.Column("rectification_due_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'closed') = (closed_on IS NOT NULL)",
            name=op.f("ck_dataflow_inspections_closed_on"),
        ),
        sa.CheckConstraint(
            "status IN ('assigned', 'rectifying', 'closed')",
            name=op.f("ck_dataflow_inspections_known_status"),
        ),
        sa.CheckConstraint(
            "rectification_days IS NULL OR rectification_days >= 1",
            name=op.f("ck_dataflow_inspections_rectification_days"),
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["dataflow_draws.id"],
            name=op.f("fk_dataflow_inspections_draw_id_dataflow_draws"),
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_dataflow_inspections_inspector_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_dataflow_inspections_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["dataflow_registrations.id"],
            name=op.f("fk_dataflow_inspections_registration_id_dataflow_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataflow_inspections")),
        sa.UniqueConstraint(
            "draw_id",
            "registration_id",
            name=op.f("uq_dataflow_inspections_draw_id_registration_id"),
        ),
    )
    op.create_index(
        op.f("ix_dataflow_inspections_draw_id"), "dataflow_inspections", ["draw_id"], unique=False
    )
    op.create_index(
        op.f("ix_dataflow_inspections_inspector_id"),
        "dataflow_inspections",
        ["inspector_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataflow_inspections_organisation_id"),
        "dataflow_inspections",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataflow_inspections_registration_id"),
        "dataflow_inspections",
        ["registration_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataflow_inspections_status"), "dataflow_inspections", ["status"], unique=False
    )
    op.create_table(
        "dataflow_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("window_opens_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_dataflow_reminders_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["dataflow_registrations.id"],
            name=op.f("fk_dataflow_reminders_registration_id_dataflow_registrations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataflow_reminders")),
        sa.UniqueConstraint(
            "registration_id",
            "window_opens_on",
            name=op.f("uq_dataflow_reminders_registration_id_window_opens_on"),
        ),
    )
    op.create_index(
        op.f("ix_dataflow_reminders_organisation_id"),
        "dataflow_reminders",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataflow_reminders_registration_id"),
        "dataflow_reminders",
        ["registration_id"],
        unique=False,
    )
    op.create_table(
        "dataflow_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.BigInteger(), nullable=False),
        sa.Column("non_sensitive_people", sa.Integer(), nullable=False),
        sa.Column("sensitive_people", sa.Integer(), nullable=False),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transferred_on", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("reported_by", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(manifest_sha256) = 64", name=op.f("ck_dataflow_transfers_manifest_hex")
        ),
        sa.CheckConstraint(
            "non_sensitive_people >= 0", name=op.f("ck_dataflow_transfers_non_sensitive_people")
        ),
        sa.CheckConstraint("record_count >= 0", name=op.f("ck_dataflow_transfers_record_count")),
        sa.CheckConstraint(
            "sensitive_people >= 0", name=op.f("ck_dataflow_transfers_sensitive_people")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_dataflow_transfers_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["dataflow_registrations.id"],
            name=op.f("fk_dataflow_transfers_registration_id_dataflow_registrations"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_dataflow_transfers_reported_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataflow_transfers")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_dataflow_transfers_ledger_index")),
    )
    op.create_index(
        op.f("ix_dataflow_transfers_organisation_id"),
        "dataflow_transfers",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataflow_transfers_registration_id"),
        "dataflow_transfers",
        ["registration_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dataflow_transfers_transferred_on"),
        "dataflow_transfers",
        ["transferred_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dataflow_transfers_transferred_on"), table_name="dataflow_transfers")
    op.drop_index(op.f("ix_dataflow_transfers_registration_id"), table_name="dataflow_transfers")
    op.drop_index(op.f("ix_dataflow_transfers_organisation_id"), table_name="dataflow_transfers")
    op.drop_table("dataflow_transfers")
    op.drop_index(op.f("ix_dataflow_reminders_registration_id"), table_name="dataflow_reminders")
    op.drop_index(op.f("ix_dataflow_reminders_organisation_id"), table_name="dataflow_reminders")
    op.drop_table("dataflow_reminders")
    op.drop_index(op.f("ix_dataflow_inspections_status"), table_name="dataflow_inspections")
    op.drop_index(
        op.f("ix_dataflow_inspections_registration_id"), table_name="dataflow_inspections"
    )
    op.drop_index(
        op.f("ix_dataflow_inspections_organisation_id"), table_name="dataflow_inspections"
    )
    op.drop_index(op.f("ix_dataflow_inspections_inspector_id"), table_name="dataflow_inspections")
    op.drop_index(op.f("ix_dataflow_inspections_draw_id"), table_name="dataflow_inspections")
    op.drop_table("dataflow_inspections")
    op.drop_index(
        op.f("ix_dataflow_registrations_organisation_id"), table_name="dataflow_registrations"
    )
    op.drop_table("dataflow_registrations")
    op.drop_index(op.f("ix_dataflow_filings_status"), table_name="dataflow_filings")
    op.drop_index(op.f("ix_dataflow_filings_organisation_id"), table_name="dataflow_filings")
    op.drop_table("dataflow_filings")
    op.drop_table("dataflow_draws")
