"""The registry's rules: stages forward one at a time, each dated (not before the last dated
step, not after today) and on the audit log with who did it; only editors change anything."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ftzlink.audit.log import Actor, verify
from ftzlink.audit.tables import AuditEntry
from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import Conflict, Forbidden, InvalidInput, NotFound
from ftzlink.pilots import service as pilots
from ftzlink.pilots.service import StageOutOfOrder
from ftzlink.pilots.tables import PilotCase, PilotQualifier, PilotStage, PilotUnit
from tests.pilots.conftest import TODAY, Registry

PILOT, SUPERVISION, SOLID = (
    PilotStage.CASE_PILOT,
    PilotStage.INNOVATIVE_SUPERVISION,
    PilotStage.REGULATORY_SOLIDIFICATION,
)


def new_case(
    registry: Registry,
    catalogue: Catalogue,
    slug: str = "new-case",
    stage: PilotStage | None = PILOT,
    on: dt.date | None = dt.date(2025, 1, 10),
) -> int:
    return registry.write(
        pilots.create_case,
        principal=registry.admin,
        catalogue=catalogue,
        slug=slug,
        zone="lingang",
        title_zh="新案例",
        title_en="A new case",
        summary_zh="摘要",
        summary_en="Summary",
        stage=stage,
        stage_on=on,
        today=TODAY,
    ).id


def advance(
    registry: Registry, case_id: int, to: PilotStage, on: dt.date, **kw: object
) -> PilotCase:
    kw.setdefault("principal", registry.regulator)
    return registry.write(
        pilots.advance, case_id=case_id, to=to, on=on, note="moved on", today=TODAY, **kw
    )


def audit(registry: Registry, case_id: int) -> list[AuditEntry]:
    with registry.db.read() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_type == "pilot_case", AuditEntry.object_id == str(case_id))
                .order_by(AuditEntry.seq)
            )
        )


def test_a_case_moves_forward_one_stage_at_a_time_each_step_dated_and_audited(
    registry: Registry, catalogue: Catalogue
) -> None:
    case_id = new_case(registry, catalogue)
    moved = advance(registry, case_id, SUPERVISION, dt.date(2025, 3, 1))
    assert (moved.stage, moved.stage_on, moved.version) == (SUPERVISION, dt.date(2025, 3, 1), 2)
    moved = advance(registry, case_id, SOLID, dt.date(2025, 3, 1), principal=registry.admin)
    assert moved.stage == SOLID
    with registry.db.read() as session:
        case = pilots.get_case(session, case_id)
        steps = pilots.steps_of(session, case)
    assert [(s.stage, s.reached_on) for s in steps] == [
        (PILOT, dt.date(2025, 1, 10)),
        (SUPERVISION, dt.date(2025, 3, 1)),
        (SOLID, dt.date(2025, 3, 1)),
    ]
    entries = audit(registry, case_id)
    assert [(e.action, e.actor) for e in entries] == [
        ("pilot_case.create", "pilot-admin"),
        ("pilot_case.advance", "pilot-regulator"),
        ("pilot_case.advance", "pilot-admin"),
    ]
    assert entries[1].actor_id == registry.regulator.user_id
    assert "case_pilot -> innovative_supervision on 2025-03-01" in entries[1].detail
    assert pilots.next_stages(SOLID) == []
    assert registry.read(verify).ok


@pytest.mark.parametrize(
    ("start", "to"),
    [(PILOT, SOLID), (SUPERVISION, PILOT), (SUPERVISION, SUPERVISION), (SOLID, PILOT)],
    ids=["skip", "back", "same", "back-from-last"],
)
def test_skipping_or_going_back_is_refused_and_changes_nothing(
    registry: Registry, catalogue: Catalogue, start: PilotStage, to: PilotStage
) -> None:
    case_id = new_case(registry, catalogue, stage=start)
    before = len(audit(registry, case_id))
    with pytest.raises(StageOutOfOrder) as refused:
        advance(registry, case_id, to, dt.date(2025, 2, 1))
    assert isinstance(refused.value, Conflict)
    assert refused.value.state == start.value
    assert f"not to {to.value}" in str(refused.value)
    assert registry.read(pilots.get_case, case_id).stage == start
    assert len(audit(registry, case_id)) == before


def test_a_step_is_not_dated_before_the_last_dated_step_nor_after_today(
    registry: Registry, catalogue: Catalogue
) -> None:
    case_id = new_case(registry, catalogue, on=dt.date(2025, 2, 1))
    for day in (dt.date(2025, 1, 31), TODAY + dt.timedelta(days=1)):
        with pytest.raises(InvalidInput) as refused:
            advance(registry, case_id, SUPERVISION, day)
        assert refused.value.problems[0].field == "on"
    assert registry.read(pilots.get_case, case_id).stage == PILOT
    advance(registry, case_id, SUPERVISION, dt.date(2025, 2, 1))  # the same day is fine


def test_a_stage_not_stated_may_be_given_any_stage_then_only_the_next(
    registry: Registry, catalogue: Catalogue
) -> None:
    # The seeded "direct release" case: seed 004 places it on no stage.
    case_id = registry.case_id("direct-release")
    case = registry.read(pilots.get_case, case_id)
    assert (case.stage, case.stage_on) == (None, None)
    assert pilots.next_stages(None) == [PILOT, SUPERVISION, SOLID]
    advance(registry, case_id, SUPERVISION, dt.date(2025, 5, 1))
    with pytest.raises(StageOutOfOrder):
        advance(registry, case_id, PILOT, dt.date(2025, 5, 2))


def test_a_seeded_step_without_a_day_does_not_bound_the_next_one(
    registry: Registry, catalogue: Catalogue
) -> None:
    # Seed 004 says the SPV leasing is in the case pilot, without a day.
    case_id = registry.case_id("ic-equipment-spv-leasing")
    with registry.db.read() as session:
        (step,) = pilots.steps_of(session, pilots.get_case(session, case_id))
    assert (step.stage, step.reached_on, step.source_line) == (PILOT, None, 29)
    moved = advance(registry, case_id, SUPERVISION, dt.date(2000, 1, 1))
    assert moved.stage_on == dt.date(2000, 1, 1)


def test_only_platform_administrators_and_data_regulators_change_the_registry(
    registry: Registry, catalogue: Catalogue
) -> None:
    case_id = registry.case_id("remanufactured-imports")
    for who in (registry.auditor, registry.reviewer):
        with pytest.raises(Forbidden):
            advance(registry, case_id, PILOT, dt.date(2025, 1, 1), principal=who)
        with pytest.raises(Forbidden):
            registry.write(
                pilots.add_figure,
                principal=who,
                case_id=case_id,
                label_zh="x",
                label_en="x",
                value="1",
                unit=PilotUnit.COUNT,
                source="x",
                today=TODAY,
            )
    assert pilots.can_edit(registry.admin) and pilots.can_edit(registry.regulator)
    assert not pilots.can_edit(None)


def test_a_figure_has_a_value_or_a_range_a_unit_a_day_or_none_and_a_source(
    registry: Registry,
) -> None:
    case_id = registry.case_id("driverless-road-tests")
    figure = registry.write(
        pilots.add_figure,
        principal=registry.regulator,
        case_id=case_id,
        label_zh="测试里程",
        label_en="Kilometres tested",
        value="1000",
        value_max="2000",
        unit=PilotUnit.COUNT,
        qualifier=PilotQualifier.ABOUT,
        as_of=dt.date(2025, 5, 31),
        source="a report",
        today=TODAY,
    )
    assert (figure.value, figure.value_max, figure.as_of) == ("1000", "2000", dt.date(2025, 5, 31))
    assert audit(registry, case_id)[-1].action == "pilot_case.add_figure"
    bad = {"value": "1,5", "value_max": "999", "as_of": TODAY + dt.timedelta(days=1), "source": " "}
    for name, wrong in bad.items():
        values: dict[str, object] = {
            "value": "1000",
            "value_max": None,
            "as_of": None,
            "source": "a report",
            name: wrong,
        }
        with pytest.raises(InvalidInput) as refused:
            registry.write(
                pilots.add_figure,
                principal=registry.admin,
                case_id=case_id,
                label_zh="x",
                label_en="x",
                unit=PilotUnit.COUNT,
                today=TODAY,
                **values,
            )
        assert refused.value.problems[0].field == name


def test_a_new_case_needs_a_known_zone_a_unique_slug_and_no_day_without_a_stage(
    registry: Registry, catalogue: Catalogue
) -> None:
    new_case(registry, catalogue, slug="once")
    with pytest.raises(Conflict):
        new_case(registry, catalogue, slug="once")
    with pytest.raises(InvalidInput) as refused:
        new_case(registry, catalogue, slug="dayless", stage=None, on=dt.date(2025, 1, 1))
    assert refused.value.problems[0].field == "stage_on"
    with pytest.raises(InvalidInput):
        registry.write(
            pilots.create_case,
            principal=registry.admin,
            catalogue=catalogue,
            slug="nowhere",
            zone="atlantis",
            title_zh="x",
            title_en="x",
            summary_zh="x",
            summary_en="x",
            today=TODAY,
        )


def test_the_registry_lists_by_stage_and_zone_and_finds_by_number_or_slug(
    registry: Registry,
) -> None:
    rows, total = registry.read(pilots.list_cases)
    assert total == 5
    assert rows[0].slug == "driverless-road-tests"  # the furthest stage first
    assert [c.slug for c in registry.read(pilots.list_cases, stage="case_pilot")[0]] == [
        "ic-equipment-spv-leasing"
    ]
    unknown = registry.read(pilots.list_cases, stage=pilots.NOT_STATED)[0]
    assert {c.slug for c in unknown} == {
        "remanufactured-imports",
        "direct-release",
        "foreign-car-maker-data-assessment",
    }
    assert registry.read(pilots.list_cases, zone="changning") == ([], 0)
    case_id = registry.case_id("direct-release")
    assert registry.read(pilots.find_case, str(case_id)).slug == "direct-release"
    with pytest.raises(NotFound):
        registry.read(pilots.find_case, "no-such-case")


def test_seeding_again_changes_nothing_and_keeps_what_editors_did(registry: Registry) -> None:
    case_id = registry.case_id("ic-equipment-spv-leasing")
    advance(registry, case_id, SUPERVISION, dt.date(2025, 4, 1))
    with registry.db.write() as session:
        report = pilots.seed_pilot_cases(session, Actor(None, "again"))
    assert (report.created, report.figures_added) == ([], 0)
    assert len(report.unchanged) == 5
    assert registry.read(pilots.get_case, case_id).stage == SUPERVISION
    seeded = [e for e in audit(registry, case_id) if e.action == "pilot_case.create"]
    assert [e.actor for e in seeded] == ["system"]
