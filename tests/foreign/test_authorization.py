"""The foreign-investment authorization matrix: every /api/v1/foreign/ route, called by every role
at enterprise A's objects (the role "other_enterprise" is a member of B). Each write gets a fresh
object in the state it needs, so that a write allowed is a 2xx.

Promises: nobody signed in gets 401 past the public routes (materials, record verification);
another enterprise gets 404 for A's filings and offices, and its listings show none of A's; only
the registrar returns, approves, rejects, issues and revokes; the auditor reads everything and
changes nothing; nothing answers 5xx. A /foreign/ route without a row fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from ftzlink.api import create_app
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.foreign import records, service
from ftzlink.ledger.keys import generate
from ftzlink.settings import Settings
from tests.foreign.conftest import ALL_MATERIALS, RULES, TODAY, Foreign, particulars

V1 = "/api/v1"
SYSTEM = Actor(None, "system")
ROLES = ("anonymous", "agent", "other_enterprise", "registrar", "auditor")
Make = Callable[[Foreign, Any], tuple[str, dict[str, Any] | None]]


def _filing(f: Foreign, *, returned: bool = False) -> int:
    filing = f.establish()
    if returned:
        f.write(
            service.return_filing,
            principal=f.registrar,
            rules=RULES,
            filing_id=filing.id,
            reasons=["check"],
            today=TODAY,
        )
    return filing.id


def _record(f: Foreign, signer: Any) -> str:
    record = f.write(
        records.issue_record,
        principal=f.registrar,
        rules=RULES,
        signer=signer,
        investor_name="Blue River SAS",
        investor_kind="enterprise",
        jurisdiction="FR",
        document="Kbis",
        notarised_on=TODAY,
        authentication="apostille",
        authentication_reference="APO-1",
        authority="shanghai_amr",
        today=TODAY,
    )
    return str(record.reference)


def _establishment(f: Foreign, _s: Any) -> tuple[str, dict[str, Any]]:
    body = {
        "organisation_id": f.world.a.id,
        "particulars": particulars(),
        "materials": ALL_MATERIALS,
    }
    return "/foreign/filings", body


RECORD_IN = {
    "investor_name": "Blue River SAS",
    "investor_kind": "enterprise",
    "jurisdiction": "FR",
    "document": "Kbis",
    "notarised_on": TODAY.isoformat(),
    "authentication": "apostille",
    "authentication_reference": "APO-2",
}

# (method, path) -> (how to make the call, expected status per role in ROLES order)
MATRIX: dict[tuple[str, str], tuple[Make, tuple[int, ...]]] = {
    ("GET", "/foreign/materials"): (
        lambda f, s: ("/foreign/materials?jurisdiction=VN", None),
        (200, 200, 200, 200, 200),
    ),
    ("POST", "/foreign/filings"): (_establishment, (401, 201, 403, 403, 403)),
    ("GET", "/foreign/filings"): (
        lambda f, s: ("/foreign/filings", None),
        (401, 200, 200, 200, 200),
    ),
    ("GET", "/foreign/filings/{filing_id}"): (
        lambda f, s: (f"/foreign/filings/{_filing(f)}", None),
        (401, 200, 404, 200, 200),
    ),
    ("POST", "/foreign/filings/{filing_id}/return"): (
        lambda f, s: (f"/foreign/filings/{_filing(f)}/return", {"missing": ["bank_letter"]}),
        (401, 403, 403, 200, 403),
    ),
    ("POST", "/foreign/filings/{filing_id}/answer"): (
        lambda f, s: (
            f"/foreign/filings/{_filing(f, returned=True)}/answer",
            {"materials": ["bank_letter"]},
        ),
        (401, 200, 404, 403, 403),
    ),
    ("POST", "/foreign/filings/{filing_id}/approve"): (
        lambda f, s: (f"/foreign/filings/{_filing(f)}/approve", None),
        (401, 403, 403, 200, 403),
    ),
    ("POST", "/foreign/filings/{filing_id}/reject"): (
        lambda f, s: (f"/foreign/filings/{_filing(f)}/reject", {"reason": "no"}),
        (401, 403, 403, 200, 403),
    ),
    ("GET", "/foreign/offices"): (
        lambda f, s: ("/foreign/offices", None),
        (401, 200, 200, 200, 200),
    ),
    ("GET", "/foreign/offices/{office_id}"): (
        lambda f, s: (f"/foreign/offices/{f.office().id}", None),
        (401, 200, 404, 200, 200),
    ),
    ("POST", "/foreign/offices/{office_id}/filings"): (
        lambda f, s: (
            f"/foreign/offices/{f.office().id}/filings",
            {"kind": "annual_report", "materials": ["audited_accounts"], "report_year": 2024},
        ),
        (401, 201, 404, 403, 403),
    ),
    ("GET", "/foreign/corrections"): (
        lambda f, s: ("/foreign/corrections", None),
        (401, 200, 200, 200, 200),
    ),
    ("GET", "/foreign/reminders"): (
        lambda f, s: ("/foreign/reminders", None),
        (401, 200, 200, 200, 200),
    ),
    ("POST", "/foreign/records"): (
        lambda f, s: ("/foreign/records", RECORD_IN),
        (401, 403, 403, 201, 403),
    ),
    ("POST", "/foreign/records/{reference}/revoke"): (
        lambda f, s: (f"/foreign/records/{_record(f, s)}/revoke", {"reason": "annulled"}),
        (401, 403, 403, 200, 403),
    ),
    ("GET", "/foreign/records/{reference}/verify"): (
        lambda f, s: (f"/foreign/records/{_record(f, s)}/verify?authority=anhui_amr", None),
        (200, 200, 200, 200, 200),
    ),
}


def foreign_routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        path = re.sub(r":\w+}", "}", route.path or "")
        if path.startswith(V1 + "/foreign/"):
            found.extend((method, path.removeprefix(V1)) for method in sorted(route.methods or ()))
    return found


def test_every_foreign_route_has_a_row_in_the_matrix(tmp_path: Path) -> None:
    app = create_app(
        Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}"), migrate=False
    )
    assert sorted(foreign_routes(app)) == sorted(MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_every_foreign_route_answers_each_role_only_for_what_it_may_reach(
    foreign: Foreign, tmp_path: Path, role: str
) -> None:
    signer = generate("ftzlink.example/ledger")
    users = {
        "agent": foreign.agent,
        "other_enterprise": foreign.world.member_b,
        "registrar": foreign.registrar,
        "auditor": foreign.world.auditor,
    }
    headers: dict[str, str] = {}
    if role != "anonymous":
        with foreign.world.database.write() as s:
            _, token = auth.create_token(s, actor=SYSTEM, user_id=users[role].user_id, name="t")
        headers = {"Authorization": f"Bearer {token}"}
    settings = Settings(
        data_dir=tmp_path,
        database_url=foreign.world.database.url,
        today=TODAY,
        ledger_key=signer.private_text(),
        ledger_origin="ftzlink.example/ledger",
    )
    app = create_app(
        settings, catalogue=foreign.world.catalogue, database=foreign.world.database, migrate=False
    )
    index = ROLES.index(role)
    failures = []
    with TestClient(app, headers=headers, raise_server_exceptions=False) as client:
        for (method, path), (make, expected) in sorted(
            MATRIX.items(), key=lambda kv: kv[0][0] != "GET"
        ):
            url, body = make(foreign, signer)
            answer = client.request(method, V1 + url, json=body)
            if answer.status_code != expected[index]:
                failures.append(
                    f"{method} {path}: {answer.status_code}, expected {expected[index]}: {answer.text[:200]}"
                )
            if role == "other_enterprise" and method == "GET" and answer.status_code == 200:
                items = answer.json().get("items") if isinstance(answer.json(), dict) else None
                if items:
                    assert all(i.get("organisation_id") != foreign.world.a.id for i in items), path
    assert not failures, "\n".join(failures)
