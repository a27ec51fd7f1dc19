"""`ftzlink dataflow …`: the cross-border data service from the command line.

Without a database: `route FILE` (the route a scenario needs, and why). In the database, as a
named user (`--as USERNAME`, whose roles decide what is allowed and whom the audit log names):
`filings`, `file FILE` (an enterprise member files and submits a scenario), `register`,
`return` (a data regulator), `transfer` (an enterprise member), `draw` (a data regulator, seeded
from the latest signed checkpoint), `inspections`, `findings`, `close` (the drawn inspector).
`remind` runs the platform's extension reminders (a cron job: no user).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ftzlink.cli import app
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
from ftzlink.errors import InvalidInput, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ftzlink.auth.principal import Principal

__all__ = ["dataflow_app"]

dataflow_app = typer.Typer(
    help="Cross-border data: route a transfer scenario (CAC Order No. 16), filings and "
    "registrations, transfers with ledger receipts, reminders, spot checks and inspections.",
    no_args_is_help=True,
)
app.add_typer(dataflow_app, name="dataflow")

AsOption = typer.Option(
    ..., "--as", metavar="USERNAME", help="Act as this user (their roles decide what is allowed)."
)


def _scenario(path: Path) -> dict[str, Any]:
    from ftzlink.yamlfile import Document, read_document

    document = read_document(path)
    if not isinstance(document, Document):
        raise InvalidInput(f"cannot read {path}", [document])
    if not isinstance(document.data, dict):
        raise InvalidInput(f"cannot read {path}", [Problem("expected a mapping", file=path)])
    return dict(document.data)


@contextmanager
def _session(username: str, *, write: bool) -> Iterator[tuple[Session, Principal, dt.date]]:
    from ftzlink.cli.talent_invitations import _principal

    settings = Settings.from_env()
    with open_database(settings) as db, db.write() if write else db.read() as session:
        yield session, _principal(session, username), settings.current_date()


def _filing_id(session: Session, principal: Principal, reference: str) -> int:
    from ftzlink.dataflow import filings as filing_service

    for filing in filing_service.list_filings(session, principal=principal):
        if filing.reference == reference.strip().upper():
            return filing.id
    from ftzlink.errors import NotFound

    raise NotFound(f"no filing {reference}")


@dataflow_app.command("route")
def route(
    path: Path = typer.Argument(..., metavar="FILE", help="The scenario (YAML or JSON)."),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """The route a scenario needs: exempt (naming the article), standard contract or
    certification, security assessment; the reasons, each rule's outcome, the open questions."""
    from ftzlink.dataflow.loader import bundled_dataflow_rules
    from ftzlink.dataflow.rules import route_scenario

    result = route_scenario(bundled_dataflow_rules(), _scenario(path))
    if format is OutputFormat.json:
        print_json(result)
        return
    ln = lang_of(lang)
    shown = (
        result.route.value
        if result.route
        else "undecided: " + ", ".join(r.value for r in result.possible_routes)
    )
    console.print(f"route: {shown}", markup=False)
    for reason in result.reasons:
        console.print(f"- {reason.get(ln)}", markup=False)
    for check in result.checks:
        flag = " (unverified)" if check.unverified else ""
        console.print(
            f"  {check.outcome.value:7} {check.rule} [{check.citation}]{flag}", markup=False
        )
    for question in result.questions:
        console.print(f"  ? {question.field}: {question.label.get(ln)}", markup=False)
    for note in result.notes:
        console.print(f"note: {note.get(ln)}", markup=False)
    if result.route is None:
        raise typer.Exit(1)


@dataflow_app.command("filings")
def filings(
    username: str = AsOption,
    status: str | None = typer.Option(
        None, "--status", help="draft, submitted, returned, registered"
    ),
    format: OutputFormat = FormatOption,
) -> None:
    """The filings the user sees, newest first (the regulator's queue: --status submitted)."""
    from ftzlink.dataflow import filings as filing_service
    from ftzlink.dataflow.tables import FilingStatus

    if status is not None and status not in {s.value for s in FilingStatus}:
        raise InvalidInput("invalid --status", [Problem(", ".join(FilingStatus), field="--status")])
    with _session(username, write=False) as (session, principal, _):
        rows = [
            {
                "reference": f.reference,
                "organisation_id": f.organisation_id,
                "title": f.title,
                "status": f.status,
                "route": f.route,
                "mechanism": f.mechanism,
            }
            for f in filing_service.list_filings(
                session, principal=principal, status=FilingStatus(status) if status else None
            )
        ]
    if format is OutputFormat.json:
        print_json_data(rows)
        return
    for row in rows:
        console.print("  ".join(str(v) for v in row.values()), markup=False)


