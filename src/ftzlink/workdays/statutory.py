"""The statutory holidays of a year, for the years no official schedule has been loaded for yet.

The 全国年节及纪念日放假办法 (revised November 2024, in force 2025-01-01) gives all citizens 13
days a year: New Year's Day, Spring Festival's eve and its first three days, Qingming, 1 and 2 May,
Dragon Boat, Mid-Autumn and 1–3 October. The lunar and solar-term dates come from the maintained
`holidays` package (never computed here). A provisional year has these days off and no adjusted
working days: deadlines counted through it are marked provisional until the year's notice is
loaded.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

from ftzlink.text import Text
from ftzlink.workdays.schedule import Holiday, YearSchedule

__all__ = ["STATUTORY_SOURCE", "provisional_year", "statutory_days"]

STATUTORY_SOURCE = Text(
    zh="全国年节及纪念日放假办法（2024年11月修订，2025年1月1日起施行）",
    en="National Measures on Holidays and Commemorative Days (revised November 2024, in force 1 January 2025)",
)

# The package's English names of the statutory days, and ours. Its "observed" and "substituted"
# days are its own guesses at an arrangement: never used.
_NAMES = {
    "New Year's Day": Text(zh="元旦", en="New Year's Day"),
    "Chinese New Year's Eve": Text(zh="春节", en="Spring Festival"),
    "Chinese New Year (Spring Festival)": Text(zh="春节", en="Spring Festival"),
    "Tomb-Sweeping Day": Text(zh="清明节", en="Qingming Festival"),
    "Labor Day": Text(zh="劳动节", en="Labour Day"),
    "Dragon Boat Festival": Text(zh="端午节", en="Dragon Boat Festival"),
    "Mid-Autumn Festival": Text(zh="中秋节", en="Mid-Autumn Festival"),
    "National Day": Text(zh="国庆节", en="National Day"),
}
STATUTORY_DAYS_A_YEAR = 13


@cache
def statutory_days(year: int) -> dict[dt.date, Text]:
    """The statutory days off of `year`, each with its holiday's name: 13 holiday-days, on 12
    dates in a year when Mid-Autumn falls on 1–3 October."""
    found = holidays.country_holidays("CN", years=year, observed=False, language="en_US")
    days: dict[dt.date, Text] = {}
    counted = 0
    for day, names in found.items():
        ours = [_NAMES[n] for n in names.split("; ") if n in _NAMES]
        if not ours:
            continue
        counted += len(ours)
        days[day] = ours[0] if len(ours) == 1 else ours[0].join(ours[1], "、", " and ")
    if counted != STATUTORY_DAYS_A_YEAR:  # the package changed: refuse rather than guess
        raise RuntimeError(
            f"the holidays package gave {counted} statutory holiday-days for {year}, "
            f"not {STATUTORY_DAYS_A_YEAR}"
        )
    return days


@cache
def provisional_year(year: int) -> YearSchedule:
    """`year` counted from its statutory holidays alone, with no adjusted working days."""
    runs: list[Holiday] = []
    for day, name in sorted(statutory_days(year).items()):
        last = runs[-1] if runs else None
        if last is not None and last.name == name and last.last + dt.timedelta(days=1) == day:
            runs[-1] = Holiday(name, last.first, day)
        else:
            runs.append(Holiday(name, day, day))
    return YearSchedule(year, tuple(runs), None, "statutory")
