"""Ledger fixtures: a signing key, and the environment pointing the CLI at a test database."""

from __future__ import annotations

import pytest

from ftzlink.db import Database
from ftzlink.ledger.keys import Signer, generate
from ftzlink.settings import Settings

ORIGIN = "ftzlink.example/ledger"


@pytest.fixture(scope="session")
def signer() -> Signer:
    return generate(ORIGIN)


@pytest.fixture
def settings(database: Database, signer: Signer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The platform configured on the test database with the test key (as the CLI will read it)."""
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    monkeypatch.setenv("FTZLINK_LEDGER_KEY", signer.private_text())
    monkeypatch.delenv("FTZLINK_LEDGER_KEY_FILE", raising=False)
    monkeypatch.delenv("FTZLINK_LEDGER_ORIGIN", raising=False)
    return Settings.from_env()
