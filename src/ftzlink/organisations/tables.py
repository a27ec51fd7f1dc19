"""Tables: organisations and the delegations that let a headquarters act for a branch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow
from ftzlink.text import Lang, name_in

__all__ = ["Delegation", "Organisation"]


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("length(uscc) = 18", name="uscc_length"),
        CheckConstraint("headquarters_id IS NULL OR headquarters_id <> id", name="not_own_hq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(
        String(200)
    )  # where given; Chinese is authoritative
    district: Mapped[str | None] = mapped_column(String(64), index=True)
    zone: Mapped[str | None] = mapped_column(String(64))
    sector: Mapped[str | None] = mapped_column(String(64))
    headquarters_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    # What the engine knows about the organisation: an EnterpriseProfile without name/uscc.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    def name_in(self, lang: Lang) -> str:
        """The name a reader of `lang` sees (the English name where one is given)."""
        return name_in(self.name, self.name_en, lang)


class Delegation(Base):
    """A headquarters may act for one branch, for the measures named (all if None), in a period."""

    __tablename__ = "delegations"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period_order"),
        CheckConstraint("headquarters_id <> branch_id", name="distinct_parties"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    headquarters_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    measures: Mapped[list[str] | None] = mapped_column(JSON)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)

    def covers(self, *, measure_id: str | None, on: dt.date) -> bool:
        """Whether the delegation is in force on `on` for the measure (None: any measure)."""
        if self.revoked_at is not None or on < self.valid_from:
            return False
        if self.valid_to is not None and on > self.valid_to:
            return False
        return self.measures is None or measure_id is None or measure_id in self.measures
