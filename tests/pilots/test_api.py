"""The registry over HTTP: anyone reads it; editors write; others get 401 or 403; a skip is a
409 and a day out of order a 422, and nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ftzlink.api import create_app
from ftzlink.auth import service as auth
from ftzlink.catalogue.models import Catalogue
from ftzlink.settings import Settings
from tests.pilots.conftest import SYSTEM, TODAY, Registry

V1 = "/api/v1"


@pytest.fixture
def client(
    registry: Registry, catalogue: Catalogue, tmp_path: Path
) -> Iterator[dict[str | None, TestClient]]:
    settings = Settings(data_dir=tmp_path, database_url=registry.db.url, today=TODAY)
    app = create_app(settings, catalogue=catalogue, database=registry.db, migrate=False)
    clients: dict[str | None, TestClient] = {None: TestClient(app)}
    with registry.db.write() as session:
        for name in ("admin", "regulator", "auditor", "reviewer"):
            principal = getattr(registry, name)
            _, secret = auth.create_token(
                session, actor=SYSTEM, user_id=principal.user_id, name="t"
            )
            clients[name] = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    yield clients


def test_anyone_reads_the_registry_with_stages_figures_and_citations(
    client: dict[str | None, TestClient], registry: Registry
) -> None:
    anonymous = client[None]
    listing = anonymous.get(f"{V1}/pilots").json()
    assert listing["total"] == 5
    assert listing["items"][0]["slug"] == "driverless-road-tests"
    only = anonymous.get(f"{V1}/pilots", params={"stage": "not_stated"}).json()
    assert {i["stage"] for i in only["items"]} == {None}
    assert anonymous.get(f"{V1}/pilots", params={"stage": "nonsense"}).status_code == 422
    assert anonymous.get(f"{V1}/pilots", params={"zone": "changning"}).json()["total"] == 0

    case = anonymous.get(f"{V1}/pilots/{registry.case_id('driverless-road-tests')}").json()
    assert case["stage"] == "regulatory_solidification"
    assert case["stage_on"] is None
    assert case["next_stages"] == []
    assert case["steps"][0]["source_line"] == 31
    figures = {f["value"]: f for f in case["figures"]}
    assert figures["15"]["unit"] == "vehicles"
    assert figures["15"]["source"] == "004_48c7c1d6b6161e85.txt"
    assert figures["4"]["quote"] == "to 15 vehicles of four enterprises"
    assert anonymous.get(f"{V1}/pilots/999999").status_code == 404


def test_editors_advance_and_add_figures_others_are_refused(
    client: dict[str | None, TestClient], registry: Registry
) -> None:
    case_id = registry.case_id("ic-equipment-spv-leasing")
    step = {"to": "innovative_supervision", "on": "2025-05-20", "note": "Sandbox rules issued."}
    assert client[None].post(f"{V1}/pilots/{case_id}/advance", json=step).status_code == 401
    for name in ("auditor", "reviewer"):
        assert client[name].post(f"{V1}/pilots/{case_id}/advance", json=step).status_code == 403

    moved = client["regulator"].post(
        f"{V1}/pilots/{case_id}/advance", json=step, headers={"Idempotency-Key": "adv-1"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["stage"] == "innovative_supervision"
    assert [s["stage"] for s in moved.json()["steps"]] == ["case_pilot", "innovative_supervision"]
    again = client["regulator"].post(
        f"{V1}/pilots/{case_id}/advance", json=step, headers={"Idempotency-Key": "adv-1"}
    )
    assert again.headers.get("Idempotent-Replayed") == "true"

    back = client["admin"].post(f"{V1}/pilots/{case_id}/advance", json={**step, "to": "case_pilot"})
    assert back.status_code == 409
    assert back.json()["code"] == "stage_out_of_order"
    early = client["admin"].post(
        f"{V1}/pilots/{case_id}/advance",
        json={**step, "to": "regulatory_solidification", "on": "2025-05-19"},
    )
    assert early.status_code == 422
    assert client[None].get(f"{V1}/pilots/{case_id}").json()["stage"] == "innovative_supervision"

    figure = {
        "label_zh": "签约合同",
        "label_en": "Contracts signed",
        "value": "3",
        "unit": "count",
        "as_of": "2025-05-20",
        "source": "a press release",
    }
    assert client["auditor"].post(f"{V1}/pilots/{case_id}/figures", json=figure).status_code == 403
    added = client["admin"].post(f"{V1}/pilots/{case_id}/figures", json=figure)
    assert added.status_code == 201, added.text
    assert added.json()["as_of"] == "2025-05-20"
    assert (
        client["admin"]
        .post(f"{V1}/pilots/{case_id}/figures", json={**figure, "value": "-3"})
        .status_code
        == 422
    )


def test_editors_record_a_new_case_with_or_without_its_stage(
    client: dict[str | None, TestClient],
) -> None:
    body = {
        "slug": "bonded-r-and-d",
        "zone": "lingang",
        "title_zh": "保税研发",
        "title_en": "Bonded R&D",
        "summary_zh": "摘要",
        "summary_en": "Summary",
    }
    assert client["reviewer"].post(f"{V1}/pilots", json=body).status_code == 403
    created = client["regulator"].post(f"{V1}/pilots", json=body)
    assert created.status_code == 201, created.text
    assert (created.json()["stage"], created.json()["steps"]) == (None, [])
    assert client["regulator"].post(f"{V1}/pilots", json=body).status_code == 409
    staged = client["admin"].post(
        f"{V1}/pilots",
        json={**body, "slug": "staged", "stage": "case_pilot", "stage_on": "2025-01-02"},
    )
    assert staged.json()["steps"][0]["reached_on"] == "2025-01-02"
