"""The official holiday schedules an operator loaded, and every deadline a load moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow

__all__ = ["CalendarYear", "DeadlineChange"]


class CalendarYear(Base):
    """One year's official schedule, as validated from its file when it was added."""

    __tablename__ = "calendar_years"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the file's content, as validated
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    loaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    loaded_on: Mapped[dt.date] = mapped_column(Date)
    loaded_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class DeadlineChange(Base):
    """A stored deadline counted again when an official year was loaded: what, from, to, why."""

    __tablename__ = "deadline_changes"
    __table_args__ = (Index("ix_deadline_changes_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32))  # talent_case, dataflow_registration, …
    object_id: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(String(32))  # work_permit_due, extension_opens, …
    before: Mapped[dt.date] = mapped_column(Date)
    after: Mapped[dt.date] = mapped_column(Date)
    was_provisional: Mapped[bool] = mapped_column(Boolean)
    now_provisional: Mapped[bool] = mapped_column(Boolean)
    calendar_year: Mapped[int] = mapped_column(Integer)  # the year whose loading caused it
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    changed_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
