"""Approvals racing each other, each in its own transaction on its own connection: however they
interleave, no allowance or budget gives more than it has, and every refusal says why."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import func, select

from ftzlink.applications import service as apps
from ftzlink.applications.tables import Application, Budget, Grant, State
from ftzlink.audit.log import verify
from ftzlink.auth.principal import Grant as RoleGrant
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.errors import CapExceeded
from ftzlink.organisations.tables import Organisation
from tests.world import FOCUS, LEADERS, PROJECT_KIND, TODAY, YEAR, World

M = 1_000_000
ALLOWANCE = 100 * M  # of FOCUS's clause, per organisation and year
T = TypeVar("T")


def submitted_many(
    world: World, org: Organisation, count: int, amount: int, *, measure: str = FOCUS
) -> list[int]:
    """`count` applications of the organisation, submitted, in one transaction."""
    member = world.member_of(org)
    ids = []
    with world.database.write() as s:
        for i in range(count):
            project = f"Project {i}" if measure != FOCUS else None
            app = apps.create_application(
                s,
                principal=member,
                catalogue=world.catalogue,
                organisation_id=org.id,
                measure_id=measure,
                project_name=project,
                project_kind=PROJECT_KIND.get(measure) if project else None,
                requested_amount=amount,
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
            ids.append(app.id)
    return ids


def reviewers(world: World, count: int) -> list[Principal]:
    return [
        world.user(f"reviewer-{i}", RoleGrant(Role.REVIEWER, district="changning"))
        for i in range(count)
    ]


def race(tasks: Sequence[Callable[[], T]], workers: int = 16) -> list[T]:
    """Run the tasks on `workers` threads that all start at once."""
    start = threading.Barrier(min(workers, len(tasks)), timeout=30)
    with ThreadPoolExecutor(max_workers=workers, initializer=start.wait) as pool:
        futures = [pool.submit(task) for task in tasks]
        return [f.result(timeout=120) for f in futures]


def interleave(first: Sequence[int], second: Sequence[int]) -> list[int]:
    """a1, b1, a2, b2, ... then the rest of the longer one: both organisations start at once."""
    mixed = [x for pair in zip(first, second, strict=False) for x in pair]
    n = min(len(first), len(second))
    return mixed + list(first[n:]) + list(second[n:])


def approval(
    world: World, app_id: int, amount: int, by: Principal
) -> Callable[[], tuple[int, CapExceeded | None]]:
    def attempt() -> tuple[int, CapExceeded | None]:
        try:
            with world.database.write() as s:
                apps.approve(
                    s,
                    principal=by,
                    catalogue=world.catalogue,
                    application_id=app_id,
                    amount=amount,
                    today=TODAY,
                )
        except CapExceeded as refused:
            return app_id, refused
        return app_id, None

    return attempt


def granted(world: World, *, organisation: Organisation | None = None, measure: str) -> int:
    with world.database.read() as s:
        query = select(func.coalesce(func.sum(Grant.amount), 0)).where(Grant.measure_id == measure)
        if organisation is not None:
            query = query.where(Grant.organisation_id == organisation.id)
        return int(s.scalar(query) or 0)


def budget_row(world: World, measure: str) -> tuple[int, int]:
    with world.database.read() as s:
        b = s.scalars(select(Budget).where(Budget.measure_id == measure, Budget.year == YEAR)).one()
        return b.amount, b.granted


def statuses(world: World, ids: Sequence[int]) -> Counter[str]:
    with world.database.read() as s:
        return Counter(s.scalars(select(Application.status).where(Application.id.in_(ids))))


def assert_audit_intact(world: World) -> None:
    with world.database.read() as s:
        checked = verify(s)
    assert checked.ok, checked.problem


def test_fifty_approvals_racing_for_one_allowance_and_one_budget_take_no_more_than_either(
    world: World,
) -> None:
    # A's 30 applications race for A's allowance (the budget of FOCUS is ample): 20 fit.
    # B's 20 applications, one project each, race for LEADERS's budget of 50 million: 10 fit.
    world.set_budget(1_000 * M, measure=FOCUS)
    world.set_budget(50 * M, measure=LEADERS)
    ids_a = submitted_many(world, world.a, 30, 5 * M)
    ids_b = submitted_many(world, world.b, 20, 5 * M, measure=LEADERS)
    deciders = reviewers(world, 5)
    tasks = [
        approval(world, app_id, 5 * M, deciders[i % len(deciders)])
        for i, app_id in enumerate(interleave(ids_a, ids_b))
    ]

    outcomes = dict(race(tasks))

    assert granted(world, organisation=world.a, measure=FOCUS) == ALLOWANCE
    assert granted(world, measure=LEADERS) == 50 * M
    assert budget_row(world, LEADERS) == (50 * M, 50 * M)
    assert budget_row(world, FOCUS) == (1_000 * M, ALLOWANCE)
    assert statuses(world, ids_a) == {State.APPROVED: 20, State.SUBMITTED: 10}
    assert statuses(world, ids_b) == {State.APPROVED: 10, State.SUBMITTED: 10}
    refused_a = [r for i in ids_a if (r := outcomes[i]) is not None]
    refused_b = [r for i in ids_b if (r := outcomes[i]) is not None]
    assert [(r.limit, r.remaining) for r in refused_a] == [("clause_allowance", 0)] * 10
    assert [(r.limit, r.remaining) for r in refused_b] == [("budget", 0)] * 10
    assert all("left" in str(r) for r in refused_a + refused_b)
    assert_audit_intact(world)


def test_two_organisations_racing_for_one_budget_get_exactly_what_it_holds(world: World) -> None:
    # 50 applications of 5 million: A's 30 could take 20 under A's allowance, B's 20 all of
    # theirs; the budget of 150 million holds 30. Who gets them depends on the race; how many
    # does not, and neither does that no limit is passed.
    world.set_budget(150 * M)
    ids_a = submitted_many(world, world.a, 30, 5 * M)
    ids_b = submitted_many(world, world.b, 20, 5 * M)
    deciders = reviewers(world, 4)
    tasks = [
        approval(world, app_id, 5 * M, deciders[i % len(deciders)])
        for i, app_id in enumerate(interleave(ids_a, ids_b))
    ]

    outcomes = dict(race(tasks))

    total_a = granted(world, organisation=world.a, measure=FOCUS)
    total_b = granted(world, organisation=world.b, measure=FOCUS)
    assert total_a <= ALLOWANCE and total_b <= ALLOWANCE
    assert total_a + total_b == 150 * M
    assert budget_row(world, FOCUS) == (150 * M, 150 * M)
    approved = statuses(world, ids_a + ids_b)
    assert approved == {State.APPROVED: 30, State.SUBMITTED: 20}
    totals = {world.a.id: total_a, world.b.id: total_b}
    owner = dict.fromkeys(ids_a, world.a.id) | dict.fromkeys(ids_b, world.b.id)
    for app_id, refused in outcomes.items():
        if refused is None:
            continue
        assert refused.limit in {"clause_allowance", "budget"}
        assert refused.requested == 5 * M and refused.remaining < 5 * M
        if refused.limit == "clause_allowance":
            # Refused for the allowance: by then the organisation had all of it.
            assert totals[owner[app_id]] == ALLOWANCE
    assert sum(r is not None for r in outcomes.values()) == 20
    assert_audit_intact(world)


def batch(
    world: World, ids: Sequence[int], by: Principal, *, all_or_nothing: bool
) -> Callable[[], list[apps.ItemResult] | apps.BatchFailed]:
    def sign() -> list[apps.ItemResult] | apps.BatchFailed:
        try:
            with world.database.write() as s:
                return apps.sign_batch(
                    s,
                    principal=by,
                    catalogue=world.catalogue,
                    items=[apps.BatchItem(i, "approve", 5 * M) for i in ids],
                    all_or_nothing=all_or_nothing,
                    today=TODAY,
                )
        except apps.BatchFailed as failed:
            return failed

    return sign


def test_two_batches_signed_at_once_share_the_allowance_item_by_item(world: World) -> None:
    world.set_budget(1_000 * M)
    ids = submitted_many(world, world.a, 24, 5 * M)
    first, second = reviewers(world, 2)

    results = race(
        [
            batch(world, ids[:12], first, all_or_nothing=False),
            batch(world, ids[12:], second, all_or_nothing=False),
        ]
    )

    items = [item for result in results for item in result]  # type: ignore[union-attr]
    assert Counter(item.outcome for item in items) == {"approved": 20, "refused": 4}
    assert {(i.code, i.limit) for i in items if i.outcome == "refused"} == {
        ("cap_exceeded", "clause_allowance")
    }
    assert granted(world, organisation=world.a, measure=FOCUS) == ALLOWANCE
    assert statuses(world, ids) == {State.APPROVED: 20, State.SUBMITTED: 4}
    assert_audit_intact(world)


def test_of_two_all_or_nothing_batches_that_do_not_both_fit_one_signs_and_one_signs_nothing(
    world: World,
) -> None:
    world.set_budget(1_000 * M)
    ids = submitted_many(world, world.a, 24, 5 * M)  # 2 x 60 million against 100 million
    first, second = reviewers(world, 2)

    results = race(
        [
            batch(world, ids[:12], first, all_or_nothing=True),
            batch(world, ids[12:], second, all_or_nothing=True),
        ]
    )

    signed = [r for r in results if isinstance(r, list)]
    failed = [r for r in results if isinstance(r, apps.BatchFailed)]
    assert len(signed) == 1 and len(failed) == 1
    assert [i.outcome for i in signed[0]] == ["approved"] * 12
    assert failed[0].code == "batch_failed"
    assert Counter(i.outcome for i in failed[0].results) == {"approved": 8, "refused": 4}
    assert granted(world, organisation=world.a, measure=FOCUS) == 60 * M
    assert statuses(world, ids) == {State.APPROVED: 12, State.SUBMITTED: 12}
    assert_audit_intact(world)
