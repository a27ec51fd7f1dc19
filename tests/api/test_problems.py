"""Errors are RFC 9457 problem details with a stable code, and the extension members a program
needs to act on them (which limit, how much is left, which fields are wrong)."""

from __future__ import annotations

import re
from typing import Any

from httpx import Response

from tests.api.conftest import AFTER_EXPIRY, AMOUNT, FOCUS, YEAR, Api

V1 = "/api/v1"
PROBLEM = "application/problem+json"


def problem(response: Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:ftzlink:problem:{code}"
    assert body["title"]
    return body


def test_a_step_the_state_does_not_allow_is_409_invalid_transition(api: Api) -> None:
    submitted = api.application["a", "to_return"]
    answer = api.client("member_a").post(f"{V1}/applications/{submitted}/submit")

    body = problem(answer, 409, "invalid_transition")
    assert body["state"] == "submitted"
    assert body["allowed_from"] == ["draft"]
    assert api.status("a", "to_return") == "submitted"


def test_an_approval_past_the_budget_is_409_naming_the_limit_and_what_remains(api: Api) -> None:
    budget = api.client("budget_officer").put(
        f"{V1}/budgets/{FOCUS}/{YEAR}", json={"amount": 600_000}
    )
    assert budget.status_code == 200, budget.text

    app_id = api.application["a", "to_approve"]
    answer = api.client("reviewer").post(
        f"{V1}/applications/{app_id}/approve", json={"amount": AMOUNT}
    )

    body = problem(answer, 409, "cap_exceeded")
    assert (body["limit"], body["requested"], body["remaining"]) == ("budget", AMOUNT, 600_000)
    assert api.status("a", "to_approve") == "submitted"


def test_a_submission_the_engine_finds_ineligible_is_409_in_the_callers_language(
    api: Api,
) -> None:
    # The Changning trial policy expired on 2026-11-14.
    later = api.on(AFTER_EXPIRY)
    draft = api.application["a", "to_submit"]
    member = later.client("member_a")

    in_chinese = problem(member.post(f"{V1}/applications/{draft}/submit"), 409, "not_eligible")
    in_english = problem(
        member.post(f"{V1}/applications/{draft}/submit", headers={"Accept-Language": "en"}),
        409,
        "not_eligible",
    )

    assert in_chinese["detail"].startswith(f"截至{AFTER_EXPIRY.isoformat()}不能提交")
    assert re.search(r"[\u4e00-\u9fff]", in_chinese["detail"])
    assert in_english["detail"].startswith(f"Cannot be submitted as of {AFTER_EXPIRY.isoformat()}")
    assert not re.search(r"[\u4e00-\u9fff]", in_english["detail"])
    assert in_chinese["eligibility"] == in_english["eligibility"] == "expired"
    assert api.status("a", "to_submit") == "draft"


def test_an_invalid_request_is_422_naming_each_field(api: Api) -> None:
    answer = api.client("member_a").post(
        f"{V1}/applications",
        json={"organisation_id": api.org["a"], "requested_amount": -1, "colour": "red"},
    )

    body = problem(answer, 422, "invalid_input")
    fields = {e["field"] for e in body["errors"]}
    assert {"measure_id", "requested_amount", "colour"} <= fields
    assert all(e["message"] for e in body["errors"])


def test_a_request_the_domain_refuses_is_422_naming_the_field(api: Api) -> None:
    # Valid by the schema; the measure pays grants, so it needs an amount.
    answer = api.client("member_a").post(
        f"{V1}/applications", json={"organisation_id": api.org["a"], "measure_id": FOCUS}
    )

    body = problem(answer, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["requested_amount"]


def test_an_unknown_route_or_object_is_404_problem(api: Api) -> None:
    member = api.client("member_a")

    problem(member.get(f"{V1}/nowhere"), 404, "not_found")
    problem(member.get(f"{V1}/applications/999999"), 404, "not_found")
    problem(api.client().get(f"{V1}/me"), 401, "not_authenticated")
    problem(member.put(f"{V1}/me"), 405, "method_not_allowed")


def _count(api: Api) -> int:
    listing = api.client("member_a").get(
        f"{V1}/applications", params={"organisation_id": api.org["a"]}
    )
    total: int = listing.json()["total"]
    return total


def test_a_retried_creation_with_the_same_idempotency_key_creates_one_application(
    api: Api,
) -> None:
    member = api.client("member_a")
    body = {"organisation_id": api.org["a"], "measure_id": FOCUS, "requested_amount": AMOUNT}
    key = {"Idempotency-Key": "create-2025-06-01-001"}
    before = _count(api)

    first = member.post(f"{V1}/applications", json=body, headers=key)
    again = member.post(f"{V1}/applications", json=body, headers=key)

    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _count(api) == before + 1


def test_the_same_idempotency_key_with_another_request_is_409(api: Api) -> None:
    member = api.client("member_a")
    body = {"organisation_id": api.org["a"], "measure_id": FOCUS, "requested_amount": AMOUNT}
    key = {"Idempotency-Key": "create-2025-06-01-002"}
    first = member.post(f"{V1}/applications", json=body, headers=key)
    assert first.status_code == 201, first.text
    before = _count(api)

    changed = member.post(
        f"{V1}/applications", json={**body, "requested_amount": AMOUNT + 1}, headers=key
    )

    problem(changed, 409, "conflict")
    assert _count(api) == before
