"""The talent authorization matrix: every /api/v1/talent/ route, called by every role, at objects of
employer A (the role "other_employer" is a member of O, an unrelated enterprise).

The matrix states, per route, what each role gets; the promises of the service are checked on top
of it, so that a wrong entry cannot hide a leak:
- nobody signed in gets 401 past the public routes; nothing answers 5xx;
- an employer's listings show only its own professionals and cases;
- a work-permit officer cannot decide the residence track and an exit-entry officer cannot decide
  the work-permit track (403);
- no response body, to anyone but A's members and the two officers (the exit-entry officers
  only, for port-visa invitations), carries one of A's full passport numbers; the same for O's;
- the auditor reads everything and changes nothing.

The platform is built once per backend; each role gets a fresh kit of A's objects, each write an
object of its own in the state it needs, so that a write allowed is a 2xx.

A /talent/ route without a row fails the test: add its row when you add the route.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import Response

from ftzlink.api import Platform, create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.settings import Settings
from ftzlink.talent import cases
from ftzlink.talent import invitations as port_visas
from ftzlink.talent.invitation_tables import InvitingUnit
from ftzlink.talent.tables import TrackKind
from tests.api.conftest import PDF
from tests.api.talent_world import RP, TODAY, V1, WP, TalentWorld, talent_world
from tests.databases import BACKENDS

TALENT = V1 + "/talent/"
TRACK_PATH = {WP: "work-permit", RP: "residence"}


# --- who calls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    name: str
    user: str | None
    member: Literal["a", "o"] | None = None
    decides: TrackKind | None = None
    reviewer: bool = False  # of Changning, A's district
    reads_all: bool = False
    admin: bool = False

    @property
    def employs(self) -> bool:  # a member of A, whose objects the matrix calls at
        return self.member == "a"

    @property
    def official(self) -> bool:
        return self.decides is not None

    @property
    def sees_filed(self) -> bool:  # A's filed cases, and the professionals they are for
        return self.employs or self.official or self.reads_all

    @property
    def sees_drafts(self) -> bool:
        return self.employs or self.reads_all

    @property
    def reads_invitations(self) -> bool:  # A's inviting units and invitations
        return self.employs or self.decides is RP or self.reads_all

    def may_see_passports_of(self, employer: str) -> bool:
        return self.member == employer or self.official


ROLES = [
    Role("anonymous", None),
    Role("employer", "member_a", member="a"),
    Role("other_employer", "member_o", member="o"),
    Role("work_permit_officer", "work_permit", decides=WP),
    Role("exit_entry_officer", "exit_entry", decides=RP),
    Role("reviewer", "reviewer", reviewer=True),
    Role("auditor", "auditor", reads_all=True),
    Role("platform_admin", "platform_admin", reads_all=True, admin=True),
]


# --- what each role's calls are made at ---------------------------------------------------------


@dataclass
class Shared:
    """Made once per platform: O's professional with a filed case, A's inviting unit approved and
    one invitation issued (its code verifies)."""

    invitation_id: int
    code: str
    invitation_passports: set[str] = field(default_factory=set)


@dataclass
class Kit:
    """A's objects for one role's calls."""

    professional: int
    family: list[int]
    draft_to_edit: int
    draft_for_documents: int
    draft_to_submit: int
    draft_to_withdraw: int
    received: int  # both tracks received: accept; read; its documents read
    to_return: int  # both received
    returned: int  # both returned: respond
    to_refuse: int  # both received
    to_approve: int  # both accepted: approve the work permit
    work_permit_approved: int  # the residence track accepted: approve it, read its limit
    document: int  # of `received`
    unit_to_approve: int
    unit_to_refuse: int
    unit_to_revoke: int


def make_shared(world: TalentWorld) -> Shared:
    with world.write() as s:
        professional = world.professional(s, "o")
        world.filed(s, professional.id, employer="o")
        unit = port_visas.apply(
            s,
            principal=world.principals["member_a"],
            organisation_id=world.org["a"],
            contact_name="王丽",
            contact_phone="021-62501234",
            statement="Joint laboratory with foreign universities.",
            today=TODAY,
        )
        port_visas.approve(
            s,
            principal=world.principals["exit_entry"],
            unit_id=unit.id,
            valid_until=dt.date(2026, 5, 31),
            today=TODAY,
        )
        passport = "IXA0000001"
        issued = port_visas.issue(
            s,
            principal=world.principals["member_a"],
            organisation_id=world.org["a"],
            invitee_name="Ben Guest",
            nationality="DE",
            passport_number=passport,
            date_of_birth=dt.date(1980, 4, 2),
            activity="exchange",
            purpose="A week of seminars",
            visa_type="M",
            planned_entry_on=TODAY + dt.timedelta(days=7),
            today=TODAY,
        )
        return Shared(
            invitation_id=issued.invitation.id,
            code=port_visas.format_code(issued.code),
            invitation_passports={passport},
        )


def _unit(world: TalentWorld, status: str) -> InvitingUnit:
    # Straight into the table: the registry keeps one live registration per organisation, and
    # the matrix needs several of A's at once, each in the state its route needs.
    approved = status == "approved"
    return InvitingUnit(
        organisation_id=world.org["a"],
        status=status,
        contact_name="王丽",
        contact_phone="021-62501234",
        statement="Joint laboratory.",
        applied_by=world.principals["member_a"].user_id,
        approved_on=TODAY if approved else None,
        valid_until=dt.date(2026, 5, 31) if approved else None,
    )


def make_kit(world: TalentWorld) -> Kit:
    with world.write() as s:
        person = world.professional(s).id
        family = [world.relative(s, person, "spouse").id, world.relative(s, person, "child").id]
        drafts = [world.draft(s, person, documents=i == 2) for i in range(4)]
        filed = [world.filed(s, person, family=family) for _ in range(6)]
        received, to_return, returned, to_refuse, to_approve, wp_approved = filed
        for kind in (WP, RP):
            world.return_(s, returned, kind)
            world.accept(s, to_approve, kind)
            world.accept(s, wp_approved, kind)
        world.approve_work_permit(s, wp_approved)
        document = cases.list_documents(
            s, principal=world.principals["member_a"], case_id=received
        )[0].id
        units = [_unit(world, status) for status in ("pending", "pending", "approved")]
        s.add_all(units)
        s.flush()
        return Kit(
            professional=person,
            family=family,
            draft_to_edit=drafts[0],
            draft_for_documents=drafts[1],
            draft_to_submit=drafts[2],
            draft_to_withdraw=drafts[3],
            received=received,
            to_return=to_return,
            returned=returned,
            to_refuse=to_refuse,
            to_approve=to_approve,
            work_permit_approved=wp_approved,
            document=document,
            unit_to_approve=units[0].id,
            unit_to_refuse=units[1].id,
            unit_to_revoke=units[2].id,
        )


# --- what a route is called with, and what it must answer ---------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    params: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    track: TrackKind | None = None  # the track a decision is about


@dataclass(frozen=True)
class Expect:
    status: int
    listed: bool | None = None  # a listing: shows something (True) or nothing (False)


@dataclass(frozen=True)
class Context:
    world: TalentWorld
    kit: Kit
    shared: Shared


@dataclass(frozen=True)
class Entry:
    calls: Callable[[Context], list[Call]]
    expect: Callable[[Role, Call], Expect]
    public: bool = False
    # a listing of the employer's objects: each item's employer, which must be the caller's own
    employer_of: Callable[[dict[str, Any]], int] | None = None


def one(method: str, url: Callable[[Context], str], **kw: Any) -> Callable[[Context], list[Call]]:
    return lambda c: [Call(method, url(c), **kw)]


def per_track(
    method: str,
    case: Callable[[Kit], int],
    action: str,
    body: Callable[[TrackKind], Any] | None = None,
) -> Callable[[Context], list[Call]]:
    return lambda c: [
        Call(
            method,
            f"/talent/cases/{case(c.kit)}/tracks/{TRACK_PATH[kind]}/{action}",
            json=body(kind) if body else None,
            track=kind,
        )
        for kind in (WP, RP)
    ]


# rules, named after the permission they state


def status(code: int) -> Callable[[Role, Call], Expect]:
    return lambda role, call: Expect(code)


def reading_filed(role: Role, call: Call) -> Expect:
    return Expect(200 if role.sees_filed else 404)


def employer(code: int, *, filed: bool) -> Callable[[Role, Call], Expect]:
    """The employer's step on its object: those who see the object but do not file get 403."""

    def rule(role: Role, call: Call) -> Expect:
        if role.employs:
            return Expect(code)
        return Expect(403 if (role.sees_filed if filed else role.sees_drafts) else 404)

    return rule


