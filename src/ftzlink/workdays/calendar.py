"""Counting Chinese working days over the official schedules, provisional where none is loaded.

A `WorkCalendar` is a value: the official years it knows (bundled with the platform or loaded by
an operator) and, for any later year, a provisional year built from the statutory holidays. It
does no I/O; `workdays.service.current_calendar` builds the one in force from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from ftzlink.errors import CalendarNotCovered, InvalidInput, Problem
from ftzlink.workdays.schedule import YearSchedule, bundled_schedules
from ftzlink.workdays.statutory import provisional_year

__all__ = ["Counted", "WorkCalendar", "bundled_calendar"]

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Counted:
    """A day reached by counting working days, and the provisional years the count ran through
    (empty: every day counted is from an official schedule)."""

    day: dt.date
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


@dataclass(frozen=True)
class _Year:
    off: frozenset[dt.date]
    worked: frozenset[dt.date]
    provisional: bool


@dataclass
class WorkCalendar:
    """The official schedules by year; every year after the first is counted, provisionally
    where no schedule is loaded. A day before the first official year is refused."""

    official: dict[int, YearSchedule]
    _years: dict[int, _Year] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.official:
            raise ValueError("a working-day calendar needs at least one official year")

    @classmethod
    def of(cls, schedules: Iterable[YearSchedule]) -> WorkCalendar:
        return cls({s.year: s for s in schedules})

    @property
    def first_year(self) -> int:
        return min(self.official)

    @property
    def last_official_year(self) -> int:
        return max(self.official)

    def schedule(self, year: int) -> YearSchedule:
        """The year's official schedule, or its provisional one."""
        if year < self.first_year:
            raise CalendarNotCovered(day=dt.date(year, 1, 1), first_year=self.first_year)
        return self.official.get(year) or provisional_year(year)

    def is_provisional(self, year: int) -> bool:
        return year not in self.official

    def _year(self, day: dt.date, reached_by: str | None = None) -> _Year:
        year = self._years.get(day.year)
        if year is None:
            if day.year < self.first_year:
                raise CalendarNotCovered(day=day, first_year=self.first_year, reached_by=reached_by)
            schedule = self.schedule(day.year)
            year = _Year(schedule.days_off, schedule.adjusted_working_days, schedule.provisional)
            self._years[day.year] = year
        return year

    def is_working_day(self, day: dt.date) -> bool:
        """True when government offices work on `day`, adjusted weekend working days included."""
        year = self._year(day)
        if day in year.worked:
            return True
        return day.weekday() < 5 and day not in year.off

    def add_working_days(self, start: dt.date, n: int) -> Counted:
        """The day `n` working days after `start`.

        The start day itself is not counted: Chinese administrative time limits run from the next
        day, so a limit of n ≥ 1 working days always ends on a working day after `start`, and
        n = 0 gives `start` back.
        """
        if n < 0:
            raise InvalidInput(
                "a time limit cannot be a negative number of working days",
                [Problem(f"{n} is negative", field="n")],
            )
        self._year(start)
        day, remaining = start, n
        provisional: set[int] = set()
        while remaining:
            day += _ONE_DAY
            year = self._year(day)
            if self.is_working_day(day):
                remaining -= 1
                if year.provisional:
                    provisional.add(day.year)
            elif year.provisional:
                provisional.add(day.year)
        return Counted(day, tuple(sorted(provisional)))

    def working_days_back(self, end: dt.date, n: int) -> Counted:
        """The earliest of the last `n` working days up to and including `end` (n ≥ 1)."""
        if n < 1:
            raise InvalidInput(
                "a window needs at least one working day", [Problem(f"{n}", field="n")]
            )
        day, seen = end, 0
        provisional: set[int] = set()
        reached_by = f"counting {n} working days back from {end.isoformat()} reaches it"
        while True:
            year = self._year(day, reached_by)
            if year.provisional:
                provisional.add(day.year)
            if self.is_working_day(day):
                seen += 1
                if seen == n:
                    return Counted(day, tuple(sorted(provisional)))
            day -= _ONE_DAY

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The working days after `start` up to and including `end`; 0 when `end` is not after
        `start`."""
        self._year(start)
        self._year(end)
        day, count = start, 0
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


_BUNDLED: WorkCalendar | None = None


def bundled_calendar() -> WorkCalendar:
    """The calendar of the official years shipped with the platform, nothing loaded since."""
    global _BUNDLED
    if _BUNDLED is None:
        _BUNDLED = WorkCalendar.of(bundled_schedules())
    return _BUNDLED
