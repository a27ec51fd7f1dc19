"""Statistics of submitted applications: counted only where the reader may see, over a period,
by zone, measure, status and month, with what was asked for and what was approved."""

from __future__ import annotations

import datetime as dt

import pytest

from ftzlink.applications import statistics as stats
from ftzlink.applications.statistics import Statistics
from ftzlink.auth.principal import Principal
from ftzlink.errors import Forbidden, InvalidInput
from tests.world import FOCUS, TODAY, World

LATER = dt.date(2025, 8, 12)


def counted(
    world: World, principal: Principal, start: dt.date | None = None, end: dt.date | None = None
) -> Statistics:
    return world.read(
        stats.statistics,
        principal=principal,
        catalogue=world.catalogue,
        start=start,
        end=end,
    )


@pytest.fixture
def activity(world: World) -> World:
    """In Changning: A approved (4,000,000 of 5,000,000), B submitted in August, A's draft."""
    world.set_budget(100_000_000)
    world.approve(world.submitted(world.a, 5_000_000), 4_000_000)
    world.submitted(world.b, 2_000_000, today=LATER)
    world.draft(world.a, 1_000_000)
    return world


def test_drafts_are_not_counted(activity: World) -> None:
    result = counted(activity, activity.reviewer)
    assert result.total == 2
    assert {a.status for a in result.applications} == {"approved", "submitted"}


def test_amounts_are_summed_in_yuan(activity: World) -> None:
    result = counted(activity, activity.reviewer)
    assert result.requested == 7_000_000
    assert result.approved == 4_000_000


def test_a_reviewer_counts_only_the_applications_of_their_district(activity: World) -> None:
    assert counted(activity, activity.reviewer).total == 2
    assert counted(activity, activity.budget_officer).total == 2
    nothing = counted(activity, activity.reviewer_xuhui)
    assert nothing.total == 0
    assert nothing.districts == frozenset({"xuhui"})


def test_a_platform_admin_counts_every_district(activity: World) -> None:
    result = counted(activity, activity.admin)
    assert result.districts is None
    assert result.total == 2


@pytest.mark.parametrize("who", ["member_a", "admin_hq", "auditor"])
def test_statistics_are_not_for_enterprises_or_auditors(activity: World, who: str) -> None:
    with pytest.raises(Forbidden):
        counted(activity, getattr(activity, who))


def test_the_period_includes_both_its_days(activity: World) -> None:
    assert counted(activity, activity.reviewer, TODAY, TODAY).total == 1
    assert counted(activity, activity.reviewer, LATER, LATER).total == 1
    assert counted(activity, activity.reviewer, TODAY + dt.timedelta(days=1)).total == 1
    assert counted(activity, activity.reviewer, None, LATER - dt.timedelta(days=1)).total == 1


def test_a_period_that_ends_before_it_starts_is_refused(activity: World) -> None:
    with pytest.raises(InvalidInput):
        counted(activity, activity.reviewer, LATER, TODAY)


def test_tallies_by_status_follow_the_workflow(activity: World) -> None:
    by_status = counted(activity, activity.reviewer).by("status")
    assert [(t.key, t.applications, t.approved) for t in by_status] == [
        ("submitted", 1, 0),
        ("approved", 1, 4_000_000),
    ]


def test_months_between_the_first_and_the_last_are_all_shown(activity: World) -> None:
    by_month = counted(activity, activity.reviewer).by("month")
    assert [(t.key, t.applications) for t in by_month] == [
        ("2025-06", 1),
        ("2025-07", 0),
        ("2025-08", 1),
    ]


def test_tallies_by_zone_and_measure_carry_the_catalogue_labels(activity: World) -> None:
    result = counted(activity, activity.reviewer)
    (zone,) = result.by("zone")
    assert zone.key == "changning" and zone.label is not None
    assert zone.label.zh == "长宁联动创新区"
    assert (zone.applications, zone.requested, zone.approved) == (2, 7_000_000, 4_000_000)
    (measure,) = result.by("measure")
    assert measure.key == FOCUS and measure.label is not None
    assert measure.approved_applications == 1


def test_each_application_row_names_its_organisation_and_dates(activity: World) -> None:
    first, second = counted(activity, activity.reviewer).applications
    assert first.organisation == activity.a.name
    assert first.submitted_on == TODAY
    assert first.decided_on is not None
    assert (first.requested_amount, first.approved_amount) == (5_000_000, 4_000_000)
    assert second.submitted_on == LATER and second.decided_on is None
    assert second.approved_amount is None


def test_an_unknown_dimension_is_refused(activity: World) -> None:
    with pytest.raises(InvalidInput):
        counted(activity, activity.reviewer).by("colour")
