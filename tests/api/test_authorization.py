"""The authorization matrix: every route of /api/v1, called by every role, at an object of the
role's own organisation and at one of another organisation.

The matrix states, per route, who gets what; the invariants the platform promises are checked on
top of it, so that a wrong entry cannot hide a leak: nobody signed in gets 401 past the public
routes; an enterprise user reaching for another organisation's object gets 404 (never 2xx); a
reviewer of Xuhui cannot see a Changning application; the auditor reads everything and changes
nothing (it may still sign in and keep its own API tokens); nothing answers 5xx.

Each role gets a fresh platform (see conftest.py); reads are called before writes, and every
write has an application of its own in the state it needs, so that a write allowed is a 2xx.

A route without an entry fails the test: add its row when you add the route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import Response

from ftzlink.api import Platform, create_app
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role as RoleName
from ftzlink.catalogue.models import Catalogue
from ftzlink.ledger import published
from ftzlink.settings import Settings
from tests.api.conftest import (
    AMOUNT,
    BUDGET,
    FOCUS,
    HEADQUARTERS,
    ORGANISATIONS,
    PDF,
    PROFILE,
    SYSTEM,
    XUHUI_SERVICE,
    YEAR,
    Api,
    uscc,
)

V1 = "/api/v1"
PASSWORD = "correct horse battery"
ALL = frozenset(ORGANISATIONS)
CHANGNING = frozenset(k for k, (_, _, district) in ORGANISATIONS.items() if district == "changning")

Which = Literal["own", "other"]


@dataclass(frozen=True)
class Role:
    """Who calls, which objects are its own and another's, and what the role may do."""

    name: str
    user: str | None
    own: str = "a"  # organisation key
    other: str = "o"
    own_delegation: str = "a2"  # a delegation, by its branch's key (A2's headquarters is A)
    other_delegation: str = "b"  # (B's headquarters is HQ)
    sees: frozenset[str] = frozenset()  # organisations whose objects it may read
    acts_for: frozenset[str] = frozenset()  # applicant steps: own organisations, delegated branches
    manages: frozenset[str] = frozenset()  # organisation profile, delegations
    reviews: frozenset[str] = frozenset()  # decides applications of these organisations
    funds: frozenset[str] = frozenset()  # sets budgets and allowances of these measures
    member_of: frozenset[str] = frozenset()
    official_of: frozenset[str] = frozenset()  # districts
    reads_all: bool = False
    platform_admin: bool = False
    enterprise: bool = False

    def side(self, which: Which) -> Side:
        own = which == "own"
        if own and self.user:
            token_of = self.user
        else:  # someone else's
            token_of = "reviewer" if self.user == "auditor" else "auditor"
        return Side(
            which=which,
            org=self.own if own else self.other,
            delegation=self.own_delegation if own else self.other_delegation,
            measure=FOCUS if own else XUHUI_SERVICE,
            token_of=token_of,
        )


@dataclass(frozen=True)
class Side:
    which: Which
    org: str
    delegation: str
    measure: str  # a Changning grant (own), a Xuhui service (other)
    token_of: str  # whose spare token to revoke


ROLES = [
    Role("anonymous", None),
    Role(
        "enterprise_member",
        "member_a",
        sees=frozenset({"a", "a2"}),
        acts_for=frozenset({"a", "a2"}),
        member_of=frozenset({"a"}),
        enterprise=True,
    ),
    Role(
        "enterprise_admin",
        "admin_a",
        sees=frozenset({"a", "a2"}),
        acts_for=frozenset({"a", "a2"}),
        manages=frozenset({"a"}),
        member_of=frozenset({"a"}),
        enterprise=True,
    ),
    Role(
        "hq_member_for_branch",
        "member_hq",
        own="b",
        own_delegation="b",
        other_delegation="a2",
        sees=frozenset({"hq", "b"}),
        acts_for=frozenset({"hq", "b"}),
        member_of=frozenset({"hq"}),
        enterprise=True,
    ),
    Role(
        "reviewer",
        "reviewer",
        other="hq",
        sees=CHANGNING,
        reviews=CHANGNING,
        official_of=frozenset({"changning"}),
    ),
    Role(
        "reviewer_of_other_district",
        "reviewer_xuhui",
        own="hq",
        other="a",
        own_delegation="b",
        other_delegation="a2",
        sees=frozenset({"hq"}),
        reviews=frozenset({"hq"}),
        official_of=frozenset({"xuhui"}),
    ),
    Role(
        "budget_officer",
        "budget_officer",
        other="hq",
        sees=CHANGNING,
        funds=frozenset({FOCUS}),
        official_of=frozenset({"changning"}),
    ),
    Role("auditor", "auditor", sees=ALL, reads_all=True),
    Role(
        "platform_admin",
        "platform_admin",
        sees=ALL,
        manages=ALL,
        funds=frozenset({FOCUS, XUHUI_SERVICE}),
        reads_all=True,
        platform_admin=True,
    ),
]