def deciding(role: Role, call: Call) -> Expect:
    return Expect(200 if role.decides is call.track else 403)


def listing(role: Role, call: Call) -> Expect:
    # O has a filed case of its own: its member's listing is not empty, and holds none of A's.
    return Expect(200, listed=role.member is not None or role.official or role.reads_all)


def recognising(role: Role, call: Call) -> Expect:
    if role.reviewer or role.admin:
        return Expect(201)
    return Expect(403 if role.employs or role.reads_all else 404)


def reading_recognition(role: Role, call: Call) -> Expect:
    return Expect(200 if role.employs or role.reviewer or role.reads_all or role.official else 404)


def reading_invitations(role: Role, call: Call) -> Expect:
    return Expect(200 if role.reads_invitations else 404)


def listing_invitations(role: Role, call: Call) -> Expect:
    return Expect(200, listed=role.reads_invitations)


def applying_unit(role: Role, call: Call) -> Expect:
    # A is an approved inviting unit already (it has to be, to invite): a second live
    # registration is refused. test_invitations_api.py shows the 201.
    if role.employs:
        return Expect(409)
    return Expect(403 if role.reads_all or role.decides is RP else 404)


def deciding_unit(role: Role, call: Call) -> Expect:
    if role.decides is RP:
        return Expect(200)
    return Expect(403 if role.reads_invitations else 404)


