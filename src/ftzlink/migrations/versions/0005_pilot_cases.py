"""The pilot-case registry: cases, the stages they reached, the figures reported about them.

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


def upgrade() -> None:
    op.create_table(
        "pilot_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("summary_zh", sa.String(length=2000), nullable=False),
        sa.Column("summary_en", sa.String(length=2000), nullable=False),
        sa.Column("progress_zh", sa.String(length=2000), nullable=True),
        sa.Column("progress_en", sa.String(length=2000), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("stage_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "stage IS NULL OR stage IN ('case_pilot', 'innovative_supervision', 'regulatory_solidification')",
            name=op.f("ck_pilot_cases_known_stage"),
        ),
        sa.CheckConstraint(
            "stage IS NOT NULL OR stage_on IS NULL",
            name=op.f("ck_pilot_cases_stage_on_needs_stage"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_pilot_cases_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_cases")),
        sa.UniqueConstraint("slug", name=op.f("uq_pilot_cases_slug")),
    )
    op.create_index(op.f("ix_pilot_cases_stage"), "pilot_cases", ["stage"], unique=False)
    op.create_index(op.f("ix_pilot_cases_zone"), "pilot_cases", ["zone"], unique=False)

    op.create_table(
        "pilot_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seed_key", sa.String(length=80), nullable=True),
        sa.Column("label_zh", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("value_max", sa.String(length=40), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("qualifier", sa.String(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("as_of_note", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("quote", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "qualifier IN ('exact', 'about', 'more_than', 'nearly', 'estimated')",
            name=op.f("ck_pilot_figures_known_qualifier"),
        ),
        sa.CheckConstraint(
            "unit IN ('count', 'vehicles', 'enterprises', 'cases', 'percent', 'share', 'years', 'usd', 'yuan')",
            name=op.f("ck_pilot_figures_known_unit"),
        ),
        sa.CheckConstraint(
            "source_line IS NULL OR source_line >= 1", name=op.f("ck_pilot_figures_line")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["pilot_cases.id"], name=op.f("fk_pilot_figures_case_id_pilot_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_pilot_figures_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_figures")),
        sa.UniqueConstraint("case_id", "seed_key", name=op.f("uq_pilot_figures_case_id_seed_key")),
    )
    op.create_index(op.f("ix_pilot_figures_case_id"), "pilot_figures", ["case_id"], unique=False)

    op.create_table(
        "pilot_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("quote", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "stage IN ('case_pilot', 'innovative_supervision', 'regulatory_solidification')",
            name=op.f("ck_pilot_steps_known_stage"),
        ),
        sa.CheckConstraint(
            "source_line IS NULL OR source_line >= 1", name=op.f("ck_pilot_steps_line")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["pilot_cases.id"], name=op.f("fk_pilot_steps_case_id_pilot_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_pilot_steps_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_steps")),
    )
    op.create_index(op.f("ix_pilot_steps_case_id"), "pilot_steps", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pilot_steps_case_id"), table_name="pilot_steps")

    op.drop_table("pilot_steps")
    op.drop_index(op.f("ix_pilot_figures_case_id"), table_name="pilot_figures")

    op.drop_table("pilot_figures")
    op.drop_index(op.f("ix_pilot_cases_zone"), table_name="pilot_cases")
    op.drop_index(op.f("ix_pilot_cases_stage"), table_name="pilot_cases")

    op.drop_table("pilot_cases")
