"""The working-day calendar in force, and adding an official year to it without a release.

The calendar in force is the bundled years overlaid with the years an operator loaded into the
database, so that every server process and worker counts with the same schedules as soon as a
year is added. Adding a year recounts every open deadline that was counted provisionally through
it, and records each change (what, from, to, why) in the object's history.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.errors import Conflict, Forbidden
from ftzlink.workdays.calendar import WorkCalendar
from ftzlink.workdays.schedule import YearSchedule, bundled_schedules, schedule_from_data
from ftzlink.workdays.tables import CalendarYear, DeadlineChange

__all__ = [
    "AddedYear",
    "YearEntry",
    "add_year",
    "changes_of",
    "current_calendar",
    "list_years",
    "record_change",
]

_cache_lock = threading.Lock()
_cache: dict[tuple[tuple[int, str], ...], WorkCalendar] = {}


def _loaded(session: Session) -> list[CalendarYear]:
    return list(session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def current_calendar(session: Session) -> WorkCalendar:
    """The calendar in force: bundled years, overlaid with the years loaded in the database."""
    keys = tuple(
        (year, sha) for year, sha in session.execute(select(CalendarYear.year, CalendarYear.sha256))
    )
    key = tuple(sorted(keys))
    with _cache_lock:
        calendar = _cache.get(key)
    if calendar is not None:
        return calendar
    schedules = {s.year: s for s in bundled_schedules()}
    for row in _loaded(session):
        schedules[row.year] = schedule_from_data(row.data, "loaded")
    calendar = WorkCalendar(schedules)
    with _cache_lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = calendar
    return calendar


@dataclass(frozen=True)
class YearEntry:
    """A year as the public page lists it: official (bundled or loaded) or provisional."""

    schedule: YearSchedule
    loaded: CalendarYear | None = None

    @property
    def year(self) -> int:
        return self.schedule.year


def list_years(session: Session, *, today: dt.date) -> list[YearEntry]:
    """Every official year, then the provisional years up to the one after `today`'s."""
    loaded = {row.year: row for row in _loaded(session)}
    calendar = current_calendar(session)
    entries = [
        YearEntry(calendar.schedule(year), loaded.get(year)) for year in sorted(calendar.official)
    ]
    for year in range(
        calendar.last_official_year + 1, max(today.year + 1, calendar.last_official_year + 1) + 1
    ):
        entries.append(YearEntry(calendar.schedule(year)))
    return entries


def record_change(
    session: Session,
    *,
    object_type: str,
    object_id: int,
    what: str,
    before: dt.date,
    after: dt.date,
    was_provisional: bool,
    now_provisional: bool,
    calendar_year: int,
    actor: Actor,
    today: dt.date,
) -> DeadlineChange:
    assert actor.user_id is not None
    change = DeadlineChange(
        object_type=object_type,
        object_id=object_id,
        what=what,
        before=before,
        after=after,
        was_provisional=was_provisional,
        now_provisional=now_provisional,
        calendar_year=calendar_year,
        changed_by=actor.user_id,
        changed_on=today,
    )
    session.add(change)
    return change


def changes_of(session: Session, object_type: str, object_id: int) -> list[DeadlineChange]:
    return list(
        session.scalars(
            select(DeadlineChange)
            .where(DeadlineChange.object_type == object_type, DeadlineChange.object_id == object_id)
            .order_by(DeadlineChange.id)
        )
    )


@dataclass
class AddedYear:
    year: int
    action: Literal["added", "replaced", "unchanged"]
    changes: list[DeadlineChange] = field(default_factory=list)
    unchanged_provisional: int = 0  # recounted, same day, still provisional (a later year)


def add_year(
    session: Session,
    *,
    principal: Principal,
    schedule: YearSchedule,
    file_name: str,
    today: dt.date,
    replace: bool = False,
) -> AddedYear:
    """Store an official year (validated by `schedule.load_year_file`), effective at once for
    every process; audited. A year already official is refused unless `replace`. Then every open
    deadline counted provisionally is counted again, and each change recorded."""
    if not principal.is_platform_admin:
        raise Forbidden("only a platform admin loads a holiday schedule")
    actor = Actor(principal.user_id, principal.username)
    existing = session.scalar(
        select(CalendarYear).where(CalendarYear.year == schedule.year).with_for_update()
    )
    bundled = {s.year: s for s in bundled_schedules()}
    current_sha = (
        existing.sha256
        if existing
        else (bundled[schedule.year].sha256 if schedule.year in bundled else None)
    )
    if current_sha == schedule.sha256:
        return AddedYear(schedule.year, "unchanged")
    if current_sha is not None and not replace:
        raise Conflict(
            f"the calendar already has an official schedule for {schedule.year}; "
            "replace it explicitly (--replace)"
        )
    data = schedule.to_data()
    before = {"year": schedule.year, "sha256": current_sha} if current_sha else None
    if existing is None:
        session.add(
            CalendarYear(
                year=schedule.year,
                data=data,
                sha256=schedule.sha256,
                file_name=file_name[:200],
                loaded_by=principal.user_id,
                loaded_on=today,
            )
        )
    else:
        existing.data, existing.sha256 = data, schedule.sha256
        existing.file_name, existing.loaded_by, existing.loaded_on = (
            file_name[:200],
            principal.user_id,
            today,
        )
    session.flush()
    assert schedule.notice is not None
    append(
        session,
        actor=actor,
        action="calendar.replace" if current_sha else "calendar.add",
        object_type="calendar_year",
        object_id=schedule.year,
        before=before,
        after={"year": schedule.year, "sha256": schedule.sha256, "file": file_name},
        detail=schedule.notice.title.zh,
    )
    result = AddedYear(schedule.year, "replaced" if current_sha else "added")
    calendar = current_calendar(session)
    from ftzlink.workdays.recount import recount_all

    result.changes, result.unchanged_provisional = recount_all(
        session, calendar=calendar, actor=actor, today=today, year=schedule.year
    )
    return result
