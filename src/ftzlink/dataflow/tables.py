"""Tables of the cross-border data service: filings and their registrations, reported transfers,
extension reminders, spot-check draws and the inspections they assign."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.dataflow.models import Route
from ftzlink.db import Base, Timestamp, utcnow

__all__ = [
    "Draw",
    "Filing",
    "FilingStatus",
    "Inspection",
    "InspectionStatus",
    "Mechanism",
    "Registration",
    "Reminder",
    "Transfer",
]


class FilingStatus(StrEnum):
    DRAFT = "draft"  # the enterprise is filling it in (save and resume)
    SUBMITTED = "submitted"  # waiting for the regulator
    RETURNED = "returned"  # sent back with reasons; the enterprise edits and submits again
    REGISTERED = "registered"


class Mechanism(StrEnum):
    SECURITY_ASSESSMENT = "security_assessment"
    STANDARD_CONTRACT = "standard_contract"
    CERTIFICATION = "certification"


class InspectionStatus(StrEnum):
    ASSIGNED = "assigned"  # drawn, not yet inspected
    RECTIFYING = "rectifying"  # findings recorded, rectification due
    CLOSED = "closed"


def _in(column: str, values: type[StrEnum], *, nullable: bool = False) -> str:
    check = f"{column} IN ({', '.join(repr(v.value) for v in values)})"
    return f"{column} IS NULL OR {check}" if nullable else check


class Filing(Base):
    """An enterprise's declaration of a transfer scenario, with the route the engine gave it."""

    __tablename__ = "dataflow_filings"
    __table_args__ = (
        CheckConstraint(_in("status", FilingStatus), name="known_status"),
        CheckConstraint(_in("route", Route, nullable=True), name="known_route"),
        CheckConstraint(_in("mechanism", Mechanism, nullable=True), name="known_mechanism"),
        CheckConstraint(
            "(status = 'draft') OR (submitted_on IS NOT NULL AND route IS NOT NULL "
            "AND mechanism IS NOT NULL)",
            name="submitted_with_route",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    route: Mapped[str | None] = mapped_column(String(24))  # as the engine gave it on submission
    rule: Mapped[str | None] = mapped_column(String(80))  # the rule that decided it
    mechanism: Mapped[str | None] = mapped_column(String(24))
    contract_effective_on: Mapped[dt.date | None] = mapped_column(Date)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    return_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Registration(Base):
    """A filing the regulator registered: its number, route and validity (inclusive)."""

    __tablename__ = "dataflow_registrations"
    __table_args__ = (
        CheckConstraint(_in("route", Route), name="known_route"),
        CheckConstraint(_in("mechanism", Mechanism), name="known_mechanism"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="validity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("dataflow_filings.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    route: Mapped[str] = mapped_column(String(24))
    mechanism: Mapped[str] = mapped_column(String(24))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # None: no term (a filing)
    # A security assessment's extension window opens on (art. 9), counted when registered;
    # provisional when counted through a year with no official holiday schedule yet.
    extension_opens_on: Mapped[dt.date | None] = mapped_column(Date)
    extension_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Transfer(Base):
    """One transfer reported under a registration; on the ledger as `transfer-receipt/v1`."""

    __tablename__ = "dataflow_transfers"
    __table_args__ = (
        CheckConstraint("length(manifest_sha256) = 64", name="manifest_hex"),
        CheckConstraint("record_count >= 0", name="record_count"),
        CheckConstraint("non_sensitive_people >= 0", name="non_sensitive_people"),
        CheckConstraint("sensitive_people >= 0", name="sensitive_people"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("dataflow_registrations.id"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(BigInteger)
    non_sensitive_people: Mapped[int] = mapped_column(Integer)
    sensitive_people: Mapped[int] = mapped_column(Integer)
    transferred_at: Mapped[dt.datetime] = mapped_column(Timestamp())
    transferred_on: Mapped[dt.date] = mapped_column(Date, index=True)  # the day in China
    salt: Mapped[str] = mapped_column(String(64))  # for the salted hashes on the ledger
    ledger_index: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    reported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Reminder(Base):
    """A reminder that a registration's extension window is open or opening (an outbox row:
    one per registration and window, however often the reminder job runs)."""

    __tablename__ = "dataflow_reminders"
    __table_args__ = (UniqueConstraint("registration_id", "window_opens_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("dataflow_registrations.id"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    window_opens_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)  # the last valid day
    created_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())  # for a mailer, later


class Draw(Base):
    """A spot-check draw and the signed checkpoint that seeded it: anyone can recompute it."""

    __tablename__ = "dataflow_draws"
    __table_args__ = (
        CheckConstraint("requested >= 1", name="requested"),
        CheckConstraint("checkpoint_size >= 0", name="checkpoint_size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    drawn_on: Mapped[dt.date] = mapped_column(Date)
    requested: Mapped[int] = mapped_column(Integer)
    checkpoint: Mapped[str] = mapped_column(Text)  # the signed note, exactly as published
    checkpoint_size: Mapped[int] = mapped_column(BigInteger)
    checkpoint_root: Mapped[str] = mapped_column(String(64))  # hex
    seed: Mapped[str] = mapped_column(String(64))  # hex, derived from the checkpoint
    candidates: Mapped[list[int]] = mapped_column(JSON)  # registration ids, sorted
    inspectors: Mapped[list[int]] = mapped_column(JSON)  # user ids, sorted
    drawn_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Inspection(Base):
    """One registration drawn for inspection, the inspector drawn for it, findings and closure."""

    __tablename__ = "dataflow_inspections"
    __table_args__ = (
        UniqueConstraint("draw_id", "registration_id"),
        CheckConstraint(_in("status", InspectionStatus), name="known_status"),
        CheckConstraint(
            "rectification_days IS NULL OR rectification_days >= 1", name="rectification_days"
        ),
        CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)", name="closed_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("dataflow_draws.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)  # order of the draw
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("dataflow_registrations.id"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    findings: Mapped[list[str] | None] = mapped_column(JSON)
    findings_on: Mapped[dt.date | None] = mapped_column(Date)
    rectification_days: Mapped[int | None] = mapped_column(Integer)  # working days
    rectification_due_on: Mapped[dt.date | None] = mapped_column(Date)
    rectification_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closure_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
