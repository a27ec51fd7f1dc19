"""Approvals under the measure's cap, the organisation's allowance for the clause, and the budget."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ftzlink.applications import budgets
from ftzlink.applications import service as apps
from ftzlink.applications.caps import Limit
from ftzlink.applications.tables import Application, Budget, Grant, State
from ftzlink.auth.principal import Grant as RoleGrant
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.errors import CapExceeded, Conflict, Forbidden, NotFound
from ftzlink.organisations import service as orgs
from ftzlink.organisations.tables import Organisation
from ftzlink.profiles.uscc import make_uscc
from tests.world import BUSINESS, FOCUS, LEADERS, PROFILE, TODAY, YEAR, World

M = 1_000_000


def refusal(world: World, app: Application, amount: int) -> CapExceeded:
    with pytest.raises(CapExceeded) as refused:
        world.approve(app, amount)
    assert world.application(app.id).status == State.SUBMITTED, "a refusal decides nothing"
    return refused.value


def set_allowance(world: World, measure: str, amount: int, year: int = YEAR) -> None:
    world.write(
        budgets.set_clause_allowance,
        principal=world.budget_officer,
        catalogue=world.catalogue,
        measure_id=measure,
        year=year,
        amount=amount,
    )


def left(
    world: World, org: Organisation, measure: str, *, by: Principal, project: str | None = None
) -> dict[str, tuple[int | None, int]]:
    limits: list[Limit] = world.read(
        apps.remaining,
        principal=by,
        catalogue=world.catalogue,
        organisation_id=org.id,
        measure_id=measure,
        year=YEAR,
        project=project,
        today=TODAY,
    )
    return {limit.kind: (limit.amount, limit.remaining) for limit in limits}


def test_an_approval_past_the_measure_cap_is_refused_with_what_is_left(world: World) -> None:
    world.set_budget(500 * M, measure=BUSINESS)  # 30 million per project
    park = "Hongqiao smart park"
    world.approve(world.submitted(world.a, 20 * M, measure=BUSINESS, project=park), 20 * M)

    again = world.submitted(world.a, 15 * M, measure=BUSINESS, project=park)
    refused = refusal(world, again, 15 * M)
    assert refused.code == "cap_exceeded"
    assert (refused.limit, refused.requested, refused.remaining) == ("measure_cap", 15 * M, 10 * M)
    assert "10,000,000" in str(refused)

    assert world.approve(again, 10 * M).approved_amount == 10 * M
    other = world.submitted(world.a, 15 * M, measure=BUSINESS, project="Another project")
    assert world.approve(other, 15 * M).status == State.APPROVED


def test_a_per_year_cap_is_also_the_clause_allowance_and_starts_afresh_each_year(
    world: World,
) -> None:
    next_year = TODAY.replace(year=YEAR + 1)
    world.set_budget(500 * M)
    world.set_budget(500 * M, year=YEAR + 1)
    world.approve(world.submitted(world.a, 60 * M), 60 * M)

    refused = refusal(world, world.submitted(world.a, 60 * M), 60 * M)
    assert (refused.limit, refused.remaining) == ("clause_allowance", 40 * M)

    later = world.submitted(world.a, 60 * M, today=next_year)
    assert world.approve(later, 60 * M, today=next_year).status == State.APPROVED


def test_the_clause_allowance_counts_grants_under_every_measure_of_the_clause(
    world: World,
) -> None:
    world.set_budget(500 * M, measure=LEADERS)
    world.set_budget(500 * M, measure=BUSINESS)
    set_allowance(world, LEADERS, 40 * M)
    world.approve(world.submitted(world.a, 30 * M, measure=LEADERS, project="Leader"), 30 * M)

    park = world.submitted(world.a, 20 * M, measure=BUSINESS, project="Park")
    refused = refusal(world, park, 20 * M)
    assert (refused.limit, refused.remaining) == ("clause_allowance", 10 * M)
    assert world.approve(park, 10 * M).status == State.APPROVED

    # The allowance is each organisation's own.
    theirs = world.submitted(world.b, 20 * M, measure=BUSINESS, project="Park")
    assert world.approve(theirs, 20 * M).status == State.APPROVED


def test_an_approval_past_the_budget_is_refused_whoever_asks(world: World) -> None:
    world.set_budget(50 * M)
    world.approve(world.submitted(world.a, 30 * M), 30 * M)
    refused = refusal(world, world.submitted(world.b, 30 * M), 30 * M)
    assert (refused.limit, refused.requested, refused.remaining) == ("budget", 30 * M, 20 * M)


def test_nothing_is_approved_from_a_measure_without_a_budget(world: World) -> None:
    refused = refusal(world, world.submitted(world.a, 5 * M), 5 * M)
    assert (refused.limit, refused.remaining) == ("no_budget", 0)
    assert "budget officer" in str(refused)
    assert world.grants() == []


def test_no_more_than_was_requested_is_approved(world: World) -> None:
    world.set_budget(500 * M)
    refused = refusal(world, world.submitted(world.a, 5 * M), 6 * M)
    assert (refused.limit, refused.remaining) == ("requested", 5 * M)


def test_remaining_shows_what_is_left_of_each_limit_for_each_organisation(world: World) -> None:
    assert left(world, world.a, FOCUS, by=world.member_a)["budget"] == (None, 0)
    world.set_budget(150 * M)
    world.approve(world.submitted(world.a, 30 * M), 30 * M)

    assert left(world, world.a, FOCUS, by=world.member_a) == {
        "clause_allowance": (100 * M, 70 * M),
        "budget": (150 * M, 120 * M),
        "measure_cap": (100 * M, 70 * M),
    }
    assert left(world, world.b, FOCUS, by=world.reviewer) == {
        "clause_allowance": (100 * M, 100 * M),
        "budget": (150 * M, 120 * M),
        "measure_cap": (100 * M, 100 * M),
    }
    with pytest.raises(NotFound):
        left(world, world.a, FOCUS, by=world.member_b)


def test_a_budget_cannot_be_set_below_what_it_has_granted(world: World) -> None:
    world.set_budget(100 * M)
    world.approve(world.submitted(world.a, 30 * M), 30 * M)
    with pytest.raises(Conflict):
        world.set_budget(30 * M - 1)

    world.set_budget(30 * M)
    refused = refusal(world, world.submitted(world.b, 1), 1)
    assert (refused.limit, refused.remaining) == ("budget", 0)
    budget = world.read(
        budgets.get_budget,
        principal=world.auditor,
        catalogue=world.catalogue,
        measure_id=FOCUS,
        year=YEAR,
    )
    assert (budget.amount, budget.granted) == (30 * M, 30 * M)


def test_only_a_budget_officer_of_the_policys_district_sets_its_budget(world: World) -> None:
    xuhui = world.user("budget-xuhui", RoleGrant(Role.BUDGET_OFFICER, district="xuhui"))
    for outsider in (xuhui, world.reviewer, world.admin_a):
        with pytest.raises(Forbidden):
            world.write(
                budgets.set_budget,
                principal=outsider,
                catalogue=world.catalogue,
                measure_id=FOCUS,
                year=YEAR,
                amount=M,
            )
        with pytest.raises(Forbidden):
            world.write(
                budgets.set_clause_allowance,
                principal=outsider,
                catalogue=world.catalogue,
                measure_id=LEADERS,
                year=YEAR,
                amount=M,
            )


# --- whatever the sequence of approvals, no limit is ever exceeded -----------------------------

CAPS = {FOCUS: 100 * M, LEADERS: 100 * M, BUSINESS: 30 * M}  # per year / project-year / project


@dataclass(frozen=True)
class Ask:
    org: int
    measure: str
    project: str
    amount: int


asks = st.builds(
    Ask,
    org=st.integers(0, 1),
    measure=st.sampled_from([FOCUS, LEADERS, BUSINESS]),
    project=st.sampled_from(["p1", "p2"]),
    amount=st.integers(0, 12).map(lambda n: n * 5 * M),
)
_codes = itertools.count()


def _organisations(world: World) -> tuple[list[Organisation], Principal]:
    """Two new organisations (their limits untouched) and a member of both."""
    with world.database.write() as s:
        made = [
            orgs.create_organisation(
                s,
                principal=world.admin,
                catalogue=world.catalogue,
                uscc=make_uscc("9", "1", "310105", f"PT{next(_codes):06d}"),
                name=f"Generated {i}",
                district="changning",
                zone="changning",
                sector="smart_internet",
                profile=PROFILE,
            )
            for i in range(2)
        ]
    member = world.user(
        f"member-{made[0].id}", *(RoleGrant(Role.ENTERPRISE_MEMBER, o.id) for o in made)
    )
    return made, member


def _granted(world: World, measure: str) -> int:
    with world.database.read() as s:
        granted = s.scalar(
            select(Budget.granted).where(Budget.measure_id == measure, Budget.year == YEAR)
        )
        return granted or 0


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sequence=st.lists(asks, min_size=1, max_size=8),
    budget=st.fixed_dictionaries(
        {m: st.integers(0, 30).map(lambda n: n * 5 * M) for m in (FOCUS, LEADERS, BUSINESS)}
    ),
    allowance=st.integers(0, 30).map(lambda n: n * 5 * M),
)
def test_no_sequence_of_approvals_takes_more_than_any_limit_allows(
    world: World, sequence: list[Ask], budget: dict[str, int], allowance: int
) -> None:
    # The database is shared by the examples: each uses new organisations, and budgets raised by
    # what earlier examples granted.
    made, member = _organisations(world)
    start = {m: _granted(world, m) for m in CAPS}
    for measure, amount in budget.items():
        world.set_budget(start[measure] + amount, measure=measure)
    set_allowance(world, LEADERS, allowance)
    limit_of = {
        "budget": lambda ask: budget[ask.measure],
        "clause_allowance": lambda ask: 100 * M if ask.measure == FOCUS else allowance,
        "measure_cap": lambda ask: CAPS[ask.measure],
    }

    used: dict[tuple[object, ...], int] = defaultdict(int)
    for ask in sequence:
        keys = {
            "budget": ("budget", ask.measure),
            "clause_allowance": ("allowance", ask.org, ask.measure == FOCUS),
            "measure_cap": ("cap", ask.org, ask.measure, ask.project),
        }
        if ask.measure == FOCUS:
            keys["measure_cap"] = ("cap", ask.org, FOCUS)
        over = {kind for kind, key in keys.items() if used[key] + ask.amount > limit_of[kind](ask)}
        with world.database.write() as s:
            app = apps.create_application(
                s,
                principal=member,
                catalogue=world.catalogue,
                organisation_id=made[ask.org].id,
                measure_id=ask.measure,
                project_name=None if ask.measure == FOCUS else ask.project,
                project_kind={LEADERS: "industry_leader", BUSINESS: "establishment"}.get(
                    ask.measure
                ),
                requested_amount=ask.amount,
                today=TODAY,
            )
            apps.submit(
                s,
                principal=member,
                catalogue=world.catalogue,
                application_id=app.id,
                today=TODAY,
                lang="en",
            )
        try:
            world.approve(app, ask.amount)
        except CapExceeded as refused:
            assert refused.limit in over, (ask, over)
            event(f"refused: {refused.limit}")
        else:
            assert not over, (ask, over)
            event("approved")
            for key in keys.values():
                used[key] += ask.amount

    with world.database.read() as s:
        grants = s.execute(
            select(Grant, Application.project_name)
            .join(Application, Application.id == Grant.application_id)
            .where(Grant.organisation_id.in_([o.id for o in made]))
        ).all()
    per_cap: dict[tuple[int, str, str | None], int] = defaultdict(int)
    per_clause: dict[tuple[int, str], int] = defaultdict(int)
    per_measure: dict[str, int] = defaultdict(int)
    for grant, project in grants:
        per_cap[(grant.organisation_id, grant.measure_id, project)] += grant.amount
        per_clause[(grant.organisation_id, grant.clause)] += grant.amount
        per_measure[grant.measure_id] += grant.amount
    for (_, measure, _), total in per_cap.items():
        assert total <= CAPS[measure]
    for (_, clause), total in per_clause.items():
        assert total <= (100 * M if clause.endswith("II.A.1(1)") else allowance)
    for measure in CAPS:
        assert per_measure[measure] <= budget[measure]
        assert _granted(world, measure) - start[measure] == per_measure[measure]
    assert sum(per_measure.values()) == sum(v for k, v in used.items() if k[0] == "budget")
