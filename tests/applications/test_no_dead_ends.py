"""No dead ends: nothing is started or changed under a measure that has ended or not begun, and a
reviewer never lists or opens an enterprise's draft."""

from __future__ import annotations

import datetime as dt

import pytest

from ftzlink.applications import service as apps
from ftzlink.applications.tables import State
from ftzlink.errors import MeasureNotInForce, NotFound
from tests.world import AFTER_EXPIRY, TODAY, World


def test_an_application_cannot_be_started_under_a_measure_that_has_ended(world: World) -> None:
    with pytest.raises(MeasureNotInForce) as refused:
        world.draft(world.a, today=AFTER_EXPIRY)
    assert refused.value.code == "measure_not_in_force"
    assert refused.value.state == "expired"
    assert refused.value.end == dt.date(2026, 11, 14)
    assert refused.value.end < AFTER_EXPIRY


def test_a_draft_cannot_be_changed_once_its_measure_has_ended(world: World) -> None:
    app = world.draft(world.a)
    with pytest.raises(MeasureNotInForce) as refused:
        world.write(
            apps.update_draft,
            principal=world.member_a,
            catalogue=world.catalogue,
            application_id=app.id,
            changes={"requested_amount": 1_000_000},
            today=AFTER_EXPIRY,
        )
    assert refused.value.state == "expired"
    assert world.application(app.id).requested_amount == app.requested_amount


def test_not_in_force_names_the_dates_and_is_none_while_in_force(world: World) -> None:
    policy, measure = apps.find_measure(world.catalogue, world.draft(world.a).measure_id)
    assert apps.not_in_force(policy, measure, on=TODAY) is None
    ended = apps.not_in_force(policy, measure, on=AFTER_EXPIRY)
    assert ended is not None and ended.end == policy.validity_of(measure).end
    start = policy.validity_of(measure).start
    if start is not None:
        early = apps.not_in_force(policy, measure, on=start - dt.timedelta(days=1))
        assert early is not None and early.state == "not_yet_effective"


def test_a_reviewer_neither_lists_nor_opens_a_draft(world: World) -> None:
    draft = world.draft(world.a)
    submitted = world.submit(world.draft(world.a))
    listed, total = world.read(apps.list_applications, principal=world.reviewer, on=TODAY)
    assert [a.id for a in listed] == [submitted.id]
    assert total == 1
    with pytest.raises(NotFound):
        world.read(
            apps.get_application, principal=world.reviewer, application_id=draft.id, on=TODAY
        )
    opened = world.read(
        apps.get_application, principal=world.reviewer, application_id=submitted.id, on=TODAY
    )
    assert opened.status == State.SUBMITTED
    own, _ = world.read(apps.list_applications, principal=world.member_a, on=TODAY)
    assert {a.id for a in own} == {draft.id, submitted.id}


def test_the_queue_default_is_what_needs_action_first(world: World) -> None:
    world.set_budget(1_000_000_000)
    waiting = world.submit(world.draft(world.a))  # older, yet listed first: it needs action
    approved = world.approve(world.submit(world.draft(world.a)), 1_000_000)
    needs, _ = world.read(
        apps.list_applications,
        principal=world.reviewer,
        on=TODAY,
        filters=apps.Filters(needs_action=True),
    )
    assert [a.id for a in needs] == [waiting.id]
    everything, _ = world.read(apps.list_applications, principal=world.reviewer, on=TODAY)
    assert [a.id for a in everything] == [waiting.id, approved.id]
