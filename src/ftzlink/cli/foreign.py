"""`ftzlink foreign …`: representative offices of foreign enterprises and YRD recognition records.

As a named user (`--as USERNAME`, whose roles decide what is allowed): `filings`, `show`, `file
FILE` (an establishment, by the foreign enterprise's agent), `decide` (the registrar: approve,
return with the materials missing, reject), `answer` (the agent), `records issue|revoke` (the
registrar). Without an account: `materials` and `records verify` (another authority's check).
`annual-cycle` runs the annual-report reminders and Art. 38 correction cases (a cron job: no user;
FTZLINK_TODAY sets the day).
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
from ftzlink.cli.output import console, print_json_data
from ftzlink.errors import InvalidInput, NotFound, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ftzlink.auth.principal import Principal

__all__ = ["foreign_app"]

foreign_app = typer.Typer(
    help="Foreign investment: representative-office filings (Reg-2024), the annual-report "
    "cycle, and YRD recognition records of investors' qualification documents.",
    no_args_is_help=True,
)
records_app = typer.Typer(
    help="YRD recognition records: issue, verify, revoke.", no_args_is_help=True
)
foreign_app.add_typer(records_app, name="records")
app.add_typer(foreign_app, name="foreign")

AsOption = typer.Option(
    ..., "--as", metavar="USERNAME", help="Act as this user (their roles decide what is allowed)."
)
JsonOption = typer.Option(False, "--json", help="Print JSON.")


def _document(path: Path) -> dict[str, Any]:
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
    from ftzlink.foreign import service

    for filing in service.list_filings(session, principal=principal):
        if filing.reference == reference.strip().upper():
            return filing.id
    raise NotFound(f"no filing {reference}")


def _line(f: Any) -> str:
    return f"{f.reference}  {f.kind:<14} {f.status:<9} submitted {f.submitted_on}  due {f.decision_due}"


@foreign_app.command("materials")
def materials(
    jurisdiction: str = typer.Argument(..., help="The parent's place: ISO code, or HK/MO/TW."),
    kind: str = typer.Option("establishment", "--kind"),
) -> None:
    """The materials a filing needs, each foreign document with its authentication route."""
    from ftzlink.foreign import rules as r
    from ftzlink.foreign.models import FilingKind, bundled_foreign_rules

    rules = bundled_foreign_rules()
    today = Settings.from_env().current_date()
    code = jurisdiction.upper()
    console.print(f"{r.place_label(code, rules)} ({code})", markup=False)
    for m in r.materials_for(FilingKind(kind), code, rules, on=today):
        how = f"  [{m.authentication}]" if m.authentication else ""
        note = f" ({m.note})" if m.note else ""
        console.print(
            f"- {m.material.zh}{how}{note}  — {m.material.source} {m.material.clause}", markup=False
        )


@foreign_app.command("filings")
def filings(username: str = AsOption) -> None:
    """The filings this user may see."""
    from ftzlink.foreign import service

    with _session(username, write=False) as (session, principal, _):
        for f in service.list_filings(session, principal=principal):
            console.print(_line(f), markup=False)


@foreign_app.command("show")
def show(reference: str = typer.Argument(...), username: str = AsOption) -> None:
    """A filing with its materials (provided, missing) and time limits."""
    from ftzlink.foreign import service
    from ftzlink.foreign.models import bundled_foreign_rules

    with _session(username, write=False) as (session, principal, _):
        view = service.filing_view(
            session,
            principal=principal,
            rules=bundled_foreign_rules(),
            filing_id=_filing_id(session, principal, reference),
        )
        console.print(_line(view.filing), markup=False)
        console.print(f"parent: {view.place}", markup=False)
        for m in view.materials:
            mark = "✓" if m.material.code in view.filing.materials else "✗"
            how = f" [{m.authentication}]" if m.authentication else ""
            console.print(f"  {mark} {m.material.code}{how}", markup=False)
        if view.filing.return_reasons:
            console.print("returned: " + "; ".join(view.filing.return_reasons), markup=False)


@foreign_app.command("file")
def file_establishment(
    path: Path = typer.Argument(..., exists=True), username: str = AsOption
) -> None:
    """File an establishment from a YAML file: organisation_id, particulars, materials."""
    from ftzlink.foreign import service
    from ftzlink.foreign.models import bundled_foreign_rules

    data = _document(path)
    with _session(username, write=True) as (session, principal, today):
        filing = service.file_establishment(
            session,
            principal=principal,
            rules=bundled_foreign_rules(),
            organisation_id=int(data["organisation_id"]),
            particulars=dict(data["particulars"]),
            materials=[str(m) for m in data.get("materials", [])],
            today=today,
        )
        console.print(_line(filing), markup=False)


@foreign_app.command("decide")
def decide(
    reference: str = typer.Argument(...),
    approve: bool = typer.Option(False, "--approve"),
    return_: bool = typer.Option(False, "--return"),
    reject: bool = typer.Option(False, "--reject"),
    missing: list[str] = typer.Option([], "--missing", help="A material missing (with --return)."),
    reason: list[str] = typer.Option([], "--reason"),
    username: str = AsOption,
) -> None:
    """The registrar's decision: --approve, --return (--missing CODE, --reason TEXT) or --reject."""
    from ftzlink.foreign import service
    from ftzlink.foreign.models import bundled_foreign_rules

    if [approve, return_, reject].count(True) != 1:
        raise InvalidInput("choose one of --approve, --return, --reject", [])
    rules = bundled_foreign_rules()
    with _session(username, write=True) as (session, principal, today):
        filing_id = _filing_id(session, principal, reference)
        if approve:
            from ftzlink.ledger.keys import configured_signer

            filing = service.approve_filing(
                session,
                principal=principal,
                rules=rules,
                filing_id=filing_id,
                today=today,
                signer=configured_signer(Settings.from_env()),
            )
        elif return_:
            filing = service.return_filing(
                session,
                principal=principal,
                rules=rules,
                filing_id=filing_id,
                reasons=reason,
                missing=missing,
                today=today,
            )
        else:
            filing = service.reject_filing(
                session,
                principal=principal,
                filing_id=filing_id,
                reason="; ".join(reason),
                today=today,
            )
        console.print(_line(filing), markup=False)