# --- what a route is called with, and what it must answer -----------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    params: dict[str, Any] | None = None
    files: dict[str, Any] | None = None


@dataclass(frozen=True)
class Expect:
    status: int
    listed: bool | None = None  # a listing: shows something (True) or nothing (False)
    refused_as: str | None = None  # batch signing: the code the refused item carries


@dataclass(frozen=True)
class Entry:
    call: Callable[[Api, Side], Call]
    expect: Callable[[Role, Side], Expect]
    public: bool = False  # answered to anyone, signed in or not
    own_account: bool = False  # the caller's own sign-in and tokens: not a change to the platform
    scoped: bool = False  # reaches one organisation's object: another's must stay hidden
    # a listing: the organisations an item of it concerns (each must be one the caller sees)
    concerns: Callable[[dict[str, Any]], set[int]] | None = None


def _app(api: Api, side: Side, purpose: str) -> int:
    return api.application[side.org, purpose]


def _hq_of(branch: str) -> str:
    return HEADQUARTERS[branch]


# rules, named after the permission they state


def anyone(status: int = 200) -> Callable[[Role, Side], Expect]:
    return lambda role, side: Expect(status)


def reading(role: Role, side: Side) -> Expect:
    return Expect(200 if side.org in role.sees else 404)


def applicant(status: int = 200) -> Callable[[Role, Side], Expect]:
    def rule(role: Role, side: Side) -> Expect:
        if side.org in role.acts_for:
            return Expect(status)
        return Expect(403 if side.org in role.sees else 404)

    return rule


def _sees_drafts(role: Role) -> frozenset[str]:
    """A draft is the applicant's own until submitted: a reviewer or budget officer does not see
    it (404), the auditor and the platform admin do."""
    return role.sees if role.reads_all else role.acts_for | role.member_of


def reading_draft(role: Role, side: Side) -> Expect:
    return Expect(200 if side.org in _sees_drafts(role) else 404)


def applicant_on_draft(status: int = 200) -> Callable[[Role, Side], Expect]:
    def rule(role: Role, side: Side) -> Expect:
        if side.org in role.acts_for:
            return Expect(status)
        return Expect(403 if side.org in _sees_drafts(role) else 404)

    return rule


def reviewing(role: Role, side: Side) -> Expect:
    if side.org in role.reviews:
        return Expect(200)
    return Expect(403 if side.org in role.sees else 404)


def managing(role: Role, side: Side) -> Expect:
    if side.org in role.manages:
        return Expect(200)
    return Expect(403 if side.org in role.sees else 404)


def batch_signing(role: Role, side: Side) -> Expect:
    # All or nothing: a refused item makes the whole batch a 409 that names why.
    if side.org in role.reviews:
        return Expect(200)
    return Expect(409, refused_as="forbidden" if side.org in role.sees else "not_found")


def delegation_party(role: Role, side: Side) -> bool:
    return role.reads_all or bool(role.member_of & {side.delegation, _hq_of(side.delegation)})


def reading_delegation(role: Role, side: Side) -> Expect:
    return Expect(200 if delegation_party(role, side) else 404)


