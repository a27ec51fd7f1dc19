"""Shared fixtures: the bundled catalogue, example profiles, and running the CLI in-process."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ftzlink.auth.passwords import ENV as PASSWORD_HASHING
from ftzlink.catalogue.loader import BUNDLED_DIR, bundled_catalogue
from ftzlink.catalogue.models import Catalogue
from ftzlink.cli import main, output
from ftzlink.profiles.models import EnterpriseProfile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "enterprise-changning-ai.yaml"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return bundled_catalogue()


@pytest.fixture
def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def example_profile(example_data: dict[str, Any]) -> EnterpriseProfile:
    return EnterpriseProfile.model_validate(example_data)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run `ftzlink ARGS...` in this process, as a user would from a shell."""
    monkeypatch.setenv("COLUMNS", "200")
    # The consoles read COLUMNS when made, and pytest-xdist's workers start with COLUMNS=80.
    for console in (output.console, output.err_console):
        monkeypatch.setattr(console, "width", 200)

    def run(*args: str | Path) -> Run:
        monkeypatch.setattr(sys, "argv", ["ftzlink", *map(str, args)])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled catalogue, to break on purpose."""
    target = tmp_path / "catalogue"
    shutil.copytree(BUNDLED_DIR, target)
    return target


# --- the service: databases, and never the developer's own data directory ----------------------

from tests.databases import BACKENDS, drop_templates, fresh_database  # noqa: E402
from tests.world import world  # noqa: E402, F401  (the shared `world` fixture)


@pytest.fixture(scope="session", autouse=True)
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Point the platform at a throwaway data directory for the whole run, with the cheap
    password hashing (unless the environment asks for another profile), and drop the template
    databases the run made when it ends."""
    patch = pytest.MonkeyPatch()
    patch.setenv("FTZLINK_DATA_DIR", str(tmp_path_factory.mktemp("ftzlink-data")))
    patch.delenv("FTZLINK_DATABASE_URL", raising=False)
    patch.setenv(PASSWORD_HASHING, os.environ.get(PASSWORD_HASHING) or "fast")
    yield
    patch.undo()
    drop_templates()


@pytest.fixture(autouse=True)
def _own_test_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has a data directory of its own, so its published ledger checkpoints too: that
    directory is append-only, and tests sharing one would see each other's logs as rewritten."""
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path / "ftzlink-data"))
    monkeypatch.delenv("FTZLINK_LEDGER_CHECKPOINT_DIR", raising=False)


# Marked by module, so that the files themselves need not say it.
SCHEMATHESIS_MODULES = {"test_schemathesis.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the schemathesis tests `schemathesis` (deselected by default: .ci/run runs them as a
    step of their own); then, with FTZLINK_TEST_DATABASE_ONLY=1, keep only the tests that run on a
    database backend.

    Every test that touches a database is parametrized by the backends under test; the others
    (the catalogue, the engine, the docs, ruff and mypy, the browser) do the same on any backend,
    so a second pass on PostgreSQL (.ci/run) leaves them out instead of running them twice.
    """
    for item in items:
        if item.path.name in SCHEMATHESIS_MODULES:
            item.add_marker(pytest.mark.schemathesis)
    if os.environ.get("FTZLINK_TEST_DATABASE_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        on_backend = any(isinstance(v, str) and v in BACKENDS for v in params)
        (keep if on_backend else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# The browser tests go to pytest-xdist's workers a file and a language at a time (one site and
# one browser per worker, and tests of a file share their set-up). The every-page check is
# collected last (tests/browser/conftest.py) and waits for the journeys, wherever they ran.
_BROWSER_LANG = re.compile(r"\[(zh|en)(-[^\]]*)?\]$|\[[^\]]*-(zh|en)\]$")


def _xdist_scope(nodeid: str) -> str:
    if nodeid.startswith("tests/browser/"):
        file = nodeid.split("::", 1)[0]
        if file.endswith("test_every_page.py"):
            return nodeid
        lang = _BROWSER_LANG.search(nodeid)
        return f"{file}::{next(g for g in lang.groups() if g) if lang else ''}"
    return nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):  # type: ignore[misc]
        """Scopes of work: a browser test file in one language, and every other test on its
        own. The largest scopes start first; the every-page checks, one test each and
        collected last, are given out last."""

        def _split_scope(self, nodeid: str) -> str:
            return _xdist_scope(nodeid)

    return Scheduling(config, log)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Any:
    """A fresh, migrated database on each backend under test."""
    with fresh_database(backend, tmp_path) as db:
        yield db


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    """The demo loaded once into a SQLite file, for tests to copy (loading it takes seconds)."""
    from ftzlink.dataflow.demo import ensure_ledger_signer
    from ftzlink.db import Database
    from ftzlink.demo import load_demo
    from ftzlink.settings import Settings

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    with db.write() as session:
        load_demo(
            session,
            catalogue=catalogue,
            documents_root=Settings.from_env().documents_dir,
            # the demo's ledger key, ledger.key beside demo.db, for the sites under test to use
            ledger_signer=ensure_ledger_signer(Settings(data_dir=path.parent, database_url=db.url))[
                0
            ],
        )
    db.dispose()
    return path
