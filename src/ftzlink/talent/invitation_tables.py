"""Tables: the registry of units that may invite foreign nationals for an electronic port visa, its
history, and the invitations issued.

A registration is one row per application: an organisation whose registration was refused or
revoked applies again with a new row, so an invitation keeps pointing at the registration it was
issued under (and a check of its code can say "the inviter's registration was revoked on …").
The service allows at most one pending or approved registration per organisation.

Invitations keep the terms they were issued with (entries, enter-by date, longest stay) rather
than recomputing them from the catalogue, so a later change to the data never rewrites a letter.
The verification code is stored only as its SHA-256 digest, like API tokens: the code is random
enough that the digest cannot be inverted, and a forged code has no matching row.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow

__all__ = ["Invitation", "InvitingUnit", "InvitingUnitEvent", "UnitStatus"]


class UnitStatus(StrEnum):
    PENDING = "pending"  # applied, awaiting the exit-entry officer
    APPROVED = "approved"  # may invite from approved_on to valid_until (inclusive)
    REFUSED = "refused"  # application refused; the organisation may apply again
    REVOKED = "revoked"  # approved, then revoked from revoked_on; may apply again


_STATUSES = ", ".join(f"'{s.value}'" for s in UnitStatus)


class InvitingUnit(Base):
    """One registration of an organisation as an inviting unit."""

    __tablename__ = "inviting_units"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="known_status"),
        CheckConstraint(
            "status NOT IN ('approved', 'revoked') "
            "OR (approved_on IS NOT NULL AND valid_until IS NOT NULL)",
            name="approved_has_period",
        ),
        CheckConstraint(
            "status IN ('approved', 'revoked') OR (approved_on IS NULL AND valid_until IS NULL)",
            name="period_only_when_approved",
        ),
        CheckConstraint(
            "valid_until IS NULL OR approved_on IS NULL OR valid_until >= approved_on",
            name="period_order",
        ),
        CheckConstraint(
            "(status = 'revoked' AND revoked_on IS NOT NULL) "
            "OR (status <> 'revoked' AND revoked_on IS NULL)",
            name="revoked_has_date",
        ),
        CheckConstraint(
            "revoked_on IS NULL OR revoked_on >= approved_on", name="revoked_after_approval"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(String(2000))  # why the unit invites foreign guests
    applied_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(String(2000))
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer, default=1)


class InvitingUnitEvent(Base):
    """One step of a registration's history: who, for whom, what, when."""

    __tablename__ = "inviting_unit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("inviting_units.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acted_for_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    note: Mapped[str | None] = mapped_column(String(2000))
    at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Invitation(Base):
    """An electronic port visa invitation, with the terms it was issued with."""

    __tablename__ = "port_visa_invitations"
    __table_args__ = (
        CheckConstraint("entries >= 1", name="entries"),
        CheckConstraint("max_stay_days >= 1", name="max_stay_days"),
        CheckConstraint("enter_by >= issued_on", name="enter_by_after_issue"),
        CheckConstraint("planned_entry_on >= issued_on", name="planned_after_issue"),
        CheckConstraint("planned_entry_on <= enter_by", name="planned_before_enter_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("inviting_units.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    invitee_name: Mapped[str] = mapped_column(String(200))
    nationality: Mapped[str] = mapped_column(String(3))  # ISO 3166-1 alpha-3
    passport_number: Mapped[str] = mapped_column(String(32))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(2000))
    visa_type: Mapped[str] = mapped_column(String(8))
    planned_entry_on: Mapped[dt.date] = mapped_column(Date)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    enter_by: Mapped[dt.date] = mapped_column(Date)
    entries: Mapped[int] = mapped_column(Integer)
    max_stay_days: Mapped[int] = mapped_column(Integer)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acted_for_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
