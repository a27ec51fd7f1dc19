"""The refusals of the regulation, each citing its article, and the materials by the parent's place."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ftzlink.errors import (
    LateFiling,
    OfficeNameForm,
    ParentTooYoung,
    RepresentativeBarred,
    ScopeNotPermitted,
    TermBeyondParent,
    TooManyRepresentatives,
)
from ftzlink.foreign import rules as r
from ftzlink.foreign import service
from ftzlink.foreign.models import FilingKind
from ftzlink.workdays import bundled_calendar
from tests.foreign.conftest import RULES, TODAY, Foreign, particulars

P = service.particulars_from


def test_a_fifth_person_is_refused_citing_article_11() -> None:
    people = [{"name": f"R{i}", "document": f"D{i}"} for i in range(4)]
    with pytest.raises(TooManyRepresentatives) as caught:
        r.check_establishment(P(particulars(representatives=people)), RULES, on=TODAY)
    assert (caught.value.code, caught.value.article, caught.value.source) == (
        "too_many_representatives",
        "Art. 11",
        "Reg-2024",
    )
    three = people[:3]
    r.check_establishment(P(particulars(representatives=three)), RULES, on=TODAY)


def test_a_parent_under_two_years_old_is_refused_citing_article_23() -> None:
    with pytest.raises(ParentTooYoung) as caught:
        r.check_establishment(P(particulars(parent_established_on="2023-03-04")), RULES, on=TODAY)
    assert caught.value.article == "Art. 23(2)"
    # Two years to the day is 2 years or more (以上 includes the number).
    r.check_establishment(P(particulars(parent_established_on="2023-03-03")), RULES, on=TODAY)


def test_a_term_beyond_the_parents_existence_is_refused_citing_article_16() -> None:
    with pytest.raises(TermBeyondParent) as caught:
        r.check_establishment(
            P(particulars(parent_existence_until="2027-12-31", term_until="2028-01-01")),
            RULES,
            on=TODAY,
        )
    assert caught.value.article == "Art. 16"


def test_a_profit_making_scope_is_refused_citing_article_13_and_14() -> None:
    with pytest.raises(ScopeNotPermitted) as caught:
        r.check_establishment(P(particulars(profit_making=True)), RULES, on=TODAY)
    assert caught.value.article == "Art. 13"
    with pytest.raises(ScopeNotPermitted) as caught:
        r.check_establishment(P(particulars(scope=["liaison", "wholesale"])), RULES, on=TODAY)
    assert caught.value.article == "Art. 14" and "wholesale" in str(caught.value)


def test_a_barred_representative_is_refused_until_five_years_have_passed() -> None:
    chief = {"name": "X", "document": "D", "revoked_office_on": "2020-03-04"}
    with pytest.raises(RepresentativeBarred) as caught:
        r.check_establishment(P(particulars(chief=chief)), RULES, on=TODAY)
    assert caught.value.article == "Art. 12(2)"
    r.check_establishment(P(particulars(chief=chief)), RULES, on=dt.date(2025, 3, 4))


def test_the_name_must_have_the_form_of_article_10() -> None:
    with pytest.raises(OfficeNameForm) as caught:
        r.check_establishment(P(particulars(name="蓝河上海办事处")), RULES, on=TODAY)
    assert caught.value.article == "Art. 10"


def test_a_change_filed_after_60_days_is_refused_citing_article_27() -> None:
    calendar = bundled_calendar()
    event = dt.date(2025, 1, 2)
    due = r.check_in_time(
        FilingKind.CHANGE,
        rules=RULES,
        calendar=calendar,
        filed_on=dt.date(2025, 3, 3),
        event_on=event,
        approval_on=None,
        term_until=None,
    )
    assert due is not None and due.day == dt.date(2025, 3, 3)
    with pytest.raises(LateFiling) as caught:
        r.check_in_time(
            FilingKind.CHANGE,
            rules=RULES,
            calendar=calendar,
            filed_on=dt.date(2025, 3, 4),
            event_on=event,
            approval_on=None,
            term_until=None,
        )
    assert caught.value.article == "Art. 27"
    # A change needing approval: 30 days from the approval.
    with pytest.raises(LateFiling):
        r.check_in_time(
            FilingKind.CHANGE,
            rules=RULES,
            calendar=calendar,
            filed_on=dt.date(2025, 2, 2),
            event_on=None,
            approval_on=dt.date(2025, 1, 2),
            term_until=None,
        )


def test_an_extension_is_filed_only_in_the_60_days_before_the_term_ends() -> None:
    calendar, end = bundled_calendar(), dt.date(2025, 6, 30)
    kwargs: dict[str, Any] = {
        "rules": RULES,
        "calendar": calendar,
        "event_on": None,
        "approval_on": None,
        "term_until": end,
    }
    with pytest.raises(LateFiling) as caught:
        r.check_in_time(FilingKind.EXTENSION, filed_on=dt.date(2025, 4, 30), **kwargs)
    assert caught.value.article == "Art. 28"
    r.check_in_time(FilingKind.EXTENSION, filed_on=dt.date(2025, 5, 1), **kwargs)


def test_the_shanghai_standard_is_counted_in_working_days_and_the_statute_in_days() -> None:
    calendar = bundled_calendar()
    accepted = dt.date(2025, 9, 26)  # the Friday before the National Day holiday
    statutory = r.count(RULES.time_limits["decision"], accepted, calendar)
    working = r.count(RULES.time_limits["decision_shanghai_standard"], accepted, calendar)
    assert statutory.day == dt.date(2025, 10, 11)
    assert working.day == calendar.add_working_days(accepted, 11).day
    assert working.day > dt.date(2025, 10, 11)  # the holiday week is not counted


def test_an_apostille_state_parent_is_asked_for_an_apostille_a_non_member_for_legalisation() -> (
    None
):
    france = r.materials_for(FilingKind.ESTABLISHMENT, "FR", RULES, on=TODAY)
    vietnam = r.materials_for(FilingKind.ESTABLISHMENT, "VN", RULES, on=TODAY)
    foreign_fr = {m.material.code: m.authentication for m in france if m.material.foreign_document}
    foreign_vn = {m.material.code: m for m in vietnam if m.material.foreign_document}
    assert foreign_fr["existence_proof"] == "apostille"
    assert foreign_vn["existence_proof"].authentication == "legalisation"
    assert foreign_vn["existence_proof"].note == "apostille_list_incomplete"
    assert {m.material.code for m in france if m.authentication is None} >= {"bank_letter"}
    # Before the Convention was in force for China, France too needed legalisation.
    before = r.materials_for(FilingKind.ESTABLISHMENT, "FR", RULES, on=dt.date(2023, 11, 6))
    assert {m.authentication for m in before if m.material.foreign_document} == {"legalisation"}


def test_hong_kong_macao_and_taiwan_are_regions_with_their_own_documents() -> None:
    assert r.place_label("HK", RULES) == "中国香港"
    assert r.place_label("MO", RULES) == "中国澳门"
    assert r.place_label("TW", RULES) == "中国台湾"
    assert r.authentication_route("HK", RULES, on=TODAY) == ("hong_kong", None)
    assert all(RULES.state_party(code) is None for code in ("HK", "MO", "TW"))


def test_a_late_change_is_refused_through_the_service(foreign: Foreign) -> None:
    office = foreign.office()
    with pytest.raises(LateFiling) as caught:
        foreign.write(
            service.file_for_office,
            principal=foreign.agent,
            rules=RULES,
            office_id=office.id,
            kind=FilingKind.CHANGE,
            changes={"premises": "上海市长宁区仙霞路100号"},
            materials=["change_application", "premises_proof"],
            event_on=dt.date(2025, 1, 1),
            today=TODAY,
        )
    assert caught.value.code == "late_filing" and caught.value.article == "Art. 27"


def test_a_fifth_person_added_by_a_change_is_refused(foreign: Foreign) -> None:
    office = foreign.office()
    people = [{"name": f"R{i}", "document": f"D{i}"} for i in range(4)]
    with pytest.raises(TooManyRepresentatives):
        foreign.write(
            service.file_for_office,
            principal=foreign.agent,
            rules=RULES,
            office_id=office.id,
            kind=FilingKind.FILING,
            changes={"representatives": people},
            materials=["filing_form"],
            event_on=TODAY,
            today=TODAY,
        )
