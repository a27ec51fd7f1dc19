"""The working-day calendar: official holiday schedules loaded as data, deadlines that were counted
provisionally, and the history of every deadline a newly loaded year moved.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("loaded_by", sa.Integer(), nullable=False),
        sa.Column("loaded_on", sa.Date(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_calendar_years_year_range")),
        sa.ForeignKeyConstraint(
            ["loaded_by"], ["users.id"], name=op.f("fk_calendar_years_loaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_years")),
        sa.UniqueConstraint("year", name=op.f("uq_calendar_years_year")),
    )
    op.create_table(
        "deadline_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("before", sa.Date(), nullable=False),
        sa.Column("after", sa.Date(), nullable=False),
        sa.Column("was_provisional", sa.Boolean(), nullable=False),
        sa.Column("now_provisional", sa.Boolean(), nullable=False),
        sa.Column("calendar_year", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_deadline_changes_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_changes")),
    )
    op.create_index("ix_deadline_changes_object", "deadline_changes", ["object_type", "object_id"])
    with op.batch_alter_table("talent_tracks") as batch:
        batch.add_column(
            sa.Column("due_provisional", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("talent_case_events") as batch:
        batch.add_column(sa.Column("due_before", sa.Date(), nullable=True))
        batch.add_column(sa.Column("due_after", sa.Date(), nullable=True))
        batch.add_column(sa.Column("calendar_year", sa.Integer(), nullable=True))
    with op.batch_alter_table("dataflow_registrations") as batch:
        batch.add_column(sa.Column("extension_opens_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "extension_provisional", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("dataflow_inspections") as batch:
        batch.add_column(
            sa.Column(
                "rectification_provisional",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("dataflow_inspections") as batch:
        batch.drop_column("rectification_provisional")
    with op.batch_alter_table("dataflow_registrations") as batch:
        batch.drop_column("extension_provisional")
        batch.drop_column("extension_opens_on")
    with op.batch_alter_table("talent_case_events") as batch:
        batch.drop_column("calendar_year")
        batch.drop_column("due_after")
        batch.drop_column("due_before")
    with op.batch_alter_table("talent_tracks") as batch:
        batch.drop_column("due_provisional")
    op.drop_index("ix_deadline_changes_object", table_name="deadline_changes")
    op.drop_table("deadline_changes")
    op.drop_table("calendar_years")
