"""`ftzlink --help` lists every command without importing them; each command still loads, runs
and shows its own help."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from ftzlink.cli import COMMANDS, app, load_command, output
from ftzlink.rules.determinations import Outcome, Status
from tests.conftest import ROOT, Run


def test_the_listing_gives_each_commands_own_help() -> None:
    for name, (_, listed) in COMMANDS.items():
        command = load_command(name)
        own = (command.short_help or command.help or "").split("\n\n")[0].strip()
        assert own == listed, name


def test_every_registered_command_is_listed() -> None:
    for name in COMMANDS:
        load_command(name)
    import typer

    assert set(typer.main.get_group(app).commands) == set(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_shows_its_help(cli: Callable[..., Run], name: str) -> None:
    run = cli(name, "--help")
    assert run.code == 0, run.err
    assert f"ftzlink {name}" in run.out


def test_help_imports_no_command_and_no_models() -> None:
    script = (
        "import sys, json\n"
        "sys.argv = ['ftzlink', '--help']\n"
        "from ftzlink.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    modules = set(json.loads(done.stderr))
    assert "zones" in done.stdout and "users" in done.stdout
    assert {m for m in modules if m.startswith("ftzlink.cli.")} == set()
    assert "pydantic" not in modules and "sqlalchemy" not in modules


def test_output_words_every_status_and_outcome() -> None:
    assert [output.status_text(s, "en") for s in Status]
    assert [output.outcome_mark(o) for o in Outcome]
