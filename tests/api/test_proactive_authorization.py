"""The 免申即享 authorization matrix: every /api/v1/proactive/ route, called by every role.

The world (tests/proactive/conftest.py): enterprise A of Changning has a pending candidate for a
measure granted without application and a confirmed one (a pre-filled draft awaiting consent);
O is another Changning enterprise; the Xuhui reviewer is an official of another district.
Routes are called in the order of MATRIX, so a role's decline comes before its consent.

A /proactive/ route without a row fails the test: add its row when you add the route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from ftzlink.api import Platform, create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.proactive import decisions, runs, service
from ftzlink.settings import Settings
from tests.proactive.conftest import AI, FOCUS, ORGANISATIONS, TODAY, World, build, marked_catalogue

V1 = "/api/v1"
PROACTIVE = V1 + "/proactive/"
ROLES = (
    None,
    "platform_admin",
    "auditor",
    "reviewer",
    "reviewer_xuhui",
    "budget_officer",
    "member_a",
    "member_o",
)
OFFICIALS_OF_A = {"platform_admin", "auditor", "reviewer", "budget_officer"}


@dataclass(frozen=True)
class Ids:
    run: int
    pending: int  # A's candidate for AI (granted without application)
    confirmed: int  # A's candidate for FOCUS, confirmed: a draft awaits A's consent


@dataclass(frozen=True)
class Row:
    call: Callable[[Ids], dict[str, Any]]  # method, url, json, files, data
    expect: Callable[[str], int | tuple[int, str]]  # role -> status (and an item's outcome)


def _registry() -> dict[str, Any]:
    code, name, _, _ = ORGANISATIONS["a"]
    text = f"uscc,name,sector\n{code},{name},smart_internet\n"
    return {"file": ("r.csv", text.encode(), "text/csv")}


def _writes(allowed: set[str], ok: int = 200) -> Callable[[str], int]:
    return lambda role: ok if role in allowed else 403


def _decision(role: str) -> tuple[int, str]:
    if role == "reviewer":
        return 200, "granted"
    if role in OFFICIALS_OF_A:
        return 200, "forbidden"
    return 200, "not_found"


def _answer(first: int) -> Callable[[str], int]:
    """Decline (first) then consent (409 once declined) for A; officials may not answer for it."""

    def expect(role: str) -> int:
        if role == "member_a":
            return first
        return 403 if role in OFFICIALS_OF_A else 404

    return expect


MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/proactive/runs"): Row(lambda i: {"url": "/proactive/runs"}, lambda r: 200),
    ("GET", "/proactive/runs/{run_id}"): Row(
        lambda i: {"url": f"/proactive/runs/{i.run}"},
        lambda r: 200 if r in ("platform_admin", "auditor") else 404,
    ),
    ("POST", "/proactive/runs"): Row(
        lambda i: {"method": "POST", "url": "/proactive/runs", "json": {}},
        _writes({"platform_admin", "reviewer", "reviewer_xuhui"}, 201),
    ),
    ("POST", "/proactive/runs/registry"): Row(
        lambda i: {"method": "POST", "url": "/proactive/runs/registry", "files": _registry()},
        _writes({"platform_admin", "reviewer", "reviewer_xuhui"}, 201),
    ),
    ("GET", "/proactive/candidates"): Row(
        lambda i: {"url": "/proactive/candidates"}, lambda r: 200
    ),
    ("GET", "/proactive/candidates/{candidate_id}"): Row(
        lambda i: {"url": f"/proactive/candidates/{i.confirmed}"},
        lambda r: 200 if r in OFFICIALS_OF_A | {"member_a"} else 404,
    ),
    ("POST", "/proactive/decisions"): Row(
        lambda i: {
            "method": "POST",
            "url": "/proactive/decisions",
            "json": {"items": [{"candidate_id": i.pending, "decision": "confirm"}]},
        },
        _decision,
    ),
    ("POST", "/proactive/candidates/{candidate_id}/decline"): Row(
        lambda i: {"method": "POST", "url": f"/proactive/candidates/{i.confirmed}/decline"},
        _answer(200),
    ),
    ("POST", "/proactive/candidates/{candidate_id}/consent"): Row(
        lambda i: {"method": "POST", "url": f"/proactive/candidates/{i.confirmed}/consent"},
        _answer(409),
    ),
    ("GET", "/proactive/notifications"): Row(
        lambda i: {"url": "/proactive/notifications"}, lambda r: 200
    ),
    ("POST", "/proactive/notifications/deliver"): Row(
        lambda i: {"method": "POST", "url": "/proactive/notifications/deliver"},
        _writes({"platform_admin"}),
    ),
}


def proactive_routes(app: Platform) -> list[tuple[str, str]]:
    routes = []
    for route in iter_route_contexts(app.routes):
        path = re.sub(r":\w+}", "}", route.path or "")  # {run_id:int} is {run_id}
        if isinstance(route.original_route, APIRoute) and path.startswith(PROACTIVE):
            routes.extend((m, path.removeprefix(V1)) for m in sorted(route.methods or ()))
    return routes


def test_every_proactive_route_has_a_row(tmp_path: Path, catalogue: Catalogue) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    routes = set(proactive_routes(create_app(settings, catalogue=catalogue, migrate=False)))
    assert routes, "no /api/v1/proactive/ routes found"
    assert routes == set(MATRIX), {
        "without a row": sorted(routes - set(MATRIX)),
        "rows for no route": sorted(set(MATRIX) - routes),
    }


def _prepare(world: World) -> Ids:
    with world.database.write() as s:
        run = runs.run_match(
            s, principal=world.users["platform_admin"], catalogue=world.catalogue, as_of=TODAY
        )
        rows, _ = service.list_candidates(
            s,
            principal=world.users["platform_admin"],
            on=TODAY,
            filters=service.CandidateFilters(organisation_id=world.org["a"]),
        )
        ids = {c.measure_id: c.id for c in rows}
        decisions.decide(
            s,
            principal=world.users["reviewer"],
            catalogue=world.catalogue,
            items=[decisions.Decision(ids[FOCUS], "confirm")],
            today=TODAY,
            lang="en",
        )
    return Ids(run.id, ids[AI], ids[FOCUS])


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_proactive_route_answers_each_role_only_for_what_it_may_reach(
    role: str | None, database: Database, catalogue_copy: Path, tmp_path: Path
) -> None:
    world = build(database, marked_catalogue(catalogue_copy), catalogue_copy, tmp_path / "data")
    ids = _prepare(world)
    caller = world.client(role) if role else TestClient(world.app)
    assert set(proactive_routes(world.app)) == set(MATRIX)
    failures = []
    for route, row in MATRIX.items():
        call = {"method": "GET", **row.call(ids)}
        response = caller.request(
            call["method"], V1 + call["url"], json=call.get("json"), files=call.get("files")
        )
        expected = 401 if role is None else row.expect(role)
        status, outcome = expected if isinstance(expected, tuple) else (expected, None)
        problems = []
        if response.status_code >= 500:
            problems.append("a server error")
        if response.status_code != status:
            problems.append(f"expected {status}")
        elif outcome is not None and response.json()["results"][0]["outcome"] != outcome:
            problems.append(f"expected the item {outcome}")
        if problems:
            failures.append(
                f"{route}: {response.status_code} {response.text[:200]}: {'; '.join(problems)}"
            )
    assert not failures, f"{role}:\n" + "\n".join(failures)
