"""The dataflow authorization matrix: every /api/v1/dataflow/ route, called by every role, at
objects of enterprise A (the role "other_enterprise" is a member of O, which has its own filing,
registration and transfer).

Promises checked on top of the matrix, so that a wrong row cannot hide a leak: nobody signed in
gets 401 past the public route; nothing answers 5xx; an enterprise's listings show only its own;
only a data regulator registers, returns, reminds (or a platform admin) and draws; only the
inspector drawn for an inspection records it; the auditor reads everything and changes nothing.

A /dataflow/ route without a row fails the test: add its row when you add the route.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.api import Platform, create_app
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role as RoleName
from ftzlink.catalogue.models import Catalogue
from ftzlink.dataflow import draws as draw_service
from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow import transfers as transfer_service
from ftzlink.dataflow.loader import bundled_dataflow_rules
from ftzlink.dataflow.tables import Inspection
from ftzlink.db import Database
from ftzlink.ledger import checkpoints, keys
from ftzlink.organisations import service as orgs
from ftzlink.settings import Settings
from tests.api.conftest import ORGANISATIONS, PROFILE, SYSTEM
from tests.databases import BACKENDS, fresh_database

V1 = "/api/v1"
DATAFLOW = V1 + "/dataflow/"
TODAY = dt.date(2025, 3, 3)
RULES = bundled_dataflow_rules()
SCENARIO: dict[str, Any] = {
    "data_categories": ["customer contact details"],
    "recipient": "Example GmbH",
    "recipient_country": "DE",
    "ciio": False,
    "important_data": False,
    "purpose": "other",
    "foreign_pi_returned": False,
    "in_ftz": False,
    "non_sensitive_people": 150_000,
    "sensitive_people": 0,
}
MANIFEST = "cd" * 32
AT = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Role:
    name: str
    user: str | None
    member: str | None = None  # "a" or "o"
    regulator: bool = False
    inspector: bool = False
    reads_all: bool = False
    admin: bool = False

    @property
    def employs(self) -> bool:
        return self.member == "a"

    @property
    def sees_a(self) -> bool:  # A's submitted filings, registrations, transfers, inspections
        return self.employs or self.regulator or self.reads_all


ROLES = [
    Role("anonymous", None),
    Role("enterprise", "member_a", member="a"),
    Role("other_enterprise", "member_o", member="o"),
    Role("data_regulator", "regulator", regulator=True),
    Role("inspector_1", "inspector_1", inspector=True),
    Role("inspector_2", "inspector_2", inspector=True),
    Role("reviewer", "reviewer"),
    Role("auditor", "auditor", reads_all=True),
    Role("platform_admin", "platform_admin", reads_all=True, admin=True),
]


@dataclass
class World:
    app: Platform
    database: Database
    signer: keys.Signer
    org: dict[str, int] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, user: str | None) -> TestClient:
        headers = {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}
        return TestClient(self.app, headers=headers, raise_server_exceptions=False)

    # --- objects through the services ---

    def filing(self, s: Session, member: str = "a", **changes: Any) -> int:
        return filing_service.create_filing(
            s,
            principal=self.principals[f"member_{member}"],
            rules=RULES,
            organisation_id=self.org[member],
            title="Customer service abroad",
            scenario=SCENARIO | changes,
            today=TODAY,
        ).id

    def submitted(self, s: Session, member: str = "a") -> int:
        filing_id = self.filing(s, member)
        filing_service.submit_filing(
            s,
            principal=self.principals[f"member_{member}"],
            rules=RULES,
            filing_id=filing_id,
            today=TODAY,
        )
        return filing_id

    def registered(self, s: Session, member: str = "a") -> int:
        return filing_service.register_filing(
            s,
            principal=self.principals["regulator"],
            rules=RULES,
            filing_id=self.submitted(s, member),
            today=TODAY,
        ).id

    def transfer(self, s: Session, registration_id: int, member: str = "a") -> int:
        return transfer_service.report_transfer(
            s,
            principal=self.principals[f"member_{member}"],
            rules=RULES,
            registration_id=registration_id,
            manifest_sha256=MANIFEST,
            record_count=10,
            non_sensitive_people=10,
            sensitive_people=0,
            transferred_at=AT,
        ).id

    def draw(self, s: Session) -> int:
        checkpoints.sign_checkpoint(s, self.signer)
        return draw_service.draw_spot_checks(
            s, principal=self.principals["regulator"], count=1000, today=TODAY
        ).id


def build_world(database: Database, catalogue: Catalogue, data_dir: Path) -> World:
    settings = Settings(data_dir=data_dir, database_url=database.url, today=TODAY)
    app = create_app(settings, catalogue=catalogue, database=database, migrate=False)
    world = World(app=app, database=database, signer=keys.generate("ftzlink.test/ledger"))
    with database.write() as s:

        def user(key: str, *grants: Grant) -> Principal:
            created = auth.create_user(
                s,
                actor=SYSTEM,
                username=f"df-{key.replace('_', '-')}",
                display_name=key,
                password=None,
                roles=list(grants),
            )
            world.principals[key] = auth.principal_for(created)
            return world.principals[key]

        admin = user("platform_admin", Grant(RoleName.PLATFORM_ADMIN))
        for key in ("a", "o"):
            code, name, district = ORGANISATIONS[key]
            world.org[key] = orgs.create_organisation(
                s,
                principal=admin,
                catalogue=catalogue,
                uscc=code,
                name=name,
                district=district,
                zone=district,
                sector="smart_internet",
                profile=PROFILE,
            ).id
        user("member_a", Grant(RoleName.ENTERPRISE_MEMBER, world.org["a"]))
        user("member_o", Grant(RoleName.ENTERPRISE_MEMBER, world.org["o"]))
        user("regulator", Grant(RoleName.DATA_REGULATOR))
        user("inspector_1", Grant(RoleName.INSPECTOR))
        user("inspector_2", Grant(RoleName.INSPECTOR))
        user("reviewer", Grant(RoleName.REVIEWER, district="changning"))
        user("auditor", Grant(RoleName.AUDITOR))
        for key, principal in world.principals.items():
            _, secret = auth.create_token(s, actor=SYSTEM, user_id=principal.user_id, name="t")
            world.tokens[key] = secret
    with database.write() as s:
        registration = world.registered(s, "o")
        world.transfer(s, registration, "o")
        world.draw(s)
    return world


@dataclass
class Kit:
    """A's objects for one role's calls."""

    draft_to_edit: int
    draft_to_submit: int
    to_register: int
    to_return: int
    submitted: int
    registered: int
    transfer: int
    draw: int
    to_find: int  # an inspection, assigned
    to_close: int
    drawn: dict[int, int]  # inspection id -> the inspector drawn


def make_kit(world: World, role: Role) -> Kit:
    with world.database.write() as s:
        inspected = [world.registered(s) for _ in range(8)]
        draw_id = world.draw(s)
        rows = list(
            s.scalars(
                select(Inspection).where(
                    Inspection.draw_id == draw_id, Inspection.registration_id.in_(inspected)
                )
            )
        )
        me = world.principals[role.user].user_id if role.user else None
        # An inspector's own inspections first, so that the drawn inspector's 200 is exercised.
        chosen = sorted(rows, key=lambda i: (i.inspector_id != me, i.id))[:2]
        registered = world.registered(s)
        kit = Kit(
            draft_to_edit=world.filing(s),
            draft_to_submit=world.filing(s),
            to_register=world.submitted(s),
            to_return=world.submitted(s),
            submitted=world.submitted(s),
            registered=registered,
            transfer=world.transfer(s, registered),
            draw=draw_id,
            to_find=chosen[0].id,
            to_close=chosen[1].id,
            drawn={i.id: i.inspector_id for i in rows},
        )
        checkpoints.sign_checkpoint(s, world.signer)
        return kit


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    inspection: int | None = None


@dataclass(frozen=True)
class Expect:
    status: int
    listed: bool | None = None


Rule = Callable[[Role, Call, World, Kit], Expect]


@dataclass(frozen=True)
class Entry:
    calls: Callable[[Kit, World], list[Call]]
    expect: Rule
    public: bool = False
    enterprise_listing: bool = False  # items carry organisation_id: an enterprise's own only


def one(method: str, url: Callable[[Kit], str], **kw: Any) -> Callable[[Kit, World], list[Call]]:
    return lambda k, w: [Call(method, url(k), **kw)]


def status(code: int) -> Rule:
    return lambda r, c, w, k: Expect(code)


def reading_a(r: Role, c: Call, w: World, k: Kit) -> Expect:
    return Expect(200 if r.sees_a else 404)


def listing(who: Callable[[Role], bool | None]) -> Rule:
    return lambda r, c, w, k: Expect(200, listed=who(r))


def member_step(code: int, *, draft: bool) -> Rule:
    """The enterprise's step on its object: those who see it but do not file for A get 403."""

    def rule(r: Role, c: Call, w: World, k: Kit) -> Expect:
        if r.employs:
            return Expect(code)
        sees = r.reads_all if draft else r.sees_a
        return Expect(403 if sees else 404)

    return rule


