"""Whole journeys through the API: a headquarters filing for its branch under a delegation, a
reviewer returning and batch-signing, the audit log telling who acted for whom, and revocation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import AMOUNT, FOCUS, YEAR, Api

V1 = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _file_for_the_branch(api: Api, hq: TestClient) -> int:
    """The headquarters drafts, submits, answers a return and resubmits for branch B."""
    draft = ok(
        hq.post(
            f"{V1}/applications",
            json={
                "organisation_id": api.org["b"],
                "measure_id": FOCUS,
                "requested_amount": AMOUNT,
                "project_name": "长宁AI平台",
            },
        ),
        201,
    )
    assert draft["organisation_id"] == api.org["b"]
    assert draft["delegation_id"] == api.delegation["b"]
    app_id: int = draft["id"]

    assert ok(hq.post(f"{V1}/applications/{app_id}/submit"))["status"] == "submitted"
    returned = ok(
        api.client("reviewer").post(
            f"{V1}/applications/{app_id}/return",
            json={"questions": ["Which products of the branch use AI?"]},
        )
    )
    assert returned["status"] == "returned"
    resubmitted = ok(
        hq.post(
            f"{V1}/applications/{app_id}/resubmit",
            json={"response": "The branch runs the AI platform; see the annex."},
        )
    )
    assert resubmitted["status"] == "resubmitted"
    return app_id


def test_a_headquarters_files_for_its_branch_and_a_reviewer_signs_a_batch_with_the_audit_saying_who_acted_for_whom(
    api: Api,
) -> None:
    hq = api.client("member_hq")
    reviewer = api.client("reviewer")
    branch_app = _file_for_the_branch(api, hq)

    # Room in the budget for two grants of AMOUNT, not three.
    budget_left = 2 * AMOUNT + AMOUNT // 2
    ok(
        api.client("budget_officer").put(
            f"{V1}/budgets/{FOCUS}/{YEAR}", json={"amount": budget_left}
        )
    )
    batch = [
        {"application_id": branch_app, "decision": "approve", "amount": AMOUNT},
        {
            "application_id": api.application["a", "to_batch"],
            "decision": "approve",
            "amount": AMOUNT,
        },
        {
            "application_id": api.application["o", "to_batch"],
            "decision": "approve",
            "amount": AMOUNT,
        },
        {
            "application_id": api.application["o", "to_reject"],
            "decision": "reject",
            "reasons": ["The project started before the policy."],
        },
    ]

    # All or nothing: one refusal, and nothing is signed.
    refused = reviewer.post(f"{V1}/batch-signing", json={"items": batch, "all_or_nothing": True})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    failed = refused.json()
    assert failed["code"] == "batch_failed"
    assert [r["outcome"] for r in failed["results"]] == [
        "approved",
        "approved",
        "refused",
        "rejected",
    ]
    assert api.status("a", "to_batch") == api.status("o", "to_batch") == "submitted"
    assert api.status("o", "to_reject") == "submitted"
    assert ok(hq.get(f"{V1}/applications/{branch_app}"))["status"] == "resubmitted"
    budgets = ok(reviewer.get(f"{V1}/budgets", params={"measure_id": FOCUS, "year": YEAR}))
    assert [(b["granted"], b["remaining"]) for b in budgets] == [(0, budget_left)]

    # Item by item: what fits is signed, the rest is refused saying which limit and what is left.
    signed = ok(reviewer.post(f"{V1}/batch-signing", json={"items": batch}))
    assert (signed["approved"], signed["rejected"], signed["refused"]) == (2, 1, 1)
    first, second, over, rejected = signed["results"]
    assert first["outcome"] == second["outcome"] == "approved"
    assert rejected["outcome"] == "rejected"
    assert over["outcome"] == "refused"
    assert (over["code"], over["limit"], over["remaining"]) == (
        "cap_exceeded",
        "budget",
        AMOUNT // 2,
    )
    approved = ok(hq.get(f"{V1}/applications/{branch_app}"))
    assert (approved["status"], approved["approved_amount"]) == ("approved", AMOUNT)
    assert api.status("o", "to_batch") == "submitted"
    assert api.status("o", "to_reject") == "rejected"

    # The audit log: the headquarters' user acted for the branch; the reviewer for nobody.
    entries = ok(
        api.client("auditor").get(
            f"{V1}/audit", params={"object_type": "application", "object_id": str(branch_app)}
        )
    )["items"]
    steps = [(e["action"], e["actor"], e["acted_for_id"]) for e in entries]
    branch = api.org["b"]
    assert steps == [
        ("application.create", "member-hq", branch),
        ("application.submit", "member-hq", branch),
        ("application.return", "reviewer", None),
        ("application.resubmit", "member-hq", branch),
        ("application.approve", "reviewer", None),
    ]
    history = ok(hq.get(f"{V1}/applications/{branch_app}/history"))
    hq_user = api.principal("member_hq").user_id
    assert [(h["action"], h["actor_id"], h["acted_for_id"]) for h in history][:2] == [
        ("create", hq_user, branch),
        ("submit", hq_user, branch),
    ]
    assert ok(api.client("auditor").get(f"{V1}/audit/verify"))["ok"] is True


def test_once_the_delegation_is_revoked_the_headquarters_can_no_longer_see_or_act_for_the_branch(
    api: Api,
) -> None:
    hq = api.client("member_hq")
    branch_app = _file_for_the_branch(api, hq)
    delegation = api.delegation["b"]
    assert ok(hq.get(f"{V1}/delegations/{delegation}"))["in_force"] is True

    revoked = ok(api.client("admin_b").post(f"{V1}/delegations/{delegation}/revoke"))
    assert revoked["in_force"] is False
    assert revoked["revoked_at"] is not None

    assert hq.get(f"{V1}/applications/{branch_app}").status_code == 404
    assert hq.post(f"{V1}/applications/{branch_app}/withdraw").status_code == 404
    assert hq.get(f"{V1}/organisations/{api.org['b']}").status_code == 404
    assert ok(hq.get(f"{V1}/applications", params={"organisation_id": api.org["b"]}))["total"] == 0
    refiled = hq.post(
        f"{V1}/applications",
        json={"organisation_id": api.org["b"], "measure_id": FOCUS, "requested_amount": AMOUNT},
    )
    assert refiled.status_code == 404, refiled.text
    # The branch itself still has its application, untouched.
    still = ok(api.client("member_b").get(f"{V1}/applications/{branch_app}"))
    assert still["status"] == "resubmitted"

    revocation = ok(
        api.client("auditor").get(
            f"{V1}/audit", params={"object_type": "delegation", "object_id": str(delegation)}
        )
    )["items"][-1]
    assert (revocation["action"], revocation["actor"], revocation["acted_for_id"]) == (
        "delegation.revoke",
        "admin-b",
        api.org["b"],
    )