def revoking_delegation(role: Role, side: Side) -> Expect:
    if not delegation_party(role, side):
        return Expect(404)
    parties = {side.delegation, _hq_of(side.delegation)}
    return Expect(200 if role.manages & parties else 403)


def granting_delegation(role: Role, side: Side) -> Expect:
    if side.delegation not in role.sees:
        return Expect(404)
    parties = {side.delegation, _hq_of(side.delegation)}
    return Expect(201 if role.manages & parties else 403)


def platform_admin_only(status: int) -> Callable[[Role, Side], Expect]:
    return lambda role, side: Expect(status if role.platform_admin else 403)


def auditing(role: Role, side: Side) -> Expect:
    return Expect(200, listed=True) if role.reads_all else Expect(403)


def funding(grants_only: bool) -> Callable[[Role, Side], Expect]:
    def rule(role: Role, side: Side) -> Expect:
        if side.measure not in role.funds:
            return Expect(403)
        # A service measure pays no money: it has no budget (but may have an allowance).
        return Expect(422 if grants_only and side.measure == XUHUI_SERVICE else 200)

    return rule


def listing(role: Role, side: Side) -> Expect:
    return Expect(200, listed=side.org in role.sees)


def session_call(api: Api, side: Side) -> Call:
    # Users of the matrix have no password (a hash costs a fifth of a second per world); signing
    # in for real is test_a_change_under_a_session_cookie_needs_its_csrf_token's business.
    password = "not the password" if side.which == "own" else ""
    return Call("POST", "/session", {"username": "platform-admin", "password": password})


def _organisation_changes(api: Api, side: Side) -> Call:
    return Call("PATCH", f"/organisations/{api.org[side.org]}", {"name": api.names[side.org]})


def _new_application(api: Api, side: Side) -> Call:
    body: dict[str, Any] = {"organisation_id": api.org[side.org]}
    if side.org == "hq":
        body["measure_id"] = XUHUI_SERVICE
    else:
        body.update(measure_id=FOCUS, requested_amount=AMOUNT)
    return Call("POST", "/applications", body)


def _approval(api: Api, side: Side) -> Call:
    body = {} if side.org == "hq" else {"amount": AMOUNT}
    return Call("POST", f"/applications/{_app(api, side, 'to_approve')}/approve", body)


def _batch(api: Api, side: Side) -> Call:
    item: dict[str, Any] = {"application_id": _app(api, side, "to_batch"), "decision": "approve"}
    if side.org != "hq":
        item["amount"] = AMOUNT
    return Call("POST", "/batch-signing", {"items": [item], "all_or_nothing": True})


def _new_user(api: Api, side: Side) -> Call:
    return Call(
        "POST",
        "/users",
        {
            "username": f"new-{side.which}",
            "display_name": "New",
            "roles": [{"role": "enterprise_member", "organisation_id": api.org[side.org]}],
        },
    )


NEW_USCC = {"own": uscc("310105", "MA1KD2W5"), "other": uscc("310105", "MA1LE3X6")}


def _administered(api: Api, side: Side) -> int:
    return api.principal("admin_o" if side.which == "own" else "admin_b").user_id


def _new_organisation(api: Api, side: Side) -> Call:
    return Call(
        "POST",
        "/organisations",
        {
            "uscc": NEW_USCC[side.which],
            "name": f"新企业{side.which}",
            "district": "changning",
            "zone": "changning",
            "sector": "smart_internet",
            "profile": PROFILE,
        },
    )


def _check(api: Api, side: Side) -> Call:
    code, name, district = ORGANISATIONS[side.org]
    profile = {**PROFILE, "name": name, "uscc": code, "registered_district": district}
    return Call("POST", "/check", {"profile": {**profile, "zone": district}})


def _new_delegation(api: Api, side: Side) -> Call:
    return Call(
        "POST",
        "/delegations",
        {
            "headquarters_id": api.org[_hq_of(side.delegation)],
            "branch_id": api.org[side.delegation],
            "valid_from": f"{YEAR}-06-01",
        },
    )


