"""Test databases: a fresh SQLite file or a fresh PostgreSQL schema per test.

Which backends a run covers: `FTZLINK_TEST_BACKENDS` (comma-separated; default both).
PostgreSQL comes from `FTZLINK_TEST_POSTGRES_URL` (default: the local server's `test` database).
If it cannot be reached its tests are skipped with the reason, unless `FTZLINK_REQUIRE_POSTGRES=1`
(set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ftzlink.db import Database

__all__ = ["BACKENDS", "fresh_database", "postgres_url"]

BACKENDS = [
    b.strip()
    for b in os.environ.get("FTZLINK_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if b.strip()
]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("FTZLINK_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


@cache
def _postgres_unreachable() -> str | None:
    url = make_url(postgres_url())
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
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


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of the backend; dropped afterwards (PostgreSQL schema)."""
    require_backend(backend)
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'ftzlink.db'}")
        db.upgrade()
        try:
            yield db
        finally:
            db.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = make_url(postgres_url())
    admin = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base.set(
        drivername="postgresql+psycopg", query={**base.query, "options": f"-csearch_path={schema}"}
    )
    db = Database(url.render_as_string(hide_password=False))
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