def inviting(role: Role, call: Call) -> Expect:
    if role.employs:
        return Expect(201)
    return Expect(403 if role.reads_all or role.decides is RP else 404)


def _new_professional(c: Context) -> list[Call]:
    body = {
        "employer_id": c.world.org["a"],
        "full_name": "Carl Meyer",
        "nationality": "DEU",
        "passport_number": c.world.passport("a"),
        "passport_expiry": "2034-05-01",
        "birth_date": "1985-01-01",
        "education": "master",
        "experience_years": 5,
        "annual_salary_yuan": 500_000,
        "chinese_level": "hsk3",
        "post": "Engineer",
    }
    return [Call("POST", "/talent/professionals", body)]


def _new_child(c: Context) -> list[Call]:
    body = {
        "relation": "child",
        "full_name": "Second Child",
        "nationality": "DEU",
        "passport_number": c.world.passport("a", "CX"),
        "passport_expiry": "2033-01-01",
        "birth_date": "2019-03-03",
    }
    return [Call("POST", f"/talent/professionals/{c.kit.professional}/family", body)]


def _new_invitation(c: Context) -> list[Call]:
    passport = f"IXA{len(c.shared.invitation_passports) + 1:07d}"
    c.shared.invitation_passports.add(passport)
    body = {
        "organisation_id": c.world.org["a"],
        "invitee_name": "Dora Guest",
        "nationality": "FR",
        "passport_number": passport,
        "date_of_birth": "1979-01-01",
        "activity": "research",
        "purpose": "Joint experiments",
        "visa_type": "F",
        "planned_entry_on": (TODAY + dt.timedelta(days=5)).isoformat(),
    }
    return [Call("POST", "/talent/invitations", body)]


