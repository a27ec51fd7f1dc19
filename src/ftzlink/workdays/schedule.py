"""A year's official holiday schedule as data: the State Council notice that set it, its days off
and the weekend days worked instead. One YAML file a year (`catalogue/data/calendar/2026.yaml`),
validated like a policy file: every problem is reported with its file and line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, TypeAdapter, ValidationError

from ftzlink.errors import CatalogueError, Problem
from ftzlink.text import Text
from ftzlink.yamlfile import Document, read_document

__all__ = [
    "BUNDLED_CALENDAR_DIR",
    "Holiday",
    "Notice",
    "YearFile",
    "YearSchedule",
    "bundled_schedules",
    "load_year_file",
    "parse_year",
]

BUNDLED_CALENDAR_DIR = Path(__file__).resolve().parent.parent / "catalogue" / "data" / "calendar"
FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR = 2000, 2100


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notice(_Data):
    """The State Council General Office notice that arranged the year: the schedule's citation."""

    title: Text
    number: str | None = Field(default=None, min_length=1, max_length=80)  # 国办发明电〔2024〕12号
    issued_on: dt.date
    publisher: Text
    reprint: Text | None = None  # where the text was read, when not the original
    confidence: Literal["high", "medium", "low"] = "high"


class HolidayEntry(_Data):
    """One holiday as the notice arranges it: the days off (inclusive) and the weekend days
    worked in exchange (调休上班)."""

    name: Text
    first: dt.date
    last: dt.date
    working_days: list[dt.date] = Field(default_factory=list)


class YearFile(_Data):
    year: StrictInt = Field(ge=FIRST_SUPPORTED_YEAR, le=LAST_SUPPORTED_YEAR)
    notice: Notice
    holidays: list[HolidayEntry] = Field(min_length=1)


@dataclass(frozen=True)
class Holiday:
    name: Text
    first: dt.date
    last: dt.date
    working_days: tuple[dt.date, ...] = ()

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class YearSchedule:
    """Which days of one year are days off and which weekend days are worked.

    `notice` None: a provisional year, counted from the statutory holidays alone (no official
    schedule loaded yet; see `statutory.provisional_year`).
    """

    year: int
    holidays: tuple[Holiday, ...]
    notice: Notice | None
    origin: Literal["bundled", "loaded", "statutory"]
    sha256: str = ""

    @property
    def provisional(self) -> bool:
        return self.notice is None

    @property
    def days_off(self) -> frozenset[dt.date]:
        return frozenset(
            h.first + dt.timedelta(days=i) for h in self.holidays for i in range(h.days)
        )

    @property
    def adjusted_working_days(self) -> frozenset[dt.date]:
        return frozenset(d for h in self.holidays for d in h.working_days)

    def to_data(self) -> dict[str, Any]:
        """The schedule in the file's own shape (what is stored and hashed)."""
        if self.notice is None:
            raise ValueError("a provisional year has no file")
        data = YearFile(
            year=self.year,
            notice=self.notice,
            holidays=[
                HolidayEntry(
                    name=h.name, first=h.first, last=h.last, working_days=list(h.working_days)
                )
                for h in self.holidays
            ],
        ).model_dump(mode="json", exclude_none=True)
        return data


