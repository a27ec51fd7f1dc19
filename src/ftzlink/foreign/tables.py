"""Tables of the foreign-investment services: representative offices, their filings, annual-report
reminders and correction cases, and YRD recognition records."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow

__all__ = [
    "Correction",
    "FilingStatus",
    "ForeignFiling",
    "Office",
    "OfficeReminder",
    "OfficeStatus",
    "RecognitionRecord",
    "RecordStatus",
]


class FilingStatus(StrEnum):
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"


class OfficeStatus(StrEnum):
    REGISTERED = "registered"
    DEREGISTERED = "deregistered"


class RecordStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


_KINDS = "'establishment', 'change', 'filing', 'annual_report', 'extension', 'deregistration'"


class Office(Base):
    """A registered representative office: the items of Art. 9 as last approved."""

    __tablename__ = "foreign_offices"
    __table_args__ = (CheckConstraint("status IN ('registered', 'deregistered')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    particulars: Mapped[dict[str, Any]] = mapped_column(JSON)
    parent_jurisdiction: Mapped[str] = mapped_column(String(2))
    term_until: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class ForeignFiling(Base):
    """One filing for an office: establishment (no office yet), change, 备案, annual report,
    extension or deregistration; decided by the registrar (see foreign/workflow.py)."""

    __tablename__ = "foreign_filings"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
        CheckConstraint(
            "status IN ('submitted', 'returned', 'approved', 'rejected')", name="status"
        ),
        CheckConstraint("kind = 'establishment' OR office_id IS NOT NULL", name="office"),
        CheckConstraint("(kind = 'annual_report') = (report_year IS NOT NULL)", name="report_year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("foreign_offices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    particulars: Mapped[dict[str, Any]] = mapped_column(JSON)
    materials: Mapped[list[str]] = mapped_column(JSON)  # codes of the materials provided
    report_year: Mapped[int | None] = mapped_column(Integer)
    event_on: Mapped[dt.date | None] = mapped_column(Date)
    approval_on: Mapped[dt.date | None] = mapped_column(Date)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    decision_due: Mapped[dt.date | None] = mapped_column(Date)
    return_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class OfficeReminder(Base):
    """A reminder sent to an office (an outbox row: one per office, kind and year, however often
    the cycle runs); the message centre delivers it."""

    __tablename__ = "foreign_reminders"
    __table_args__ = (UniqueConstraint("office_id", "kind", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("foreign_offices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date)
    created_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Correction(Base):
    """A correction case under Art. 38: the annual report of `year` missing after 30 June."""

    __tablename__ = "foreign_corrections"
    __table_args__ = (
        UniqueConstraint("office_id", "year"),
        CheckConstraint("status IN ('open', 'corrected')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("foreign_offices.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    corrected_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class RecognitionRecord(Base):
    """A registrar's verification of a foreign investor's qualification certificate, signed with
    the platform key and its hash on the verifiable log."""

    __tablename__ = "foreign_recognition_records"
    __table_args__ = (
        CheckConstraint("status IN ('valid', 'revoked')", name="status"),
        CheckConstraint(
            "authentication IN ('apostille', 'legalisation', 'hong_kong', 'macao', 'taiwan')",
            name="authentication",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    investor_name: Mapped[str] = mapped_column(String(200))
    investor_kind: Mapped[str] = mapped_column(String(16))
    jurisdiction: Mapped[str] = mapped_column(String(2))
    document: Mapped[str] = mapped_column(String(200))
    notarised_on: Mapped[dt.date] = mapped_column(Date)
    authentication: Mapped[str] = mapped_column(String(16))
    authentication_reference: Mapped[str] = mapped_column(String(100))
    authority: Mapped[str] = mapped_column(String(32))
    verified_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(Text)  # base64 Ed25519 over the payload
    key_id: Mapped[str | None] = mapped_column(String(8))
    ledger_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
