"""`ftzlink proactive …`: 免申即享 from the command line, as a named user (`--as USERNAME`,
whose roles decide what is allowed and whom the audit log names).

`run [REGISTRY] [--organisations]` (a reviewer or a platform admin), `candidates`, `confirm` and
`strike` (a reviewer of the organisation's district, many candidates at once, a result per
item), `consent` and `decline` (the enterprise), `notifications`; `deliver` sends the outbox (an
operator's job: no user, the audit log names the command line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.common import AsOfOption, CatalogueOption, catalogue_from
from ftzlink.cli.database import cli_actor, open_database
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    err_console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import InvalidInput, Problem
from ftzlink.proactive.outbox import Message
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ftzlink.auth.principal import Principal
    from ftzlink.proactive.tables import Candidate

__all__ = ["proactive_app"]

proactive_app = typer.Typer(
    help="免申即享 — policies find enterprises: match runs, candidates to confirm or strike, "
    "pre-filled applications to consent to, grants without application, notifications.",
    no_args_is_help=True,
)
app.add_typer(proactive_app, name="proactive")

AsOption = typer.Option(
    ..., "--as", metavar="USERNAME", help="Act as this user (their roles decide what is allowed)."
)


@contextmanager
def _session(username: str, *, write: bool) -> Iterator[tuple[Session, Principal, dt.date]]:
    from ftzlink.cli.talent_invitations import _principal

    settings = Settings.from_env()
    with open_database(settings) as db, db.write() if write else db.read() as session:
        yield session, _principal(session, username), settings.current_date()


def _day(value: str | None, default: dt.date) -> dt.date:
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "invalid --as-of",
            [Problem(f"{value!r} is not a date in the form YYYY-MM-DD", field="--as-of")],
        ) from None


def _candidate_data(c: Candidate) -> dict[str, Any]:
    return {
        "id": c.id,
        "run_id": c.run_id,
        "organisation_id": c.organisation_id,
        "measure_id": c.measure_id,
        "project_name": c.project_name,
        "kind": c.kind,
        "question": c.question,
        "amount": c.amount,
        "without_application": c.without_application,
        "status": c.status,
        "application_id": c.application_id,
    }


@proactive_app.command("run")
def run(
    registry: Path | None = typer.Argument(
        None, help="A .csv or .parquet registry with a uscc column (optional).", dir_okay=False
    ),
    organisations: bool = typer.Option(
        False,
        "--organisations",
        help="Match the organisations' stored profiles (the default when no REGISTRY is given).",
    ),
    as_of: str | None = AsOfOption,
    username: str = AsOption,
    catalogue_dir: Path | None = CatalogueOption,
    format: OutputFormat = FormatOption,
) -> None:
    """Match the catalogue and record the run: counts, candidates, unlinked registry rows."""
    from ftzlink.proactive import runs, service

    catalogue = catalogue_from(catalogue_dir)
    with _session(username, write=True) as (session, principal, today):
        found = runs.run_match(
            session,
            principal=principal,
            catalogue=catalogue,
            as_of=_day(as_of, today),
            organisations=organisations or registry is None,
            registry=registry,
        )
        data = {"id": found.id, **service.run_snapshot(found), "unlinked": found.unlinked}
    data["as_of"] = data["as_of"].isoformat()
    if format is OutputFormat.json:
        print_json_data(data)
        return
    for key in (
        "id",
        "as_of",
        "source",
        "registry_name",
        "catalogue_sha256",
        "organisations",
        "registry_rows",
        "unlinked_rows",
        "eligible",
        "one_answer",
        "new_candidates",
        "already_proposed",
    ):
        console.print(f"{key}: {data[key]}", markup=False)
    for row in data["unlinked"][:20]:
        console.print(
            f"  unlinked row {row.get('row', '—')}: {row.get('uscc')} {row.get('name')} "
            f"({row['reason']})",
            markup=False,
        )


@proactive_app.command("candidates")
def candidates(
    username: str = AsOption,
    run_id: int | None = typer.Option(None, "--run", help="One run's candidates."),
    status: str | None = typer.Option(None, "--status", help="pending, confirmed, struck, ..."),
    kind: str | None = typer.Option(None, "--kind", help="eligible, or one_answer"),
    measure: str | None = typer.Option(None, "--measure", help="A measure id."),
    limit: int = typer.Option(200, "--limit", min=1, max=10_000),
    format: OutputFormat = FormatOption,
) -> None:
    """The candidates the user may see (officials: their districts'; an enterprise: its own)."""
    from ftzlink.proactive import service

    with _session(username, write=False) as (session, principal, today):
        rows, total = service.list_candidates(
            session,
            principal=principal,
            on=today,
            filters=service.CandidateFilters(
                run_id=run_id, status=status, kind=kind, measure_id=measure
            ),
            limit=limit,
        )
        data = [_candidate_data(c) for c in rows]
    if format is OutputFormat.json:
        print_json_data({"items": data, "total": total})
        return
    table = Table("#", "run", "org", "measure", "project", "kind", "amount", "status", "app")
    for c in data:
        table.add_row(
            str(c["id"]),
            str(c["run_id"]),
            str(c["organisation_id"]),
            c["measure_id"] + (" *" if c["without_application"] else ""),
            c["project_name"] or "—",
            c["kind"] if c["question"] is None else f"{c['kind']}: {c['question']}",
            f"{c['amount']:,}" if c["amount"] is not None else "—",
            c["status"],
            str(c["application_id"] or "—"),
        )
    console.print(table)
    console.print(f"{total} candidates; * granted without application", markup=False)


def _decide(
    username: str, items: list[Any], format: OutputFormat, lang: UILang, catalogue_dir: Path | None
) -> None:
    from ftzlink.proactive import decisions

    catalogue = catalogue_from(catalogue_dir)
    with _session(username, write=True) as (session, principal, today):
        results = decisions.decide(
            session,
            principal=principal,
            catalogue=catalogue,
            items=items,
            today=today,
            lang=lang_of(lang),
        )
        data = [
            {
                "candidate_id": r.candidate_id,
                "outcome": r.outcome,
                "code": r.code,
                "limit": r.limit,
                "remaining": r.remaining,
                "detail": r.detail,
                "application_id": r.application_id,
            }
            for r in results
        ]
    if format is OutputFormat.json:
        print_json_data(data)
    else:
        for r in data:
            why = f" ({r['code']}: {r['detail']})" if r["code"] else ""
            console.print(f"{r['candidate_id']}: {r['outcome']}{why}", markup=False)
    if not any(r["outcome"] in ("confirmed", "granted", "struck") for r in data):
        raise typer.Exit(1)


@proactive_app.command("confirm")
def confirm(
    ids: list[int] = typer.Argument(..., help="Candidate numbers."),
    username: str = AsOption,
    amount: int | None = typer.Option(
        None, "--amount", min=0, help="The amount to request or grant (one candidate only)."
    ),
    catalogue_dir: Path | None = CatalogueOption,
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """Confirm candidates: each gets a pre-filled draft and a notification, or, for a measure
    granted without application, the grant itself within caps and budget. A result per item;
    exit 1 when none was done."""
    from ftzlink.proactive.decisions import Decision

    if amount is not None and len(ids) != 1:
        raise InvalidInput("--amount is for one candidate", [Problem("name one", field="--amount")])
    _decide(
        username, [Decision(i, "confirm", amount=amount) for i in ids], format, lang, catalogue_dir
    )


@proactive_app.command("strike")
def strike(
    ids: list[int] = typer.Argument(..., help="Candidate numbers."),
    reason: str = typer.Option(..., "--reason", help="Why they are struck."),
    username: str = AsOption,
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """Strike candidates: nothing is offered to them this year."""
    from ftzlink.proactive.decisions import Decision

    _decide(username, [Decision(i, "strike", reason=reason) for i in ids], format, lang, None)


@proactive_app.command("consent")
def consent(
    candidate_id: int = typer.Argument(..., help="The candidate number."),
    username: str = AsOption,
    catalogue_dir: Path | None = CatalogueOption,
    lang: UILang = LangOption,
) -> None:
    """The enterprise consents: its pre-filled application is submitted (checked by the engine)."""
    from ftzlink.proactive import decisions

    catalogue = catalogue_from(catalogue_dir)
    with _session(username, write=True) as (session, principal, today):
        found = decisions.consent(
            session,
            principal=principal,
            catalogue=catalogue,
            candidate_id=candidate_id,
            today=today,
            lang=lang_of(lang),
        )
        console.print(
            f"candidate {found.id}: {found.status}; application {found.application_id} submitted",
            markup=False,
        )


@proactive_app.command("decline")
def decline(
    candidate_id: int = typer.Argument(..., help="The candidate number."),
    username: str = AsOption,
) -> None:
    """The enterprise declines: the pre-filled application is withdrawn."""
    from ftzlink.proactive import decisions

    with _session(username, write=True) as (session, principal, today):
        found = decisions.decline(
            session, principal=principal, candidate_id=candidate_id, today=today
        )
        console.print(
            f"candidate {found.id}: {found.status}; application {found.application_id} withdrawn",
            markup=False,
        )


@proactive_app.command("notifications")
def notifications(
    username: str = AsOption,
    unsent: bool = typer.Option(False, "--unsent", help="Only those not yet sent."),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """The notifications the user may see."""
    from ftzlink.proactive import outbox

    language = lang_of(lang)
    with _session(username, write=False) as (session, principal, today):
        rows, _ = outbox.list_notifications(
            session, principal=principal, on=today, unsent=unsent, limit=10_000
        )
        data: list[dict[str, Any]] = [
            {
                "id": n.id,
                "organisation_id": n.organisation_id,
                "candidate_id": n.candidate_id,
                "application_id": n.application_id,
                "kind": n.kind,
                "subject": n.subject,
                "body": n.body,
                "sent_at": n.sent_at.isoformat() if n.sent_at else None,
                "channel": n.channel,
            }
            for n in rows
        ]
    if format is OutputFormat.json:
        print_json_data(data)
        return
    for n in data:
        state = f"sent {n['sent_at']} ({n['channel']})" if n["sent_at"] else "not sent"
        console.print(f"[{n['id']}] {n['subject'][language]} — {state}", markup=False)


@proactive_app.command("deliver")
def deliver(
    sink: str = typer.Option("console", "--sink", help="console (default) or file"),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="The file sink's file (default: DATA_DIR/notifications/outbox.jsonl).",
        dir_okay=False,
    ),
    lang: UILang = LangOption,
) -> None:
    """Send the notifications not yet sent and mark them sent; running it again sends nothing
    twice."""
    from ftzlink.proactive import outbox
    from ftzlink.proactive.outbox import Sink
    from ftzlink.proactive.sinks import FileSink, default_outbox

    settings = Settings.from_env()
    chosen: Sink
    if sink == "file":
        chosen = FileSink(out or default_outbox(settings.data_dir))
    elif sink == "console":
        chosen = ConsoleSink(console, lang_of(lang))
    else:
        raise InvalidInput("invalid --sink", [Problem("console or file", field="--sink")])
    with open_database(settings) as db, db.write() as session:
        sent = outbox.deliver(session, actor=cli_actor(), sink=chosen)
    err_console.print(f"{len(sent)} notifications sent ({chosen.name})")


class ConsoleSink:
    """Prints each message: for an operator watching, and for demos."""

    name = "console"

    def __init__(self, console: Console | None = None, lang: str = "zh") -> None:
        self.console = console or Console(highlight=False)
        self.lang = lang

    def send(self, message: Message) -> None:
        lang = "en" if self.lang == "en" else "zh"
        self.console.print(
            f"[{message.id}] {message.organisation_name} ({message.uscc}): "
            f"{message.subject[lang]}\n    {message.body[lang]}",
            markup=False,
        )
