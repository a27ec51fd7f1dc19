"""Ledger fixtures: a signing key, and the environment pointing the CLI at a test database."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftzlink.db import Database
from ftzlink.ledger.keys import Signer, generate
from ftzlink.settings import Settings

ORIGIN = "ftzlink.example/ledger"


@pytest.fixture(scope="session")
def signer() -> Signer:
    return generate(ORIGIN)


@pytest.fixture
def settings(
    database: Database, signer: Signer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Settings:
    """The platform configured on the test database with the test key (as the CLI will read it),
    with a data directory (and so a checkpoint directory) of its own."""
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FTZLINK_LEDGER_CHECKPOINT_DIR", raising=False)
    monkeypatch.setenv("FTZLINK_LEDGER_KEY", signer.private_text())
    monkeypatch.delenv("FTZLINK_LEDGER_KEY_FILE", raising=False)
    monkeypatch.delenv("FTZLINK_LEDGER_ORIGIN", raising=False)
    return Settings.from_env()