def _upload(api: Api, side: Side) -> Call:
    return Call(
        "POST",
        f"/applications/{_app(api, side, 'draft')}/documents",
        files={"file": ("annex.pdf", PDF, "application/pdf")},
    )


def app_call(
    method: str, suffix: str, purpose: str, body: Any = None
) -> Callable[[Api, Side], Call]:
    return lambda api, side: Call(method, f"/applications/{_app(api, side, purpose)}{suffix}", body)


# the pilot-case registry: read by anyone, kept by platform administrators and data regulators;
# each call reaches a case of its own, made here, so that an allowed write is a 2xx


def _pilot(api: Api, side: Side) -> int:
    from ftzlink.pilots import service as pilots
    from tests.api.conftest import TODAY

    with api.database.write() as s:
        return pilots.create_case(
            s,
            principal=api.principal("platform_admin"),
            catalogue=api.catalogue,
            slug=f"matrix-{side.which}-{pilots.list_cases(s)[1]}",
            zone="lingang",
            title_zh="试点案例",
            title_en="A pilot case",
            summary_zh="摘要",
            summary_en="Summary",
            stage=None,
            today=TODAY,
        ).id


def _certificate(api: Api, side: Side) -> str:
    """A certificate of the side's submitted application (issued as the platform would for an
    approved one: what is checked here is who may read it, not when it may be issued)."""
    from ftzlink.certificates import service as certificates
    from ftzlink.ledger.keys import configured_signer
    from tests.api.conftest import TODAY

    application_id = _app(api, side, "to_approve")
    with api.database.write() as s:
        return certificates.issue(
            s,
            kind="grant-approval",
            object_ref=f"application:{application_id}",
            organisation_id=api.org[side.org],
            subject={"name": side.org},
            facts=[],
            principal=api.principal("platform_admin"),
            signer=configured_signer(api.settings),
            today=TODAY,
        ).number


def editing(status: int) -> Callable[[Role, Side], Expect]:
    return lambda role, side: Expect(
        status if role.platform_admin or role.name == "data_regulator" else 403
    )


