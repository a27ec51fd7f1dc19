"""Chinese working days, for the time limits of the talent services (work and residence permits).

China moves working days around public holidays (a Saturday or Sunday can be a working day), so
the calendar comes from the maintained `chinese-calendar` package, never from a list of our own;
a date in a year that package has no data for is refused with `CalendarNotCovered`.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type information

from ftzlink.errors import CalendarNotCovered, InvalidInput, Problem

__all__ = ["add_working_days", "covered_years", "is_working_day", "working_days_between"]

_ONE_DAY = timedelta(days=1)


@cache
def covered_years() -> range:
    """The years the installed calendar has holiday data for, read from the package itself."""
    # The package validates dates against these same keys; its data grows with each release.
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def _check_covered(day: date, *, reached_by: str | None = None) -> None:
    covered = covered_years()
    if day.year not in covered:
        raise CalendarNotCovered(day=day, covered=covered, reached_by=reached_by)


def is_working_day(day: date) -> bool:
    """True when government offices work on `day`, adjusted weekend working days included."""
    _check_covered(day)
    return bool(chinese_calendar.is_workday(day))


def add_working_days(start: date, n: int) -> date:
    """The deadline `n` working days after `start`.

    The start day itself is not counted: Chinese administrative time limits run from the next
    day, so a deadline of n ≥ 1 working days is always a working day after `start`, and n = 0
    gives `start` back. Raises `CalendarNotCovered` if the count runs outside the calendar.
    """
    if n < 0:
        raise InvalidInput(
            "a time limit cannot be a negative number of working days",
            [Problem(f"{n} is negative", field="n")],
        )
    _check_covered(start)
    day = start
    remaining = n
    while remaining:
        day += _ONE_DAY
        _check_covered(
            day, reached_by=f"counting {n} working days from {start.isoformat()} reaches it"
        )
        if chinese_calendar.is_workday(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """The working days after `start` up to and including `end`; 0 when `end` is not after `start`."""
    _check_covered(start)
    _check_covered(end)
    day, count = start, 0
    while day < end:
        day += _ONE_DAY
        if chinese_calendar.is_workday(day):
            count += 1
    return count