@dataflow_app.command("file")
def file_scenario(
    path: Path = typer.Argument(..., metavar="FILE", help="The scenario (YAML or JSON)."),
    username: str = AsOption,
    organisation: int = typer.Option(..., "--organisation", help="The enterprise's id."),
    title: str = typer.Option(..., "--title", help="A name for the scenario."),
    mechanism: str | None = typer.Option(
        None, "--mechanism", help="standard_contract or certification"
    ),
) -> None:
    """File a scenario and submit it with the route the engine gives it."""
    from ftzlink.dataflow import filings as filing_service
    from ftzlink.dataflow.loader import bundled_dataflow_rules

    rules = bundled_dataflow_rules()
    with _session(username, write=True) as (session, principal, today):
        filing = filing_service.create_filing(
            session,
            principal=principal,
            rules=rules,
            organisation_id=organisation,
            title=title,
            scenario=_scenario(path),
            today=today,
        )
        filing = filing_service.submit_filing(
            session,
            principal=principal,
            rules=rules,
            filing_id=filing.id,
            mechanism=mechanism,
            today=today,
        )
        console.print(
            f"{filing.reference} submitted: {filing.route} ({filing.mechanism})", markup=False
        )


@dataflow_app.command("register")
def register(reference: str = typer.Argument(...), username: str = AsOption) -> None:
    """Register a submitted filing (a data regulator): prints the number and validity."""
    from ftzlink.dataflow import filings as filing_service
    from ftzlink.dataflow.loader import bundled_dataflow_rules

    with _session(username, write=True) as (session, principal, today):
        registration = filing_service.register_filing(
            session,
            principal=principal,
            rules=bundled_dataflow_rules(),
            filing_id=_filing_id(session, principal, reference),
            today=today,
        )
        until = registration.valid_until.isoformat() if registration.valid_until else "no term"
        console.print(
            f"{registration.number} (id {registration.id}): {registration.route}, valid "
            f"{registration.valid_from.isoformat()} to {until}",
            markup=False,
        )


@dataflow_app.command("return")
def return_filing(
    reference: str = typer.Argument(...),
    username: str = AsOption,
    reasons: list[str] = typer.Option(..., "--reason", help="Why (repeatable)."),
) -> None:
    """Return a submitted filing with reasons (a data regulator)."""
    from ftzlink.dataflow import filings as filing_service

    with _session(username, write=True) as (session, principal, today):
        filing = filing_service.return_filing(
            session,
            principal=principal,
            filing_id=_filing_id(session, principal, reference),
            reasons=reasons,
            today=today,
        )
        console.print(f"{filing.reference} returned", markup=False)


@dataflow_app.command("transfer")
def transfer(
    registration_id: int = typer.Argument(..., help="The registration's id."),
    username: str = AsOption,
    manifest: str = typer.Option(..., "--manifest-sha256", help="Hex SHA-256 of the manifest."),
    records: int = typer.Option(..., "--records"),
    non_sensitive: int = typer.Option(0, "--non-sensitive-people"),
    sensitive: int = typer.Option(0, "--sensitive-people"),
    at: str = typer.Option(..., "--at", help="When, ISO 8601 with offset: 2025-03-04T10:00+08:00"),
) -> None:
    """Report a transfer; refused (exit 1) with the route it now needs if the year's totals
    would cross the registration's route. Prints the ledger index."""
    from ftzlink.dataflow import transfers as transfer_service
    from ftzlink.dataflow.loader import bundled_dataflow_rules
    from ftzlink.ledger.keys import configured_signer

    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        raise InvalidInput(
            "invalid --at", [Problem("ISO 8601 with an offset", field="--at")]
        ) from None
    with _session(username, write=True) as (session, principal, _):
        row = transfer_service.report_transfer(
            session,
            principal=principal,
            rules=bundled_dataflow_rules(),
            registration_id=registration_id,
            manifest_sha256=manifest,
            record_count=records,
            non_sensitive_people=non_sensitive,
            sensitive_people=sensitive,
            transferred_at=when,
            signer=configured_signer(Settings.from_env()),
        )
        console.print(f"transfer {row.id} on the ledger at index {row.ledger_index}", markup=False)


