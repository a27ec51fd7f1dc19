"""`ftzlink pilots …`: the pilot-case registry from the command line.

`list` and `show` read (anyone may); `seed` records the cases of seed 004 that are not there yet
(idempotent; the audit log names the command line); `advance` moves a case to its next stage as
a named editor (`--as`: a platform administrator or a data regulator).
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

import typer
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.database import cli_actor, open_database
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import InvalidInput, Problem
from ftzlink.settings import Settings

__all__ = ["pilots_app"]

pilots_app = typer.Typer(
    help="The pilot-case registry: reform cases from case pilot through innovative supervision "
    "to regulatory solidification, with the figures reported about them.",
    no_args_is_help=True,
)
app.add_typer(pilots_app, name="pilots")


class StageName(StrEnum):
    case_pilot = "case_pilot"
    innovative_supervision = "innovative_supervision"
    regulatory_solidification = "regulatory_solidification"
    not_stated = "not_stated"


STAGES = {
    "case_pilot": ("案例试点", "case pilot"),
    "innovative_supervision": ("创新监管", "innovative supervision"),
    "regulatory_solidification": ("制度固化", "regulatory solidification"),
    None: ("未说明", "not stated"),
}


def _stage(stage: str | None, lang: str) -> str:
    zh, en = STAGES[stage]
    return zh if lang == "zh" else en


def _case_data(session: Any, case: Any, *, detail: bool) -> dict[str, Any]:
    from ftzlink.pilots import service

    data: dict[str, Any] = {
        "id": case.id,
        "slug": case.slug,
        "zone": case.zone,
        "title": {"zh": case.title_zh, "en": case.title_en},
        "stage": case.stage,
        "stage_on": case.stage_on.isoformat() if case.stage_on else None,
    }
    if detail:
        data["summary"] = {"zh": case.summary_zh, "en": case.summary_en}
        data["progress"] = (
            {"zh": case.progress_zh, "en": case.progress_en} if case.progress_zh else None
        )
        data["next_stages"] = [s.value for s in service.next_stages(case.stage)]
        data["steps"] = [
            {
                "stage": s.stage,
                "reached_on": s.reached_on.isoformat() if s.reached_on else None,
                "note": s.note,
                "source": s.source,
                "source_line": s.source_line,
                "quote": s.quote,
            }
            for s in service.steps_of(session, case)
        ]
        data["figures"] = [
            {
                "label": {"zh": f.label_zh, "en": f.label_en},
                "value": f.value,
                "value_max": f.value_max,
                "unit": f.unit,
                "qualifier": f.qualifier,
                "as_of": f.as_of.isoformat() if f.as_of else None,
                "as_of_note": f.as_of_note,
                "source": f.source,
                "source_line": f.source_line,
                "quote": f.quote,
            }
            for f in service.figures_of(session, case)
        ]
    return data


@pilots_app.command("list")
def list_cases(
    stage: StageName | None = typer.Option(None, "--stage", help="one stage, or not_stated"),
    zone: str | None = typer.Option(None, "--zone", help="a zone id, e.g. lingang"),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """The registry, furthest stage first."""
    from ftzlink.pilots import service

    language = lang_of(lang)
    with open_database(Settings.from_env()) as db, db.read() as session:
        rows, _ = service.list_cases(
            session, stage=stage.value if stage else None, zone=zone, limit=10_000
        )
        data = [_case_data(session, c, detail=False) for c in rows]
    if format is OutputFormat.json:
        print_json_data(data)
        return
    table = Table("#", "slug", "zone", "stage", "since", "title")
    for row in data:
        table.add_row(
            str(row["id"]),
            row["slug"],
            row["zone"],
            _stage(row["stage"], language),
            row["stage_on"] or "—",
            row["title"][language],
        )
    console.print(table)


@pilots_app.command("show")
def show(
    case: str = typer.Argument(..., help="the case's number or slug"),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """A case: its stage, history and figures, each with its source."""
    from ftzlink.pilots import service

    language = lang_of(lang)
    with open_database(Settings.from_env()) as db, db.read() as session:
        data = _case_data(session, service.find_case(session, case), detail=True)
    if format is OutputFormat.json:
        print_json_data(json.loads(json.dumps(data, default=str)))
        return
    console.print(f"{data['title'][language]} ({data['slug']}, {data['zone']})", markup=False)
    since = data["stage_on"] or ("日期未说明" if language == "zh" else "day not stated")
    console.print(f"{_stage(data['stage'], language)} — {since}", markup=False)
    console.print(data["summary"][language], markup=False)
    if data["progress"]:
        console.print(data["progress"][language], markup=False)
    for step in data["steps"]:
        where = f" [{step['source']}:{step['source_line']}]" if step["source_line"] else ""
        console.print(
            f"  {step['reached_on'] or '—'}  {_stage(step['stage'], language)}"
            f"  {step['note'] or step['quote'] or ''}{where}",
            markup=False,
        )
    for f in data["figures"]:
        value = f["value"] + (f"–{f['value_max']}" if f["value_max"] else "")
        when = f["as_of"] or f["as_of_note"] or "—"
        where = f"{f['source']}:{f['source_line']}" if f["source_line"] else f["source"]
        console.print(
            f"  {f['label'][language]}: {value} {f['unit']} ({f['qualifier']}), {when} [{where}]",
            markup=False,
        )


@pilots_app.command("seed")
def seed() -> None:
    """Record the cases of seed 004 not yet in the registry (running it again changes nothing)."""
    from ftzlink.pilots.service import seed_pilot_cases

    with open_database(Settings.from_env()) as db, db.write() as session:
        report = seed_pilot_cases(session, cli_actor())
    console.print(
        f"{len(report.created)} case(s) recorded, {report.figures_added} figure(s) added, "
        f"{len(report.unchanged)} unchanged",
        markup=False,
    )


@pilots_app.command("advance")
def advance(
    case: str = typer.Argument(..., help="the case's number or slug"),
    to: StageName = typer.Option(..., "--to", help="the next stage"),
    on: str = typer.Option(..., "--on", help="the day it was reached, YYYY-MM-DD"),
    note: str = typer.Option("", "--note", help="what happened"),
    username: str = typer.Option(..., "--as", metavar="USERNAME", help="the editor acting"),
) -> None:
    """Move a case to its next stage (platform administrators and data regulators)."""
    from ftzlink.cli.talent_invitations import _principal
    from ftzlink.pilots import service
    from ftzlink.pilots.tables import PilotStage

    try:
        day = dt.date.fromisoformat(on)
    except ValueError:
        raise InvalidInput(
            "invalid --on", [Problem(f"{on!r} is not a date YYYY-MM-DD", field="--on")]
        ) from None
    if to is StageName.not_stated:
        raise InvalidInput("invalid --to", [Problem("name a stage", field="--to")])
    settings = Settings.from_env()
    with open_database(settings) as db, db.write() as session:
        principal = _principal(session, username)
        found = service.find_case(session, case)
        moved = service.advance(
            session,
            principal=principal,
            case_id=found.id,
            to=PilotStage(to.value),
            on=day,
            note=note,
            today=settings.current_date(),
        )
        summary = f"{moved.slug}: {moved.stage} on {day.isoformat()}"
    console.print(summary, markup=False)