def _approval(kind: TrackKind) -> dict[str, Any]:
    until = "2027-06-02" if kind is WP else "2026-06-02"
    return {"valid_from": TODAY.isoformat(), "valid_until": until}


def _employer_id(item: dict[str, Any]) -> int:
    return int(item["employer_id"])


UNITS, INVITATIONS = "/talent/inviting-units", "/talent/invitations"


def _apply_unit(c: Context) -> list[Call]:
    body = {
        "organisation_id": c.world.org["a"],
        "contact_name": "王丽",
        "contact_phone": "021-62501234",
        "statement": "Joint laboratory with foreign universities.",
    }
    return [Call("POST", UNITS, body)]


MATRIX: dict[tuple[str, str], Entry] = {
    # professionals and family
    ("GET", "/talent/professionals"): Entry(
        one("GET", lambda c: "/talent/professionals"), listing, employer_of=_employer_id
    ),
    ("POST", "/talent/professionals"): Entry(
        _new_professional, lambda r, c: Expect(201 if r.employs else 403)
    ),
    ("GET", "/talent/professionals/{professional_id}"): Entry(
        one("GET", lambda c: f"/talent/professionals/{c.kit.professional}"), reading_filed
    ),
    ("GET", "/talent/professionals/{professional_id}/family"): Entry(
        one("GET", lambda c: f"/talent/professionals/{c.kit.professional}/family"), reading_filed
    ),
    ("POST", "/talent/professionals/{professional_id}/family"): Entry(
        _new_child, employer(201, filed=True)
    ),
    # key enterprises
    ("POST", "/talent/key-enterprises"): Entry(
        lambda c: [
            Call(
                "POST",
                "/talent/key-enterprises",
                {
                    "organisation_id": c.world.org["a"],
                    "recognised_by": "长宁区人民政府",
                    "valid_from": "2025-01-01",
                    "valid_until": "2025-12-31",
                },
            )
        ],
        recognising,
    ),
    ("GET", "/talent/key-enterprises/{organisation_id}"): Entry(
        one("GET", lambda c: f"/talent/key-enterprises/{c.world.org['a']}"), reading_recognition
    ),
    # cases
    ("GET", "/talent/cases"): Entry(
        one("GET", lambda c: "/talent/cases"), listing, employer_of=_employer_id
    ),
    ("POST", "/talent/cases"): Entry(
        lambda c: [
            Call(
                "POST",
                "/talent/cases",
                {"professional_id": c.kit.professional, "family_member_ids": c.kit.family},
            )
        ],
        employer(201, filed=True),
    ),
    ("GET", "/talent/cases/{case_id}"): Entry(
        one("GET", lambda c: f"/talent/cases/{c.kit.received}"), reading_filed
    ),
    ("PATCH", "/talent/cases/{case_id}"): Entry(
        one(
            "PATCH",
            lambda c: f"/talent/cases/{c.kit.draft_to_edit}",
            json={"work_permit_category": "B"},
        ),
        employer(200, filed=False),
    ),
    ("POST", "/talent/cases/{case_id}/submit"): Entry(
        one("POST", lambda c: f"/talent/cases/{c.kit.draft_to_submit}/submit"),
        employer(200, filed=False),
    ),
    ("POST", "/talent/cases/{case_id}/withdraw"): Entry(
        one("POST", lambda c: f"/talent/cases/{c.kit.draft_to_withdraw}/withdraw"),
        employer(200, filed=False),
    ),
    ("GET", "/talent/cases/{case_id}/documents"): Entry(
        one("GET", lambda c: f"/talent/cases/{c.kit.received}/documents"), reading_filed
    ),
    ("POST", "/talent/cases/{case_id}/documents"): Entry(
        one(
            "POST",
            lambda c: f"/talent/cases/{c.kit.draft_for_documents}/documents",
            data={"kind": "degree"},
            files={"file": ("degree.pdf", PDF, "application/pdf")},
        ),
        employer(201, filed=False),
    ),
    ("GET", "/talent/documents/{document_id}/content"): Entry(
        one("GET", lambda c: f"/talent/documents/{c.kit.document}/content"), reading_filed
    ),
    ("GET", "/talent/cases/{case_id}/residence-limit"): Entry(
        one("GET", lambda c: f"/talent/cases/{c.kit.work_permit_approved}/residence-limit"),
        reading_filed,
    ),
    # the two tracks
    ("POST", "/talent/cases/{case_id}/tracks/{track}/accept"): Entry(
        per_track("POST", lambda k: k.received, "accept"), deciding
    ),
    ("POST", "/talent/cases/{case_id}/tracks/{track}/return"): Entry(
        per_track("POST", lambda k: k.to_return, "return", lambda _: {"questions": ["More?"]}),
        deciding,
    ),
    ("POST", "/talent/cases/{case_id}/tracks/{track}/respond"): Entry(
        per_track("POST", lambda k: k.returned, "respond", lambda _: {"response": "Uploaded."}),
        employer(200, filed=True),
    ),
    ("POST", "/talent/cases/{case_id}/tracks/{track}/approve"): Entry(
        lambda c: [
            Call(
                "POST",
                f"/talent/cases/{c.kit.to_approve}/tracks/work-permit/approve",
                json=_approval(WP),
                track=WP,
            ),
            Call(
                "POST",
                f"/talent/cases/{c.kit.work_permit_approved}/tracks/residence/approve",
                json=_approval(RP),
                track=RP,
            ),
        ],
        deciding,
    ),
    ("POST", "/talent/cases/{case_id}/tracks/{track}/refuse"): Entry(
        per_track("POST", lambda k: k.to_refuse, "refuse", lambda _: {"reasons": ["No."]}),
        deciding,
    ),
    # port-visa invitations: inviting units (see test_invitations_api.py)
    ("GET", UNITS): Entry(one("GET", lambda c: UNITS), listing_invitations),
    ("POST", UNITS): Entry(_apply_unit, applying_unit),
    ("GET", UNITS + "/{unit_id}"): Entry(
        one("GET", lambda c: f"{UNITS}/{c.kit.unit_to_approve}"), reading_invitations
    ),
    ("POST", UNITS + "/{unit_id}/approve"): Entry(
        one(
            "POST",
            lambda c: f"{UNITS}/{c.kit.unit_to_approve}/approve",
            json={"valid_until": "2026-05-31"},
        ),
        deciding_unit,
    ),
    ("POST", UNITS + "/{unit_id}/refuse"): Entry(
        one(
            "POST",
            lambda c: f"{UNITS}/{c.kit.unit_to_refuse}/refuse",
            json={"reason": "Incomplete."},
        ),
        deciding_unit,
    ),
    ("POST", UNITS + "/{unit_id}/revoke"): Entry(
        one(
            "POST",
            lambda c: f"{UNITS}/{c.kit.unit_to_revoke}/revoke",
            json={"reason": "False statements."},
        ),
        deciding_unit,
    ),
    # invitations
    ("GET", INVITATIONS): Entry(one("GET", lambda c: INVITATIONS), listing_invitations),
    ("POST", INVITATIONS): Entry(_new_invitation, inviting),
    ("GET", INVITATIONS + "/{invitation_id}"): Entry(
        one("GET", lambda c: f"{INVITATIONS}/{c.shared.invitation_id}"), reading_invitations
    ),
    ("POST", INVITATIONS + "/verify"): Entry(
        lambda c: [Call("POST", f"{INVITATIONS}/verify", {"code": c.shared.code})],
        status(200),
        public=True,
    ),
}