@dataflow_app.command("remind")
def remind(
    within: int = typer.Option(30, "--within-days", help="Also windows opening within N days."),
) -> None:
    """Remind every enterprise whose security assessment's extension window is open or opens
    soon: one reminder per registration and window, however often this runs."""
    from ftzlink.dataflow import registrations as registration_service
    from ftzlink.dataflow.loader import bundled_dataflow_rules

    settings = Settings.from_env()
    with open_database(settings) as db, db.write() as session:
        run = registration_service.remind(
            session,
            rules=bundled_dataflow_rules(),
            today=settings.current_date(),
            within_days=within,
        )
        for reminder in run.created:
            console.print(
                f"reminded: registration {reminder.registration_id}, window opens "
                f"{reminder.window_opens_on.isoformat()}, expires {reminder.expires_on.isoformat()}",
                markup=False,
            )
        for registration, reason in run.not_computable:
            console.print(f"cannot compute yet: {registration.number}: {reason}", markup=False)
        console.print(f"{len(run.created)} new, {len(run.already)} already reminded", markup=False)


@dataflow_app.command("draw")
def draw_command(
    username: str = AsOption,
    count: int = typer.Option(..., "--count", help="How many registrations to inspect."),
) -> None:
    """Draw registrations and an inspector for each, seeded from the latest signed checkpoint."""
    from ftzlink.dataflow import draws as draw_service

    with _session(username, write=True) as (session, principal, today):
        row = draw_service.draw_spot_checks(session, principal=principal, count=count, today=today)
        _, picks = draw_service.recompute_draw(row)
        console.print(
            f"draw {row.id}: checkpoint of size {row.checkpoint_size}, seed {row.seed}",
            markup=False,
        )
        for pick in picks:
            console.print(
                f"  {pick.rank}: registration {pick.registration_id} -> inspector {pick.inspector_id}",
                markup=False,
            )


@dataflow_app.command("inspections")
def inspections(username: str = AsOption, format: OutputFormat = FormatOption) -> None:
    """The inspections the user sees (an inspector: those drawn for them)."""
    from ftzlink.dataflow import inspections as inspection_service

    with _session(username, write=False) as (session, principal, _):
        rows = [
            {
                "id": i.id,
                "draw_id": i.draw_id,
                "registration_id": i.registration_id,
                "inspector_id": i.inspector_id,
                "status": i.status,
                "rectification_due_on": i.rectification_due_on
                and i.rectification_due_on.isoformat(),
            }
            for i in inspection_service.list_inspections(session, principal=principal)
        ]
    if format is OutputFormat.json:
        print_json_data(rows)
        return
    for row in rows:
        console.print("  ".join(str(v) for v in row.values()), markup=False)


@dataflow_app.command("findings")
def findings(
    inspection_id: int = typer.Argument(...),
    username: str = AsOption,
    found: list[str] = typer.Option(..., "--finding", help="A finding (repeatable)."),
    days: int = typer.Option(..., "--rectify-within", help="Working days to rectify."),
) -> None:
    """Record findings and the rectification deadline (the drawn inspector only)."""
    from ftzlink.dataflow import inspections as inspection_service

    with _session(username, write=True) as (session, principal, today):
        row = inspection_service.record_findings(
            session,
            principal=principal,
            inspection_id=inspection_id,
            findings=found,
            rectification_working_days=days,
            today=today,
        )
        due = row.rectification_due_on.isoformat() if row.rectification_due_on else ""
        console.print(f"inspection {row.id}: rectification due {due}", markup=False)


@dataflow_app.command("close")
def close(
    inspection_id: int = typer.Argument(...),
    username: str = AsOption,
    note: str = typer.Option(..., "--note"),
) -> None:
    """Close an inspection (the drawn inspector only)."""
    from ftzlink.dataflow import inspections as inspection_service

    with _session(username, write=True) as (session, principal, today):
        row = inspection_service.close_inspection(
            session, principal=principal, inspection_id=inspection_id, note=note, today=today
        )
        console.print(f"inspection {row.id} closed", markup=False)
