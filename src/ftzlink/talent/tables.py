"""Tables of the foreign-talent service: key-enterprise recognitions, professionals and their family,
combined applications (cases) with their two tracks, documents and history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, Yuan, utcnow

__all__ = [
    "Case",
    "CaseDocument",
    "CaseEvent",
    "CaseFamily",
    "CaseStatus",
    "FamilyMember",
    "KeyEnterprise",
    "Professional",
    "Relation",
    "Track",
    "TrackKind",
    "TrackState",
]


class CaseStatus(StrEnum):
    DRAFT = "draft"  # the employer is filling it in
    FILED = "filed"  # submitted: the two tracks run
    WITHDRAWN = "withdrawn"  # withdrawn as a draft


class TrackKind(StrEnum):
    WORK_PERMIT = "work_permit"
    RESIDENCE = "residence"


class TrackState(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    RETURNED = "returned"  # for material
    APPROVED = "approved"
    REFUSED = "refused"


class Relation(StrEnum):
    SPOUSE = "spouse"
    CHILD = "child"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class KeyEnterprise(Base):
    """An organisation recognised as a key enterprise, by whom, from when until when."""

    __tablename__ = "key_enterprise_recognitions"
    __table_args__ = (CheckConstraint("valid_until >= valid_from", name="period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    recognised_by: Mapped[str] = mapped_column(String(200))  # the authority, in its own words
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)  # inclusive
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Professional(Base):
    """A foreign professional an employer files for. Personal data: see talent/privacy.py."""

    __tablename__ = "talent_professionals"
    __table_args__ = (
        UniqueConstraint("employer_id", "nationality", "passport_number"),
        CheckConstraint("length(nationality) = 3", name="nationality_alpha3"),
        CheckConstraint("experience_years >= 0", name="experience"),
        CheckConstraint("annual_salary_yuan >= 0", name="salary"),
        CheckConstraint("passport_expiry > birth_date", name="passport_after_birth"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    nationality: Mapped[str] = mapped_column(String(3))  # ISO 3166-1 alpha-3
    passport_number: Mapped[str] = mapped_column(String(20))
    passport_expiry: Mapped[dt.date] = mapped_column(Date)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    education: Mapped[str] = mapped_column(String(48))
    experience_years: Mapped[int] = mapped_column(Integer)
    annual_salary_yuan: Mapped[int] = mapped_column(Yuan)
    chinese_level: Mapped[str] = mapped_column(String(48))
    post: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class FamilyMember(Base):
    __tablename__ = "talent_family_members"
    __table_args__ = (
        CheckConstraint(_in("relation", Relation), name="known_relation"),
        CheckConstraint("length(nationality) = 3", name="nationality_alpha3"),
        UniqueConstraint("professional_id", "nationality", "passport_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("talent_professionals.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(200))
    nationality: Mapped[str] = mapped_column(String(3))
    passport_number: Mapped[str] = mapped_column(String(20))
    passport_expiry: Mapped[dt.date] = mapped_column(Date)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Case(Base):
    """One combined application: a work permit and a work-type residence permit, with family."""

    __tablename__ = "talent_cases"
    __table_args__ = (
        CheckConstraint(_in("status", CaseStatus), name="known_status"),
        CheckConstraint(
            "work_permit_category IS NULL OR work_permit_category IN ('A', 'B', 'C')",
            name="known_category",
        ),
        CheckConstraint("(status = 'filed') = (submitted_on IS NOT NULL)", name="filed_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("talent_professionals.id"), index=True)
    work_permit_category: Mapped[str | None] = mapped_column(String(1))
    requested_residence_end: Mapped[dt.date | None] = mapped_column(Date)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # for the 5-year routes
    status: Mapped[str] = mapped_column(String(16), index=True)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CaseFamily(Base):
    """A relative whose residence permit the case asks for; its end is set when decided."""

    __tablename__ = "talent_case_family"

    case_id: Mapped[int] = mapped_column(ForeignKey("talent_cases.id"), primary_key=True)
    family_member_id: Mapped[int] = mapped_column(
        ForeignKey("talent_family_members.id"), primary_key=True
    )
    permit_end: Mapped[dt.date | None] = mapped_column(Date)


class Track(Base):
    """One authority's side of a case, with its own state, deadline and decision."""

    __tablename__ = "talent_tracks"
    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        CheckConstraint(_in("kind", TrackKind), name="known_kind"),
        CheckConstraint(_in("state", TrackState), name="known_state"),
        CheckConstraint(
            "(state = 'approved') = (valid_from IS NOT NULL AND valid_until IS NOT NULL)",
            name="validity_when_approved",
        ),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="validity"),
        CheckConstraint("due_on IS NULL OR due_on >= accepted_on", name="due_after_accepted"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("talent_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # accepted_on + N working days
    # Counted through a year with no official holiday schedule yet: recounted when it is loaded.
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # inclusive
    category: Mapped[str | None] = mapped_column(String(1))  # the work permit's, once approved
    note: Mapped[list[str] | None] = mapped_column(JSON)  # open questions or reasons
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CaseDocument(Base):
    """A document uploaded once to a case and shared by both tracks."""

    __tablename__ = "talent_documents"
    __table_args__ = (CheckConstraint("size > 0", name="size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("talent_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class CaseEvent(Base):
    """One step of a case's history: who, for whom, which track, what, when."""

    __tablename__ = "talent_case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("talent_cases.id"), index=True)
    track: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acted_for_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    note: Mapped[list[str] | None] = mapped_column(JSON)  # questions, reasons or an answer
    valid_from: Mapped[dt.date | None] = mapped_column(Date)  # an approval's validity
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    # A deadline counted again (action deadline_recomputed): from, to, and the year loaded.
    due_before: Mapped[dt.date | None] = mapped_column(Date)
    due_after: Mapped[dt.date | None] = mapped_column(Date)
    calendar_year: Mapped[int | None] = mapped_column(Integer)
    on: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
