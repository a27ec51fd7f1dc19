"""`ftzlink demo load`: fill an empty database with the demo (see ftzlink.demo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.database import database_label, open_database
from ftzlink.cli.output import console
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from ftzlink.demo import Login

demo_app = typer.Typer(help="A demo to try the platform with.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


def print_logins(logins: list[Login]) -> None:
    table = Table(title="demo logins")
    for column in ("username", "password", "role", "for"):
        table.add_column(column, overflow="fold")
    for login in logins:
        table.add_row(login.username, login.password, login.role, login.scope)
    console.print(table)


@demo_app.command("load")
def load() -> None:
    """Load the demo into the configured database; refused unless the database has no users.

    Officials of Changning and Xuhui, enterprises in five districts, a chain headquarters with
    two branches and delegations, 2025 and 2026 budgets, and applications in every state. Every
    demo user's password is the same, and printed.
    """
    from ftzlink.catalogue.loader import bundled_catalogue
    from ftzlink.dataflow.demo import ensure_ledger_signer
    from ftzlink.demo import load_demo

    settings = Settings.from_env()
    with open_database(settings) as db, db.write() as session:
        signer, created = ensure_ledger_signer(settings)
        if created:
            console.print(f"ledger signing key written to {settings.ledger_key_path}", markup=False)
        summary = load_demo(
            session,
            catalogue=bundled_catalogue(),
            documents_root=settings.documents_dir,
            ledger_signer=signer,
        )
    states = ", ".join(f"{count} {state}" for state, count in summary.applications.items())
    console.print(
        f"loaded the demo into {database_label(settings.database_url)}: "
        f"{summary.organisations} organisations, {summary.delegations} delegations, "
        f"{summary.budgets} budgets, applications: {states}",
        markup=False,
    )
    talent = ", ".join(f"{count} {state}" for state, count in summary.talent_cases.items())
    console.print(f"foreign-talent cases: {talent}", markup=False)
    print_logins(summary.logins)
