"""The combined application, through the service: one filing, two tracks decided side by side by two
authorities, residence never beyond the work permit or five years, the family's permits ending with
the principal's, working-day deadlines, masked passports, and the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from ftzlink.audit.log import verify
from ftzlink.audit.tables import AuditEntry
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.errors import (
    CalendarNotCovered,
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Problem,
    ValidityTooLong,
)
from ftzlink.talent import cases
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.rules import add_years
from ftzlink.talent.tables import TrackKind
from ftzlink.workdays.schedule import load_year_file
from ftzlink.workdays.service import add_year
from tests.workdays import YEAR_2027
from tests.world import World, build_world

RULES = bundled_talent_rules()
FILED = dt.date(2026, 9, 28)  # a Monday before the National Day holiday
PDF = b"%PDF-1.4\n% passport scan\n%%EOF\n"
WP, RP = TrackKind.WORK_PERMIT, TrackKind.RESIDENCE


@dataclass
class Talent:
    world: World
    work_officer: Principal
    police: Principal
    root: Any

    def write(self, step: Any, **kwargs: Any) -> Any:
        return self.world.write(step, **kwargs)

    def professional(self, by: Principal | None = None, **changes: Any) -> int:
        data: dict[str, Any] = {
            "full_name": "Anna Schmidt",
            "nationality": "DEU",
            "passport_number": "C01X00T47",
            "passport_expiry": dt.date(2034, 5, 1),
            "birth_date": dt.date(1988, 4, 12),
            "education": "doctorate",
            "experience_years": 9,
            "annual_salary_yuan": 900_000,
            "chinese_level": "hsk3",
            "post": "Head of AI research",
        } | changes
        person = self.write(
            cases.add_professional,
            principal=by or self.world.member_a,
            rules=RULES,
            employer_id=self.world.a.id,
            data=cases.ProfessionalInput(**data),
            today=FILED,
        )
        return int(person.id)

    def relative(self, professional_id: int, relation: str, birth: dt.date, passport: str) -> int:
        member = self.write(
            cases.add_family_member,
            principal=self.world.member_a,
            professional_id=professional_id,
            data=cases.FamilyInput(
                relation=relation,
                full_name=f"{relation.title()} Schmidt",
                nationality="DEU",
                passport_number=passport,
                passport_expiry=dt.date(2033, 1, 1),
                birth_date=birth,
            ),
            today=FILED,
        )
        return int(member.id)

    def filed(
        self, *, facts: dict[str, Any] | None = None, category: str = "A"
    ) -> tuple[int, list[int]]:
        person = self.professional()
        family = [
            self.relative(person, "spouse", dt.date(1989, 2, 2), "C01X00T48"),
            self.relative(person, "child", dt.date(2016, 7, 7), "C01X00T49"),
        ]
        case = self.write(
            cases.create_case,
            principal=self.world.member_a,
            rules=RULES,
            professional_id=person,
            work_permit_category=category,
            facts=facts or {},
            family_member_ids=family,
            today=FILED,
        )
        for kind in ("passport", "photo", "employer_letter"):
            self.write(
                cases.add_document,
                principal=self.world.member_a,
                case_id=case.id,
                kind=kind,
                filename=f"{kind}.pdf",
                content_type="application/pdf",
                data=PDF,
                root=self.root,
                max_bytes=1_000_000,
                today=FILED,
            )
        self.write(
            cases.submit, principal=self.world.member_a, rules=RULES, case_id=case.id, today=FILED
        )
        return int(case.id), family

    def view(
        self, case_id: int, by: Principal | None = None, today: dt.date = FILED
    ) -> cases.CaseView:
        return self.world.read(
            cases.case_view,
            principal=by or self.world.member_a,
            rules=RULES,
            case_id=case_id,
            today=today,
        )


@pytest.fixture
def talent(database: Database, catalogue: Catalogue, tmp_path: Any) -> Talent:
    world = build_world(database, catalogue)
    return Talent(
        world=world,
        work_officer=world.user("work-permits", Grant(Role.WORK_PERMIT_OFFICER)),
        police=world.user("exit-entry", Grant(Role.EXIT_ENTRY_OFFICER)),
        root=tmp_path / "documents",
    )


def _decide_work_permit(t: Talent, case_id: int, until: dt.date, start: dt.date = FILED) -> None:
    t.write(
        cases.accept, principal=t.work_officer, rules=RULES, case_id=case_id, kind=WP, today=FILED
    )
    t.write(
        cases.approve,
        principal=t.work_officer,
        rules=RULES,
        case_id=case_id,
        kind=WP,
        valid_from=start,
        valid_until=until,
        today=FILED,
    )


def test_one_filing_opens_two_tracks_that_two_authorities_decide(talent: Talent) -> None:
    case_id, _ = talent.filed(facts={"high_level_professional": True})
    view = talent.view(case_id)
    assert {k: t.state for k, t in view.tracks.items()} == {WP: "received", RP: "received"}
    assert len(view.documents) == 3  # uploaded once, shared by both tracks

    # The police accept the residence track first; each deadline runs on its own.
    talent.write(
        cases.accept, principal=talent.police, rules=RULES, case_id=case_id, kind=RP, today=FILED
    )
    # ...but cannot approve it before the work permit is approved.
    with pytest.raises(Conflict, match="after the work permit is approved"):
        talent.write(
            cases.approve,
            principal=talent.police,
            rules=RULES,
            case_id=case_id,
            kind=RP,
            valid_from=FILED,
            valid_until=dt.date(2027, 9, 27),
            today=FILED,
        )
    wp_end = dt.date(2028, 9, 27)
    _decide_work_permit(talent, case_id, wp_end)

    # Beyond the work permit: refused, naming the last day allowed.
    with pytest.raises(InvalidInput) as too_long:
        talent.write(
            cases.approve,
            principal=talent.police,
            rules=RULES,
            case_id=case_id,
            kind=RP,
            valid_from=FILED,
            valid_until=wp_end + dt.timedelta(days=1),
            today=FILED,
        )
    assert "2028-09-27" in str(too_long.value.problems[0])
    talent.write(
        cases.approve,
        principal=talent.police,
        rules=RULES,
        case_id=case_id,
        kind=RP,
        valid_from=FILED,
        valid_until=wp_end,
        today=FILED,
    )
    view = talent.view(case_id)
    residence = view.tracks[RP]
    assert residence.state == "approved" and residence.valid_until == wp_end
    assert residence.valid_from is not None and residence.valid_until is not None
    assert residence.valid_until < add_years(residence.valid_from, 5)
    assert [end for _, end in view.family] == [wp_end, wp_end]


def test_five_years_only_on_a_route_and_never_more(talent: Talent) -> None:
    # A Changning key enterprise's high-level professional: seed 000's 5-year route.
    talent.write(
        cases.recognise_key_enterprise,
        principal=talent.world.reviewer,
        organisation_id=talent.world.a.id,
        recognised_by="长宁区人民政府",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
    )
    case_id, _ = talent.filed(facts={"high_level_professional": True})
    start = dt.date(2026, 10, 9)
    _decide_work_permit(talent, case_id, add_years(start, 5) - dt.timedelta(days=1), start=start)
    talent.write(
        cases.accept, principal=talent.police, rules=RULES, case_id=case_id, kind=RP, today=FILED
    )
    five_years = add_years(start, 5) - dt.timedelta(days=1)
    with pytest.raises(InvalidInput):
        talent.write(
            cases.approve,
            principal=talent.police,
            rules=RULES,
            case_id=case_id,
            kind=RP,
            valid_from=start,
            valid_until=five_years + dt.timedelta(days=1),
            today=FILED,
        )
    talent.write(
        cases.approve,
        principal=talent.police,
        rules=RULES,
        case_id=case_id,
        kind=RP,
        valid_from=start,
        valid_until=five_years,
        today=FILED,
    )
    assert [end for _, end in talent.view(case_id).family] == [five_years, five_years]


def test_a_category_b_work_permit_runs_at_most_two_years(talent: Talent) -> None:
    case_id, _ = talent.filed(category="B")
    start = dt.date(2026, 10, 9)
    with pytest.raises(ValidityTooLong) as too_long:  # category B: at most 2 years (Med)
        _decide_work_permit(talent, case_id, add_years(start, 2), start=start)
    # The refusal carries the last day allowed, for each adapter to say in its reader's language.
    assert too_long.value.last_day == add_years(start, 2) - dt.timedelta(days=1)
    assert too_long.value.code == "validity_too_long"
    assert too_long.value.problems[0].field == "valid_until"


def test_the_limits_of_what_a_person_types_are_the_domains() -> None:
    long_name = cases.person_problems(
        full_name="A" * (cases.NAME_MAX + 1),
        nationality="DEU",
        passport_number="C01X00T47",
        expiry=None,
        birth=None,
        today=FILED,
    )
    assert [(p.field, p.code) for p in long_name] == [("full_name", "too_long")]
    assert cases.lines_problems(["x" * (cases.NOTES_MAX + 1)], "reasons", "give one") == [
        Problem(f"at most {cases.NOTES_MAX} characters", field="reasons", code="too_long")
    ]
    assert [p.code for p in cases.validity_problems(FILED, FILED, today=FILED)] == ["before_start"]


def test_each_document_but_other_is_uploaded_once(talent: Talent) -> None:
    case = talent.write(
        cases.create_case,
        principal=talent.world.member_a,
        rules=RULES,
        professional_id=talent.professional(),
        today=FILED,
    )
    case_id = int(case.id)
    upload = {
        "principal": talent.world.member_a,
        "case_id": case_id,
        "filename": "scan.pdf",
        "content_type": "application/pdf",
        "data": PDF,
        "root": talent.root,
        "max_bytes": 1_000_000,
        "today": FILED,
    }
    talent.write(cases.add_document, kind="passport", **upload)
    with pytest.raises(InvalidInput) as twice:
        talent.write(cases.add_document, kind="passport", **upload)
    assert [(p.field, p.code) for p in twice.value.problems] == [("kind", "duplicate")]
    talent.write(cases.add_document, kind="other", **upload)
    talent.write(cases.add_document, kind="other", **upload)


def test_each_authority_decides_only_its_own_track(talent: Talent) -> None:
    case_id, _ = talent.filed()
    with pytest.raises(Forbidden, match="work-permit officer"):
        talent.write(
            cases.accept,
            principal=talent.police,
            rules=RULES,
            case_id=case_id,
            kind=WP,
            today=FILED,
        )
    with pytest.raises(Forbidden, match="exit-entry officer"):
        talent.write(
            cases.accept,
            principal=talent.work_officer,
            rules=RULES,
            case_id=case_id,
            kind=RP,
            today=FILED,
        )
    with pytest.raises(Forbidden):
        talent.write(
            cases.accept,
            principal=talent.world.member_a,
            rules=RULES,
            case_id=case_id,
            kind=WP,
            today=FILED,
        )


def test_deadlines_are_counted_in_chinese_working_days(talent: Talent) -> None:
    case_id, _ = talent.filed(category="A")
    # Accepted on Monday 28 September 2026: 29 and 30 September are working days, 1–7 October are
    # the National Day holiday, Saturday 10 October is a working day: five working days end then.
    track = talent.write(
        cases.accept,
        principal=talent.work_officer,
        rules=RULES,
        case_id=case_id,
        kind=WP,
        today=FILED,
    )
    assert track.due_on == dt.date(2026, 10, 10)
    view = talent.view(case_id)
    assert view.working_days_left(WP, FILED) == 5


def test_a_deadline_into_a_year_without_its_schedule_is_provisional_until_the_year_is_loaded(
    talent: Talent,
) -> None:
    case_id, _ = talent.filed(category="C")
    accepted = dt.date(2026, 12, 28)
    track = talent.write(
        cases.accept,
        principal=talent.work_officer,
        rules=RULES,
        case_id=case_id,
        kind=WP,
        today=accepted,
    )
    # 10 working days: 29–31 December, then (1 January off) 4–8 and 11–12 January.
    assert (track.due_on, track.due_provisional) == (dt.date(2027, 1, 12), True)
    admin = talent.world.user("calendar-admin", Grant(Role.PLATFORM_ADMIN))
    result = talent.write(
        add_year,
        principal=admin,
        schedule=load_year_file(YEAR_2027),
        file_name="2027.yaml",
        today=dt.date(2026, 12, 29),
    )
    assert result.action == "added"
    view = talent.view(case_id, today=dt.date(2026, 12, 29))
    # The loaded schedule has 4 January off: the deadline moves a working day later.
    assert (view.tracks[WP].due_on, view.tracks[WP].due_provisional) == (
        dt.date(2027, 1, 13),
        False,
    )
    line = view.events[-1]
    assert line.action == "deadline_recomputed" and line.track == WP
    assert (line.due_before, line.due_after, line.calendar_year) == (
        dt.date(2027, 1, 12),
        dt.date(2027, 1, 13),
        2027,
    )
    assert [(c.object_id, c.what) for c in result.changes] == [(case_id, "work_permit_due")]


def test_a_deadline_before_the_calendar_is_a_clear_error(talent: Talent) -> None:
    case_id, _ = talent.filed(category="B")
    with pytest.raises(CalendarNotCovered, match="2025"):
        talent.write(
            cases.accept,
            principal=talent.police,
            rules=RULES,
            case_id=case_id,
            kind=RP,
            today=dt.date(2024, 12, 20),
        )
    assert talent.view(case_id).tracks[RP].state == "received"  # nothing changed


def test_a_returned_track_is_answered_and_received_again(talent: Talent) -> None:
    case_id, _ = talent.filed()
    talent.write(
        cases.return_track,
        principal=talent.police,
        case_id=case_id,
        kind=RP,
        questions=["Upload a health certificate issued within six months."],
        today=FILED,
    )
    view = talent.view(case_id)
    assert view.tracks[RP].state == "returned" and view.tracks[WP].state == "received"
    talent.write(
        cases.add_document,
        principal=talent.world.member_a,
        case_id=case_id,
        kind="health_certificate",
        filename="health.pdf",
        content_type="application/pdf",
        data=PDF,
        root=talent.root,
        max_bytes=1_000_000,
        today=FILED,
    )
    talent.write(
        cases.respond,
        principal=talent.world.member_a,
        case_id=case_id,
        kind=RP,
        response="Uploaded.",
        today=FILED,
    )
    assert talent.view(case_id).tracks[RP].state == "received"
    with pytest.raises(InvalidTransition) as raised:
        talent.write(
            cases.respond,
            principal=talent.world.member_a,
            case_id=case_id,
            kind=RP,
            response="Again.",
            today=FILED,
        )
    assert (raised.value.workflow, raised.value.state) == ("talent_tracks", "received")
    assert raised.value.allowed_from == ["returned"]
    talent.write(
        cases.refuse,
        principal=talent.work_officer,
        case_id=case_id,
        kind=WP,
        reasons=["The post does not match the degree."],
        today=FILED,
    )
    assert talent.view(case_id).tracks[WP].state == "refused"


def test_family_members_are_checked(talent: Talent) -> None:
    person = talent.professional()
    talent.relative(person, "spouse", dt.date(1989, 2, 2), "C01X00T48")
    with pytest.raises(InvalidInput, match="family member"):
        talent.relative(person, "spouse", dt.date(1990, 2, 2), "C01X00T50")  # a second spouse
    with pytest.raises(InvalidInput) as adult:
        talent.relative(person, "child", dt.date(2008, 9, 28), "C01X00T51")  # 18 on the day
    assert adult.value.problems[0].field == "birth_date"
    talent.relative(person, "child", dt.date(2008, 9, 29), "C01X00T52")  # 18 tomorrow


def test_the_professional_is_validated(talent: Talent) -> None:
    with pytest.raises(InvalidInput) as bad:
        talent.professional(
            nationality="de", passport_number="x", passport_expiry=dt.date(2026, 1, 1)
        )
    assert {p.field for p in bad.value.problems} == {
        "nationality",
        "passport_number",
        "passport_expiry",
    }


def test_a_draft_cannot_be_filed_without_its_documents(talent: Talent) -> None:
    person = talent.professional()
    case = talent.write(
        cases.create_case,
        principal=talent.world.member_a,
        rules=RULES,
        professional_id=person,
        today=FILED,
    )
    with pytest.raises(InvalidInput) as missing:
        talent.write(
            cases.submit, principal=talent.world.member_a, rules=RULES, case_id=case.id, today=FILED
        )
    fields = {p.field for p in missing.value.problems}
    assert {"work_permit_category", "documents.passport", "documents.photo"} <= fields
    # Save and resume: the draft keeps what was saved.
    talent.write(
        cases.update_case,
        principal=talent.world.member_a,
        rules=RULES,
        case_id=case.id,
        work_permit_category="B",
        facts={"senior_manager": True},
        today=FILED,
    )
    saved = talent.view(case.id)
    assert saved.case.work_permit_category == "B" and saved.case.facts == {"senior_manager": True}


def test_who_sees_what(talent: Talent) -> None:
    case_id, _ = talent.filed()
    world = talent.world
    for stranger in (world.member_hq, world.reviewer):
        with pytest.raises(NotFound):
            talent.view(case_id, by=stranger)
    # Full passport numbers: the employer and the deciding officials; the auditor sees them masked.
    assert talent.view(case_id).passport("C01X00T47") == "C01X00T47"
    assert talent.view(case_id, by=talent.police).full_passports
    auditor_view = talent.view(case_id, by=world.auditor)
    assert not auditor_view.full_passports
    assert auditor_view.passport(auditor_view.professional.passport_number) == "C0*****47"
    # A draft is the employer's alone.
    person = talent.professional(passport_number="P12345678")
    draft = talent.write(
        cases.create_case,
        principal=world.member_a,
        rules=RULES,
        professional_id=person,
        today=FILED,
    )
    with pytest.raises(NotFound):
        talent.view(draft.id, by=talent.police)


def test_every_change_is_audited_with_passports_masked(talent: Talent) -> None:
    case_id, _ = talent.filed()
    _decide_work_permit(talent, case_id, dt.date(2028, 9, 27))
    with talent.world.database.read() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert verify(session).ok
        actions = [e.action for e in entries if e.object_type == "talent_case"]
        assert actions == [
            "talent_case.create",
            "talent_case.submit",
            "talent_case.accept",
            "talent_case.approve",
        ]
        submit = next(e for e in entries if e.action == "talent_case.submit")
        assert submit.acted_for_id == talent.world.a.id
    with talent.world.database.engine.connect() as connection:
        dump = " ".join(
            str(row) for row in connection.exec_driver_sql("SELECT * FROM audit_entries")
        )
    assert "C01X00T47" not in dump


def test_the_points_pre_assessment_is_shown_on_the_case(talent: Talent) -> None:
    case_id, _ = talent.filed(facts={"region": "shanghai", "months_in_china_per_year": 12})
    points = talent.view(case_id).points
    assert points is not None and points.indicative


def test_database_refuses_an_unknown_track_state(talent: Talent) -> None:
    case_id, _ = talent.filed()
    from sqlalchemy.exc import IntegrityError

    from ftzlink.talent.tables import Track

    with pytest.raises(IntegrityError), talent.world.database.write() as session:
        track = session.scalar(select(Track).where(Track.case_id == case_id))
        assert track is not None
        track.state = "lost"
