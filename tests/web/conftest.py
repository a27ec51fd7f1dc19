"""A site to visit as a person would: the platform with its demo data, a client that keeps cookies,
follows the forms' CSRF tokens and signs in through the sign-in page.

The demo is loaded once per session (per pytest-xdist worker) into a SQLite file and a PostgreSQL
template database, which each test copies.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ftzlink.api import create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.dataflow.demo import ensure_ledger_signer
from ftzlink.db import Database
from ftzlink.demo import DEMO_PASSWORD, TRY_AS_OF, load_demo
from ftzlink.settings import Settings
from tests.databases import Template, copy_of, make_template

# The day the demo can still take new applications under Changning's trial policy.
OPEN_DAY = TRY_AS_OF
# Today in these tests: after the trial policy ended on 2026-11-14.
AFTER_EXPIRY = dt.date(2026, 11, 24)

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Visitor:
    """A browser without JavaScript: cookies, forms with their CSRF token, sign-in."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.last: httpx.Response | None = None

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        self.last = self.client.get(url, **kwargs)
        return self.last

    def token(self) -> str:
        assert self.last is not None, "open a page with a form first"
        found = _TOKEN.search(self.last.text)
        assert found, "the page has no form with a CSRF token"
        return unescape(found.group(1))

    def submit(
        self, url: str, data: dict[str, Any] | list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Post a form as the last page's form would: with that page's CSRF token."""
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        expanded: list[tuple[str, str]] = []
        for key, value in fields:
            if isinstance(value, list | tuple):
                expanded += [(key, str(v)) for v in value]
            else:
                expanded.append((key, str(value)))
        expanded.append(("csrf_token", self.token()))
        form: dict[str, list[str]] = {}
        for key, value in expanded:
            form.setdefault(key, []).append(value)
        self.last = self.client.post(url, data=form, **kwargs)
        return self.last

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.get("/sign-in")
        answer = self.submit(
            "/sign-in", {"username": username, "password": password}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text

    def sign_out(self) -> None:
        self.get("/")
        self.submit("/sign-out", {}, follow_redirects=False)


@pytest.fixture(scope="session")
def _demo_postgresql(_demo_template: Path, catalogue: Catalogue) -> Template:
    """The demo loaded once into a PostgreSQL template database, signed with the same ledger key
    as the SQLite template's (ledger.key beside it)."""

    def load(db: Database) -> None:
        with db.write() as session:
            load_demo(
                session,
                catalogue=catalogue,
                documents_root=Settings.from_env().documents_dir,
                # Same key, but publishing nowhere: the SQLite template's checkpoints are in that
                # directory already, and this is another log (the copies publish in their own).
                ledger_signer=replace(
                    ensure_ledger_signer(
                        Settings(data_dir=_demo_template.parent, database_url=db.url)
                    )[0],
                    publish_to=None,
                ),
            )

    return make_template("postgresql", fill=load)


@pytest.fixture
def demo_database(
    backend: str, tmp_path: Path, _demo_template: Path, request: pytest.FixtureRequest
) -> Iterator[Database]:
    """The demo, in a database of its own (a copy of the session's), on each backend under test."""
    if backend == "sqlite":
        target = tmp_path / "ftzlink.db"
        shutil.copyfile(_demo_template, target)
        db = Database(f"sqlite:///{target}")
        try:
            yield db
        finally:
            db.dispose()
        return
    with copy_of(request.getfixturevalue("_demo_postgresql"), tmp_path) as db:
        yield db


SiteFactory = Callable[..., Visitor]


@pytest.fixture
def make_visitor(
    demo_database: Database, catalogue: Catalogue, tmp_path: Path
) -> Iterator[SiteFactory]:
    """Visitors of one demo site whose "today" is chosen by the test (default: OPEN_DAY)."""
    clients: list[TestClient] = []

    def make(today: dt.date = OPEN_DAY) -> Visitor:
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=demo_database.url,
            today=today,
        )
        app = create_app(settings, catalogue=catalogue, database=demo_database, migrate=False)
        client = TestClient(app, follow_redirects=True)
        clients.append(client)
        return Visitor(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def visitor(make_visitor: SiteFactory) -> Visitor:
    """Someone not signed in, on a day the demo can take new applications."""
    return make_visitor()