def talent_routes(app: Platform) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1/talent/, /api/v1 left off."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        path = re.sub(r":\w+}", "}", route.path or "")  # {run_id:int} is {run_id}
        if path.startswith(TALENT):
            found.extend((method, path.removeprefix(V1)) for method in sorted(route.methods or ()))
    return found


# --- what the service promises, whatever the matrix says ----------------------------------------


def _items(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return list(body["items"])
    return []


def _invariant_problems(
    world: TalentWorld, shared: Shared, role: Role, entry: Entry, call: Call, response: Response
) -> list[str]:
    code = response.status_code
    is_json = "json" in response.headers.get("content-type", "")
    body = response.json() if is_json else None
    problems = []
    if code >= 500:
        problems.append("a server error")
    if role.user is None and not entry.public and code != 401:
        problems.append("answered nobody signed in without 401")
    if entry.employer_of is not None and role.member is not None and code == 200:
        own = world.org[role.member]
        strangers = [i for i in _items(body) if entry.employer_of(i) != own]
        if strangers:
            problems.append(f"listed another employer's: {strangers[0]}")
    deciding_call = call.url.endswith(("/accept", "/return", "/approve", "/refuse"))
    other_track = call.track is not None and role.official and role.decides is not call.track
    if deciding_call and other_track and code != 403:
        problems.append("an officer decided the other authority's track (expected 403)")
    if role.reads_all and call.method == "GET" and not 200 <= code < 300:
        problems.append("could not read")
    auditor_writes = role.name == "auditor" and call.method != "GET" and not entry.public
    if auditor_writes and code not in (403, 404):
        problems.append("the auditor changed something (expected 403 or 404)")
    if is_json:
        text = response.text
        hidden = set()
        for employer in ("a", "o"):
            if not role.may_see_passports_of(employer):
                hidden |= world.passports[employer]
        if not (role.employs or role.decides is RP):
            hidden |= shared.invitation_passports
        shown = sorted(p for p in hidden if p in text)
        if shown:
            problems.append(f"showed full passport numbers {shown}")
    return problems


def _matrix_problems(expected: Expect, response: Response) -> list[str]:
    problems = []
    if response.status_code != expected.status:
        problems.append(f"expected {expected.status}")
    if expected.listed is not None and response.status_code == 200:
        shown = _items(response.json())
        if expected.listed and not shown:
            problems.append("expected the listing to show something")
        if not expected.listed and shown:
            problems.append("expected the listing to show nothing")
    return problems


@pytest.fixture(scope="module", params=BACKENDS)
def platform(
    request: pytest.FixtureRequest, catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TalentWorld, Shared]]:
    with talent_world(request.param, catalogue, tmp_path_factory.mktemp("talent")) as world:
        yield world, make_shared(world)


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_every_talent_route_answers_each_role_only_for_what_it_may_reach(
    platform: tuple[TalentWorld, Shared], role: Role
) -> None:
    world, shared = platform
    routes = talent_routes(world.app)
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"talent routes without a matrix row: {missing}"
    context = Context(world, make_kit(world), shared)
    failures = []
    with world.client(role.user) as client:
        for route in sorted(routes, key=lambda r: r[0] != "GET"):  # reads first
            entry = MATRIX[route]
            for call in entry.calls(context):
                response = client.request(
                    call.method,
                    V1 + call.url,
                    json=call.json,
                    params=call.params,
                    data=call.data,
                    files=call.files,
                )
                expected = (
                    Expect(401)
                    if role.user is None and not entry.public
                    else entry.expect(role, call)
                )
                problems = _invariant_problems(world, shared, role, entry, call, response)
                problems += _matrix_problems(expected, response)
                if problems:
                    failures.append(
                        f"{route[0]} {route[1]} [{call.method} {call.url}] -> "
                        f"{response.status_code} {response.text[:200]}: {'; '.join(problems)}"
                    )
    assert not failures, f"{role.name}:\n" + "\n".join(failures)


def test_every_talent_route_has_a_row_in_the_matrix(tmp_path: Path, catalogue: Catalogue) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    app = create_app(settings, catalogue=catalogue, migrate=False)
    routes = set(talent_routes(app))
    assert routes, "no /api/v1/talent/ routes found: has the way routes are listed changed?"
    assert routes == set(MATRIX), {
        "without a row": sorted(routes - set(MATRIX)),
        "rows for no route": sorted(set(MATRIX) - routes),
    }
