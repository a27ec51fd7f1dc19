"""`ftzlink talent …`: the foreign-talent service from the command line.

Rules that need no database: the points pre-assessment of a professional (`points FILE`), the
longest work-type residence permit a case allows (`residence FILE`), a time limit counted in
Chinese working days (`deadline`). Cases in the database, as a named user (`--as USERNAME`,
whose roles decide what is allowed and who the audit log names): `cases`, `case REFERENCE`, and
the officials' decisions `accept`, `return`, `approve`, `refuse` on their own track. Passport
numbers are printed masked unless the user may see them in full. `invitations …`: electronic
port visas.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.common import AsOfOption, as_of_date
from ftzlink.cli.database import open_database
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json,
    print_json_data,
)
from ftzlink.cli.talent_invitations import invitations_app
from ftzlink.errors import InvalidInput, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ftzlink.auth.principal import Principal
    from ftzlink.talent.cases import CaseView

__all__ = ["talent_app"]

talent_app = typer.Typer(
    help="Foreign talent: points pre-assessment, residence limits, working-day deadlines, "
    "combined work and residence permit cases, electronic port visa invitations.",
    no_args_is_help=True,
)
app.add_typer(talent_app, name="talent")
talent_app.add_typer(invitations_app, name="invitations")


class Track(StrEnum):
    work_permit = "work-permit"
    residence = "residence"


AsOption = typer.Option(
    ..., "--as", metavar="USERNAME", help="Act as this user (their roles decide what is allowed)."
)
TrackOption = typer.Option(..., "--track", help="work-permit or residence")


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"invalid {option}", [Problem(f"{value!r} is not a date YYYY-MM-DD", field=option)]
        ) from None


def _facts(path: Path) -> dict[str, Any]:
    from ftzlink.yamlfile import Document, read_document

    document = read_document(path)
    if not isinstance(document, Document):
        raise InvalidInput(f"cannot read {path}", [document])
    if not isinstance(document.data, dict):
        raise InvalidInput(
            f"cannot read {path}", [Problem("expected a mapping of facts", file=path)]
        )
    return dict(document.data)


# --- rules without a database ------------------------------------------------------------------


@talent_app.command("points")
def points(
    path: Path = typer.Argument(
        ..., metavar="FILE", help="The professional's facts (YAML or JSON)."
    ),
    as_of: str | None = AsOfOption,
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """The indicative points pre-assessment: each factor's band, points and citation.

    FILE holds the facts the points table names, e.g. annual_salary_yuan, education,
    experience_years, months_in_china_per_year, chinese_level, region, birth_date (or age),
    distinctions: {patent_or_ip: true}. A fact left out is reported as a question.
    """
    from ftzlink.talent.loader import bundled_talent_rules
    from ftzlink.talent.rules import assess_points

    result = assess_points(bundled_talent_rules(), _facts(path), as_of_date(as_of))
    if format is OutputFormat.json:
        print_json(result)
        return
    ln = lang_of(lang)
    table = Table(title=result.notice.get(ln), title_justify="left")
    for column in ("因素 factor", "档 band", "分 points", "出处 source"):
        table.add_column(column)
    for f in result.factors:
        source = str(f.citation) + (" (unverified)" if f.unverified else "")
        band = f.band.get(ln) if f.band else {"unknown": "?", "no_band": "—"}.get(f.outcome, "")
        shown = "?" if f.points is None and f.outcome == "unknown" else str(f.points or 0)
        table.add_row(f.label.get(ln), band, f"{shown}/{f.max_points}", source)
    console.print(table)
    if result.total is not None:
        console.print(f"total: {result.total} of {result.max_total}", markup=False)
    else:
        low, high = result.total_range
        console.print(f"total: between {low} and {high}", markup=False)
    category = result.category or " / ".join(result.possible_categories)
    console.print(f"category (indicative): {category}", markup=False)
    for question in result.questions:
        console.print(f"  ? {question.field}: {question.label.get(ln)}", markup=False)


@talent_app.command("residence")
def residence(
    path: Path = typer.Argument(
        ..., metavar="FILE", help="The case's facts for the 5-year routes (YAML or JSON)."
    ),
    start: str = typer.Option(..., "--start", help="First day of the residence permit."),
    work_permit_until: str = typer.Option(
        ..., "--work-permit-until", help="Last valid day of the work permit."
    ),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """The last valid day a work-type residence permit starting on --start may have, and why."""
    from ftzlink.talent.loader import bundled_talent_rules
    from ftzlink.talent.rules import max_residence_end

    result = max_residence_end(
        bundled_talent_rules(),
        _facts(path),
        start=_day(start, "--start"),
        work_permit_until=_day(work_permit_until, "--work-permit-until"),
    )
    if format is OutputFormat.json:
        print_json(result)
        return
    ln = lang_of(lang)
    if result.end is None:
        console.print("refused: no work-type residence permit can be issued", markup=False)
    else:
        console.print(f"last valid day at the latest: {result.end.isoformat()}", markup=False)
    for reason in result.reasons:
        cited = f" [{reason.citation}]" if reason.citation else ""
        console.print(f"- {reason.text.get(ln)}{cited}", markup=False)
    for question in result.questions:
        console.print(f"  ? {question.field}: {question.label.get(ln)}", markup=False)
    if result.end is None:
        raise typer.Exit(1)


@talent_app.command("deadline")
def deadline(
    start: str = typer.Option(..., "--from", help="The day the track is accepted."),
    track: Track = TrackOption,
    category: str = typer.Option("C", "--category", help="Work-permit category: A, B or C."),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """The day a track's decision is due, counted in Chinese working days over the official
    holiday schedules (`ftzlink calendar list`); through a year with no official schedule loaded
    yet the count is provisional, from the statutory holidays, and says so."""
    from ftzlink.cli.calendar import calendar_in_force, counted_data
    from ftzlink.talent.cases import deadline_days
    from ftzlink.talent.loader import bundled_talent_rules
    from ftzlink.talent.tables import TrackKind

    ln = lang_of(lang)
    if category not in ("A", "B", "C"):
        raise InvalidInput("invalid --category", [Problem("A, B or C", field="--category")])
    kind = TrackKind(track.value.replace("-", "_"))
    days = deadline_days(bundled_talent_rules(), kind, category)
    day = _day(start, "--from")
    with calendar_in_force(Settings.from_env(), ln) as calendar:
        counted = calendar.add_working_days(day, days)
        data = counted_data(calendar, day, counted)
    if format is OutputFormat.json:
        print_json_data(
            {
                "from": day.isoformat(),
                "track": track.value,
                "category": category if kind is TrackKind.WORK_PERMIT else None,
                "working_days": days,
                **data,
            }
        )
        return
    due = counted.day.isoformat()
    console.print(
        f"自{day.isoformat()}起{days}个工作日：{due}截止"
        if ln == "zh"
        else f"{days} working days from {day.isoformat()}: due {due}",
        markup=False,
    )
    for off in data["holidays_counted"]:
        name = off["holiday"][ln]
        console.print(f"  {off['day']}: {name}", markup=False)
    if counted.provisional:
        years = (
            "、".join(map(str, counted.provisional_years))
            if ln == "zh"
            else ", ".join(map(str, counted.provisional_years))
        )
        console.print(
            f"暂定：{years}年的正式节假日安排尚未载入，按法定节假日计算（不含调休），载入后将重新计算"
            if ln == "zh"
            else f"Provisional: the official holiday schedule for {years} is not loaded yet; "
            "counted from the statutory holidays (no adjusted working days) and counted again "
            "once it is loaded",
            markup=False,
        )


# --- cases in the database ---------------------------------------------------------------------


@contextmanager
def _session(username: str, *, write: bool) -> Iterator[tuple[Session, Principal, dt.date]]:
    from ftzlink.cli.talent_invitations import _principal

    settings = Settings.from_env()
    with open_database(settings) as db, db.write() if write else db.read() as session:
        yield session, _principal(session, username), settings.current_date()


def _case_id(session: Session, principal: Principal, reference: str) -> int:
    from ftzlink.talent.cases import find_case

    return find_case(session, principal=principal, reference=reference).id


def _view_data(view: CaseView, today: dt.date) -> dict[str, Any]:
    from ftzlink.talent.tables import TrackKind

    person = view.professional
    return {
        "reference": view.case.reference,
        "status": view.case.status,
        "employer": view.employer.name,
        "professional": {
            "full_name": person.full_name,
            "nationality": person.nationality,
            "passport_number": view.passport(person.passport_number),
        },
        "tracks": {
            kind.value: {
                "state": t.state,
                "received_on": t.received_on,
                "accepted_on": t.accepted_on,
                "due_on": t.due_on,
                "working_days_left": view.working_days_left(kind, today),
                "valid_from": t.valid_from,
                "valid_until": t.valid_until,
                "note": t.note,
            }
            for kind in TrackKind
            if (t := view.tracks.get(kind)) is not None
        },
        "family": [
            {
                "relation": m.relation,
                "full_name": m.full_name,
                "passport_number": view.passport(m.passport_number),
                "permit_end": end,
            }
            for m, end in view.family
        ],
        "documents": [d.kind for d in view.documents],
    }


@talent_app.command("cases")
def list_cases(
    username: str = AsOption,
    track: Track | None = typer.Option(None, "--track", help="Only cases with this track."),
    state: str | None = typer.Option(
        None, "--state", help="received, accepted, returned, approved or refused (with --track)."
    ),
    format: OutputFormat = FormatOption,
) -> None:
    """The cases the user sees, newest first: an official's queue with --track and --state."""
    from ftzlink.talent import cases
    from ftzlink.talent.privacy import mask_passport
    from ftzlink.talent.tables import Professional, TrackKind, TrackState

    if state is not None and state not in {s.value for s in TrackState}:
        raise InvalidInput(
            "invalid --state", [Problem(", ".join(s.value for s in TrackState), field="--state")]
        )
    rows = []
    with _session(username, write=False) as (session, principal, _):
        found = cases.list_cases(
            session,
            principal=principal,
            track=TrackKind(track.value.replace("-", "_")) if track else None,
            state=TrackState(state) if state else None,
        )
        for case in found:
            person = session.get(Professional, case.professional_id)
            assert person is not None
            tracks = cases.tracks_of(session, case)
            rows.append(
                {
                    "reference": case.reference,
                    "status": case.status,
                    "professional": person.full_name,
                    "passport_number": mask_passport(person.passport_number),
                    **{
                        kind.value: (
                            f"{t.state}"
                            + (f" due {t.due_on}" if t.due_on and t.state == "accepted" else "")
                            if (t := tracks.get(kind))
                            else ""
                        )
                        for kind in TrackKind
                    },
                }
            )
    if format is OutputFormat.json:
        print_json_data(rows)
        return
    table = Table()
    table.add_column("reference", no_wrap=True)
    for column in ("status", "professional", "passport", "work permit", "residence"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@talent_app.command("case")
def show_case(
    reference: str = typer.Argument(..., help="The case's reference, e.g. TAL-2026-1A2B3C4D."),
    username: str = AsOption,
    format: OutputFormat = FormatOption,
) -> None:
    """One case: both tracks side by side, the family's end dates, the documents."""
    from ftzlink.talent import cases
    from ftzlink.talent.loader import bundled_talent_rules

    with _session(username, write=False) as (session, principal, today):
        view = cases.case_view(
            session,
            principal=principal,
            rules=bundled_talent_rules(),
            case_id=_case_id(session, principal, reference),
            today=today,
        )
        data = _view_data(view, today)
    if format is OutputFormat.json:
        print_json_data(json.loads(json.dumps(data, default=str)))
        return
    p = data["professional"]
    console.print(
        f"{data['reference']} ({data['status']}): {p['full_name']}, {p['nationality']}, "
        f"passport {p['passport_number']}; employer {data['employer']}",
        markup=False,
    )
    for kind, t in data["tracks"].items():
        line = f"  {kind}: {t['state']}"
        if t["due_on"] and t["state"] == "accepted":
            line += f", due {t['due_on']} ({t['working_days_left']} working days left)"
        if t["valid_until"]:
            line += f", valid {t['valid_from']} to {t['valid_until']}"
        if t["note"]:
            line += " — " + "; ".join(t["note"])
        console.print(line, markup=False)
    for member in data["family"]:
        end = member["permit_end"] or "not decided"
        console.print(
            f"  family: {member['full_name']} ({member['relation']}), ends {end}", markup=False
        )
    console.print(f"  documents: {', '.join(data['documents']) or 'none'}", markup=False)


def _decide(username: str, reference: str, action: str, **kwargs: Any) -> None:
    from ftzlink.talent import cases
    from ftzlink.talent.loader import bundled_talent_rules

    with _session(username, write=True) as (session, principal, today):
        case_id = _case_id(session, principal, reference)
        step = getattr(cases, action)
        if action in ("accept", "approve"):
            kwargs["rules"] = bundled_talent_rules()
        track = step(session, principal=principal, case_id=case_id, today=today, **kwargs)
        summary = f"{reference}: {track.kind.replace('_', '-')} track {track.state}"
        if track.due_on and track.state == "accepted":
            summary += f", due {track.due_on.isoformat()}"
        if track.valid_until:
            summary += f", valid {track.valid_from} to {track.valid_until}"
    console.print(summary, markup=False)


def _kind(track: Track) -> Any:
    from ftzlink.talent.tables import TrackKind

    return TrackKind(track.value.replace("-", "_"))


@talent_app.command("accept")
def accept(
    reference: str = typer.Argument(...), track: Track = TrackOption, username: str = AsOption
) -> None:
    """Accept a track; its deadline runs from today in working days."""
    _decide(username, reference, "accept", kind=_kind(track))


@talent_app.command("return")
def return_(
    reference: str = typer.Argument(...),
    track: Track = TrackOption,
    question: list[str] = typer.Option(..., "--question", help="What is missing (repeatable)."),
    username: str = AsOption,
) -> None:
    """Return a track to the employer for material."""
    _decide(username, reference, "return_track", kind=_kind(track), questions=question)


@talent_app.command("approve")
def approve(
    reference: str = typer.Argument(...),
    track: Track = TrackOption,
    valid_from: str = typer.Option(..., "--from", help="First valid day."),
    valid_until: str = typer.Option(..., "--until", help="Last valid day (inclusive)."),
    category: str | None = typer.Option(None, "--category", help="Work permit: A, B or C."),
    username: str = AsOption,
) -> None:
    """Approve a track with its validity; the residence permit within the rules' limit."""
    _decide(
        username,
        reference,
        "approve",
        kind=_kind(track),
        valid_from=_day(valid_from, "--from"),
        valid_until=_day(valid_until, "--until"),
        category=category,
    )


@talent_app.command("refuse")
def refuse(
    reference: str = typer.Argument(...),
    track: Track = TrackOption,
    reason: list[str] = typer.Option(..., "--reason", help="Why (repeatable)."),
    username: str = AsOption,
) -> None:
    """Refuse a track, with the reasons."""
    _decide(username, reference, "refuse", kind=_kind(track), reasons=reason)
