"""Representative offices of foreign enterprises, their filings, annual-report reminders and
correction cases, and YRD recognition records for foreign investors' qualification documents.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "foreign_offices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("particulars", sa.JSON(), nullable=False),
        sa.Column("parent_jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("term_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("deregistered_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('registered', 'deregistered')", name=op.f("ck_foreign_offices_status")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_foreign_offices_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_offices")),
        sa.UniqueConstraint("reference", name=op.f("uq_foreign_offices_reference")),
    )
    op.create_index(
        op.f("ix_foreign_offices_organisation_id"),
        "foreign_offices",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "foreign_recognition_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("investor_name", sa.String(length=200), nullable=False),
        sa.Column("investor_kind", sa.String(length=16), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("notarised_on", sa.Date(), nullable=False),
        sa.Column("authentication", sa.String(length=16), nullable=False),
        sa.Column("authentication_reference", sa.String(length=100), nullable=False),
        sa.Column("authority", sa.String(length=32), nullable=False),
        sa.Column("verified_by", sa.Integer(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("key_id", sa.String(length=8), nullable=True),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "authentication IN ('apostille', 'legalisation', 'hong_kong', 'macao', 'taiwan')",
            name=op.f("ck_foreign_recognition_records_authentication"),
        ),
        sa.CheckConstraint(
            "status IN ('valid', 'revoked')", name=op.f("ck_foreign_recognition_records_status")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"],
            ["users.id"],
            name=op.f("fk_foreign_recognition_records_verified_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_recognition_records")),
        sa.UniqueConstraint("reference", name=op.f("uq_foreign_recognition_records_reference")),
    )
    op.create_table(
        "foreign_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("corrected_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'corrected')", name=op.f("ck_foreign_corrections_status")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["foreign_offices.id"],
            name=op.f("fk_foreign_corrections_office_id_foreign_offices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_corrections")),
        sa.UniqueConstraint(
            "office_id", "year", name=op.f("uq_foreign_corrections_office_id_year")
        ),
    )
    op.create_index(
        op.f("ix_foreign_corrections_office_id"), "foreign_corrections", ["office_id"], unique=False
    )
    op.create_table(
        "foreign_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("particulars", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("report_year", sa.Integer(), nullable=True),
        sa.Column("event_on", sa.Date(), nullable=True),
        sa.Column("approval_on", sa.Date(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("decision_due", sa.Date(), nullable=True),
        sa.Column("return_reasons", sa.JSON(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'annual_report') = (report_year IS NOT NULL)",
            name=op.f("ck_foreign_filings_report_year"),
        ),
        sa.CheckConstraint(
            "kind = 'establishment' OR office_id IS NOT NULL",
            name=op.f("ck_foreign_filings_office"),
        ),
        sa.CheckConstraint(
            "kind IN ('establishment', 'change', 'filing', 'annual_report', 'extension', 'deregistration')",
            name=op.f("ck_foreign_filings_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'returned', 'approved', 'rejected')",
            name=op.f("ck_foreign_filings_status"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_foreign_filings_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["foreign_offices.id"],
            name=op.f("fk_foreign_filings_office_id_foreign_offices"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_foreign_filings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_filings")),
        sa.UniqueConstraint("reference", name=op.f("uq_foreign_filings_reference")),
    )
    op.create_index(
        op.f("ix_foreign_filings_office_id"), "foreign_filings", ["office_id"], unique=False
    )
    op.create_index(
        op.f("ix_foreign_filings_organisation_id"),
        "foreign_filings",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "foreign_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["foreign_offices.id"],
            name=op.f("fk_foreign_reminders_office_id_foreign_offices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foreign_reminders")),
        sa.UniqueConstraint(
            "office_id", "kind", "year", name=op.f("uq_foreign_reminders_office_id_kind_year")
        ),
    )
    op.create_index(
        op.f("ix_foreign_reminders_office_id"), "foreign_reminders", ["office_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_foreign_reminders_office_id"), table_name="foreign_reminders")
    op.drop_table("foreign_reminders")
    op.drop_index(op.f("ix_foreign_filings_organisation_id"), table_name="foreign_filings")
    op.drop_index(op.f("ix_foreign_filings_office_id"), table_name="foreign_filings")
    op.drop_table("foreign_filings")
    op.drop_index(op.f("ix_foreign_corrections_office_id"), table_name="foreign_corrections")
    op.drop_table("foreign_corrections")
    op.drop_table("foreign_recognition_records")
    op.drop_index(op.f("ix_foreign_offices_organisation_id"), table_name="foreign_offices")
    op.drop_table("foreign_offices")
