"""The 免申即享 pipeline's promises, one by one, through the service functions users' requests call."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select

from ftzlink.applications import budgets
from ftzlink.applications import service as applications
from ftzlink.applications.tables import Application, Grant
from ftzlink.audit.log import Actor, verify
from ftzlink.cli.proactive import ConsoleSink
from ftzlink.errors import Forbidden, InvalidInput, MeasureNotInForce
from ftzlink.organisations import service as orgs
from ftzlink.proactive import decisions, outbox, runs, service
from ftzlink.proactive.sinks import FileSink
from ftzlink.proactive.tables import Candidate, MatchRun, Notification
from tests.proactive.conftest import AI, AI_REQUEST, FOCUS, TODAY, YEAR, World


def run(world: World, user: str = "reviewer") -> MatchRun:
    with world.database.write() as s:
        return runs.run_match(
            s, principal=world.users[user], catalogue=world.catalogue, as_of=TODAY
        )


def candidate(world: World, org: str, measure: str) -> Candidate:
    with world.database.read() as s:
        found = s.scalar(
            select(Candidate).where(
                Candidate.organisation_id == world.org[org], Candidate.measure_id == measure
            )
        )
        assert found is not None
        return found


def decide(world: World, user: str, *items: decisions.Decision) -> list[decisions.DecisionResult]:
    with world.database.write() as s:
        return decisions.decide(
            s,
            principal=world.users[user],
            catalogue=world.catalogue,
            items=items,
            today=TODAY,
            lang="en",
        )


def confirm(world: World, user: str, candidate_id: int) -> decisions.DecisionResult:
    return decide(world, user, decisions.Decision(candidate_id, "confirm"))[0]


def audit_ok(world: World) -> None:
    with world.database.read() as s:
        result = verify(s)
    assert result.ok, result


def test_a_reviewer_matches_only_the_districts_reviewed_and_one_answer_candidates_name_the_question(
    world: World,
) -> None:
    found = run(world)
    assert (found.source, found.districts, found.organisations) == (
        "organisations",
        ["changning"],
        2,
    )
    with world.database.read() as s:
        rows = s.scalars(select(Candidate)).all()
    assert world.org["x"] not in {c.organisation_id for c in rows}
    one = {(c.organisation_id, c.measure_id): c.question for c in rows if c.kind == "one_answer"}
    assert one[world.org["o"], FOCUS] == "credit_standing"
    eligible = {(c.organisation_id, c.measure_id) for c in rows if c.kind == "eligible"}
    assert eligible == {(world.org["a"], FOCUS), (world.org["a"], AI)}
    assert (found.eligible, found.one_answer, found.new_candidates) == (
        2,
        len(one),
        len(rows),
    )
    with world.database.write() as s, pytest.raises(Forbidden):
        runs.run_match(s, principal=world.users["member_a"], catalogue=world.catalogue, as_of=TODAY)


def test_rerunning_a_match_does_not_duplicate_candidates_and_an_answer_upgrades_one_in_place(
    world: World,
) -> None:
    first = run(world)
    again = run(world, "platform_admin")  # a wider scope: Xuhui's are new, Changning's are not
    with world.database.read() as s:
        rows = s.scalars(select(Candidate)).all()
    keys = [(c.organisation_id, c.measure_id, c.project_name, c.year) for c in rows]
    assert len(keys) == len(set(keys))
    xuhui = sum(c.organisation_id == world.org["x"] for c in rows)
    assert (again.already_proposed, again.new_candidates) == (first.new_candidates, xuhui)

    # O answers the question (its credit standing is recorded): the pending one-answer
    # candidate becomes an eligible one, the same row, not a second one
    before = candidate(world, "o", FOCUS)
    with world.database.write() as s:
        orgs.update_organisation(
            s,
            principal=world.users["platform_admin"],
            catalogue=world.catalogue,
            organisation_id=world.org["o"],
            on=TODAY,
            changes={"credit_standing": "good"},
        )
    third = run(world)
    after = candidate(world, "o", FOCUS)
    assert (after.id, after.kind, after.question, after.run_id) == (
        before.id,
        "eligible",
        None,
        third.id,
    )
    with world.database.read() as s:
        focus_of_o = s.scalars(
            select(Candidate).where(
                Candidate.organisation_id == world.org["o"], Candidate.measure_id == FOCUS
            )
        ).all()
    assert len(focus_of_o) == 1
    audit_ok(world)


def test_a_struck_candidate_gets_no_draft_no_notification_and_is_not_offered_again(
    world: World,
) -> None:
    run(world)
    focus = candidate(world, "a", FOCUS)
    no_reason = decide(world, "reviewer", decisions.Decision(focus.id, "strike"))[0]
    assert (no_reason.outcome, no_reason.code) == ("refused", "invalid_input")
    struck = decide(
        world, "reviewer", decisions.Decision(focus.id, "strike", reason="Already funded in 2025.")
    )[0]
    assert struck.outcome == "struck"
    assert confirm(world, "reviewer", focus.id).outcome == "wrong_state"
    rerun = run(world)
    assert rerun.new_candidates == 0
    with world.database.read() as s:
        assert candidate(world, "a", FOCUS).status == "struck"
        assert s.scalars(select(Application)).all() == []
        assert s.scalars(select(Notification)).all() == []
        # the enterprise never sees a struck candidate
        mine, _ = service.list_candidates(s, principal=world.users["member_a"], on=TODAY)
        assert mine == []
    audit_ok(world)


def test_a_reviewer_of_another_district_cannot_confirm_nor_can_the_budget_officer(
    world: World,
) -> None:
    run(world)
    focus = candidate(world, "a", FOCUS)
    elsewhere = confirm(world, "reviewer_xuhui", focus.id)
    assert (elsewhere.outcome, elsewhere.code) == ("not_found", "not_found")
    officer = confirm(world, "budget_officer", focus.id)
    assert (officer.outcome, officer.code) == ("forbidden", "forbidden")
    member = confirm(world, "member_a", focus.id)
    assert member.outcome == "not_found"  # pending candidates are not the enterprise's to see
    assert candidate(world, "a", FOCUS).status == "pending"
    one_answer = candidate(world, "o", FOCUS)
    assert confirm(world, "reviewer", one_answer.id).outcome == "wrong_state"


def test_a_budget_overdraft_refuses_the_grant_with_the_reason_and_changes_nothing(
    world: World,
) -> None:
    run(world)
    with world.database.write() as s:
        budgets.set_budget(
            s,
            principal=world.users["budget_officer"],
            catalogue=world.catalogue,
            measure_id=AI,
            year=YEAR,
            amount=AI_REQUEST - 1,
        )
    ai, focus = candidate(world, "a", AI), candidate(world, "a", FOCUS)
    results = decide(
        world,
        "reviewer",
        decisions.Decision(ai.id, "confirm"),
        decisions.Decision(focus.id, "confirm"),
    )
    refused, confirmed = results
    assert (refused.outcome, refused.code, refused.limit, refused.remaining) == (
        "refused",
        "cap_exceeded",
        "budget",
        AI_REQUEST - 1,
    )
    assert confirmed.outcome == "confirmed"
    assert candidate(world, "a", AI).status == "pending"
    with world.database.read() as s:
        apps = s.scalars(select(Application)).all()
        assert [a.measure_id for a in apps] == [FOCUS]
        assert s.scalars(select(Grant)).all() == []
        assert [n.kind for n in s.scalars(select(Notification))] == ["offer"]
    # within what is left, the official may grant less
    lower = decide(world, "reviewer", decisions.Decision(ai.id, "confirm", amount=AI_REQUEST - 1))
    assert lower[0].outcome == "granted"
    audit_ok(world)


def test_notification_delivery_is_idempotent(world: World, tmp_path: Path) -> None:
    run(world)
    confirm(world, "reviewer", candidate(world, "a", FOCUS).id)
    confirm(world, "reviewer", candidate(world, "a", AI).id)
    sink = FileSink(tmp_path / "outbox.jsonl")
    cli = Actor(None, "cli")
    with world.database.write() as s:
        first = outbox.deliver(s, actor=cli, sink=sink)
    with world.database.write() as s:
        second = outbox.deliver(s, actor=cli, sink=sink)
    assert (len(first), second) == (2, [])
    lines = [json.loads(x) for x in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [m["id"] for m in lines] == [n.id for n in first]
    assert {m["kind"] for m in lines} == {"offer", "granted"}
    with world.database.read() as s:
        assert all(n.channel == "file" for n in s.scalars(select(Notification)))
        unsent, _ = outbox.list_notifications(
            s, principal=world.users["member_a"], on=TODAY, unsent=True
        )
        assert unsent == []
    out = io.StringIO()
    with world.database.write() as s:
        assert outbox.deliver(s, actor=cli, sink=ConsoleSink(Console(file=out))) == []
    assert out.getvalue() == ""
    with world.database.write() as s, pytest.raises(Forbidden):
        outbox.deliver_as(s, principal=world.users["reviewer"], sink=sink)
    audit_ok(world)


def test_a_declined_consent_leaves_nothing_granted(world: World) -> None:
    run(world)
    focus = candidate(world, "a", FOCUS)
    result = confirm(world, "reviewer", focus.id)
    # the official may not consent for the enterprise
    with world.database.write() as s, pytest.raises(Forbidden):
        decisions.consent(
            s,
            principal=world.users["reviewer"],
            catalogue=world.catalogue,
            candidate_id=focus.id,
            today=TODAY,
            lang="en",
        )
    with world.database.write() as s:
        declined = decisions.decline(
            s, principal=world.users["member_a"], candidate_id=focus.id, today=TODAY
        )
        assert declined.status == "declined"
    with world.database.read() as s:
        app = s.get(Application, result.application_id)
        assert app is not None and app.status == "withdrawn"
        assert s.scalars(select(Grant)).all() == []
    with world.database.write() as s, pytest.raises(service.WrongState):
        decisions.consent(
            s,
            principal=world.users["member_a"],
            catalogue=world.catalogue,
            candidate_id=focus.id,
            today=TODAY,
            lang="en",
        )
    assert run(world).new_candidates == 0  # declined: not offered again this year
    audit_ok(world)


def test_registry_rows_without_a_registered_organisation_are_reported_not_dropped(
    world: World, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "uscc,name,sector\n,无代码有限公司,smart_internet\n911234567890123456,随便有限公司,other\n",
        encoding="utf-8",
    )
    with world.database.write() as s:
        found = runs.run_match(
            s,
            principal=world.users["platform_admin"],
            catalogue=world.catalogue,
            as_of=TODAY,
            organisations=False,
            registry=registry,
        )
    assert (found.source, found.registry_rows, found.unlinked_rows) == ("registry", 2, 2)
    assert [(u["row"], u["reason"]) for u in found.unlinked] == [
        (1, "no_uscc"),
        (2, "not_registered"),
    ]
    assert found.new_candidates == 0


def test_a_registry_that_cannot_be_read_is_refused_naming_it_and_nothing_is_recorded(
    world: World, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not a parquet file\x00")
    with pytest.raises(InvalidInput) as refused, world.database.write() as s:
        runs.run_match(
            s,
            principal=world.users["platform_admin"],
            catalogue=world.catalogue,
            as_of=TODAY,
            organisations=False,
            registry=broken,
        )
    assert "broken.parquet" in str(refused.value)
    with world.database.read() as s:
        assert s.scalars(select(MatchRun)).all() == []


def test_an_offer_cannot_be_consented_to_once_its_measure_has_ended(world: World) -> None:
    run(world)
    focus = candidate(world, "a", FOCUS)
    result = confirm(world, "reviewer", focus.id)
    policy, measure = applications.find_measure(world.catalogue, FOCUS)
    end = policy.validity_of(measure).end
    assert end is not None
    after = end + dt.timedelta(days=1)
    with world.database.write() as s, pytest.raises(MeasureNotInForce) as refused:
        decisions.consent(
            s,
            principal=world.users["member_a"],
            catalogue=world.catalogue,
            candidate_id=focus.id,
            today=after,
            lang="en",
        )
    assert refused.value.state == "expired" and refused.value.end == end
    assert candidate(world, "a", FOCUS).status == "confirmed"
    with world.database.read() as s:
        app = s.get(Application, result.application_id)
        assert app is not None and app.status == "draft"
