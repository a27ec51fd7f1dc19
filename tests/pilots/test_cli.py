"""`ftzlink pilots …`: list, show, seed (idempotent) and advance as a named editor."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from ftzlink.db import Database
from tests.conftest import Run
from tests.pilots.conftest import Registry

CLI = Callable[..., Run]


@pytest.fixture
def env(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", registry.db.url)
    monkeypatch.setenv("FTZLINK_TODAY", "2025-06-01")
    return registry


def test_list_show_and_seed_again(cli: CLI, env: Registry) -> None:
    listed = cli("pilots", "list", "--lang", "en")
    assert listed.code == 0, listed.err
    assert "driverless-road-tests" in listed.out and "not stated" in listed.out
    staged = json.loads(cli("pilots", "list", "--stage", "case_pilot", "--format", "json").out)
    assert [c["slug"] for c in staged] == ["ic-equipment-spv-leasing"]

    shown = cli("pilots", "show", "driverless-road-tests", "--format", "json")
    data = json.loads(shown.out)
    assert data["stage"] == "regulatory_solidification"
    assert {f["value"] for f in data["figures"]} == {"15", "4"}
    text = cli("pilots", "show", "driverless-road-tests", "--lang", "en").out
    assert "004_48c7c1d6b6161e85.txt:31" in text and "day not stated" in text
    assert cli("pilots", "show", "nothing-like-it").code == 3

    again = cli("pilots", "seed")
    assert again.code == 0
    assert "0 case(s) recorded, 0 figure(s) added, 5 unchanged" in again.out


def test_advance_as_an_editor_forward_only(cli: CLI, env: Registry, database: Database) -> None:
    args = ("pilots", "advance", "ic-equipment-spv-leasing", "--on", "2025-05-01")
    refused = cli(*args, "--to", "innovative_supervision", "--as", "pilot-auditor")
    assert refused.code == 1 and "data regulators" in refused.err
    skipped = cli(*args, "--to", "regulatory_solidification", "--as", "pilot-regulator")
    assert skipped.code == 1 and "one stage at a time" in skipped.err
    assert cli(*args[:-1], "1 May", "--to", "case_pilot", "--as", "pilot-admin").code == 2
    moved = cli(*args, "--to", "innovative_supervision", "--as", "pilot-regulator", "--note", "ok")
    assert moved.code == 0, moved.err
    assert "innovative_supervision on 2025-05-01" in moved.out