def content_sha256(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _findings(parsed: YearFile) -> Iterable[tuple[tuple[int | str, ...], str]]:
    """Everything wrong with a well-formed year file, as (location, message)."""
    from ftzlink.workdays.statutory import statutory_days

    year = parsed.year
    seen_off: dict[dt.date, int] = {}
    seen_work: dict[dt.date, int] = {}
    for i, h in enumerate(parsed.holidays):
        where: tuple[int | str, ...] = ("holidays", i)
        for key, day in (("first", h.first), ("last", h.last)):
            if day.year != year:
                yield (*where, key), f"{day.isoformat()} is outside the file's year {year}"
        if h.last < h.first:
            yield (
                (*where, "last"),
                f"ends ({h.last.isoformat()}) before it starts ({h.first.isoformat()})",
            )
            continue
        for n in range((h.last - h.first).days + 1):
            day = h.first + dt.timedelta(days=n)
            if day in seen_off:
                yield (
                    (*where, "first"),
                    f"{day.isoformat()} is already a day off of holiday {seen_off[day] + 1}",
                )
                break
            seen_off[day] = i
        for j, day in enumerate(h.working_days):
            at = (*where, "working_days", j)
            if day.year != year:
                yield at, f"{day.isoformat()} is outside the file's year {year}"
            if day.weekday() < 5:
                yield (
                    at,
                    (
                        f"{day.isoformat()} is a {_WEEKDAY_EN[day.weekday()]}: an adjusted working "
                        "day must be a Saturday or a Sunday"
                    ),
                )
            if day in seen_work:
                yield at, f"{day.isoformat()} is listed twice as a working day"
            seen_work[day] = i
    for day, i in seen_work.items():
        if day in seen_off:
            j = parsed.holidays[i].working_days.index(day)
            yield (
                ("holidays", i, "working_days", j),
                f"{day.isoformat()} is both a day off and a working day",
            )
    # The statutory holidays of the 放假办法 are days off whatever the arrangement: a file that
    # works one of them is mistyped.
    if year >= 2025:
        for day, name in sorted(statutory_days(year).items()):
            if day not in seen_off:
                yield (
                    ("holidays",),
                    f"the statutory holiday {name.zh} ({name.en}) on {day.isoformat()} is not a day off",
                )


def parse_year(
    document: Document, *, expected_year: int | None = None
) -> tuple[YearFile | None, list[Problem]]:
    """Validate a parsed document as a year file; the problems carry file and line."""
    try:
        parsed = TypeAdapter(YearFile).validate_python(document.data)
    except ValidationError as exc:
        return None, document.validation_problems(exc)
    problems = [document.problem(loc, message) for loc, message in _findings(parsed)]
    if expected_year is not None and parsed.year != expected_year:
        problems.append(
            document.problem(
                ("year",), f"the file is named for {expected_year} but says {parsed.year}"
            )
        )
    return parsed, problems


def _schedule(parsed: YearFile, origin: Literal["bundled", "loaded"]) -> YearSchedule:
    holidays = tuple(
        Holiday(h.name, h.first, h.last, tuple(sorted(h.working_days)))
        for h in sorted(parsed.holidays, key=lambda h: h.first)
    )
    schedule = YearSchedule(parsed.year, holidays, parsed.notice, origin)
    return YearSchedule(
        parsed.year, holidays, parsed.notice, origin, content_sha256(schedule.to_data())
    )


def _named_year(path: Path) -> int | None:
    return int(path.stem) if path.stem.isdigit() and len(path.stem) == 4 else None


def load_year_file(path: Path, *, origin: Literal["bundled", "loaded"] = "loaded") -> YearSchedule:
    """Read and validate one year file; raise `CatalogueError` listing every problem."""
    document = read_document(path)
    if isinstance(document, Problem):
        raise CatalogueError(f"calendar file {path} is invalid", [document])
    parsed, problems = parse_year(document, expected_year=_named_year(path))
    if problems or parsed is None:
        raise CatalogueError(f"calendar file {path} is invalid", problems)
    return _schedule(parsed, origin)


def schedule_from_data(data: dict[str, Any], origin: Literal["bundled", "loaded"]) -> YearSchedule:
    """A stored year (already validated when it was added) back as a schedule."""
    return _schedule(YearFile.model_validate(data), origin)


def load_year_files(paths: Iterable[Path]) -> list[YearSchedule]:
    """Validate several files together: every problem of every file, and duplicate years."""
    problems: list[Problem] = []
    schedules: list[YearSchedule] = []
    seen: dict[int, Path] = {}
    for path in paths:
        try:
            schedule = load_year_file(path)
        except CatalogueError as error:
            problems.extend(error.problems)
            continue
        if schedule.year in seen:
            problems.append(
                Problem(
                    f"year {schedule.year} is already given by {seen[schedule.year]}",
                    file=path,
                    line=_year_line(path),
                    field="year",
                )
            )
            continue
        seen[schedule.year] = path
        schedules.append(schedule)
    if problems:
        raise CatalogueError("the calendar files are invalid", problems)
    return schedules


def _year_line(path: Path) -> int | None:
    document = read_document(path)
    if isinstance(document, Problem):
        return None
    line, _ = document.locate(("year",))
    return line


@cache
def bundled_schedules() -> tuple[YearSchedule, ...]:
    """The official years shipped with the platform (loaded once per process)."""
    paths = sorted(BUNDLED_CALENDAR_DIR.glob("*.yaml"))
    return tuple(
        YearSchedule(s.year, s.holidays, s.notice, "bundled", s.sha256)
        for s in load_year_files(paths)
    )