MATRIX: dict[tuple[str, str], Entry] = {
    # the catalogue: public
    ("GET", "/zones"): Entry(lambda a, s: Call("GET", "/zones"), anyone(), public=True),
    ("GET", "/zones/{zone_id}"): Entry(
        lambda a, s: Call("GET", f"/zones/{ORGANISATIONS[s.org][2]}"), anyone(), public=True
    ),
    ("GET", "/policies"): Entry(lambda a, s: Call("GET", "/policies"), anyone(), public=True),
    ("GET", "/policies/{policy_id}"): Entry(
        lambda a, s: Call(
            "GET",
            "/policies/" + ("changning-trial-2024" if s.which == "own" else "linked-zones-2024"),
        ),
        anyone(),
        public=True,
    ),
    ("GET", "/measures"): Entry(lambda a, s: Call("GET", "/measures"), anyone(), public=True),
    ("GET", "/measures/{measure_id}"): Entry(
        lambda a, s: Call("GET", f"/measures/{s.measure}"), anyone(), public=True
    ),
    ("POST", "/check"): Entry(_check, anyone(), public=True),
    # the ledger's public face
    ("GET", "/ledger/key"): Entry(lambda a, s: Call("GET", "/ledger/key"), anyone(), public=True),
    ("GET", "/ledger/checkpoint"): Entry(
        lambda a, s: Call("GET", "/ledger/checkpoint"), anyone(), public=True
    ),
    ("GET", "/ledger/checkpoints"): Entry(
        lambda a, s: Call("GET", "/ledger/checkpoints"), anyone(), public=True
    ),
    ("GET", "/ledger/checkpoints/{size}"): Entry(
        lambda a, s: Call(
            "GET",
            f"/ledger/checkpoints/{published.read(a.settings.ledger_checkpoints_path)[-1].size}",
        ),
        anyone(),
        public=True,
    ),
    ("GET", "/ledger/proofs/inclusion"): Entry(
        lambda a, s: Call("GET", "/ledger/proofs/inclusion", params={"index": 0}),
        anyone(),
        public=True,
    ),
    ("GET", "/ledger/proofs/consistency"): Entry(
        lambda a, s: Call("GET", "/ledger/proofs/consistency", params={"old_size": 1}),
        anyone(),
        public=True,
    ),
    # certificates: read by whoever sees the object; verified and the key given to anyone
    ("GET", "/certificates/public-key"): Entry(
        lambda a, s: Call("GET", "/certificates/public-key"), anyone(), public=True
    ),
    ("GET", "/certificates/{number}"): Entry(
        lambda a, s: Call("GET", f"/certificates/{_certificate(a, s)}"), reading, scoped=True
    ),
    ("GET", "/certificates/{number}/verify"): Entry(
        lambda a, s: Call("GET", f"/certificates/{_certificate(a, s)}/verify"),
        anyone(),
        public=True,
    ),
    # signing in and out, the caller, its tokens
    ("POST", "/session"): Entry(
        session_call, lambda r, s: Expect(401 if s.which == "own" else 422), public=True
    ),
    ("DELETE", "/session"): Entry(
        lambda a, s: Call("DELETE", "/session"), anyone(204), public=True
    ),
    ("GET", "/me"): Entry(lambda a, s: Call("GET", "/me"), anyone()),
    ("POST", "/tokens"): Entry(
        lambda a, s: Call("POST", "/tokens", {"name": "matrix"}), anyone(201), own_account=True
    ),
    ("DELETE", "/tokens/{token_id}"): Entry(
        lambda a, s: Call("DELETE", f"/tokens/{a.users[s.token_of].spare_token_id}"),
        lambda r, s: Expect(204 if s.which == "own" else 404),
        own_account=True,
    ),
    ("POST", "/users"): Entry(_new_user, platform_admin_only(201)),
    ("GET", "/users"): Entry(lambda a, s: Call("GET", "/users"), auditing),
    # administering another user (never one of the callers: admin_o, admin_b)
    ("POST", "/users/{user_id}/disable"): Entry(
        lambda a, s: Call("POST", f"/users/{_administered(a, s)}/disable"), platform_admin_only(200)
    ),
    ("POST", "/users/{user_id}/enable"): Entry(
        lambda a, s: Call("POST", f"/users/{_administered(a, s)}/enable"), platform_admin_only(200)
    ),
    ("POST", "/users/{user_id}/revoke-tokens"): Entry(
        lambda a, s: Call("POST", f"/users/{_administered(a, s)}/revoke-tokens"),
        platform_admin_only(200),
    ),
    # organisations and delegations
    ("GET", "/organisations"): Entry(
        lambda a, s: Call("GET", "/organisations", params={"q": ORGANISATIONS[s.org][0]}),
        listing,
        scoped=True,
        concerns=lambda item: {item["id"]},
    ),
    ("POST", "/organisations"): Entry(_new_organisation, platform_admin_only(201)),
    ("GET", "/organisations/{organisation_id}"): Entry(
        lambda a, s: Call("GET", f"/organisations/{a.org[s.org]}"), reading, scoped=True
    ),
    ("PATCH", "/organisations/{organisation_id}"): Entry(
        _organisation_changes, managing, scoped=True
    ),
    ("GET", "/organisations/{organisation_id}/allowances"): Entry(
        lambda a, s: Call(
            "GET", f"/organisations/{a.org[s.org]}/allowances", params={"measure_id": FOCUS}
        ),
        reading,
        scoped=True,
    ),
    ("GET", "/delegations"): Entry(
        lambda a, s: Call("GET", "/delegations"),
        lambda r, s: Expect(200, listed=r.reads_all or bool(r.member_of)),
        scoped=True,
        concerns=lambda item: {item["headquarters_id"], item["branch_id"]},
    ),
    ("POST", "/delegations"): Entry(_new_delegation, granting_delegation, scoped=True),
    ("GET", "/delegations/{delegation_id}"): Entry(
        lambda a, s: Call("GET", f"/delegations/{a.delegation[s.delegation]}"),
        reading_delegation,
        scoped=True,
    ),
    ("POST", "/delegations/{delegation_id}/revoke"): Entry(
        lambda a, s: Call("POST", f"/delegations/{a.delegation[s.delegation]}/revoke"),
        revoking_delegation,
        scoped=True,
    ),
    # applications
    ("GET", "/applications"): Entry(
        lambda a, s: Call("GET", "/applications", params={"organisation_id": a.org[s.org]}),
        listing,
        scoped=True,
        concerns=lambda item: {item["organisation_id"]},
    ),
    ("POST", "/applications"): Entry(_new_application, applicant(201), scoped=True),
    ("GET", "/applications/{application_id}"): Entry(
        app_call("GET", "", "draft"), reading_draft, scoped=True
    ),
    ("PATCH", "/applications/{application_id}"): Entry(
        app_call("PATCH", "", "draft", {"project_name": "AI platform"}),
        applicant_on_draft(),
        scoped=True,
    ),
    ("POST", "/applications/{application_id}/submit"): Entry(
        app_call("POST", "/submit", "to_submit"), applicant_on_draft(), scoped=True
    ),
    ("POST", "/applications/{application_id}/return"): Entry(
        app_call("POST", "/return", "to_return", {"questions": ["Which products use AI?"]}),
        reviewing,
        scoped=True,
    ),
    ("POST", "/applications/{application_id}/resubmit"): Entry(
        app_call("POST", "/resubmit", "returned", {"response": "See the annex."}),
        applicant(),
        scoped=True,
    ),
    ("POST", "/applications/{application_id}/approve"): Entry(_approval, reviewing, scoped=True),
    ("POST", "/applications/{application_id}/reject"): Entry(
        app_call("POST", "/reject", "to_reject", {"reasons": ["Out of scope."]}),
        reviewing,
        scoped=True,
    ),
    ("POST", "/applications/{application_id}/withdraw"): Entry(
        app_call("POST", "/withdraw", "to_withdraw"), applicant_on_draft(), scoped=True
    ),
    ("GET", "/applications/{application_id}/history"): Entry(
        app_call("GET", "/history", "draft"), reading_draft, scoped=True
    ),
    ("GET", "/applications/{application_id}/documents"): Entry(
        app_call("GET", "/documents", "draft"), reading_draft, scoped=True
    ),
    ("POST", "/applications/{application_id}/documents"): Entry(
        _upload, applicant_on_draft(201), scoped=True
    ),
    ("GET", "/applications/{application_id}/documents/checklist"): Entry(
        app_call("GET", "/documents/checklist", "draft"), reading_draft, scoped=True
    ),
    ("GET", "/documents/{document_id}"): Entry(
        lambda a, s: Call("GET", f"/documents/{a.document[s.org]}"), reading_draft, scoped=True
    ),
    ("GET", "/documents/{document_id}/content"): Entry(
        lambda a, s: Call("GET", f"/documents/{a.document[s.org]}/content"),
        reading_draft,
        scoped=True,
    ),
    ("POST", "/batch-signing"): Entry(_batch, batch_signing, scoped=True),
    # budgets, allowances, the audit log
    ("GET", "/budgets"): Entry(
        lambda a, s: Call("GET", "/budgets", params={"measure_id": s.measure}),
        # A budget is seen by officials of the measure's district, and by those who read all.
        lambda r, s: Expect(
            200, listed=s.measure == FOCUS and (r.reads_all or "changning" in r.official_of)
        ),
    ),
    ("PUT", "/budgets/{measure_id}/{year}"): Entry(
        lambda a, s: Call("PUT", f"/budgets/{s.measure}/{YEAR}", {"amount": BUDGET}),
        funding(grants_only=True),
    ),
    ("PUT", "/allowances/{measure_id}/{year}"): Entry(
        lambda a, s: Call("PUT", f"/allowances/{s.measure}/{YEAR}", {"amount": 100_000_000}),
        funding(grants_only=False),
    ),
    # the message centre: each user's own messages; another's is not found
    ("GET", "/messages"): Entry(lambda a, s: Call("GET", "/messages"), anyone()),
    ("POST", "/messages/{message_id}/read"): Entry(
        lambda a, s: Call("POST", f"/messages/{2**31 - 1}/read"), anyone(404), own_account=True
    ),
    ("GET", "/audit"): Entry(
        lambda a, s: Call("GET", "/audit", params={"acted_for_id": a.org[s.org]}), auditing
    ),
    ("GET", "/audit/verify"): Entry(
        lambda a, s: Call("GET", "/audit/verify"),
        lambda r, s: Expect(200) if r.reads_all else Expect(403),
    ),
    # the pilot-case registry
    ("GET", "/pilots"): Entry(
        lambda a, s: Call("GET", "/pilots", params={"zone": "lingang"}), anyone(), public=True
    ),
    ("GET", "/pilots/{case_id}"): Entry(
        lambda a, s: Call("GET", f"/pilots/{_pilot(a, s)}"), anyone(), public=True
    ),
    ("POST", "/pilots"): Entry(
        lambda a, s: Call(
            "POST",
            "/pilots",
            {
                "slug": f"new-{s.which}",
                "zone": "lingang",
                "title_zh": "新案例",
                "title_en": "A new case",
                "summary_zh": "摘要",
                "summary_en": "Summary",
            },
        ),
        editing(201),
    ),
    ("POST", "/pilots/{case_id}/advance"): Entry(
        lambda a, s: Call(
            "POST",
            f"/pilots/{_pilot(a, s)}/advance",
            {"to": "case_pilot", "on": f"{YEAR}-05-01", "note": "Started."},
        ),
        editing(200),
    ),
    ("POST", "/pilots/{case_id}/figures"): Entry(
        lambda a, s: Call(
            "POST",
            f"/pilots/{_pilot(a, s)}/figures",
            {
                "label_zh": "车辆",
                "label_en": "Vehicles",
                "value": "15",
                "unit": "vehicles",
                "source": "004_48c7c1d6b6161e85.txt",
                "source_line": 31,
            },
        ),
        editing(201),
    ),
}

