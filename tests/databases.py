"""Test databases: each test gets a database of its own, copied from a template made once.

Which backends a run covers: `FTZLINK_TEST_BACKENDS` (comma-separated; default both).
PostgreSQL comes from `FTZLINK_TEST_POSTGRES_URL` (default: the local server's `test` database).
If it cannot be reached its tests are skipped with the reason, unless `FTZLINK_REQUIRE_POSTGRES=1`
(set by .ci/run), which turns the skip into a failure.

Running the migrations costs a tenth of a second on SQLite and a third on PostgreSQL, and loading
the demo a second or more, so each is done once per test process (each pytest-xdist worker has its
own) into a template, which every test then copies:
- SQLite: the template is a file, copied to the test's tmp_path.
- PostgreSQL: the template is a database of its own, copied with `CREATE DATABASE ... TEMPLATE`
  (a few tenths of a second, so one thread beside the tests makes the next test's copy while a
  test runs, and drops the last one's). Nothing else ever connects to a template, which PostgreSQL requires, and
  every name is unique, so runs of other people on the same server do not meet. The copy is
  dropped after the test (`WITH (FORCE)`: a connection a test left open does not keep it). A role
  that may not create databases falls back to a schema per test, migrated (and filled) each time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from ftzlink.db import Database

__all__ = [
    "BACKENDS",
    "Template",
    "copy_of",
    "drop_templates",
    "fresh_database",
    "make_template",
    "postgres_url",
]

BACKENDS = [
    b.strip()
    for b in os.environ.get("FTZLINK_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

Fill = Callable[[Database], None]


def postgres_url() -> str:
    return os.environ.get("FTZLINK_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def _base() -> URL:
    url = make_url(postgres_url())
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


@cache
def _postgres_unreachable() -> str | None:
    url = _base()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as error:
        return f"PostgreSQL at {url.render_as_string(hide_password=True)} unreachable: {str(error).splitlines()[0]}"
    return None


def require_backend(backend: str) -> None:
    if backend != "postgresql":
        return
    reason = _postgres_unreachable()
    if reason is None:
        return
    if os.environ.get("FTZLINK_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (FTZLINK_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(reason)


@cache
def _admin() -> Engine:
    """Autocommit connections to the configured database, to create and drop the others."""
    return create_engine(_base(), isolation_level="AUTOCOMMIT")


@cache
def _creates_databases() -> bool:
    with _admin().connect() as conn:
        row = conn.execute(
            text("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar()
    return bool(row)


def _url(**changes: object) -> str:
    return _base().set(**changes).render_as_string(hide_password=False)  # type: ignore[arg-type]


def _create_database(name: str, template: str | None = None) -> None:
    with _admin().connect() as conn:
        conn.execute(
            text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        )


def _no_commit_wait(name: str) -> None:
    """A test's database need not survive the server crashing: its commits do not wait for the
    server's disk (1–4 ms each here), whichever process of the test connects. The setting is the
    database's own, so a copy made from it needs it set again."""
    with _admin().connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))


def _drop_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _unique(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"


@dataclass
class Template:
    """A migrated database (filled by `fill`, if given) that tests copy."""

    backend: str
    fill: Fill | None
    source: str | None = None  # SQLite: the file; PostgreSQL: the database (None: none made)


class _Copies:
    """PostgreSQL copies made and dropped by one thread beside the tests: while a test runs, the
    copy the next test of the same template will take is made, and the last test's is dropped
    (a copy takes a few tenths of a second, mostly the server writing files)."""

    def __init__(self) -> None:
        self._thread: ThreadPoolExecutor | None = None
        self._ready: dict[str, Future[str]] = {}

    def _submit(self, work: Callable[..., str | None], *args: str) -> Future[Any]:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-copies")
        return self._thread.submit(work, *args)

    @staticmethod
    def _make(template: str) -> str:
        name = _unique("ftzlink_test")
        _create_database(name, template)
        _no_commit_wait(name)
        return name

    def take(self, template: str) -> str:
        made = self._ready.pop(template, None) or self._submit(self._make, template)
        name: str = made.result()
        self._ready[template] = self._submit(self._make, template)
        return name

    def drop(self, name: str) -> None:
        self._submit(_drop_database, name)

    def close(self) -> None:
        """Drop the copies made ahead, and wait for every drop."""
        for made in self._ready.values():
            self._submit(_drop_database, made.result())
        self._ready.clear()
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None


_copies = _Copies()
_made: list[Template] = []
_scratch: list[Path] = []


def make_template(backend: str, fill: Fill | None = None) -> Template:
    """Migrate a new database once, fill it, and keep it to copy (until drop_templates)."""
    require_backend(backend)
    template = Template(backend, fill)
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="ftzlink-template-"))
        _scratch.append(directory)
        template.source = str(directory / "template.db")
        db = Database(f"sqlite:///{template.source}")
    elif _creates_databases():
        template.source = _unique("ftzlink_template")
        _create_database(template.source)
        _no_commit_wait(template.source)
        _made.append(template)
        db = Database(_url(database=template.source))
    else:
        return template  # copied by migrating a schema each time
    try:
        db.upgrade()
        if fill is not None:
            fill(db)
    finally:
        db.dispose()  # SQLite: checkpoints the WAL into the file; PostgreSQL: nobody connected
    return template


@contextmanager
def copy_of(template: Template, tmp_path: Path) -> Iterator[Database]:
    """A database of the test's own with the template's contents; dropped afterwards."""
    require_backend(template.backend)
    if template.backend == "sqlite":
        assert template.source is not None
        target = tmp_path / "ftzlink.db"
        shutil.copyfile(template.source, target)
        db = Database(f"sqlite:///{target}")
        try:
            yield db
        finally:
            db.dispose()
        return
    if template.source is not None:
        name = _copies.take(template.source)
        db = Database(_url(database=name))
        try:
            yield db
        finally:
            db.dispose()
            _copies.drop(name)
        return
    with _schema_copy(template) as db:
        yield db


@contextmanager
def _schema_copy(template: Template) -> Iterator[Database]:
    """Without the right to create databases: a schema per test, migrated and filled each time."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = _base()
    db = Database(_url(query={**base.query, "options": f"-csearch_path={schema}"}))
    try:
        db.upgrade()
        if template.fill is not None:
            template.fill(db)
        yield db
    finally:
        db.dispose()
        with _admin().connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


_migrated: dict[str, Template] = {}


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of the backend, the test's own; dropped afterwards."""
    require_backend(backend)
    if backend not in _migrated:
        _migrated[backend] = make_template(backend)
    with copy_of(_migrated[backend], tmp_path) as db:
        yield db


def drop_templates() -> None:
    """Drop the templates this process made, and their copies (at the end of the session)."""
    _copies.close()
    for template in _made:
        if template.source is not None:
            _drop_database(template.source)
    _made.clear()
    _migrated.clear()
    for directory in _scratch:
        shutil.rmtree(directory, ignore_errors=True)
    _scratch.clear()
    if _admin.cache_info().currsize:
        _admin().dispose()
