"""The platform's database: SQLite embedded by default, PostgreSQL by URL; one way to open a
transaction so that writes are serialized the same way on both.

Every write transaction first takes the audit log's head (`BEGIN IMMEDIATE` on SQLite, a row lock
on PostgreSQL). Writers therefore queue in one order: the audit chain stays linear, and checks
such as "what is left of this budget" are made and acted on without another writer in between.
Readers never wait.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Engine, MetaData, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "Database",
    "Timestamp",
    "Yuan",
    "contains_text",
    "like_escape",
    "load_models",
    "utcnow",
]

# Integer yuan; budgets of a district add up past 2**31.
Yuan = BigInteger

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamp(TypeDecorator[dt.datetime]):
    """A moment in UTC. SQLite keeps no time zone and hands back naive values: they are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


LIKE_ESCAPE = "\\"


def like_escape(text: str) -> str:
    """`text` as a LIKE pattern that matches only itself: `%` and `_` typed into a search box
    are characters to find, not wildcards."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def contains_text(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], text: str
) -> ColumnElement[bool]:
    """`column` contains `text`, literally: the one way a search box becomes SQL."""
    return column.like(f"%{like_escape(text)}%", escape=LIKE_ESCAPE)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def load_models() -> MetaData:
    """Import every module that declares tables, so that the metadata is complete."""
    from ftzlink.applications import tables as _applications  # noqa: F401
    from ftzlink.audit import tables as _audit  # noqa: F401
    from ftzlink.auth import tables as _auth  # noqa: F401
    from ftzlink.certificates import tables as _certificates  # noqa: F401
    from ftzlink.dataflow import tables as _dataflow  # noqa: F401
    from ftzlink.foreign import tables as _foreign  # noqa: F401
    from ftzlink.ledger import tables as _ledger  # noqa: F401
    from ftzlink.messages import tables as _messages  # noqa: F401
    from ftzlink.organisations import tables as _organisations  # noqa: F401
    from ftzlink.pilots import tables as _pilots  # noqa: F401
    from ftzlink.proactive import tables as _proactive  # noqa: F401
    from ftzlink.ratelimit import FailedAttempt as _throttles  # noqa: F401
    from ftzlink.talent import invitation_tables as _invitations  # noqa: F401
    from ftzlink.talent import tables as _talent  # noqa: F401
    from ftzlink.workdays import tables as _workdays  # noqa: F401

    return Base.metadata


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN IMMEDIATE is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit that was answered survives a power cut too, not only a killed process.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get("ftzlink_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """An engine plus the two kinds of transaction the platform uses."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, echo=echo, connect_args={"timeout": 60})
            _configure_sqlite(self.engine)
        else:
            if parsed.drivername == "postgresql":
                url = str(parsed.set(drivername="postgresql+psycopg"))
            self.engine = create_engine(url, echo=echo, pool_size=10, max_overflow=20)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite's busy handler retries with growing sleeps rather than queueing writers, which
        # lets a few wait seconds under load; within a process they queue on this lock instead.
        self._sqlite_writers = threading.Lock() if self.dialect == "sqlite" else None
        self._write = sessionmaker(
            self.engine.execution_options(ftzlink_write=True), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that may change things; committed when the block ends without error."""
        from ftzlink.audit.tables import AuditHead

        if self._sqlite_writers is not None:
            with self._sqlite_writers, self._write() as session, session.begin():
                yield session
            return
        with self._write() as session, session.begin():
            # The head itself, into the session: the audit entry this transaction appends
            # reads it from there instead of asking again.
            session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (creating the database on first run)."""
        from ftzlink.audit.log import catch_up
        from ftzlink.migrations import upgrade

        upgrade(self.engine)
        # A database from before the ledger: put its audit entries on the ledger, in order.
        with self.write() as session:
            catch_up(session)

    def dispose(self) -> None:
        self.engine.dispose()
