"""The engine (ftzlink.rules) stands on its own: deciding what a profile is eligible for imports
nothing of the web, the database, dataframes or the terminal, so that it can be used, read and
tested without any of them."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import EXAMPLE, ROOT

# Top-level packages the engine must not pull in, by what they are for.
FORBIDDEN = {
    "web": ["fastapi", "starlette", "uvicorn", "httpx", "multipart", "jinja2", "vl_convert"],
    "database": ["sqlalchemy", "alembic", "psycopg", "argon2"],
    "dataframes": ["polars", "pandas", "numpy", "pyarrow"],
    "terminal": ["typer", "click", "rich"],
}

# Run in a fresh interpreter: this test process has imported everything already.
SCRIPT = """
import datetime as dt, json, sys
import yaml
{extra}
import ftzlink.rules
import ftzlink.rules.describe
import ftzlink.rules.determinations
from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.evaluate import evaluate

with open(sys.argv[1], encoding="utf-8") as file:
    profile = EnterpriseProfile.model_validate(yaml.safe_load(file))
determinations = evaluate(bundled_catalogue(), profile, dt.date(2025, 6, 1))
print(json.dumps({{
    "determinations": len(determinations),
    "modules": sorted({{name.split(".")[0] for name in sys.modules}}),
}}))
"""


def _imported(extra: str = "") -> tuple[int, dict[str, list[str]]]:
    """How many determinations the engine made in a fresh interpreter, and which forbidden
    packages were loaded by then, by kind."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(extra=extra), str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    loaded = set(report["modules"])
    found = {kind: sorted(loaded.intersection(names)) for kind, names in FORBIDDEN.items()}
    return report["determinations"], {kind: names for kind, names in found.items() if names}


def test_the_engine_imports_nothing_of_web_database_dataframes_or_terminal() -> None:
    determinations, forbidden = _imported()
    assert determinations > 0  # the engine did decide something
    assert forbidden == {}, f"the engine pulls in {forbidden}"


def test_the_import_check_sees_a_database_library_when_one_is_loaded() -> None:
    # The same check, with the platform's database layer imported first: it must notice.
    _, forbidden = _imported("import ftzlink.db")
    assert "sqlalchemy" in forbidden.get("database", [])
