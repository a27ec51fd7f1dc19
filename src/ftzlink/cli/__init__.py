"""The `ftzlink` command line: thin commands over the domain; errors mapped to exit codes once.

Exit codes: 0 success; 1 a check that ran and failed (policy tests, no zone found, a broken
audit chain) or a request that clashes with what is stored (a username taken, a database that
already has users or is not migrated); 2 bad input (a malformed file, profile or option);
3 something asked for does not exist.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup

from ftzlink.errors import Conflict, FtzlinkError, InvalidInput, NotFound

if TYPE_CHECKING:  # not at run time: `ftzlink --help` imports no models (test_lazy_commands)
    from ftzlink.text import Lang

__all__ = ["COMMANDS", "app", "main"]

# Every top-level command and group, in the order `ftzlink --help` lists them: its modules of
# ftzlink.cli (imported only when the command runs, so that `ftzlink --help` stays quick; more
# than one where a module adds commands to another's group) and its line of help for the listing
# (tests/cli check it is the command's own). A new command is one line here; its module
# registers it on `app` as usual, with `@app.command()` or `app.add_typer(...)`.
COMMANDS: dict[str, tuple[str | tuple[str, ...], str]] = {
    "zones": ("catalogue", "List the linked innovation zones with their area, sub-areas and focus."),
    "policies": ("catalogue", "List policies and their measures: clause, cap and period, validity, status on a date."),
    "check": ("check", "Evaluate an enterprise against every measure as of a date (default today)."),
    "match": ("matching", "Match every measure of the catalogue against every enterprise of a registry."),
    "serve": ("serve", "Serve the platform (web pages and REST API) until interrupted, after migrating the database."),
    "simulate": ("simulate", "What if a cap, a condition or a validity changed, or a measure were added: who gains,\nwho loses, and what it costs, measure by measure."),
    "db": (("database", "backup"), "The platform's database."),
    "foreign": ("foreign", "Foreign investment: representative-office filings (Reg-2024), the annual-report cycle, and YRD recognition records of investors' qualification documents."),
    "ledger": ("ledger", "The verifiable log (RFC 9162 Merkle tree, signed checkpoints, receipts)."),
    "audit": ("audit", "The hash-chained audit log."),
    "calendar": ("calendar", "The official holiday schedules behind every working-day deadline: validate a year's file, add it without a release, list the years and which are provisional."),
    "dataflow": ("dataflow", "Cross-border data: route a transfer scenario (CAC Order No. 16), filings and registrations, transfers with ledger receipts, reminders, spot checks and inspections."),
    "certificates": ("certificates", "Certificates anyone can verify: approval notices and other decisions, signed and on the ledger."),
    "demo": ("demo", "A demo to try the platform with."),
    "registry": ("matching", "Registries of enterprises to match policies against."),
    "pilots": ("pilots", "The pilot-case registry: reform cases from case pilot through innovative supervision to regulatory solidification, with the figures reported about them."),
    "policy": ("policy", "Validate and test policy files."),
    "proactive": ("proactive", "免申即享 — policies find enterprises: match runs, candidates to confirm or strike, pre-filled applications to consent to, grants without application, notifications."),
    "schema": ("schema", "Schemas of the platform's inputs."),
    "talent": ("talent", "Foreign talent: points pre-assessment, residence limits, working-day deadlines, combined work and residence permit cases, electronic port visa invitations."),
    "users": ("users", "Users of the platform and their API tokens."),
    "worker": ("worker", "Deliver messages by e-mail (FTZLINK_SMTP_URL) and webhook (FTZLINK_WEBHOOK_URL) from the\noutbox, retrying with back-off; stops cleanly on SIGTERM. Run it with FTZLINK_WORKER=off on\nthe serving side, or let `ftzlink serve` run it embedded."),
}  # fmt: skip


def load_command(name: str) -> Any:
    """The command `name` itself: its module imported (which registers it on `app`)."""
    modules = COMMANDS[name][0]
    for module in (modules,) if isinstance(modules, str) else modules:
        importlib.import_module(f"ftzlink.cli.{module}")
    command = typer.main.get_group(app).commands[name]
    _whole_summaries(command)
    return command


def _whole_summaries(command: Any) -> None:
    """A group lists each subcommand by the whole first paragraph of its help, wrapped: click
    would cut it at the width left over, mid-sentence."""
    for sub in getattr(command, "commands", {}).values():
        if sub.short_help is None and sub.help:
            sub.short_help = " ".join(sub.help.split("\n\n")[0].split())
        _whole_summaries(sub)


class _LazyGroup(TyperGroup):
    """Lists every command of COMMANDS by its line of help; imports one only to run it (or to
    show its own --help)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            # Only for the listing: resolve_command swaps in the real one before it runs.
            listed = COMMANDS[cmd_name][1]
            return TyperCommand(cmd_name, help=listed, short_help=listed.replace("\n", " "))
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] in COMMANDS:
            # Always through load_command: a module imported on its own (by a test, say) has
            # registered its group without the other modules that add commands to it.
            self.commands[args[0]] = load_command(args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_LazyGroup,
    name="ftzlink",
    help="Policies of Shanghai's FTZ-linked innovation zones: zones, measures, eligibility checks; the service: database, users, demo, audit log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help and usage errors in click's plain layout: Rich's panels would import Rich's markdown
    # and layout modules on every `--help` (0.19 s against 0.08 s, bench/cli.py). Rich still
    # draws the commands' own tables and colours.
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    # A callback keeps `ftzlink` a group of commands before any command's module is imported.
    pass


# A Conflict (a name taken, a database not empty or not migrated) is an answer of "no", like a
# failed check: 1. Listed so that the choice is visible, though 1 is also the default.
EXIT_CODES: dict[type[FtzlinkError], int] = {InvalidInput: 2, NotFound: 3, Conflict: 1}


def exit_code(error: FtzlinkError) -> int:
    return next((code for kind, code in EXIT_CODES.items() if isinstance(error, kind)), 1)


def one_line_if_one(error: FtzlinkError, lang: Lang = "en") -> str:
    """The error in `lang`, from its code and fields (the catalogs the web reads); an error with no
    such sentence reads as its text, and an input refused for one problem as one line."""
    from ftzlink.i18n import error_message

    said = error_message(error, lang)
    if said is not None:
        return said
    if isinstance(error, InvalidInput) and len(error.problems) == 1:
        return f"{error.summary}: {error.problems[0]}"
    return str(error)


def lang_of_argv(argv: list[str]) -> Lang:
    """The --lang/-l a command was run with (the error path runs outside the command); zh by
    default, as the commands."""
    for i, arg in enumerate(argv):
        if arg in ("--lang", "-l") and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "zh"
        if arg.startswith("--lang="):
            return "en" if arg.removeprefix("--lang=") == "en" else "zh"
    return "zh"


def main() -> None:
    """Entry point: run the app and turn domain errors into a message and an exit code.

    Typer itself exits with 2 on a usage error (unknown option, bad value).
    """
    try:
        app()
    except FtzlinkError as error:
        from rich.text import Text

        from ftzlink.cli.output import err_console

        # The message is printed as plain text: paths like measures[3] must not read as markup.
        err_console.print(
            Text("error: ", style="bold red")
            + Text(one_line_if_one(error, lang_of_argv(sys.argv[1:])))
        )
        sys.exit(exit_code(error))
