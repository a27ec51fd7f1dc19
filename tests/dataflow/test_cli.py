"""`ftzlink dataflow …`: the route of a scenario file without a database, and an enterprise, the
regulator and the drawn inspector working from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import Run
from tests.dataflow.conftest import SCENARIO, Dataflow

CLI = Callable[..., Run]


def test_route_explains_each_side_of_a_threshold(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(SCENARIO | {"non_sensitive_people": 99_999}), encoding="utf-8")
    run = cli("dataflow", "route", str(path), "--lang", "en")
    assert run.code == 0, run.err
    assert "route: exempt" in run.out and "art. 5(4)" in run.out
    path.write_text(yaml.safe_dump(SCENARIO | {"non_sensitive_people": 100_000}), encoding="utf-8")
    report = json.loads(cli("dataflow", "route", str(path), "--format", "json").out)
    assert report["route"] == "standard_contract"
    path.write_text(yaml.safe_dump({"non_sensitive_people": 5}), encoding="utf-8")
    undecided = cli("dataflow", "route", str(path), "--lang", "en")
    assert undecided.code == 1 and "? ciio" in undecided.out


def test_file_register_transfer_remind_draw_and_inspect(
    cli: CLI, tmp_path: Path, dataflow: Dataflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", dataflow.world.database.url)
    monkeypatch.setenv("FTZLINK_TODAY", "2025-03-03")
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    a = str(dataflow.world.a.id)
    filed = cli("dataflow", "file", str(path), "--as", "member-a", "--organisation", a,
                "--title", "Customer care")  # fmt: skip
    assert filed.code == 0, filed.err
    reference = filed.out.split()[0]
    assert cli("dataflow", "register", reference, "--as", "member-a").code == 1  # forbidden
    registered = cli("dataflow", "register", reference, "--as", "regulator")
    assert registered.code == 0, registered.err
    assert "standard_contract" in registered.out
    registration = registered.out.split("(id ")[1].split(")")[0]
    ok = cli("dataflow", "transfer", registration, "--as", "member-a", "--manifest-sha256",
             "ef" * 32, "--records", "10", "--non-sensitive-people", "999999",
             "--at", "2025-03-04T10:00+08:00")  # fmt: skip
    assert ok.code == 0, ok.err
    assert "ledger at index" in ok.out
    refused = cli("dataflow", "transfer", registration, "--as", "member-a", "--manifest-sha256",
                  "ef" * 32, "--records", "1", "--non-sensitive-people", "1",
                  "--at", "2025-03-04T11:00+08:00")  # fmt: skip
    assert refused.code == 1 and "security_assessment" in refused.err
    reminded = cli("dataflow", "remind")
    assert reminded.code == 0 and "0 new" in reminded.out
    dataflow.checkpoint()
    drawn = cli("dataflow", "draw", "--as", "regulator", "--count", "1")
    assert drawn.code == 0, drawn.err
    inspector_id = int(drawn.out.split("-> inspector ")[1].split()[0])
    inspector = next(p for p in dataflow.inspectors if p.user_id == inspector_id)
    rows = json.loads(
        cli("dataflow", "inspections", "--as", inspector.username, "--format", "json").out
    )
    closed = cli("dataflow", "close", str(rows[0]["id"]), "--as", inspector.username,
                 "--note", "Nothing found.")  # fmt: skip
    assert closed.code == 0, closed.err
