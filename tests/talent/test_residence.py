"""The longest work residence permit a case allows, the 5-year routes on each side of their
edges, the law's bounds, the work permit's end, and family members' permits."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftzlink.errors import CatalogueError, InvalidInput
from ftzlink.rules.determinations import Outcome
from ftzlink.talent.loader import TALENT_DIR, bundled_talent_rules, load_talent_rules
from ftzlink.talent.rules import add_years, family_end, max_residence_end

RULES = bundled_talent_rules()
RESIDENCE = RULES.residence
ROUTES = {r.id: r for r in RESIDENCE.five_year_routes}
START = dt.date(2025, 3, 1)
FAR = dt.date(2035, 1, 1)  # a work permit that outlasts any residence permit
# Every day below is a last valid day, inclusive. Five years from START run through:
FIVE_YEARS = dt.date(2030, 2, 28)
LAW = "exit-entry-law"
SHANGHAI = "shanghai-5-year-work-residence-2023"
SEED = "seed-000"

# A case every route fails, so that one changed fact shows one route alone.
NO_ROUTE: dict[str, Any] = {
    "work_permit_category": "B",
    "work_permit_validity_years": 2,
    "consecutive_shanghai_permits": 0,
    "residence_violations": False,
    "works_in_lingang": False,
    "senior_manager": False,
    "employer_kind": "other",
    "invited_expert_of_key_institution": False,
    "certified_talent": False,
    "employer_in_changning": False,
    "employer_is_key_enterprise": False,
    "high_level_professional": False,
}

# Each 5-year route with a case just inside and just outside it, as talent.md and seed 000 state.
ROUTE_EDGES = [
    ("category-a-five-year-work-permit", SHANGHAI,
     {"work_permit_category": "A", "work_permit_validity_years": 5},
     {"work_permit_category": "A", "work_permit_validity_years": 4}),
    ("category-a-five-year-work-permit", SHANGHAI,
     {"work_permit_category": "A", "work_permit_validity_years": 5},
     {"work_permit_category": "B", "work_permit_validity_years": 5}),
    ("two-consecutive-permits", SHANGHAI,
     {"consecutive_shanghai_permits": 2}, {"consecutive_shanghai_permits": 1}),
    ("two-consecutive-permits", SHANGHAI,
     {"consecutive_shanghai_permits": 2},
     {"consecutive_shanghai_permits": 2, "residence_violations": True}),
    ("lingang", SHANGHAI, {"works_in_lingang": True}, {"works_in_lingang": False}),
    ("senior-manager", SHANGHAI,
     {"senior_manager": True, "employer_kind": "regional_headquarters"},
     {"senior_manager": False, "employer_kind": "regional_headquarters"}),
    ("senior-manager", SHANGHAI,
     {"senior_manager": True, "employer_kind": "high_tech_enterprise"},
     {"senior_manager": True, "employer_kind": "other"}),
    ("senior-manager", SHANGHAI,
     {"senior_manager": True, "employer_kind": "encouraged_foreign_invested"},
     {"senior_manager": True, "employer_kind": "other"}),
    ("invited-expert", SHANGHAI,
     {"invited_expert_of_key_institution": True}, {"invited_expert_of_key_institution": False}),
    ("certified-talent", SHANGHAI, {"certified_talent": True}, {"certified_talent": False}),
    ("changning-key-enterprise", SEED,
     {"employer_in_changning": True, "employer_is_key_enterprise": True, "high_level_professional": True},
     {"employer_in_changning": True, "employer_is_key_enterprise": False, "high_level_professional": True}),
    ("changning-key-enterprise", SEED,
     {"employer_in_changning": True, "employer_is_key_enterprise": True, "high_level_professional": True},
     {"employer_in_changning": False, "employer_is_key_enterprise": True, "high_level_professional": True}),
]  # fmt: skip


@pytest.mark.parametrize(("route", "source", "inside", "outside"), ROUTE_EDGES)
def test_each_5_year_route_gives_five_years_inside_its_edge_and_not_outside(
    route: str, source: str, inside: dict[str, Any], outside: dict[str, Any]
) -> None:
    one_year = dt.date(2026, 3, 1)
    allowed = max_residence_end(
        RULES, {**NO_ROUTE, **inside}, start=START, work_permit_until=FAR, requested_until=one_year
    )
    assert allowed.five_year is Outcome.PASSED
    assert allowed.end == FIVE_YEARS
    cited = [r for r in allowed.reasons if r.citation and r.citation.source == source]
    assert any(ROUTES[route].label.en in r.text.en for r in cited)
    assert next(r for r in allowed.routes if r.route == route).outcome is Outcome.PASSED

    refused = max_residence_end(
        RULES, {**NO_ROUTE, **outside}, start=START, work_permit_until=FAR, requested_until=one_year
    )
    assert refused.five_year is Outcome.FAILED
    assert refused.end == one_year
    assert refused.questions == []


def test_every_route_of_the_data_has_an_edge_case() -> None:
    assert {route for route, *_ in ROUTE_EDGES} == set(ROUTES)


def test_every_route_cites_the_shanghai_page_or_seed_000_with_high_confidence() -> None:
    for route in RESIDENCE.five_year_routes:
        assert route.citation.source in (SHANGHAI, SEED)
        assert route.citation.confidence == "High"
        assert not route.unverified
    seed_route = ROUTES["changning-key-enterprise"]
    assert (seed_route.citation.section, seed_route.citation.line) == ("A7", 23)


def test_the_law_bounds_cite_article_30() -> None:
    result = max_residence_end(RULES, NO_ROUTE, start=START, work_permit_until=FAR)
    first = result.reasons[0]
    assert first.citation is not None
    assert (first.citation.source, first.citation.section) == (LAW, "art. 30")
    assert "90 days to 5 years" in first.text.en
    assert (RESIDENCE.duration.min_days, RESIDENCE.duration.max_years) == (90, 5)


@pytest.mark.parametrize(
    ("case", "work_permit_until", "requested_until", "end", "why"),
    [
        # No route: what the case gives.
        (NO_ROUTE, FAR, dt.date(2027, 3, 1), dt.date(2027, 3, 1), "requested end"),
        (NO_ROUTE, dt.date(2027, 3, 1), None, dt.date(2027, 3, 1), "work permit's end"),
        # Never more than 5 years, even when asked for more.
        (NO_ROUTE, FAR, dt.date(2031, 1, 1), FIVE_YEARS, "legal maximum"),
        ({**NO_ROUTE, "works_in_lingang": True}, FAR, None, FIVE_YEARS, "Lingang"),
        # Never beyond the work permit, even on a 5-year route.
        ({**NO_ROUTE, "works_in_lingang": True}, dt.date(2028, 6, 30), None, dt.date(2028, 6, 30),
         "work permit's end"),
        # Never less than 90 days: 1 March to 29 May.
        (NO_ROUTE, FAR, dt.date(2025, 4, 1), dt.date(2025, 5, 29), "legal minimum"),
        (NO_ROUTE, dt.date(2025, 5, 29), None, dt.date(2025, 5, 29), "work permit's end"),
    ],
    ids=["requested", "work-permit", "capped-5y", "route-5y", "route-capped-by-work-permit",
         "raised-to-90-days", "exactly-90-days"],
)  # fmt: skip
def test_the_longest_permit_stays_within_the_law_and_the_work_permit(
    case: dict[str, Any],
    work_permit_until: dt.date,
    requested_until: dt.date | None,
    end: dt.date,
    why: str,
) -> None:
    result = max_residence_end(
        RULES,
        case,
        start=START,
        work_permit_until=work_permit_until,
        requested_until=requested_until,
    )
    assert result.status == "allowed"
    assert result.end == end
    assert any(why in r.text.en for r in result.reasons), [r.text.en for r in result.reasons]


def test_a_work_permit_ending_within_90_days_is_refused_with_the_reason() -> None:
    day_89 = START + dt.timedelta(days=88)
    result = max_residence_end(
        RULES, {**NO_ROUTE, "works_in_lingang": True}, start=START, work_permit_until=day_89
    )
    assert (result.status, result.end) == ("refused", None)
    last = result.reasons[-1]
    assert "extend the work permit first" in last.text.en
    assert last.citation is not None and last.citation.section == "art. 30"


def test_five_years_from_a_leap_day_ends_on_28_february() -> None:
    result = max_residence_end(
        RULES,
        {**NO_ROUTE, "works_in_lingang": True},
        start=dt.date(2024, 2, 29),
        work_permit_until=FAR,
    )
    assert result.end == dt.date(2029, 2, 27)


def test_an_unknown_route_is_asked_about_only_when_it_could_lengthen_the_permit() -> None:
    requested = dt.date(2026, 3, 1)
    unknown = max_residence_end(
        RULES, {}, start=START, work_permit_until=FAR, requested_until=requested
    )
    assert unknown.five_year is Outcome.UNKNOWN
    assert unknown.end == requested
    assert {q.field for q in unknown.questions} == {d.id for d in RESIDENCE.fields}
    assert any("may run to 2030-02-28" in r.text.en for r in unknown.reasons)
    # Without a request the work permit's end is the limit whatever the routes say.
    no_request = max_residence_end(RULES, {}, start=START, work_permit_until=dt.date(2027, 1, 1))
    assert no_request.end == dt.date(2027, 1, 1)
    assert no_request.questions == []


def test_one_route_established_decides_whatever_else_is_unknown() -> None:
    result = max_residence_end(
        RULES, {"certified_talent": True}, start=START, work_permit_until=FAR
    )
    assert result.five_year is Outcome.PASSED
    assert result.end == FIVE_YEARS


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ({"works_in_lingang": "yes"}, "works_in_lingang", "true or false"),
        ({"employer_kind": "bank"}, "employer_kind", "is not one of"),
        ({"consecutive_shanghai_permits": -1}, "consecutive_shanghai_permits", "at least 0"),
        ({"salary": 1}, "salary", "is not a fact"),
    ],
)
def test_malformed_case_facts_are_refused_naming_the_field(
    case: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        max_residence_end(RULES, case, start=START, work_permit_until=FAR)
    assert [p.field for p in caught.value.problems] == [field]
    assert message in caught.value.problems[0].message


def test_a_requested_last_day_before_the_start_is_refused() -> None:
    day_before = START - dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        max_residence_end(
            RULES, NO_ROUTE, start=START, work_permit_until=FAR, requested_until=day_before
        )
    assert caught.value.problems[0].field == "requested_until"


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for definition in RESIDENCE.fields:
        if draw(st.booleans()):
            continue
        if definition.type == "bool":
            case[definition.id] = draw(st.booleans())
        elif definition.choices:
            case[definition.id] = draw(st.sampled_from([c.id for c in definition.choices]))
        else:
            case[definition.id] = draw(st.integers(min_value=0, max_value=10))
    return case


@settings(max_examples=300, deadline=None)
@given(
    cases(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    st.integers(min_value=-100, max_value=4000),
    st.none() | st.integers(min_value=0, max_value=4000),
)
def test_the_end_is_never_beyond_five_years_the_work_permit_or_short_of_90_days(
    case: dict[str, Any], start: dt.date, permit_days: int, requested_days: int | None
) -> None:
    work_permit_until = start + dt.timedelta(days=permit_days)
    requested = None if requested_days is None else start + dt.timedelta(days=requested_days)
    result = max_residence_end(
        RULES, case, start=start, work_permit_until=work_permit_until, requested_until=requested
    )
    # Last valid days: 90 days from the start run through start + 89.
    least = start + dt.timedelta(days=89)
    most = add_years(start, 5) - dt.timedelta(days=1)
    if work_permit_until < least:
        assert (result.status, result.end) == ("refused", None)
        assert "extend the work permit first" in result.reasons[-1].text.en
        return
    assert result.status == "allowed" and result.end is not None
    assert least <= result.end <= most
    assert result.end <= work_permit_until
    if result.five_year is Outcome.PASSED:
        assert result.end == min(most, work_permit_until)
    assert result.reasons[0].citation is not None


# Family members.

PRINCIPAL_END = dt.date(2030, 3, 1)


@pytest.mark.parametrize(
    ("member", "covered", "member_id"),
    [
        ({"relation": "spouse"}, Outcome.PASSED, "spouse"),
        ({"relation": "child", "age": 0}, Outcome.PASSED, "child-under-18"),
        ({"relation": "child", "age": 17}, Outcome.PASSED, "child-under-18"),
        ({"relation": "child", "age": 18}, Outcome.FAILED, None),
        ({"relation": "other"}, Outcome.FAILED, None),
        ({"relation": "child"}, Outcome.UNKNOWN, None),
        ({}, Outcome.UNKNOWN, None),
    ],
    ids=["spouse", "newborn", "child-17", "child-18", "other", "child-age-unknown", "nothing"],
)
def test_a_spouse_and_children_under_18_end_with_the_principal_citing_seed_000(
    member: dict[str, Any], covered: Outcome, member_id: str | None
) -> None:
    result = family_end(RULES, principal_end=PRINCIPAL_END, member=member)
    assert result.outcome is covered
    assert result.member == member_id
    assert result.end == (PRINCIPAL_END if covered is Outcome.PASSED else None)
    assert result.reasons[0].citation is not None
    assert (result.reasons[0].citation.source, result.reasons[0].citation.section) == (SEED, "A7")
    assert not result.unverified
    if covered is Outcome.UNKNOWN:
        assert result.questions
        assert {q.field for q in result.questions} <= {"relation", "age"}


def test_parents_are_low_confidence_data_shown_unverified() -> None:
    result = family_end(RULES, principal_end=PRINCIPAL_END, member={"relation": "parent"})
    assert result.outcome is Outcome.PASSED
    assert result.end == PRINCIPAL_END
    assert result.unverified
    reason = result.reasons[-1]
    assert reason.unverified
    assert reason.citation is not None and reason.citation.confidence == "Low"
    assert "unverified" in reason.text.en


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["spouse", "child", "parent", "other"]),
    st.integers(min_value=0, max_value=30),
)
def test_a_covered_family_member_always_ends_on_the_principal_end(
    principal_end: dt.date, relation: str, age: int
) -> None:
    result = family_end(
        RULES, principal_end=principal_end, member={"relation": relation, "age": age}
    )
    if result.outcome is Outcome.PASSED:
        assert result.end == principal_end
    else:
        assert result.end is None


def test_a_family_member_ends_with_the_principal_permit_the_rules_allow() -> None:
    principal = max_residence_end(
        RULES, {**NO_ROUTE, "works_in_lingang": True}, start=START, work_permit_until=FAR
    )
    assert principal.end is not None
    child = family_end(RULES, principal_end=principal.end, member={"relation": "child", "age": 6})
    assert child.end == principal.end == FIVE_YEARS


# Broken data files.


@pytest.fixture
def talent_copy(tmp_path: Path) -> Path:
    target = tmp_path / "talent"
    shutil.copytree(TALENT_DIR, target)
    return target


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("unverified: true\n      citation: {source: shanghai-family-residence-old",
         "unverified: false\n      citation: {source: shanghai-family-residence-old",
         "must be marked `unverified: true`"),
        ("- {field: residence_violations, eq: false}", "- {field: residence_violations, eq: never}",
         "is not a bool value"),
        ("when: {field: works_in_lingang, eq: true}", "when: {field: works_in_lingang, eq: 1}",
         "is not a bool value"),
        ("  min_days: 90", "  min_days: ninety", "valid integer"),
        ("citation: {source: seed-000, section: A7, line: 23, confidence: High}\n    when:",
         "citation: {source: seed-000, section: A7, line: 23, confidence: Certain}\n    when:",
         "Input should be 'High', 'Med' or 'Low'"),
    ],
    ids=["low-not-unverified", "not-a-bool", "int-for-bool", "duration", "confidence"],
)  # fmt: skip
def test_a_broken_residence_file_is_refused_with_file_and_line(
    talent_copy: Path, old: str, new: str, message: str
) -> None:
    path = talent_copy / "residence.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    before = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_talent_rules(talent_copy)
    located = [p for p in caught.value.problems if message in p.message]
    assert located, str(caught.value)
    assert located[0].file == path
    assert located[0].line is not None
    # The problem is reported on the broken line or the entry it belongs to, just above.
    assert before - 3 <= located[0].line <= before + new.count("\n") + 1, str(caught.value)
    assert f"{path}:{located[0].line}: " in str(caught.value)