@foreign_app.command("answer")
def answer(
    reference: str = typer.Argument(...),
    material: list[str] = typer.Option(..., "--material"),
    username: str = AsOption,
) -> None:
    """Answer a returned filing with the materials asked for."""
    from ftzlink.foreign import service
    from ftzlink.foreign.models import bundled_foreign_rules

    with _session(username, write=True) as (session, principal, today):
        filing = service.answer_filing(
            session,
            principal=principal,
            rules=bundled_foreign_rules(),
            filing_id=_filing_id(session, principal, reference),
            materials=material,
            today=today,
        )
        console.print(_line(filing), markup=False)


@foreign_app.command("annual-cycle")
def annual_cycle() -> None:
    """Remind offices in the 1 March – 30 June window, open Art. 38 correction cases from 1 July,
    remind offices whose extension window opened; idempotent (run it daily)."""
    from ftzlink.foreign import service
    from ftzlink.foreign.models import bundled_foreign_rules

    settings = Settings.from_env()
    with open_database(settings) as db, db.write() as session:
        run = service.run_annual_report_cycle(
            session, rules=bundled_foreign_rules(), today=settings.current_date()
        )
        for x in run.reminders:
            console.print(
                f"reminded: office {x.office_id}, {x.kind} {x.year}, due {x.due_on}", markup=False
            )
        for c in run.corrections:
            console.print(
                f"correction opened: office {c.office_id}, report {c.year}, due {c.due_on} "
                "(Reg-2024 Art. 38)",
                markup=False,
            )
        console.print(
            f"{len(run.reminders)} reminders, {len(run.corrections)} corrections", markup=False
        )


@records_app.command("issue")
def issue(path: Path = typer.Argument(..., exists=True), username: str = AsOption) -> None:
    """Issue a recognition record from a YAML file (investor_name, investor_kind, jurisdiction,
    document, notarised_on, authentication, authentication_reference, authority)."""
    from ftzlink.foreign import records
    from ftzlink.foreign.models import bundled_foreign_rules
    from ftzlink.ledger.keys import configured_signer

    data = _document(path)
    signer = configured_signer(Settings.from_env())
    with _session(username, write=True) as (session, principal, today):
        record = records.issue_record(
            session,
            principal=principal,
            rules=bundled_foreign_rules(),
            signer=signer,
            investor_name=str(data["investor_name"]),
            investor_kind=str(data["investor_kind"]),
            jurisdiction=str(data["jurisdiction"]),
            document=str(data["document"]),
            notarised_on=dt.date.fromisoformat(str(data["notarised_on"])),
            authentication=str(data["authentication"]),
            authentication_reference=str(data["authentication_reference"]),
            authority=str(data.get("authority", "shanghai_amr")),
            today=today,
        )
        console.print(
            f"{record.reference}  valid until {record.valid_until}  log #{record.ledger_index}",
            markup=False,
        )


@records_app.command("verify")
def verify(
    reference: str = typer.Argument(...),
    authority: str = typer.Option(..., "--authority", help="The checking authority's code."),
    as_json: bool = JsonOption,
) -> None:
    """Check a record as another authority would; exits non-zero with the reason when refused."""
    from ftzlink.foreign import records
    from ftzlink.foreign.models import bundled_foreign_rules
    from ftzlink.ledger.keys import configured_verifier

    settings = Settings.from_env()
    with open_database(settings) as db, db.read() as session:
        check = records.verify_record(
            session,
            rules=bundled_foreign_rules(),
            verifier=configured_verifier(settings),
            reference=reference,
            authority=authority,
            today=settings.current_date(),
        )
        if as_json:
            print_json_data(
                {"accepted": True, "payload": check.record.payload, "warnings": check.warnings}
            )
            return
        console.print(
            f"accepted: {check.record.reference} ({check.record.investor_name}), valid until "
            f"{check.record.valid_until}; signature {'valid' if check.signature_valid else 'not checked'}",
            markup=False,
        )
        for warning in check.warnings:
            console.print(f"warning: {warning}", markup=False)


@records_app.command("revoke")
def revoke(
    reference: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    username: str = AsOption,
) -> None:
    from ftzlink.foreign import records

    with _session(username, write=True) as (session, principal, today):
        record = records.revoke_record(
            session, principal=principal, reference=reference, reason=reason, today=today
        )
        console.print(f"{record.reference} revoked on {record.revoked_on}", markup=False)