def regulating(code: int) -> Rule:
    return lambda r, c, w, k: Expect(code if r.regulator else 403)


def reminding(r: Role, c: Call, w: World, k: Kit) -> Expect:
    return Expect(200 if r.regulator or r.admin else 403)


def inspecting(r: Role, c: Call, w: World, k: Kit) -> Expect:
    assert c.inspection is not None
    drawn = k.drawn[c.inspection]
    if r.user and w.principals[r.user].user_id == drawn:
        return Expect(200)
    return Expect(403 if r.sees_a else 404)


def reading_inspection(r: Role, c: Call, w: World, k: Kit) -> Expect:
    assert c.inspection is not None
    drawn = r.user is not None and w.principals[r.user].user_id == k.drawn[c.inspection]
    return Expect(200 if r.sees_a or drawn else 404)


def reading_draws(r: Role, c: Call, w: World, k: Kit) -> Expect:
    return Expect(200 if r.regulator or r.inspector or r.reads_all else 404)


D = "/dataflow"
NEW_FILING = {"title": "Payroll to the group", "scenario": {"purpose": "hr_management"}}

MATRIX: dict[tuple[str, str], Entry] = {
    ("POST", D + "/route"): Entry(
        one("POST", lambda k: D + "/route", json={"important_data": True}), status(200), public=True
    ),
    ("GET", D + "/filings"): Entry(
        one("GET", lambda k: D + "/filings"),
        listing(lambda r: None if r.inspector else (r.member is not None or r.sees_a)),
        enterprise_listing=True,
    ),
    ("POST", D + "/filings"): Entry(
        lambda k, w: [Call("POST", D + "/filings", {**NEW_FILING, "organisation_id": w.org["a"]})],
        lambda r, c, w, k: Expect(201 if r.employs else 403),
    ),
    ("GET", D + "/filings/{filing_id}"): Entry(
        one("GET", lambda k: f"{D}/filings/{k.submitted}"), reading_a
    ),
    ("PATCH", D + "/filings/{filing_id}"): Entry(
        one("PATCH", lambda k: f"{D}/filings/{k.draft_to_edit}", json={"title": "Renamed"}),
        member_step(200, draft=True),
    ),
    ("POST", D + "/filings/{filing_id}/submit"): Entry(
        one("POST", lambda k: f"{D}/filings/{k.draft_to_submit}/submit"),
        member_step(200, draft=True),
    ),
    ("POST", D + "/filings/{filing_id}/register"): Entry(
        one("POST", lambda k: f"{D}/filings/{k.to_register}/register"), regulating(200)
    ),
    ("POST", D + "/filings/{filing_id}/return"): Entry(
        one(
            "POST", lambda k: f"{D}/filings/{k.to_return}/return", json={"reasons": ["Attach it."]}
        ),
        regulating(200),
    ),
    ("GET", D + "/registrations"): Entry(
        one("GET", lambda k: D + "/registrations"),
        listing(lambda r: None if r.inspector else (r.member is not None or r.sees_a)),
        enterprise_listing=True,
    ),
    ("GET", D + "/registrations/{registration_id}"): Entry(
        one("GET", lambda k: f"{D}/registrations/{k.registered}"), reading_a
    ),
    ("POST", D + "/registrations/{registration_id}/transfers"): Entry(
        one(
            "POST",
            lambda k: f"{D}/registrations/{k.registered}/transfers",
            json={
                "manifest_sha256": MANIFEST,
                "record_count": 3,
                "non_sensitive_people": 3,
                "sensitive_people": 0,
                "transferred_at": "2025-03-04T10:00:00+08:00",
            },
        ),
        member_step(201, draft=False),
    ),
    ("GET", D + "/transfers"): Entry(
        one("GET", lambda k: D + "/transfers"),
        listing(lambda r: None if r.inspector else (r.member is not None or r.sees_a)),
        enterprise_listing=True,
    ),
    ("GET", D + "/transfers/{transfer_id}"): Entry(
        one("GET", lambda k: f"{D}/transfers/{k.transfer}"), reading_a
    ),
    ("GET", D + "/transfers/{transfer_id}/receipt"): Entry(
        one("GET", lambda k: f"{D}/transfers/{k.transfer}/receipt"), reading_a
    ),
    ("POST", D + "/reminders"): Entry(
        one("POST", lambda k: D + "/reminders", json={"within_days": 30}), reminding
    ),
    ("GET", D + "/reminders"): Entry(
        one("GET", lambda k: D + "/reminders"), listing(lambda r: None), enterprise_listing=True
    ),
    ("POST", D + "/draws"): Entry(
        one("POST", lambda k: D + "/draws", json={"count": 2}), regulating(201)
    ),
    ("GET", D + "/draws"): Entry(
        one("GET", lambda k: D + "/draws"),
        listing(lambda r: r.regulator or r.inspector or r.reads_all),
    ),
    ("GET", D + "/draws/{draw_id}"): Entry(
        one("GET", lambda k: f"{D}/draws/{k.draw}"), reading_draws
    ),
    ("GET", D + "/inspections"): Entry(
        one("GET", lambda k: D + "/inspections"),
        listing(lambda r: r.member is not None or r.sees_a or r.inspector),
        enterprise_listing=True,
    ),
    ("GET", D + "/inspections/{inspection_id}"): Entry(
        lambda k, w: [Call("GET", f"{D}/inspections/{k.to_find}", inspection=k.to_find)],
        reading_inspection,
    ),
    ("POST", D + "/inspections/{inspection_id}/findings"): Entry(
        lambda k, w: [
            Call(
                "POST",
                f"{D}/inspections/{k.to_find}/findings",
                {"findings": ["Stale assessment."], "rectification_working_days": 10},
                inspection=k.to_find,
            )
        ],
        inspecting,
    ),
    ("POST", D + "/inspections/{inspection_id}/close"): Entry(
        lambda k, w: [
            Call(
                "POST",
                f"{D}/inspections/{k.to_close}/close",
                {"note": "Nothing found."},
                inspection=k.to_close,
            )
        ],
        inspecting,
    ),
}


