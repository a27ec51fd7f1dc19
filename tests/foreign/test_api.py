"""The foreign-investment API: an establishment returned for a missing bank letter, answered and
approved; a recognition record verified as another authority would, then revoked; the materials
by the parent's place; refusals as problem+json citing their article."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ftzlink.api import create_app
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.ledger.keys import generate
from ftzlink.settings import Settings
from tests.foreign.conftest import ALL_MATERIALS, TODAY, Foreign, particulars

SYSTEM = Actor(None, "system")
Clients = Callable[..., TestClient]


@pytest.fixture
def client(foreign: Foreign, tmp_path: Path) -> Clients:
    """`client(user, today)`: the platform as `user` (None: nobody signed in) on `today`."""
    signer = generate("ftzlink.example/ledger")
    tokens: dict[str, str] = {}
    with foreign.world.database.write() as s:
        for name, principal in (("agent", foreign.agent), ("registrar", foreign.registrar)):
            _, tokens[name] = auth.create_token(
                s, actor=SYSTEM, user_id=principal.user_id, name="tests"
            )

    def make(user: str | None = None, today: dt.date = TODAY) -> TestClient:
        settings = Settings(
            data_dir=tmp_path,
            database_url=foreign.world.database.url,
            today=today,
            ledger_key=signer.private_text(),
            ledger_origin="ftzlink.example/ledger",
        )
        app = create_app(
            settings,
            catalogue=foreign.world.catalogue,
            database=foreign.world.database,
            migrate=False,
        )
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        return TestClient(app, headers=headers)

    return make


def _establishment(foreign: Foreign, **changes: Any) -> dict[str, Any]:
    return {
        "organisation_id": foreign.world.a.id,
        "particulars": particulars(**changes),
        "materials": [m for m in ALL_MATERIALS if m != "bank_letter"],
    }


def test_an_establishment_is_returned_for_the_bank_letter_answered_and_approved(
    foreign: Foreign, client: Clients
) -> None:
    agent, registrar = client("agent"), client("registrar")
    filed = agent.post("/api/v1/foreign/filings", json=_establishment(foreign))
    assert filed.status_code == 201, filed.text
    filing = filed.json()
    assert filing["status"] == "submitted"
    assert filing["decision_due"] == "2025-03-18"  # 15 days (Art. 24)
    url = f"/api/v1/foreign/filings/{filing['id']}"

    detail = agent.get(url).json()
    assert detail["missing"] == ["bank_letter"]
    assert detail["place"] == "法国"
    # Approving with the bank letter missing is refused: it must be returned for it.
    refused = registrar.post(url + "/approve")
    assert refused.status_code == 422 and refused.json()["errors"][0]["message"] == "bank_letter"

    assert agent.post(url + "/return", json={"missing": ["bank_letter"]}).status_code == 403
    returned = registrar.post(url + "/return", json={"missing": ["bank_letter"]})
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_reasons"] == ["missing:bank_letter"]
    assert registrar.post(url + "/approve").json()["code"] == "invalid_transition"

    answered = agent.post(url + "/answer", json={"materials": ["bank_letter"]})
    assert answered.json()["status"] == "submitted"
    approved = registrar.post(url + "/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"

    office = agent.get(f"/api/v1/foreign/offices/{approved.json()['office_id']}").json()
    assert office["certificate"]["name"] == "法国蓝河贸易有限公司上海代表处"
    assert office["certificate"]["established_on"] == "2025-03-03"
    assert [c["role"] for c in office["cards"]] == ["chief_representative", "representative"]


def test_a_refusal_is_a_problem_citing_the_article(foreign: Foreign, client: Clients) -> None:
    people = [{"name": f"R{i}", "document": f"D{i}"} for i in range(4)]
    refused = client("agent").post(
        "/api/v1/foreign/filings", json=_establishment(foreign, representatives=people)
    )
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["source"], body["article"]) == (
        "too_many_representatives",
        "Reg-2024",
        "Art. 11",
    )


def test_the_materials_ask_an_apostille_state_for_an_apostille_and_others_for_legalisation(
    client: Clients,
) -> None:
    public = client()

    def route(place: str) -> str:
        found = public.get(f"/api/v1/foreign/materials?jurisdiction={place}").json()
        return {m["code"]: m["authentication"] for m in found}["existence_proof"]

    assert route("FR") == "apostille"
    assert route("VN") == "legalisation"
    assert route("HK") == "hong_kong"


def _record(**changes: Any) -> dict[str, Any]:
    return {
        "investor_name": "Blue River Trading SAS",
        "investor_kind": "enterprise",
        "jurisdiction": "FR",
        "document": "Extrait Kbis",
        "notarised_on": "2025-02-10",
        "authentication": "apostille",
        "authentication_reference": "APO-2025-0042",
    } | changes


def test_a_record_verifies_for_another_authority_until_it_is_revoked(
    foreign: Foreign, client: Clients
) -> None:
    issued = client("registrar").post("/api/v1/foreign/records", json=_record())
    assert issued.status_code == 201, issued.text
    reference = issued.json()["reference"]
    assert issued.json()["valid_until"] == "2026-02-10"
    verify = f"/api/v1/foreign/records/{reference}/verify?authority="

    public = client()  # another authority: no account
    checked = public.get(verify + "jiangsu_amr")
    assert checked.status_code == 200, checked.text
    assert checked.json()["accepted"] is True and checked.json()["signature_valid"] is True
    assert "validity_rule_unverified" in checked.json()["warnings"]

    outside = public.get(verify + "guangdong_amr")
    assert outside.status_code == 409 and outside.json()["reason"] == "outside_scheme"

    assert (
        client("agent")
        .post(f"/api/v1/foreign/records/{reference}/revoke", json={"reason": "x"})
        .status_code
        == 403
    )
    revoked = client("registrar").post(
        f"/api/v1/foreign/records/{reference}/revoke",
        json={"reason": "the certificate was annulled"},
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    refused = public.get(verify + "jiangsu_amr")
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["reason"]) == ("record_refused", "revoked")


def test_an_expired_record_is_refused(client: Clients) -> None:
    issued = client("registrar").post("/api/v1/foreign/records", json=_record())
    reference = issued.json()["reference"]
    verify = f"/api/v1/foreign/records/{reference}/verify?authority=zhejiang_amr"
    assert client(today=dt.date(2026, 2, 10)).get(verify).status_code == 200
    expired = client(today=dt.date(2026, 2, 11)).get(verify)
    assert expired.status_code == 409 and expired.json()["reason"] == "expired"


def test_a_natural_person_needs_no_record(client: Clients) -> None:
    refused = client("registrar").post(
        "/api/v1/foreign/records", json=_record(investor_kind="natural_person")
    )
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["article"]) == ("record_not_needed", "Art. 4")
