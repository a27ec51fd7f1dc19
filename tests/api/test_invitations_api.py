"""The port-visa routes over HTTP: status codes, the inviter's refusal reasons as problem codes,
passport masking by who asks, 404 for those who may not see, and the public check by code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from tests.api.conftest import SYSTEM, TODAY, Api, User

UNITS = "/api/v1/talent/inviting-units"
INVITATIONS = "/api/v1/talent/invitations"
VERIFY = "/api/v1/talent/invitations/verify"


@pytest.fixture
def officials(api: Api) -> Api:
    """The platform, plus an exit-entry officer and a work-permit officer with API tokens."""
    with api.database.write() as s:
        for key, role in (
            ("exit_entry", Role.EXIT_ENTRY_OFFICER),
            ("work_permit", Role.WORK_PERMIT_OFFICER),
        ):
            created = auth.create_user(
                s,
                actor=SYSTEM,
                username=key.replace("_", "-"),
                display_name=key,
                password=None,
                roles=[Grant(role)],
            )
            principal = auth.principal_for(created)
            _, secret = auth.create_token(s, actor=SYSTEM, user_id=created.id, name="tests")
            api.users[key] = User(principal, secret, 0)
    return api


def _apply(api: Api, org: str = "a") -> dict[str, Any]:
    response = api.client(f"member_{org}").post(
        UNITS,
        json={
            "organisation_id": api.org[org],
            "contact_name": "王丽",
            "contact_phone": "021-62501234",
            "statement": "Joint laboratory with foreign universities.",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _approved(api: Api, org: str = "a") -> dict[str, Any]:
    unit = _apply(api, org)
    response = api.client("exit_entry").post(
        f"{UNITS}/{unit['id']}/approve", json={"valid_until": "2026-05-31"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _invitation(api: Api, org: str = "a", **changes: Any) -> dict[str, Any]:
    return {
        "organisation_id": api.org[org],
        "invitee_name": "Anna Schmidt",
        "nationality": "DE",
        "passport_number": "C01X00T47",
        "date_of_birth": "1980-04-02",
        "activity": "exchange",
        "purpose": "A week of seminars",
        "visa_type": "M",
        "planned_entry_on": "2025-06-10",
        **changes,
    }


def test_the_registry_workflow_answers_with_the_right_status_codes(officials: Api) -> None:
    api = officials
    unit = _apply(api)
    assert unit["status"] == "pending"
    # Only one live registration per organisation.
    again = api.client("admin_a").post(
        UNITS,
        json={
            "organisation_id": api.org["a"],
            "contact_name": "x",
            "contact_phone": "12345",
            "statement": "x",
        },
    )
    assert again.status_code == 409
    # The member cannot decide; another organisation's member does not see it.
    decide = f"{UNITS}/{unit['id']}/approve"
    assert (
        api.client("member_a").post(decide, json={"valid_until": "2026-05-31"}).status_code == 403
    )
    assert (
        api.client("member_o").post(decide, json={"valid_until": "2026-05-31"}).status_code == 404
    )
    assert (
        api.client("work_permit").post(decide, json={"valid_until": "2026-05-31"}).status_code
        == 404
    )
    bad = api.client("exit_entry").post(decide, json={"valid_until": "2025-05-31"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "valid_until"
    approved = api.client("exit_entry").post(decide, json={"valid_until": "2026-05-31"})
    assert approved.status_code == 200
    assert approved.json()["approved_on"] == TODAY.isoformat()
    assert (
        api.client("exit_entry").post(decide, json={"valid_until": "2026-05-31"}).status_code == 409
    )
    revoked = api.client("exit_entry").post(
        f"{UNITS}/{unit['id']}/revoke", json={"reason": "false statements"}
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_on"] == TODAY.isoformat()


def test_who_lists_and_reads_the_units(officials: Api) -> None:
    api = officials
    unit = _apply(api)
    for reader in ("member_a", "admin_a", "exit_entry", "auditor", "platform_admin"):
        listing = api.client(reader).get(UNITS).json()
        assert [u["id"] for u in listing["items"]] == [unit["id"]], reader
        assert api.client(reader).get(f"{UNITS}/{unit['id']}").status_code == 200
    for other in ("member_o", "reviewer", "work_permit", "member_b"):
        assert api.client(other).get(UNITS).json()["total"] == 0
        assert api.client(other).get(f"{UNITS}/{unit['id']}").status_code == 404
    assert api.client().get(UNITS).status_code == 401
    pending = api.client("exit_entry").get(UNITS, params={"status": "pending"}).json()
    assert pending["total"] == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("none", "inviter_not_registered"),
        ("pending", "inviter_pending"),
        ("revoked", "inviter_revoked"),
        ("refused", "inviter_not_registered"),
    ],
)
def test_an_inviter_that_is_not_approved_is_refused_with_its_reason(
    officials: Api, setup: str, code: str
) -> None:
    api = officials
    if setup != "none":
        unit = _apply(api)
        if setup == "revoked":
            api.client("exit_entry").post(
                f"{UNITS}/{unit['id']}/approve", json={"valid_until": "2026-05-31"}
            )
        if setup in ("revoked", "refused"):
            action = "revoke" if setup == "revoked" else "refuse"
            api.client("exit_entry").post(f"{UNITS}/{unit['id']}/{action}", json={"reason": "x"})
    response = api.client("member_a").post(INVITATIONS, json=_invitation(api))
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == code
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_expired_inviter_is_refused_with_its_reason(officials: Api) -> None:
    _approved(officials)
    later = officials.on(dt.date(2026, 6, 1))
    response = later.client("member_a").post(
        INVITATIONS, json=_invitation(later, planned_entry_on="2026-06-02")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "inviter_expired"


def test_an_approved_inviter_issues_and_its_code_verifies_without_sign_in(officials: Api) -> None:
    api = officials
    _approved(api)
    response = api.client("member_a").post(INVITATIONS, json=_invitation(api))
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["enter_by"] == "2025-06-16"
    assert (issued["entries"], issued["max_stay_days"]) == (1, 30)
    assert issued["passport_number"] == "C01X00T47" and not issued["passport_masked"]
    code = issued["verification_code"]
    assert len(code.replace("-", "")) == 20

    check = api.client().post(VERIFY, json={"code": code})
    assert check.status_code == 200
    body = check.json()
    assert body["genuine"] is True
    assert body["invitation"]["inviter"] == api.names["a"]
    assert body["invitation"]["passport_number"] == "C0*****47"
    assert body["invitation"]["within_entry_period"] is True
    assert body["invitation"]["inviter_revoked_on"] is None

    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    for wrong in (forged, "NOT-A-CODE"):
        answer = api.client().post(VERIFY, json={"code": wrong})
        assert answer.status_code == 200
        assert answer.json() == {"genuine": False, "invitation": None}
    # The code is never stored or shown again.
    again = api.client("member_a").get(f"{INVITATIONS}/{issued['id']}").json()
    assert "verification_code" not in again


def test_passports_are_masked_for_all_but_the_inviters_members_and_exit_entry_officers(
    officials: Api,
) -> None:
    api = officials
    _approved(api)
    issued = api.client("member_a").post(INVITATIONS, json=_invitation(api)).json()
    path = f"{INVITATIONS}/{issued['id']}"
    for full in ("member_a", "admin_a", "exit_entry"):
        body = api.client(full).get(path).json()
        assert (body["passport_number"], body["passport_masked"]) == ("C01X00T47", False), full
    for masked in ("auditor", "platform_admin"):
        body = api.client(masked).get(path).json()
        assert (body["passport_number"], body["passport_masked"]) == ("C0*****47", True), masked
        listed = api.client(masked).get(INVITATIONS).json()["items"]
        assert [i["passport_number"] for i in listed] == ["C0*****47"]
    for other in ("member_o", "member_b", "reviewer", "work_permit", "budget_officer"):
        assert api.client(other).get(path).status_code == 404
        assert api.client(other).get(INVITATIONS).json()["total"] == 0


def test_only_the_units_members_issue_and_bad_answers_are_named(officials: Api) -> None:
    api = officials
    _approved(api)
    assert api.client("member_o").post(INVITATIONS, json=_invitation(api)).status_code == 404
    assert api.client("exit_entry").post(INVITATIONS, json=_invitation(api)).status_code == 403
    assert api.client("auditor").post(INVITATIONS, json=_invitation(api)).status_code == 403
    assert api.client().post(INVITATIONS, json=_invitation(api)).status_code == 401
    bad = api.client("member_a").post(
        INVITATIONS, json=_invitation(api, visa_type="L", planned_entry_on="2025-06-17")
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"visa_type", "planned_entry_on"}
    unknown = api.client("member_a").post(INVITATIONS, json=_invitation(api, extra="x"))
    assert unknown.status_code == 422


def test_a_revoked_inviters_earlier_invitation_stays_genuine_and_says_since_when(
    officials: Api,
) -> None:
    api = officials
    unit = _approved(api)
    code = (
        api.client("member_a").post(INVITATIONS, json=_invitation(api)).json()["verification_code"]
    )
    api.client("exit_entry").post(f"{UNITS}/{unit['id']}/revoke", json={"reason": "closed"})
    body = api.client().post(VERIFY, json={"code": code}).json()
    assert body["genuine"] is True
    assert body["invitation"]["inviter_revoked_on"] == TODAY.isoformat()


def test_a_client_guessing_codes_is_refused_for_a_while_with_retry_after(officials: Api) -> None:
    from dataclasses import replace

    from ftzlink.ratelimit import FailureWindow

    api = officials
    _approved(api)
    code = (
        api.client("member_a").post(INVITATIONS, json=_invitation(api)).json()["verification_code"]
    )
    services = api.app.state.services
    api.app.state.services = replace(
        services,
        invitation_checks=FailureWindow(
            services.db, scope="invitation_check", limit=3, window_seconds=600
        ),
    )
    anyone = api.client()
    assert anyone.post(VERIFY, json={"code": code}).json()["genuine"] is True  # not counted
    for guess in ("AAAAA-BBBBB-CCCCC-DDDDD", "NOT-A-CODE", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"):
        answer = anyone.post(VERIFY, json={"code": guess})
        assert answer.status_code == 200 and answer.json()["genuine"] is False
    refused = anyone.post(VERIFY, json={"code": code})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 600
