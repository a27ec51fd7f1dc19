"""免申即享: match runs, their candidates, and the outbox of notifications to enterprises.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("catalogue_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("registry_name", sa.String(length=300), nullable=True),
        sa.Column("registry_sha256", sa.String(length=64), nullable=True),
        sa.Column("districts", sa.JSON(), nullable=True),
        sa.Column("organisations", sa.Integer(), nullable=False),
        sa.Column("registry_rows", sa.Integer(), nullable=False),
        sa.Column("unlinked_rows", sa.Integer(), nullable=False),
        sa.Column("unlinked", sa.JSON(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("one_answer", sa.Integer(), nullable=False),
        sa.Column("new_candidates", sa.Integer(), nullable=False),
        sa.Column("already_proposed", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(source IN ('registry', 'both')) = (registry_name IS NOT NULL AND registry_sha256 IS NOT NULL)",
            name=op.f("ck_match_runs_registry_named"),
        ),
        sa.CheckConstraint(
            "source IN ('organisations', 'registry', 'both')",
            name=op.f("ck_match_runs_known_source"),
        ),
        sa.CheckConstraint(
            "organisations >= 0 AND registry_rows >= 0 AND unlinked_rows >= 0 AND eligible >= 0 AND one_answer >= 0 AND new_candidates >= 0 AND already_proposed >= 0",
            name=op.f("ck_match_runs_counts"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_match_runs_started_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_runs")),
    )
    op.create_table(
        "match_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("measure_id", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("project_name", sa.String(length=200), nullable=True),
        sa.Column("project_kind", sa.String(length=64), nullable=True),
        sa.Column("dedupe_key", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=True),
        sa.Column("max_amount", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("without_application", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("strike_reason", sa.Text(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'one_answer') = (question IS NOT NULL)",
            name=op.f("ck_match_candidates_question"),
        ),
        sa.CheckConstraint(
            "kind = 'eligible' OR status IN ('pending', 'struck')",
            name=op.f("ck_match_candidates_one_answer"),
        ),
        sa.CheckConstraint(
            "kind IN ('eligible', 'one_answer')", name=op.f("ck_match_candidates_known_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'struck', 'consented', 'declined', 'granted')",
            name=op.f("ck_match_candidates_known_status"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'struck') OR application_id IS NOT NULL",
            name=op.f("ck_match_candidates_application"),
        ),
        sa.CheckConstraint(
            "(max_amount IS NULL OR max_amount >= 0) AND (amount IS NULL OR amount >= 0)",
            name=op.f("ck_match_candidates_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_match_candidates_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_match_candidates_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_match_candidates_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["match_runs.id"], name=op.f("fk_match_candidates_run_id_match_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_candidates")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_match_candidates_dedupe_key")),
    )
    op.create_index(
        op.f("ix_match_candidates_measure_id"), "match_candidates", ["measure_id"], unique=False
    )
    op.create_index(
        op.f("ix_match_candidates_organisation_id"),
        "match_candidates",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_match_candidates_run_id"), "match_candidates", ["run_id"], unique=False
    )
    op.create_index(
        op.f("ix_match_candidates_status"), "match_candidates", ["status"], unique=False
    )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "kind IN ('offer', 'granted')", name=op.f("ck_notifications_known_kind")
        ),
        sa.CheckConstraint(
            "(sent_at IS NULL) = (channel IS NULL)", name=op.f("ck_notifications_sent_on_a_channel")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_notifications_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["match_candidates.id"],
            name=op.f("fk_notifications_candidate_id_match_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_notifications_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        op.f("ix_notifications_candidate_id"), "notifications", ["candidate_id"], unique=False
    )
    op.create_index(
        op.f("ix_notifications_organisation_id"), "notifications", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_notifications_sent_at"), "notifications", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_sent_at"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_organisation_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_candidate_id"), table_name="notifications")

    op.drop_table("notifications")
    op.drop_index(op.f("ix_match_candidates_status"), table_name="match_candidates")
    op.drop_index(op.f("ix_match_candidates_run_id"), table_name="match_candidates")
    op.drop_index(op.f("ix_match_candidates_organisation_id"), table_name="match_candidates")
    op.drop_index(op.f("ix_match_candidates_measure_id"), table_name="match_candidates")

    op.drop_table("match_candidates")
    op.drop_table("match_runs")
