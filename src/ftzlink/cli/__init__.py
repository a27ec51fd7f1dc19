"""The `ftzlink` command line: thin commands over the domain; errors mapped to exit codes once.

Exit codes: 0 success; 1 a check that ran and failed (policy tests, no zone found, a broken
audit chain) or a request that clashes with what is stored (a username taken, a database that
already has users or is not migrated); 2 bad input (a malformed file, profile or option);
3 something asked for does not exist.
"""

from __future__ import annotations

import sys

import typer

from ftzlink.errors import Conflict, FtzlinkError, InvalidInput, NotFound

__all__ = ["app", "main"]

app = typer.Typer(
    name="ftzlink",
    help="Policies of Shanghai's FTZ-linked innovation zones: zones, measures, eligibility checks; the service: database, users, demo, audit log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# A Conflict (a name taken, a database not empty or not migrated) is an answer of "no", like a
# failed check: 1. Listed so that the choice is visible, though 1 is also the default.
EXIT_CODES: dict[type[FtzlinkError], int] = {InvalidInput: 2, NotFound: 3, Conflict: 1}


def exit_code(error: FtzlinkError) -> int:
    return next((code for kind, code in EXIT_CODES.items() if isinstance(error, kind)), 1)


def one_line_if_one(error: FtzlinkError) -> str:
    """The error's text; an input refused for one problem reads as one line."""
    if isinstance(error, InvalidInput) and len(error.problems) == 1:
        return f"{error.summary}: {error.problems[0]}"
    return str(error)


def main() -> None:
    """Entry point: run the app and turn domain errors into a message and an exit code.

    Typer itself exits with 2 on a usage error (unknown option, bad value).
    """
    from ftzlink.cli import (  # noqa: F401  (registers commands)
        audit,
        backup,
        calendar,
        catalogue,
        check,
        database,
        dataflow,
        demo,
        foreign,
        ledger,
        matching,
        pilots,
        policy,
        proactive,
        schema,
        serve,
        simulate,
        talent,
        users,
    )

    try:
        app()
    except FtzlinkError as error:
        from rich.text import Text

        from ftzlink.cli.output import err_console

        # The message is printed as plain text: paths like measures[3] must not read as markup.
        err_console.print(Text("error: ", style="bold red") + Text(one_line_if_one(error)))
        sys.exit(exit_code(error))
