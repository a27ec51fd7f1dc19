"""While the platform serves, it signs a checkpoint whenever the ledger has grown, so that a later
rewrite of the database is caught by a signature made before it."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

import ftzlink.ledger.checkpoints as checkpoints
import ftzlink.ledger.log as log
from ftzlink.api import create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.settings import Settings


def _wait_for_checkpoint(database: Database, size: int, seconds: float = 10) -> int | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with database.read() as session:
            latest = checkpoints.latest(session)
        if latest is not None and latest.size >= size:
            return int(latest.size)
        time.sleep(0.1)
    return None


def test_the_server_signs_a_checkpoint_once_the_ledger_grows(
    database: Database, settings: Settings, catalogue: Catalogue
) -> None:
    settings = settings.model_copy(update={"ledger_checkpoint_seconds": 1})
    app = create_app(settings, catalogue=catalogue, database=database)
    with database.write() as session:
        log.append(session, kind="test/v1", body={"n": 1})
        size = log.size(session)
    with TestClient(app):
        assert _wait_for_checkpoint(database, size) == size
        with database.read() as session:
            first = checkpoints.latest(session)
        time.sleep(1.5)  # nothing new: no new checkpoint
        with database.read() as session:
            assert checkpoints.latest(session) == first


def test_without_a_key_the_server_signs_nothing(
    database: Database, catalogue: Catalogue, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database.url,
        ledger_checkpoint_seconds=1,
    )
    app = create_app(settings, catalogue=catalogue, database=database)
    with database.write() as session:
        log.append(session, kind="test/v1", body={"n": 1})
    with TestClient(app):
        time.sleep(1.5)
    with database.read() as session:
        assert checkpoints.latest(session) is None
