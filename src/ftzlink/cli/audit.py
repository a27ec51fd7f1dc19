"""`ftzlink audit verify`: recompute the audit log's hash chain and say where it breaks, if it does."""

from __future__ import annotations

import typer

from ftzlink.cli import app
from ftzlink.cli.database import database_label, open_database
from ftzlink.cli.output import FormatOption, OutputFormat, console, print_json_data
from ftzlink.settings import Settings

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(format: OutputFormat = FormatOption) -> None:
    """Check every entry of the audit log against the one before it, and the log's head.

    Exit 0 if the chain is intact; 1, naming the first entry that does not fit, if not.
    """
    from ftzlink.audit.log import verify as verify_chain

    settings = Settings.from_env()
    with open_database(settings) as db, db.read() as session:
        result = verify_chain(session)
    if format is OutputFormat.json:
        print_json_data(
            {
                "ok": result.ok,
                "entries": result.entries,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
            }
        )
    elif result.ok:
        console.print(
            f"OK: the audit log's {result.entries} entries form an intact chain "
            f"({database_label(settings.database_url)})",
            markup=False,
        )
    else:
        console.print(
            f"BROKEN at entry {result.first_bad_seq}: {result.problem} "
            f"(checked {result.entries} entries)",
            markup=False,
        )
    if not result.ok:
        raise typer.Exit(1)
