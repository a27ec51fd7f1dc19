"""Certificates anyone can verify: the signed document, its hash, its place on the ledger.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_KINDS = "'grant-approval', 'work-permit', 'residence-permit', 'port-visa-invitation', 'transfer'"


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_ref", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_certificates_known_kind")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_certificates_sha256_hex")),
        sa.CheckConstraint(
            "ledger_index >= 0", name=op.f("ck_certificates_ledger_index_not_negative")
        ),
        sa.CheckConstraint(
            "replaced_by IS NULL OR revoked_at IS NOT NULL",
            name=op.f("ck_certificates_replaced_only_when_revoked"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_certificates_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["users.id"], name=op.f("fk_certificates_issued_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by"],
            ["certificates.id"],
            name=op.f("fk_certificates_replaced_by_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_certificates_ledger_index")),
    )
    op.create_index(
        op.f("ix_certificates_object_ref"), "certificates", ["object_ref"], unique=False
    )
    op.create_index(
        "uq_certificates_live_object",
        "certificates",
        ["kind", "object_ref"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_certificates_live_object", table_name="certificates")
    op.drop_index(op.f("ix_certificates_object_ref"), table_name="certificates")
    op.drop_table("certificates")
