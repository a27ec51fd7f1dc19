"""免申即享 end to end from the command line: match → confirm (batch) → notification → consent →
grant within caps and budget, audit verified."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from ftzlink.applications.tables import Application, Budget, Grant
from ftzlink.audit.log import verify
from ftzlink.audit.tables import AuditEntry
from tests.conftest import Run
from tests.proactive.conftest import AI, AI_PROJECT, AI_REQUEST, FOCUS, World

CLI = Callable[..., Run]


def ok(result: Run, code: int = 0) -> Run:
    assert result.code == code, result.out + result.err
    return result


def test_the_flow_runs_end_to_end_through_the_cli_match_confirm_notify_consent_grant_audit_verified(
    world: World, cli: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", world.database.url)
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(world.settings.data_dir))
    monkeypatch.setenv("FTZLINK_TODAY", "2025-06-01")
    catalogue = ("--catalogue", world.catalogue_dir)
    a = world.org["a"]

    # match
    run = json.loads(
        ok(
            cli(
                "proactive", "run", "--organisations", "--as-of", "2025-06-01",
                "--as", "reviewer", *catalogue, "-f", "json",
            )
        ).out
    )  # fmt: skip
    assert (run["source"], run["organisations"], run["eligible"]) == ("organisations", 2, 2)
    listed = json.loads(
        ok(
            cli("proactive", "candidates", "--as", "reviewer", "--kind", "eligible", "-f", "json")
        ).out
    )
    by_measure = {c["measure_id"]: c for c in listed["items"]}
    assert set(by_measure) == {FOCUS, AI}
    focus, ai = by_measure[FOCUS]["id"], by_measure[AI]["id"]
    one = json.loads(
        ok(
            cli("proactive", "candidates", "--as", "reviewer", "--kind", "one_answer", "-f", "json")
        ).out
    )
    assert all(c["question"] for c in one["items"]) and one["total"] > 0
    table = ok(cli("proactive", "candidates", "--as", "reviewer", "--kind", "eligible")).out
    assert f"{AI} *" in table and AI_PROJECT in table

    # confirm (batch): another district's reviewer is refused, item by item; nothing done: exit 1
    refused = json.loads(
        ok(
            cli("proactive", "confirm", str(focus), str(ai), "--as", "reviewer-xuhui",
                *catalogue, "-f", "json"),
            1,
        ).out
    )  # fmt: skip
    assert [r["outcome"] for r in refused] == ["not_found", "not_found"]
    decided = json.loads(
        ok(
            cli("proactive", "confirm", str(focus), str(ai), "--as", "reviewer", *catalogue,
                "-f", "json")
        ).out
    )  # fmt: skip
    assert [r["outcome"] for r in decided] == ["confirmed", "granted"]

    # notification
    notes = json.loads(ok(cli("proactive", "notifications", "--as", "member-a", "-f", "json")).out)
    assert sorted(n["kind"] for n in notes) == ["granted", "offer"]
    assert all(n["sent_at"] is None for n in notes)
    outbox = tmp_path / "outbox.jsonl"
    sent = ok(cli("proactive", "deliver", "--sink", "file", "--out", outbox))
    assert "2 notifications sent (file)" in sent.err
    assert "0 notifications sent" in ok(cli("proactive", "deliver")).err
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == 2

    # consent
    consented = ok(cli("proactive", "consent", str(focus), "--as", "member-a", *catalogue))
    assert "consented" in consented.out
    assert ok(cli("proactive", "consent", str(focus), "--as", "member-a", *catalogue), 1)

    # grant within caps and budget (the measure granted without application), audit verified
    with world.database.read() as session:
        apps = {a.measure_id: a for a in session.scalars(select(Application))}
        assert (apps[FOCUS].status, apps[FOCUS].requested_amount) == ("submitted", 100_000_000)
        assert (apps[AI].status, apps[AI].approved_amount) == ("approved", AI_REQUEST)
        grants = session.scalars(select(Grant)).all()
        assert [(g.organisation_id, g.measure_id, g.amount) for g in grants] == [
            (a, AI, AI_REQUEST)
        ]
        budget = session.scalar(select(Budget).where(Budget.measure_id == AI))
        assert budget is not None and budget.granted == AI_REQUEST
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"match.run", "candidate.confirm", "candidate.grant", "candidate.consent"} <= actions
        assert "notification.send" in actions
        result = verify(session)
    assert result.ok, result
    assert "ok" in ok(cli("audit", "verify", "--lang", "en")).out.lower()
