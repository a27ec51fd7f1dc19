"""Foreign-talent cases: key-enterprise recognitions, professionals, family, cases, tracks, documents
and history.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_enterprise_recognitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("recognised_by", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "valid_until >= valid_from", name=op.f("ck_key_enterprise_recognitions_period")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_key_enterprise_recognitions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_key_enterprise_recognitions_recorded_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_enterprise_recognitions")),
    )
    op.create_index(
        op.f("ix_key_enterprise_recognitions_organisation_id"),
        "key_enterprise_recognitions",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "talent_professionals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column("passport_number", sa.String(length=20), nullable=False),
        sa.Column("passport_expiry", sa.Date(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("education", sa.String(length=48), nullable=False),
        sa.Column("experience_years", sa.Integer(), nullable=False),
        sa.Column("annual_salary_yuan", sa.BigInteger(), nullable=False),
        sa.Column("chinese_level", sa.String(length=48), nullable=False),
        sa.Column("post", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("annual_salary_yuan >= 0", name=op.f("ck_talent_professionals_salary")),
        sa.CheckConstraint(
            "experience_years >= 0", name=op.f("ck_talent_professionals_experience")
        ),
        sa.CheckConstraint(
            "length(nationality) = 3", name=op.f("ck_talent_professionals_nationality_alpha3")
        ),
        sa.CheckConstraint(
            "passport_expiry > birth_date",
            name=op.f("ck_talent_professionals_passport_after_birth"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_talent_professionals_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisations.id"],
            name=op.f("fk_talent_professionals_employer_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_professionals")),
        sa.UniqueConstraint(
            "employer_id",
            "nationality",
            "passport_number",
            name=op.f("uq_talent_professionals_employer_id_nationality_passport_number"),
        ),
    )
    op.create_index(
        op.f("ix_talent_professionals_employer_id"),
        "talent_professionals",
        ["employer_id"],
        unique=False,
    )
    op.create_table(
        "talent_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("work_permit_category", sa.String(length=1), nullable=True),
        sa.Column("requested_residence_end", sa.Date(), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'filed') = (submitted_on IS NOT NULL)", name=op.f("ck_talent_cases_filed_on")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'filed', 'withdrawn')", name=op.f("ck_talent_cases_known_status")
        ),
        sa.CheckConstraint(
            "work_permit_category IS NULL OR work_permit_category IN ('A', 'B', 'C')",
            name=op.f("ck_talent_cases_known_category"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_talent_cases_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisations.id"],
            name=op.f("fk_talent_cases_employer_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["professional_id"],
            ["talent_professionals.id"],
            name=op.f("fk_talent_cases_professional_id_talent_professionals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_talent_cases_reference")),
    )
    op.create_index(
        op.f("ix_talent_cases_employer_id"), "talent_cases", ["employer_id"], unique=False
    )
    op.create_index(
        op.f("ix_talent_cases_professional_id"), "talent_cases", ["professional_id"], unique=False
    )
    op.create_index(op.f("ix_talent_cases_status"), "talent_cases", ["status"], unique=False)
    op.create_table(
        "talent_family_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column("passport_number", sa.String(length=20), nullable=False),
        sa.Column("passport_expiry", sa.Date(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "relation IN ('spouse', 'child')", name=op.f("ck_talent_family_members_known_relation")
        ),
        sa.CheckConstraint(
            "length(nationality) = 3", name=op.f("ck_talent_family_members_nationality_alpha3")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_talent_family_members_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["professional_id"],
            ["talent_professionals.id"],
            name=op.f("fk_talent_family_members_professional_id_talent_professionals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_family_members")),
        sa.UniqueConstraint(
            "professional_id",
            "nationality",
            "passport_number",
            name=op.f("uq_talent_family_members_professional_id_nationality_passport_number"),
        ),
    )
    op.create_index(
        op.f("ix_talent_family_members_professional_id"),
        "talent_family_members",
        ["professional_id"],
        unique=False,
    )
    op.create_table(
        "talent_case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("acted_for_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.JSON(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acted_for_id"],
            ["organisations.id"],
            name=op.f("fk_talent_case_events_acted_for_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_talent_case_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["talent_cases.id"],
            name=op.f("fk_talent_case_events_case_id_talent_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_case_events")),
    )
    op.create_index(
        op.f("ix_talent_case_events_case_id"), "talent_case_events", ["case_id"], unique=False
    )
    op.create_table(
        "talent_case_family",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("family_member_id", sa.Integer(), nullable=False),
        sa.Column("permit_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["talent_cases.id"],
            name=op.f("fk_talent_case_family_case_id_talent_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["family_member_id"],
            ["talent_family_members.id"],
            name=op.f("fk_talent_case_family_family_member_id_talent_family_members"),
        ),
        sa.PrimaryKeyConstraint("case_id", "family_member_id", name=op.f("pk_talent_case_family")),
    )
    op.create_table(
        "talent_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_talent_documents_size")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["talent_cases.id"], name=op.f("fk_talent_documents_case_id_talent_cases")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_talent_documents_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_documents")),
    )
    op.create_index(
        op.f("ix_talent_documents_case_id"), "talent_documents", ["case_id"], unique=False
    )
    op.create_table(
        "talent_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("category", sa.String(length=1), nullable=True),
        sa.Column("note", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(state = 'approved') = (valid_from IS NOT NULL AND valid_until IS NOT NULL)",
            name=op.f("ck_talent_tracks_validity_when_approved"),
        ),
        sa.CheckConstraint(
            "kind IN ('work_permit', 'residence')", name=op.f("ck_talent_tracks_known_kind")
        ),
        sa.CheckConstraint(
            "state IN ('received', 'accepted', 'returned', 'approved', 'refused')",
            name=op.f("ck_talent_tracks_known_state"),
        ),
        sa.CheckConstraint(
            "due_on IS NULL OR due_on >= accepted_on",
            name=op.f("ck_talent_tracks_due_after_accepted"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > valid_from",
            name=op.f("ck_talent_tracks_validity"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["talent_cases.id"], name=op.f("fk_talent_tracks_case_id_talent_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_talent_tracks_decided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_tracks")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_talent_tracks_case_id_kind")),
    )
    op.create_index(op.f("ix_talent_tracks_case_id"), "talent_tracks", ["case_id"], unique=False)
    op.create_index(op.f("ix_talent_tracks_state"), "talent_tracks", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_talent_tracks_state"), table_name="talent_tracks")
    op.drop_index(op.f("ix_talent_tracks_case_id"), table_name="talent_tracks")
    op.drop_table("talent_tracks")
    op.drop_index(op.f("ix_talent_documents_case_id"), table_name="talent_documents")
    op.drop_table("talent_documents")
    op.drop_table("talent_case_family")
    op.drop_index(op.f("ix_talent_case_events_case_id"), table_name="talent_case_events")
    op.drop_table("talent_case_events")
    op.drop_index(
        op.f("ix_talent_family_members_professional_id"), table_name="talent_family_members"
    )
    op.drop_table("talent_family_members")
    op.drop_index(op.f("ix_talent_cases_status"), table_name="talent_cases")
    op.drop_index(op.f("ix_talent_cases_professional_id"), table_name="talent_cases")
    op.drop_index(op.f("ix_talent_cases_employer_id"), table_name="talent_cases")
    op.drop_table("talent_cases")
    op.drop_index(op.f("ix_talent_professionals_employer_id"), table_name="talent_professionals")
    op.drop_table("talent_professionals")
    op.drop_index(
        op.f("ix_key_enterprise_recognitions_organisation_id"),
        table_name="key_enterprise_recognitions",
    )
    op.drop_table("key_enterprise_recognitions")