def dataflow_routes(app: Platform) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        path = re.sub(r":\w+}", "}", route.path or "")  # {run_id:int} is {run_id}
        if path.startswith(DATAFLOW):
            found.extend((method, path.removeprefix(V1)) for method in sorted(route.methods or ()))
    return found


def _items(body: Any) -> list[Any]:
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return list(body["items"])
    return []


def _problems(
    world: World, role: Role, entry: Entry, call: Call, expected: Expect, response: Response
) -> list[str]:
    code = response.status_code
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    problems = []
    if code >= 500:
        problems.append("a server error")
    if role.user is None and not entry.public and code != 401:
        problems.append("answered nobody signed in without 401")
    if entry.enterprise_listing and role.member is not None and code == 200:
        own = world.org[role.member]
        strangers = [i for i in _items(body) if i.get("organisation_id") != own]
        if strangers:
            problems.append(f"listed another enterprise's: {strangers[0]}")
    if role.reads_all and call.method == "GET" and not 200 <= code < 300:
        problems.append("could not read")
    auditor_writes = role.name == "auditor" and call.method != "GET" and not entry.public
    if auditor_writes and code not in (403, 404):
        problems.append("the auditor changed something (expected 403 or 404)")
    if code != expected.status:
        problems.append(f"expected {expected.status}")
    if expected.listed is not None and code == 200:
        shown = _items(body)
        if expected.listed and not shown:
            problems.append("expected the listing to show something")
        if not expected.listed and shown:
            problems.append("expected the listing to show nothing")
    return problems


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("dataflow")
    with fresh_database(request.param, tmp) as database:
        yield build_world(database, catalogue, tmp)


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_every_dataflow_route_answers_each_role_only_for_what_it_may_reach(
    world: World, role: Role
) -> None:
    routes = dataflow_routes(world.app)
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"dataflow routes without a matrix row: {missing}"
    kit = make_kit(world, role)
    failures = []
    with world.client(role.user) as client:
        for route in sorted(routes, key=lambda r: r[0] != "GET"):  # reads first
            entry = MATRIX[route]
            for call in entry.calls(kit, world):
                response = client.request(call.method, V1 + call.url, json=call.json)
                expected = (
                    Expect(401)
                    if role.user is None and not entry.public
                    else entry.expect(role, call, world, kit)
                )
                problems = _problems(world, role, entry, call, expected, response)
                if problems:
                    failures.append(
                        f"{route[0]} {route[1]} [{call.method} {call.url}] -> "
                        f"{response.status_code} {response.text[:200]}: {'; '.join(problems)}"
                    )
    assert not failures, f"{role.name}:\n" + "\n".join(failures)


def test_every_dataflow_route_has_a_row_in_the_matrix(tmp_path: Path, catalogue: Catalogue) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    app = create_app(settings, catalogue=catalogue, migrate=False)
    routes = set(dataflow_routes(app))
    assert routes, "no /api/v1/dataflow/ routes found: has the way routes are listed changed?"
    assert routes == set(MATRIX), {
        "without a row": sorted(routes - set(MATRIX)),
        "rows for no route": sorted(set(MATRIX) - routes),
    }
