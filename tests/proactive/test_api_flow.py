"""免申即享 end to end over HTTP: match → confirm (batch) → notification → consent → grant within
caps and budget, audit verified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ftzlink.applications.tables import Budget, Grant
from ftzlink.audit.log import verify
from ftzlink.audit.tables import AuditEntry
from ftzlink.ledger.keys import configured_verifier
from tests.proactive.conftest import (
    AI,
    AI_PROJECT,
    AI_REQUEST,
    BUDGET,
    FOCUS,
    ORGANISATIONS,
    STRANGER,
    YEAR,
    World,
)

V1 = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def registry_csv(path: Path) -> Path:
    """A registry as the government keeps it: A (registered), and a company nobody registered."""
    code, name, _, _ = ORGANISATIONS["a"]
    header = (
        "uscc,name,registered_district,zone,legal_form,credit_standing,"
        "district_approved_recipient,sector,sub_sector,development_criteria_met,established_on,"
        "key_enterprise,projects__count,projects__0__name,projects__0__kind,projects__0__requested_amount"
    )
    rows = [
        f"{code},{name},长宁区,changning,corporate,good,否,smart_internet,artificial_intelligence,"
        f"是,2019-03-18,是,1,{AI_PROJECT},ai_industry,{AI_REQUEST}",
        f"{STRANGER},长宁未登记有限公司,changning,changning,corporate,good,否,smart_internet,"
        "artificial_intelligence,是,2020-01-01,否,0,,,",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_flow_runs_end_to_end_through_the_api_match_confirm_notify_consent_grant_audit_verified(
    world: World, tmp_path: Path
) -> None:
    reviewer, member, admin = (
        world.client("reviewer"),
        world.client("member_a"),
        world.client("platform_admin"),
    )
    a = world.org["a"]

    # match: a registry uploaded by the Changning reviewer
    registry = registry_csv(tmp_path / "registry.csv")
    with registry.open("rb") as handle:
        run = ok(
            reviewer.post(
                f"{V1}/proactive/runs/registry",
                files={"file": ("registry.csv", handle, "text/csv")},
                data={"as_of": "2025-06-01"},
            ),
            201,
        )
    assert (run["source"], run["registry_name"], run["districts"]) == (
        "registry",
        "registry.csv",
        ["changning"],
    )
    assert len(run["registry_sha256"]) == len(run["catalogue_sha256"]) == 64
    assert (run["registry_rows"], run["unlinked_rows"]) == (2, 1)
    assert run["unlinked"] == [
        {
            "source": "registry",
            "row": 2,
            "uscc": STRANGER,
            "name": "长宁未登记有限公司",
            "reason": "not_registered",
            "detail": None,
        }
    ]
    found = ok(
        reviewer.get(f"{V1}/proactive/candidates", params={"run_id": run["id"], "kind": "eligible"})
    )["items"]
    by_measure = {c["measure_id"]: c for c in found}
    assert set(by_measure) == {FOCUS, AI}
    focus, ai = by_measure[FOCUS], by_measure[AI]
    assert (focus["organisation_id"], focus["amount"], focus["without_application"]) == (
        a,
        100_000_000,
        False,
    )
    assert (ai["project_name"], ai["amount"], ai["without_application"]) == (
        AI_PROJECT,
        AI_REQUEST,
        True,
    )
    # pre-filled with what the registry says that the stored profile does not
    assert focus["answers"] == ai["answers"] == {"key_enterprise": True}
    # the enterprise sees nothing yet: pending candidates are the officials' working papers
    assert ok(member.get(f"{V1}/proactive/candidates"))["total"] == 0

    # confirm (batch)
    decided = ok(
        reviewer.post(
            f"{V1}/proactive/decisions",
            json={
                "items": [
                    {"candidate_id": focus["id"], "decision": "confirm"},
                    {"candidate_id": ai["id"], "decision": "confirm"},
                ]
            },
        )
    )
    assert (decided["confirmed"], decided["granted"], decided["refused"]) == (1, 1, 0)
    focus_app = decided["results"][0]["application_id"]
    ai_app = decided["results"][1]["application_id"]
    draft = ok(member.get(f"{V1}/applications/{focus_app}"))
    assert (draft["status"], draft["organisation_id"], draft["measure_id"]) == ("draft", a, FOCUS)
    assert draft["requested_amount"] == 100_000_000
    granted = ok(member.get(f"{V1}/applications/{ai_app}"))
    assert (granted["status"], granted["approved_amount"], granted["project_name"]) == (
        "approved",
        AI_REQUEST,
        AI_PROJECT,
    )

    # notification: in the outbox, delivered once however often delivery runs
    notes = ok(member.get(f"{V1}/proactive/notifications"))["items"]
    assert sorted(n["kind"] for n in notes) == ["granted", "offer"]
    assert all(n["sent_at"] is None for n in notes)
    sent = ok(admin.post(f"{V1}/proactive/notifications/deliver"))
    assert (sorted(sent["sent"]), sent["channel"]) == (sorted(n["id"] for n in notes), "file")
    assert ok(admin.post(f"{V1}/proactive/notifications/deliver"))["sent"] == []
    outbox = world.settings.data_dir / "notifications" / "outbox.jsonl"
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert sorted(m["id"] for m in lines) == sorted(n["id"] for n in notes)
    assert {m["application_reference"] for m in lines} == {draft["reference"], granted["reference"]}
    assert member.post(f"{V1}/proactive/notifications/deliver").status_code == 403

    # consent: the draft is submitted through the normal workflow
    consented = ok(member.post(f"{V1}/proactive/candidates/{focus['id']}/consent"))
    assert consented["status"] == "consented"
    assert ok(member.get(f"{V1}/applications/{focus_app}"))["status"] == "submitted"
    again = member.post(f"{V1}/proactive/candidates/{focus['id']}/consent")
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")

    # grant within caps and budget
    approved = ok(
        reviewer.post(f"{V1}/applications/{focus_app}/approve", json={"amount": 100_000_000})
    )
    assert (approved["status"], approved["approved_amount"]) == ("approved", 100_000_000)
    mine = ok(member.get(f"{V1}/proactive/candidates"))["items"]
    assert {(c["measure_id"], c["status"]) for c in mine} == {
        (FOCUS, "consented"),
        (AI, "granted"),
    }

    # audit verified, saying who acted for whom
    with world.database.read() as session:
        grants = session.scalars(select(Grant).where(Grant.organisation_id == a)).all()
        assert sorted(g.amount for g in grants) == [AI_REQUEST, 100_000_000]
        spent = {b.measure_id: b.granted for b in session.scalars(select(Budget))}
        assert spent == {FOCUS: 100_000_000, AI: AI_REQUEST}
        assert all(b.amount == BUDGET and b.year == YEAR for b in session.scalars(select(Budget)))
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        actions = [e.action for e in entries]
        for action in (
            "match.run",
            "candidate.confirm",
            "candidate.grant",
            "notification.create",
            "notification.send",
            "candidate.consent",
        ):
            assert action in actions, action
        reviewer_id = world.users["reviewer"].user_id
        prefilled = [e for e in entries if e.action == "application.create"]
        assert [(e.actor_id, e.acted_for_id) for e in prefilled] == [(reviewer_id, a)] * 2
        consent_entry = next(e for e in entries if e.action == "candidate.consent")
        assert (consent_entry.actor_id, consent_entry.acted_for_id) == (
            world.users["member_a"].user_id,
            a,
        )
        result = verify(session, key=configured_verifier(world.settings))
    assert result.ok, result
    checked = ok(world.client("auditor").get(f"{V1}/audit/verify"))
    assert checked["ok"] is True
