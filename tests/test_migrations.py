"""The migrations build exactly the schema the models declare, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ftzlink.db import Database, load_models


def test_the_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, load_models())
    assert differences == []


def test_upgrading_twice_changes_nothing(database: Database) -> None:
    database.upgrade()
    with database.read() as session:
        from sqlalchemy import select

        from ftzlink.audit.tables import AuditHead

        assert session.scalar(select(AuditHead.seq)) == 0


def test_the_embedded_database_is_created_on_first_use_with_wal_and_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "new" / "ftzlink.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()
    assert path.exists()
