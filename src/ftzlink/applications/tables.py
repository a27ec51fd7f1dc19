"""Tables: applications and their history, grants, budgets, cap counters, documents, and the
records that make creating requests idempotent."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, Yuan, utcnow
from ftzlink.text import Lang, name_in

__all__ = [
    "Application",
    "ApplicationEvent",
    "Budget",
    "CapUsage",
    "ClauseAllowance",
    "Document",
    "Grant",
    "IdempotencyRecord",
    "State",
]


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


_STATES = ", ".join(f"'{s.value}'" for s in State)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATES})", name="known_status"),
        CheckConstraint("requested_amount IS NULL OR requested_amount >= 0", name="requested"),
        CheckConstraint("approved_amount IS NULL OR approved_amount >= 0", name="approved"),
        CheckConstraint(
            "approved_amount IS NULL OR status = 'approved'", name="amount_only_when_approved"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    policy_id: Mapped[str] = mapped_column(String(80))
    measure_id: Mapped[str] = mapped_column(String(80), index=True)
    clause: Mapped[str] = mapped_column(String(120))  # policy id + clause: what allowances count
    project_name: Mapped[str | None] = mapped_column(String(200))
    project_name_en: Mapped[str | None] = mapped_column(String(200))  # where given
    project_kind: Mapped[str | None] = mapped_column(String(64))
    requested_amount: Mapped[int | None] = mapped_column(Yuan)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    approved_amount: Mapped[int | None] = mapped_column(Yuan)
    decided_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    def project_name_in(self, lang: Lang) -> str | None:
        """The project's name a reader of `lang` sees (the English name where one is given)."""
        return name_in(self.project_name, self.project_name_en, lang) if self.project_name else None


class ApplicationEvent(Base):
    """One step of an application's history, reviews included: who, for whom, what, when."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acted_for_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    amount: Mapped[int | None] = mapped_column(Yuan)
    note: Mapped[list[str] | None] = mapped_column(JSON)  # questions or reasons
    at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Grant(Base):
    __tablename__ = "grants"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    measure_id: Mapped[str] = mapped_column(String(80))
    clause: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Yuan)
    approved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Budget(Base):
    """What a measure may pay out in a year. The database refuses an overdraft on its own."""

    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("measure_id", "year"),
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("granted >= 0 AND granted <= amount", name="not_overdrawn"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Yuan)
    granted: Mapped[int] = mapped_column(Yuan, default=0)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class ClauseAllowance(Base):
    """A district's own annual ceiling per organisation for a clause whose text states none."""

    __tablename__ = "clause_allowances"
    __table_args__ = (
        UniqueConstraint("clause", "year"),
        CheckConstraint("amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clause: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Yuan)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class CapUsage(Base):
    """A running total under one limit (a cap bucket or an allowance), locked while approving."""

    __tablename__ = "cap_usage"
    __table_args__ = (CheckConstraint("used >= 0 AND used <= limit_amount", name="within_limit"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    limit_amount: Mapped[int] = mapped_column(Yuan)
    used: Mapped[int] = mapped_column(Yuan, default=0)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (CheckConstraint("size >= 0", name="size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    # The measure's document slot it fills (a `documents` vocabulary id); none before slots existed.
    requirement: Mapped[str | None] = mapped_column(String(64), default=None)


class IdempotencyRecord(Base):
    """The first answer to a creating request, replayed when the same key comes again."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
