"""`ftzlink calendar …`: the official holiday schedules the working-day counts use.

`validate FILE…` checks year files (every problem with file:line, exit 2); `add FILE --as ADMIN`
stores a year in the database, effective at once for every server and worker, audited, and
counts every open deadline again; `list` and `show YEAR` say which years are official (with
their notice) and which are provisional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json_data,
)
from ftzlink.settings import Settings
from ftzlink.text import Lang

if TYPE_CHECKING:
    from ftzlink.workdays.calendar import Counted, WorkCalendar
    from ftzlink.workdays.schedule import YearSchedule

__all__ = ["calendar_app", "calendar_in_force", "counted_data"]

calendar_app = typer.Typer(
    help="The official holiday schedules behind every working-day deadline: validate a year's "
    "file, add it without a release, list the years and which are provisional.",
    no_args_is_help=True,
)
app.add_typer(calendar_app, name="calendar")


@contextmanager
def calendar_in_force(settings: Settings, lang: Lang) -> Iterator[WorkCalendar]:
    """The calendar the service counts with: the database's when there is one, else the
    bundled years (a fresh machine with no database yet)."""
    from ftzlink.cli.database import _sqlite_file, open_database
    from ftzlink.workdays import bundled_calendar
    from ftzlink.workdays.service import current_calendar

    sqlite_file = _sqlite_file(settings.database_url)
    if sqlite_file is not None and not sqlite_file.exists():
        yield bundled_calendar()
        return
    with open_database(settings, lang=lang) as db, db.read() as session:
        yield current_calendar(session)


def _notice_data(schedule: YearSchedule) -> dict[str, Any] | None:
    notice = schedule.notice
    if notice is None:
        return None
    return {
        "title": notice.title.model_dump(),
        "number": notice.number,
        "issued_on": notice.issued_on.isoformat(),
        "publisher": notice.publisher.model_dump(),
        "confidence": notice.confidence,
    }


def year_data(schedule: YearSchedule, *, detail: bool = False) -> dict[str, Any]:
    from ftzlink.workdays.statutory import STATUTORY_SOURCE

    data: dict[str, Any] = {
        "year": schedule.year,
        "provisional": schedule.provisional,
        "origin": schedule.origin,
        "notice": _notice_data(schedule),
    }
    if schedule.provisional:
        data["basis"] = STATUTORY_SOURCE.model_dump()
    else:
        data["sha256"] = schedule.sha256
    if detail:
        data["holidays"] = [
            {
                "name": h.name.model_dump(),
                "first": h.first.isoformat(),
                "last": h.last.isoformat(),
                "working_days": [d.isoformat() for d in h.working_days],
            }
            for h in schedule.holidays
        ]
    return data


def counted_data(calendar: WorkCalendar, start: dt.date, counted: Counted) -> dict[str, Any]:
    """What a count used: the days off it stepped over, the schedules, which were provisional."""
    days_off = []
    day = start
    while day < counted.day:
        day += dt.timedelta(days=1)
        schedule = calendar.schedule(day.year)
        for h in schedule.holidays:
            if h.first <= day <= h.last:
                days_off.append({"day": day.isoformat(), "holiday": h.name.model_dump()})
    years = range(start.year, counted.day.year + 1)
    return {
        "due_on": counted.day.isoformat(),
        "provisional": counted.provisional,
        "provisional_years": list(counted.provisional_years),
        "holidays_counted": days_off,
        "schedules": [year_data(calendar.schedule(y)) for y in years],
    }


def _title(schedule: YearSchedule, ln: Lang) -> str:
    from ftzlink.workdays.statutory import STATUTORY_SOURCE

    if schedule.notice is None:
        return (
            f"暂定：仅按{STATUTORY_SOURCE.zh}的法定节假日，无调休"
            if ln == "zh"
            else f"provisional: the statutory holidays of the {STATUTORY_SOURCE.en} only, no adjusted working days"
        )
    notice = schedule.notice
    number = (
        f"（{notice.number}）"
        if ln == "zh" and notice.number
        else (f" ({notice.number})" if notice.number else "")
    )
    issued = notice.issued_on.isoformat()
    return (
        f"{notice.title.zh}{number}，{issued}"
        if ln == "zh"
        else f"{notice.title.en}{number}, {issued}"
    )


def print_schedules(schedules: list[YearSchedule], ln: Lang) -> None:
    table = Table(show_lines=False)
    table.add_column("年份" if ln == "zh" else "Year")
    table.add_column("状态" if ln == "zh" else "Status")
    table.add_column("依据" if ln == "zh" else "Basis")
    for schedule in schedules:
        status = (
            ("暂定" if ln == "zh" else "provisional")
            if schedule.provisional
            else ("正式" if ln == "zh" else "official")
        )
        table.add_row(str(schedule.year), status, _title(schedule, ln))
    console.print(table)


@calendar_app.command("validate")
def validate(
    files: list[Path] = typer.Argument(..., help="Year files (YYYY.yaml) to check."),
    lang: UILang = LangOption,
) -> None:
    """Check year files: every problem with its file and line (exit 2), nothing stored."""
    from ftzlink.workdays.schedule import load_year_files

    schedules = load_year_files(files)
    ln = lang_of(lang)
    for s in schedules:
        console.print(
            f"{s.year}: 有效（{len(s.holidays)}个节假日，{len(s.adjusted_working_days)}个调休上班日）"
            if ln == "zh"
            else f"{s.year}: valid ({len(s.holidays)} holidays, {len(s.adjusted_working_days)} adjusted working days)",
            markup=False,
        )


@calendar_app.command("add")
def add(
    file: Path = typer.Argument(..., help="The year's file (YYYY.yaml)."),
    username: str = typer.Option(..., "--as", help="The platform admin loading it."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace a year that is already official."
    ),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """Add an official year: validated, stored, audited, in force at once everywhere; every open
    deadline counted provisionally through it is counted again and its history says so."""
    from ftzlink.cli.database import open_database
    from ftzlink.cli.talent_invitations import _principal
    from ftzlink.workdays.schedule import load_year_file
    from ftzlink.workdays.service import add_year

    ln = lang_of(lang)
    schedule = load_year_file(file)
    settings = Settings.from_env()
    with open_database(settings, lang=ln) as db, db.write() as session:
        result = add_year(
            session,
            principal=_principal(session, username, ln),
            schedule=schedule,
            file_name=file.name,
            today=settings.current_date(),
            replace=replace,
        )
        changes = [
            {
                "object_type": c.object_type,
                "object_id": c.object_id,
                "what": c.what,
                "before": c.before.isoformat(),
                "after": c.after.isoformat(),
                "now_provisional": c.now_provisional,
            }
            for c in result.changes
        ]
    if format is OutputFormat.json:
        print_json_data(
            {
                "year": result.year,
                "action": result.action,
                "deadlines_changed": changes,
                "still_provisional": result.unchanged_provisional,
            }
        )
        return
    said = {
        "added": ("已载入{y}年正式节假日安排", "Loaded the official {y} holiday schedule"),
        "replaced": ("已替换{y}年正式节假日安排", "Replaced the official {y} holiday schedule"),
        "unchanged": (
            "{y}年正式节假日安排已是此文件，未作改动",
            "The official {y} schedule is already this file: nothing changed",
        ),
    }[result.action][0 if ln == "zh" else 1]
    console.print(said.format(y=result.year), markup=False)
    console.print(
        f"重新计算的期限：{len(changes)}个有变化"
        if ln == "zh"
        else f"Deadlines counted again: {len(changes)} changed",
        markup=False,
    )
    for c in changes:
        console.print(
            f"- {c['object_type']} {c['object_id']} {c['what']}: {c['before']} → {c['after']}",
            markup=False,
        )


@calendar_app.command("list")
def list_years(format: OutputFormat = FormatOption, lang: UILang = LangOption) -> None:
    """The years of the calendar in force: official ones with their notice, then provisional."""
    settings = Settings.from_env()
    ln = lang_of(lang)
    today = settings.current_date()
    with calendar_in_force(settings, ln) as calendar:
        last = max(calendar.last_official_year + 1, today.year + 1)
        schedules = [calendar.schedule(y) for y in range(calendar.first_year, last + 1)]
    if format is OutputFormat.json:
        print_json_data({"years": [year_data(s) for s in schedules]})
        return
    print_schedules(schedules, ln)


@calendar_app.command("show")
def show(
    year: int = typer.Argument(..., min=2000, max=2100, help="The year."),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """One year: its notice (or that it is provisional), its days off and adjusted working days."""
    settings = Settings.from_env()
    ln = lang_of(lang)
    with calendar_in_force(settings, ln) as calendar:
        schedule = calendar.schedule(year)
    if format is OutputFormat.json:
        print_json_data(year_data(schedule, detail=True))
        return
    console.print(f"{year}: {_title(schedule, ln)}", markup=False)
    table = Table()
    table.add_column("节假日" if ln == "zh" else "Holiday")
    table.add_column("放假" if ln == "zh" else "Days off")
    table.add_column("调休上班" if ln == "zh" else "Weekend days worked")
    for h in schedule.holidays:
        span = (
            h.first.isoformat()
            if h.first == h.last
            else f"{h.first.isoformat()} – {h.last.isoformat()}"
        )
        table.add_row(h.name.get(ln), span, ", ".join(d.isoformat() for d in h.working_days) or "—")
    console.print(table)
