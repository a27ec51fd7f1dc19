"""Authorized handling: a headquarters acts for its branch only under a delegation in force for
the measure, and the record shows both who acted and for whom."""

from __future__ import annotations

import datetime as dt

import pytest

from ftzlink.applications import service as apps
from ftzlink.applications.tables import State
from ftzlink.auth.principal import Principal
from ftzlink.errors import Conflict, Forbidden, InvalidInput, NotFound
from ftzlink.organisations import service as orgs
from ftzlink.organisations.tables import Delegation
from tests.world import FOCUS, LEADERS, TODAY, World

DAY = dt.timedelta(days=1)


def delegate(
    world: World,
    measures: tuple[str, ...] | None = (FOCUS,),
    *,
    valid_from: dt.date = TODAY - 30 * DAY,
    valid_to: dt.date | None = None,
    by: Principal | None = None,
    headquarters_id: int | None = None,
    branch_id: int | None = None,
) -> Delegation:
    return world.write(
        orgs.create_delegation,
        principal=by or world.admin_hq,
        catalogue=world.catalogue,
        headquarters_id=headquarters_id or world.hq.id,
        branch_id=branch_id or world.b.id,
        measures=None if measures is None else list(measures),
        valid_from=valid_from,
        valid_to=valid_to,
        on=TODAY,
    )


def revoke(world: World, delegation: Delegation) -> Delegation:
    return world.write(orgs.revoke_delegation, principal=world.admin_b, delegation_id=delegation.id)


def withdraw(world: World, app_id: int, by: Principal, today: dt.date = TODAY) -> State:
    done = world.write(apps.withdraw, principal=by, application_id=app_id, today=today)
    return State(done.status)


def test_headquarters_files_submits_and_withdraws_for_its_branch_under_a_delegation(
    world: World,
) -> None:
    delegation = delegate(world)
    app = world.draft(world.b, by=world.member_hq)
    assert (app.organisation_id, app.delegation_id) == (world.b.id, delegation.id)
    assert world.submit(app, by=world.member_hq).status == State.SUBMITTED
    assert withdraw(world, app.id, world.member_hq) == State.WITHDRAWN

    hq_user, branch = world.member_hq.user_id, world.b.id
    assert [(e.action, e.actor_id, e.acted_for_id) for e in world.history(app)] == [
        ("create", hq_user, branch),
        ("submit", hq_user, branch),
        ("withdraw", hq_user, branch),
    ]
    audited = [
        (e.action, e.actor, e.actor_id, e.acted_for_id)
        for e in world.audit_entries("application")
        if e.object_id == str(app.id)
    ]
    assert audited == [
        ("application.create", "member-hq", hq_user, branch),
        ("application.submit", "member-hq", hq_user, branch),
        ("application.withdraw", "member-hq", hq_user, branch),
    ]


def test_granting_a_delegation_is_audited_as_done_for_the_branch(world: World) -> None:
    delegation = delegate(world)
    revoke(world, delegation)
    audited = [(e.action, e.actor_id, e.acted_for_id) for e in world.audit_entries("delegation")]
    assert audited == [
        ("delegation.create", world.admin_hq.user_id, world.b.id),
        ("delegation.revoke", world.admin_b.user_id, world.b.id),
    ]


def test_the_branch_reviewer_decides_what_headquarters_filed(world: World) -> None:
    delegate(world)
    world.set_budget(100_000_000)
    app = world.submitted(world.b, by=world.member_hq)
    world.return_(app, "Which products use AI?")
    world.resubmit(app, by=world.member_hq)
    assert world.approve(app, 5_000_000).status == State.APPROVED
    with pytest.raises(NotFound):
        world.approve(app, 1, by=world.reviewer_xuhui)


def test_without_a_delegation_headquarters_does_not_find_its_branch(world: World) -> None:
    with pytest.raises(NotFound):
        world.draft(world.b, by=world.member_hq)
    app = world.submitted(world.b)
    with pytest.raises(NotFound):
        withdraw(world, app.id, world.member_hq)


def test_a_delegation_for_another_measure_does_not_let_headquarters_act(world: World) -> None:
    delegate(world, (LEADERS,))
    with pytest.raises(Forbidden):
        world.draft(world.b, by=world.member_hq)
    app = world.draft(world.b)  # filed by the branch itself
    with pytest.raises(NotFound):
        world.submit(app, by=world.member_hq)
    assert world.application(app.id).status == State.DRAFT


def test_a_delegation_for_every_measure_covers_any_measure(world: World) -> None:
    delegate(world, None, by=world.admin_b)
    app = world.draft(world.b, 5_000_000, by=world.member_hq, measure=LEADERS, project="Leader")
    assert world.submit(app, by=world.member_hq).status == State.SUBMITTED


def test_a_revoked_delegation_no_longer_lets_headquarters_act(world: World) -> None:
    delegation = delegate(world)
    app = world.draft(world.b, by=world.member_hq)
    revoke(world, delegation)
    with pytest.raises(NotFound):
        world.draft(world.b, by=world.member_hq)
    with pytest.raises(NotFound):
        world.submit(app, by=world.member_hq)
    # The branch itself carries on with what headquarters started.
    assert world.submit(app, by=world.member_b).status == State.SUBMITTED
    with pytest.raises(Conflict):
        revoke(world, delegation)


def test_a_delegation_out_of_its_period_does_not_let_headquarters_act(world: World) -> None:
    expired = delegate(world, valid_from=TODAY - 60 * DAY, valid_to=TODAY - DAY)
    not_yet = delegate(world, valid_from=TODAY + DAY)
    for delegation in (expired, not_yet):
        assert not delegation.covers(measure_id=FOCUS, on=TODAY)
    with pytest.raises(NotFound):
        world.draft(world.b, by=world.member_hq)


def test_headquarters_loses_an_application_when_the_delegation_runs_out(world: World) -> None:
    last_day = TODAY + 10 * DAY
    delegate(world, valid_to=last_day)
    app = world.submitted(world.b, by=world.member_hq)
    with pytest.raises(NotFound):
        withdraw(world, app.id, world.member_hq, today=last_day + DAY)
    assert withdraw(world, app.id, world.member_hq, today=last_day) == State.WITHDRAWN


def test_only_an_admin_of_the_branch_or_its_headquarters_grants_a_delegation(
    world: World,
) -> None:
    with pytest.raises(Forbidden):
        delegate(world, by=world.member_b)
    # Those who may not see the branch are told it is not there.
    for outsider in (world.member_hq, world.admin_a):
        with pytest.raises(NotFound):
            delegate(world, by=outsider)
    assert delegate(world, by=world.admin_b).branch_id == world.b.id


def test_a_delegation_links_only_a_headquarters_to_its_registered_branch(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        delegate(world, by=world.admin, headquarters_id=world.hq.id, branch_id=world.a.id)
    assert [p.field for p in refused.value.problems] == ["branch_id"]
    with pytest.raises(InvalidInput) as refused:
        delegate(world, ("no-such-measure",))
    assert [p.field for p in refused.value.problems] == ["measures"]
    with pytest.raises(InvalidInput):
        delegate(world, valid_from=TODAY, valid_to=TODAY - DAY)
    with pytest.raises(NotFound):  # not its branch, so not its to see
        delegate(world, branch_id=world.a.id)