# Run last: revoking a delegation takes away what the headquarters sees.
LAST = {("POST", "/delegations/{delegation_id}/revoke")}


def api_routes(app: Platform) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1, the prefix left off; but /talent/,
    /dataflow/, /proactive/ and /foreign/: those routes have their own matrices, in
    test_talent_authorization.py, test_dataflow_authorization.py,
    test_proactive_authorization.py and tests/foreign/test_authorization.py."""
    found = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        path = re.sub(r":\w+}", "}", route.path or "")  # {run_id:int} is {run_id}
        own_matrix = path.startswith(
            (V1 + "/talent/", V1 + "/dataflow/", V1 + "/proactive/", V1 + "/foreign/")
        )
        if path.startswith(V1 + "/") and not own_matrix:
            found.extend((method, path.removeprefix(V1)) for method in sorted(route.methods or ()))
    return found


def _ordered(routes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # Reads first, so that no write has changed what they look at.
    return sorted(routes, key=lambda r: (r in LAST, r[0] != "GET"))


# --- what the platform promises, whatever the matrix says ------------------------------------


def _items(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return list(body["items"])
    return []


def _refused_as(body: Any) -> str | None:
    """The code of the first refused item of a batch that was refused as a whole."""
    if isinstance(body, dict) and body.get("code") == "batch_failed" and body.get("results"):
        code: str | None = body["results"][0].get("code")
        return code
    return None


def _invariant_problems(
    api: Api, role: Role, side: Side, route: tuple[str, str], entry: Entry, response: Response
) -> list[str]:
    method, _ = route
    status = response.status_code
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    problems = []
    if status >= 500:
        problems.append("a server error")
    if role.user is None and not entry.public and status != 401:
        problems.append("answered nobody signed in without 401")
    if entry.concerns is not None and status == 200 and not role.reads_all:
        visible = {api.org[k] for k in role.sees}
        for item in _items(body):
            if not entry.concerns(item) <= visible:
                problems.append(f"listed what it may not see: {item}")
    crossing = role.enterprise or role.name == "reviewer_of_other_district"
    hidden = status == 404 or _refused_as(body) == "not_found"
    if (
        crossing
        and side.which == "other"
        and entry.scoped
        and entry.concerns is None
        and not hidden
    ):
        problems.append("reached another organisation's object (expected 404)")
    if role.reads_all and method == "GET" and not 200 <= status < 300:
        problems.append("could not read")
    if role.name == "auditor" and method != "GET" and not (entry.public or entry.own_account):
        refused = _refused_as(body)
        if not (status in (403, 404) or refused in ("forbidden", "not_found")):
            problems.append("the auditor changed something (expected 403 or 404)")
    return problems


def _matrix_problems(expected: Expect, response: Response) -> list[str]:
    problems = []
    status = response.status_code
    if status != expected.status:
        problems.append(f"expected {expected.status}")
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    if expected.listed is not None and status == 200:
        shown = _items(body)
        if expected.listed and not shown:
            problems.append("expected the listing to show something")
        if not expected.listed and shown:
            problems.append("expected the listing to show nothing")
    if expected.refused_as is not None and isinstance(body, dict):
        refused = [r.get("code") for r in body.get("results", [])]
        if refused != [expected.refused_as]:
            problems.append(f"expected the item refused as {expected.refused_as}, got {refused}")
    return problems


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_every_route_answers_each_role_only_for_what_it_may_reach(api: Api, role: Role) -> None:
    routes = api_routes(api.app)
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"routes without a matrix entry: {missing}"
    failures = []
    with api.client(role.user, raise_server_exceptions=False) as client:
        for route in _ordered(routes):
            entry = MATRIX[route]
            for side in (role.side("own"), role.side("other")):
                call = entry.call(api, side)
                response = client.request(
                    call.method, V1 + call.url, json=call.json, params=call.params, files=call.files
                )
                client.cookies.clear()  # nothing a call sets may make the next one someone's
                expected = (
                    Expect(401)
                    if role.user is None and not entry.public
                    else entry.expect(role, side)
                )
                problems = _invariant_problems(api, role, side, route, entry, response)
                problems += _matrix_problems(expected, response)
                if problems:
                    failures.append(
                        f"{route[0]} {route[1]} [{side.which}: {call.method} {call.url}] -> "
                        f"{response.status_code} {response.text[:200]}: {'; '.join(problems)}"
                    )
    assert not failures, f"{role.name}:\n" + "\n".join(failures)


def test_a_change_under_a_session_cookie_needs_its_csrf_token(api: Api) -> None:
    with api.database.write() as session:
        auth.create_user(
            session,
            actor=SYSTEM,
            username="signs-in",
            display_name="Signs in",
            password=PASSWORD,
            roles=[Grant(RoleName.ENTERPRISE_MEMBER, api.org["a"])],
        )
    with api.client() as browser:
        signed_in = browser.post(
            f"{V1}/session", json={"username": "signs-in", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        csrf = signed_in.json()["csrf_token"]
        assert browser.get(f"{V1}/me").json()["username"] == "signs-in"
        withdraw = f"{V1}/applications/{api.application['a', 'to_withdraw']}/withdraw"

        refused = browser.post(withdraw)
        assert refused.status_code == 403, refused.text
        assert api.status("a", "to_withdraw") == "draft"

        other = f"{V1}/applications/{api.application['o', 'to_withdraw']}/withdraw"
        assert browser.post(other, headers={"X-CSRF-Token": csrf}).status_code == 404
        done = browser.post(withdraw, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "withdrawn"

        assert browser.delete(f"{V1}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert browser.get(f"{V1}/me").status_code == 401


def test_every_route_has_a_row_in_the_matrix(tmp_path: Path, catalogue: Catalogue) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    app = create_app(settings, catalogue=catalogue, migrate=False)
    routes = set(api_routes(app))
    assert routes, "no /api/v1 routes found: has the way routes are listed changed?"
    assert routes == set(MATRIX), {
        "without a row": sorted(routes - set(MATRIX)),
        "rows for no route": sorted(set(MATRIX) - routes),
    }
