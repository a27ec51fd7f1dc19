"""/healthz answers while the process does; /readyz says 503 and why when the database is gone,
the schema is behind, the ledger's newest checkpoint is too old, or the calendar ends before today."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text, update

from ftzlink.api import create_app
from ftzlink.audit.log import Actor, append
from ftzlink.db import Database, utcnow
from ftzlink.ledger import checkpoints
from ftzlink.ledger.keys import generate, write_key_file
from ftzlink.ledger.tables import LedgerCheckpoint
from ftzlink.ops.readiness import readiness
from ftzlink.settings import Settings

SYSTEM = Actor(None, "system")


def settings_for(database: Database, tmp_path: Path, **changes: Any) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=database.url, today=dt.date(2025, 6, 1), **changes
    )


def ready(database: Database, settings: Settings) -> tuple[int, dict[str, Any]]:
    app = create_app(settings, database=database, migrate=False)
    answer = TestClient(app).get("/readyz")
    assert answer.headers["cache-control"] == "no-store"
    return answer.status_code, answer.json()


def test_healthz_answers_while_the_process_runs(database: Database, tmp_path: Path) -> None:
    app = create_app(settings_for(database, tmp_path), database=database, migrate=False)
    answer = TestClient(app).get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_a_fresh_platform_is_ready_and_says_what_it_checked(
    database: Database, tmp_path: Path
) -> None:
    status, body = ready(database, settings_for(database, tmp_path))
    assert status == 200, body
    assert body["status"] == "ready" and body["reasons"] == []
    assert set(body["checks"]) == {
        "database",
        "schema",
        "outbox",
        "messages",
        "checkpoint",
        "calendar",
    }
    assert all(check["ok"] for check in body["checks"].values())


def test_a_schema_behind_the_newest_migration_is_not_ready(
    database: Database, tmp_path: Path
) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    status, body = ready(database, settings_for(database, tmp_path))
    assert status == 503
    assert body["status"] == "not_ready"
    assert not body["checks"]["schema"]["ok"]
    assert body["checks"]["schema"]["revision"] == "0006"
    assert any(r.startswith("schema:") and "ftzlink db upgrade" in r for r in body["reasons"])


def test_a_database_that_does_not_answer_is_not_ready(tmp_path: Path) -> None:
    gone = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")  # nothing listens on port 1
    settings = Settings(data_dir=tmp_path, database_url=gone.url, today=dt.date(2025, 6, 1))
    app = create_app(settings, database=gone, migrate=False)
    answer = TestClient(app).get("/readyz")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert not checks["database"]["ok"] and "does not answer" in checks["database"]["reason"]
    assert checks["schema"]["reason"] == "not checked: the database does not answer"
    assert checks["calendar"]["ok"]  # what does not need the database is still checked
    assert TestClient(app).get("/healthz").status_code == 200  # alive, only not ready


def test_unsigned_entries_older_than_twice_the_interval_make_it_not_ready(
    database: Database, tmp_path: Path
) -> None:
    key_file = tmp_path / "ledger.key"
    signer = generate("ftzlink.example/ledger")
    write_key_file(key_file, signer)
    settings = settings_for(
        database, tmp_path, ledger_key_file=key_file, ledger_checkpoint_seconds=60
    )
    with database.write() as session:
        append(session, actor=SYSTEM, action="test.one", object_type="t", object_id=1)
        checkpoints.sign_checkpoint(session, signer)
    status, body = ready(database, settings)
    assert status == 200, body  # everything is signed

    with database.write() as session:
        append(session, actor=SYSTEM, action="test.two", object_type="t", object_id=2)
    status, body = ready(database, settings)
    assert status == 200, body  # unsigned, but the signer still has time

    hour_ago = utcnow() - dt.timedelta(hours=1)
    with database.write() as session:
        session.execute(update(LedgerCheckpoint).values(issued_at=hour_ago))
    app = create_app(settings, database=database, migrate=False)
    app.state.started_at = hour_ago  # the server has been up for an hour, its signer silent
    answer = TestClient(app).get("/readyz")
    assert answer.status_code == 503
    check = answer.json()["checks"]["checkpoint"]
    assert not check["ok"]
    assert check["age_seconds"] >= 3600 and check["limit_seconds"] == 120
    assert "twice the interval of 60 s" in check["reason"]


def test_a_calendar_that_ends_before_today_is_not_ready(database: Database, tmp_path: Path) -> None:
    settings = settings_for(database, tmp_path)
    result = readiness(
        db=database, settings=settings, started_at=utcnow(), years=lambda: range(2004, 2025)
    )
    assert not result.ready
    calendar = result.as_json()["checks"]["calendar"]
    assert not calendar["ok"] and calendar["last_year"] == 2024
    assert "2025-06-01" in calendar["reason"]
