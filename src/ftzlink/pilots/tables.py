"""Tables of the pilot-case registry: cases, the stages they reached (their history) and the
figures reported about them.

A stage or a date the source does not state is stored as NULL, never guessed: a case whose stage
is unknown has `stage` NULL (and says in `progress_*` what the source does say), a step whose day
the source does not give has `reached_on` NULL, a figure without an as-of day has `as_of` NULL and keeps
the source's own words for when (`as_of_note`, e.g. "last year").
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow

__all__ = [
    "STAGE_ORDER",
    "PilotCase",
    "PilotFigure",
    "PilotQualifier",
    "PilotStage",
    "PilotStep",
    "PilotUnit",
]


class PilotStage(StrEnum):
    """The three steps of seed 004 (line 25), in order."""

    CASE_PILOT = "case_pilot"  # 案例试点
    INNOVATIVE_SUPERVISION = "innovative_supervision"  # 创新监管
    REGULATORY_SOLIDIFICATION = "regulatory_solidification"  # 制度固化


STAGE_ORDER = (
    PilotStage.CASE_PILOT,
    PilotStage.INNOVATIVE_SUPERVISION,
    PilotStage.REGULATORY_SOLIDIFICATION,
)


class PilotUnit(StrEnum):
    """What a figure counts."""

    COUNT = "count"
    VEHICLES = "vehicles"
    ENTERPRISES = "enterprises"
    CASES = "cases"
    PERCENT = "percent"
    SHARE = "share"  # a fraction, 0.5 for "half"
    YEARS = "years"
    USD = "usd"
    YUAN = "yuan"


class PilotQualifier(StrEnum):
    """How exact the source says the figure is."""

    EXACT = "exact"
    ABOUT = "about"
    MORE_THAN = "more_than"
    NEARLY = "nearly"
    ESTIMATED = "estimated"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class PilotCase(Base):
    __tablename__ = "pilot_cases"
    __table_args__ = (
        CheckConstraint(f"stage IS NULL OR {_in('stage', PilotStage)}", name="known_stage"),
        CheckConstraint("stage IS NOT NULL OR stage_on IS NULL", name="stage_on_needs_stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    zone: Mapped[str] = mapped_column(String(64), index=True)  # a catalogue zone id
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_zh: Mapped[str] = mapped_column(String(2000))
    summary_en: Mapped[str] = mapped_column(String(2000))
    # What the source says of its progress when that is not one of the three stages.
    progress_zh: Mapped[str | None] = mapped_column(String(2000))
    progress_en: Mapped[str | None] = mapped_column(String(2000))
    stage: Mapped[str | None] = mapped_column(String(32), index=True)  # NULL: not stated
    stage_on: Mapped[dt.date | None] = mapped_column(Date)  # NULL: the day is not stated
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # NULL: the platform
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PilotStep(Base):
    """One stage a case reached: when (if known), what was noted, and on what authority."""

    __tablename__ = "pilot_steps"
    __table_args__ = (
        CheckConstraint(_in("stage", PilotStage), name="known_stage"),
        CheckConstraint("source_line IS NULL OR source_line >= 1", name="line"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("pilot_cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    reached_on: Mapped[dt.date | None] = mapped_column(Date)  # NULL: the source gives no day
    note: Mapped[str] = mapped_column(String(2000), default="")
    source: Mapped[str | None] = mapped_column(String(300))  # a seed file name, a title, a URL
    source_line: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(String(1000))  # the source's own words
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class PilotFigure(Base):
    """A figure reported about a case: a value (or a range) with its unit, as of when, from where.

    Values are decimal text ("15", "0.5", "1000000000"), compared as numbers by the service.
    """

    __tablename__ = "pilot_figures"
    __table_args__ = (
        CheckConstraint(_in("unit", PilotUnit), name="known_unit"),
        CheckConstraint(_in("qualifier", PilotQualifier), name="known_qualifier"),
        CheckConstraint("source_line IS NULL OR source_line >= 1", name="line"),
        UniqueConstraint("case_id", "seed_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("pilot_cases.id"), index=True)
    seed_key: Mapped[str | None] = mapped_column(String(80))  # a seeded figure's id; NULL otherwise
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(40))
    value_max: Mapped[str | None] = mapped_column(String(40))  # the top of a range ("1–2")
    unit: Mapped[str] = mapped_column(String(16))
    qualifier: Mapped[str] = mapped_column(String(16), default=PilotQualifier.EXACT.value)
    as_of: Mapped[dt.date | None] = mapped_column(Date)  # NULL: the source gives no day
    as_of_note: Mapped[str | None] = mapped_column(String(200))  # the source's words for when
    source: Mapped[str] = mapped_column(String(300))
    source_line: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str | None] = mapped_column(String(1000))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
