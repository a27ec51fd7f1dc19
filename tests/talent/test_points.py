"""The work-permit points pre-assessment: every band edge of the table, categories, unknowns,
and broken data files."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftzlink.catalogue.conditions import AllOf, AnyOf, Compare, Condition, Exists, Not
from ftzlink.errors import CatalogueError, InvalidInput
from ftzlink.rules.determinations import Outcome
from ftzlink.rules.evaluate import condition_outcome
from ftzlink.talent.loader import TALENT_DIR, bundled_talent_rules, load_talent_rules
from ftzlink.talent.models import FactDefinition, Factor
from ftzlink.talent.rules import assess_points, category_for_total

RULES = bundled_talent_rules()
TABLE = RULES.points
FACTORS = {f.id: f for f in TABLE.factors}
DEFINITIONS = {d.id: d for d in TABLE.fields}
AS_OF = dt.date(2025, 6, 1)
STANDARD = "work-permit-classification-2017"
# A professional whose every fact scores nothing, so one changed fact shows one factor alone.
NOTHING: dict[str, Any] = {
    "annual_salary_yuan": 0,
    "education": "other",
    "experience_years": 0,
    "months_in_china_per_year": 0,
    "chinese_level": "none",
    "region": "shanghai",
    "age": 61,
    "distinctions": {
        "top_overseas_university": False,
        "fortune_global_500": False,
        "patent_or_ip": False,
        "five_consecutive_years_in_china": False,
    },
}


def _factor(facts: dict[str, Any], factor: str) -> Any:
    assessment = assess_points(RULES, {**NOTHING, **facts}, AS_OF)
    return next(r for r in assessment.factors if r.factor == factor)


# The values talent.md states, written out (not read from the data), one case each side of an edge.
TALENT_MD = [
    ("salary", {"annual_salary_yuan": 450_000}, 20),
    ("salary", {"annual_salary_yuan": 449_999}, 17),
    ("salary", {"annual_salary_yuan": 350_000}, 17),
    ("salary", {"annual_salary_yuan": 349_999}, 14),
    ("salary", {"annual_salary_yuan": 250_000}, 14),
    ("salary", {"annual_salary_yuan": 249_999}, 11),
    ("salary", {"annual_salary_yuan": 150_000}, 11),
    ("salary", {"annual_salary_yuan": 149_999}, 8),
    ("salary", {"annual_salary_yuan": 70_000}, 8),
    ("salary", {"annual_salary_yuan": 69_999}, 5),
    ("salary", {"annual_salary_yuan": 50_000}, 5),
    ("salary", {"annual_salary_yuan": 49_999}, 0),
    ("salary", {"annual_salary_yuan": 0}, 0),
    ("education", {"education": "doctorate"}, 20),
    ("education", {"education": "top_international_vocational_certificate"}, 20),
    ("education", {"education": "senior_technician"}, 20),
    ("education", {"education": "master"}, 15),
    ("education", {"education": "technician"}, 15),
    ("education", {"education": "bachelor"}, 10),
    ("education", {"education": "senior_worker"}, 10),
    ("education", {"education": "other"}, 0),
    ("experience", {"experience_years": 0}, 0),
    ("experience", {"experience_years": 1}, 0),
    ("experience", {"experience_years": 2}, 5),
    ("experience", {"experience_years": 3}, 6),
    ("experience", {"experience_years": 10}, 13),
    ("experience", {"experience_years": 16}, 19),
    ("experience", {"experience_years": 17}, 20),
    ("experience", {"experience_years": 18}, 20),
    ("experience", {"experience_years": 30}, 20),
    ("months_in_china", {"months_in_china_per_year": 2}, 0),
    ("months_in_china", {"months_in_china_per_year": 3}, 5),
    ("months_in_china", {"months_in_china_per_year": 5}, 5),
    ("months_in_china", {"months_in_china_per_year": 6}, 10),
    ("months_in_china", {"months_in_china_per_year": 8}, 10),
    ("months_in_china", {"months_in_china_per_year": 9}, 15),
    ("months_in_china", {"months_in_china_per_year": 12}, 15),
    ("chinese_language", {"chinese_level": "former_chinese_national"}, 5),
    ("chinese_language", {"chinese_level": "degree_taught_in_chinese"}, 5),
    ("chinese_language", {"chinese_level": "hsk5_or_above"}, 5),
    ("chinese_language", {"chinese_level": "hsk4"}, 4),
    ("chinese_language", {"chinese_level": "hsk3"}, 3),
    ("chinese_language", {"chinese_level": "hsk2"}, 2),
    ("chinese_language", {"chinese_level": "hsk1"}, 1),
    ("chinese_language", {"chinese_level": "none"}, 0),
    ("region", {"region": "western_region"}, 10),
    ("region", {"region": "northeast_old_industrial_base"}, 10),
    ("region", {"region": "national_poverty_county"}, 10),
    ("region", {"region": "shanghai"}, 0),
    ("age", {"age": 18}, 10),
    ("age", {"age": 25}, 10),
    ("age", {"age": 26}, 15),
    ("age", {"age": 45}, 15),
    ("age", {"age": 46}, 10),
    ("age", {"age": 55}, 10),
    ("age", {"age": 56}, 5),
    ("age", {"age": 60}, 5),
    ("age", {"age": 61}, 0),
    ("distinction", {"distinctions": {**NOTHING["distinctions"], "patent_or_ip": True}}, 5),
    ("distinction", {"distinctions": {**NOTHING["distinctions"], "fortune_global_500": True}}, 5),
    (
        "distinction",
        {"distinctions": dict.fromkeys(NOTHING["distinctions"], True)},
        5,  # not cumulative
    ),
    ("distinction", {}, 0),
]


@pytest.mark.parametrize(
    ("factor", "facts", "points"),
    TALENT_MD,
    ids=[f"{f}-{next(iter(v.values()), 'none')}" for f, v, _ in TALENT_MD],
)
def test_each_band_gives_the_points_talent_md_states_and_cites_the_standard(
    factor: str, facts: dict[str, Any], points: int
) -> None:
    result = _factor(facts, factor)
    assert result.outcome == "matched"
    assert result.points == points
    assert result.band is not None
    assert result.citation.source == STANDARD
    assert RULES.source(result.citation.source) is not None


def test_age_bands_are_medium_confidence_and_shown_unverified() -> None:
    result = _factor({"age": 30}, "age")
    assert result.unverified
    assert result.citation.confidence == "Med"
    assert result.note is not None and "unverified" in result.note.en
    assessment = assess_points(RULES, NOTHING, AS_OF)
    assert any("Age" in n.en and "unverified" in n.en for n in assessment.notes)
    others = [r for r in assessment.factors if r.factor != "age"]
    assert not any(r.unverified for r in others)


def test_an_age_under_18_falls_in_no_band_and_scores_nothing() -> None:
    result = _factor({"age": 17}, "age")
    assert (result.outcome, result.points) == ("no_band", 0)


# Edges read from the data itself: each side of every number a band tests.


def _compares(node: Condition) -> Iterator[Compare]:
    if isinstance(node, AllOf | AnyOf):
        for child in node.all if isinstance(node, AllOf) else node.any:
            yield from _compares(child)
    elif isinstance(node, Not):
        yield from _compares(node.not_)
    elif isinstance(node, Exists):
        yield from _compares(node.exists)
    else:
        yield node


def _edge_values(definition: FactDefinition, factor: Factor) -> list[Any]:
    if definition.type == "bool":
        return [False, True]
    if definition.choices:
        return [c.id for c in definition.choices]
    numbers: set[int] = set()
    for band in factor.bands:
        for compare in _compares(band.when):
            if compare.field != definition.id:
                continue
            values = compare.value if compare.op in ("between", "in", "not_in") else [compare.value]
            numbers.update(v for v in values if isinstance(v, int))
    low = definition.minimum if definition.minimum is not None else min(numbers) - 1
    high = definition.maximum if definition.maximum is not None else max(numbers) + 1
    return sorted({n + d for n in numbers for d in (-1, 0, 1) if low <= n + d <= high})


def _edge_cases() -> Iterator[tuple[str, str, Any]]:
    for factor in TABLE.factors:
        fields = {c.field for band in factor.bands for c in _compares(band.when)}
        for field in sorted(fields):
            for value in _edge_values(DEFINITIONS[field], factor):
                yield factor.id, field, value


def _set(facts: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    if not rest:
        return {**facts, head: value}
    return {**facts, head: _set(facts.get(head, {}), rest, value)}


EDGE_CASES = list(_edge_cases())


@pytest.mark.parametrize(("factor", "field", "value"), EDGE_CASES)
def test_every_edge_value_falls_in_exactly_one_band_and_is_scored_by_it(
    factor: str, field: str, value: Any
) -> None:
    facts = _set(NOTHING, field, value)
    passing = [
        band
        for band in FACTORS[factor].bands
        if condition_outcome(band.when, facts)[0] is Outcome.PASSED
    ]
    result = _factor(facts, factor)
    if factor == "age" and value < 18:
        assert passing == [] and result.outcome == "no_band"
        return
    assert len(passing) == 1, f"{field}={value!r} falls in {len(passing)} bands"
    assert (result.outcome, result.points, result.band) == (
        "matched",
        passing[0].points,
        passing[0].label,
    )
    assert result.citation.source == STANDARD


def test_the_edge_cases_cover_every_numeric_threshold_of_the_table() -> None:
    # 6 salary edges, 16 experience values, 3 month edges, 5 age edges: each with both sides.
    salary = {v for f, _, v in EDGE_CASES if f == "salary"}
    assert {449_999, 450_000, 49_999, 50_000} <= salary
    assert {1, 2, 3, 16, 17, 18} <= {v for f, _, v in EDGE_CASES if f == "experience"}
    assert {8, 9} <= {v for f, _, v in EDGE_CASES if f == "months_in_china"}
    assert {17, 18, 25, 26, 45, 46, 55, 56, 60, 61} <= {v for f, _, v in EDGE_CASES if f == "age"}


def test_every_combination_of_distinctions_falls_in_exactly_one_band() -> None:
    keys = list(NOTHING["distinctions"])
    for mask in range(2 ** len(keys)):
        flags = {k: bool(mask >> i & 1) for i, k in enumerate(keys)}
        result = _factor({"distinctions": flags}, "distinction")
        assert result.points == (5 if mask else 0)


# Categories and totals.


@pytest.mark.parametrize(
    ("total", "category"),
    [(120, "A"), (85, "A"), (84, "B"), (60, "B"), (59, "C"), (0, "C")],
)
def test_a_points_total_reaches_its_category(total: int, category: str) -> None:
    found = category_for_total(RULES, total)
    assert found is not None and found.id == category
    assert found.citation.source == STANDARD


def test_every_total_from_0_to_the_maximum_reaches_exactly_one_category() -> None:
    for total in range(TABLE.max_total + 1):
        from_data = [
            c.id
            for c in TABLE.categories
            if condition_outcome(c.when, {"total_points": total})[0] is Outcome.PASSED
        ]
        assert len(from_data) == 1, total


def _professional(**changes: Any) -> dict[str, Any]:
    # salary 20 + doctorate 20 + 12 years 15 + 12 months 15 + age 30 15 = 85
    base = {
        **NOTHING,
        "annual_salary_yuan": 450_000,
        "education": "doctorate",
        "experience_years": 12,
        "months_in_china_per_year": 12,
        "age": 30,
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("professional", "total", "category"),
    [
        (_professional(), 85, "A"),
        (_professional(experience_years=11), 84, "B"),
        (
            _professional(
                annual_salary_yuan=350_000,
                education="master",
                experience_years=2,
                months_in_china_per_year=6,
                age=46,
                chinese_level="hsk3",
            ),
            60,
            "B",
        ),
        (
            _professional(
                annual_salary_yuan=350_000,
                education="master",
                experience_years=2,
                months_in_china_per_year=6,
                age=46,
                chinese_level="hsk2",
            ),
            59,
            "C",
        ),
    ],
    ids=["85-A", "84-B", "60-B", "59-C"],
)
def test_a_professional_on_a_category_edge_gets_that_category(
    professional: dict[str, Any], total: int, category: str
) -> None:
    assessment = assess_points(RULES, professional, AS_OF)
    assert assessment.total == total
    assert assessment.category == category
    assert assessment.category_citation is not None
    assert assessment.category_citation.source == STANDARD
    assert assessment.indicative
    assert "not a decision" in assessment.notice.en


def test_the_local_encouragement_factor_is_not_encoded_and_the_assessment_says_so() -> None:
    assessment = assess_points(RULES, _professional(), AS_OF)
    local = next(r for r in assessment.factors if r.factor == "local_encouragement")
    assert local.outcome == "not_encoded"
    assert local.points is None
    assert local.note is not None and "Shanghai" in local.note.en and "not found" in local.note.en
    assert local.note in assessment.notes
    assert assessment.max_total == 120
    assert assessment.encoded_max == 110


def test_the_age_comes_from_the_date_of_birth_on_the_assessment_day() -> None:
    born = {"age": None, "birth_date": dt.date(1999, 6, 2)}
    the_day_before = assess_points(RULES, {**NOTHING, **born}, dt.date(2025, 6, 1))
    the_birthday = assess_points(RULES, {**NOTHING, **born}, dt.date(2025, 6, 2))
    assert next(r for r in the_day_before.factors if r.factor == "age").points == 10  # 25
    assert next(r for r in the_birthday.factors if r.factor == "age").points == 15  # 26


# Unknown facts: three-valued, with the question to ask.


def test_a_missing_fact_leaves_its_factor_unknown_with_the_question_to_ask() -> None:
    facts = {k: v for k, v in _professional().items() if k != "annual_salary_yuan"}
    assessment = assess_points(RULES, facts, AS_OF)
    salary = next(r for r in assessment.factors if r.factor == "salary")
    assert (salary.outcome, salary.points, salary.points_range) == ("unknown", None, (0, 20))
    assert [q.field for q in salary.questions] == ["annual_salary_yuan"]
    assert salary.questions[0].label == DEFINITIONS["annual_salary_yuan"].label
    assert assessment.total is None
    assert assessment.total_range == (65, 85)
    assert assessment.category is None
    assert assessment.possible_categories == ["B", "A"]
    assert [q.field for q in assessment.questions] == ["annual_salary_yuan"]


def test_an_unknown_that_cannot_change_the_category_leaves_it_decided() -> None:
    facts = _professional(experience_years=17, chinese_level=None)  # 90 + at most 5
    assessment = assess_points(RULES, facts, AS_OF)
    assert assessment.total is None
    assert assessment.total_range == (90, 95)
    assert assessment.category == "A"


def test_one_known_distinction_decides_the_factor_whatever_the_others() -> None:
    result = _factor({"distinctions": {"patent_or_ip": True}}, "distinction")
    assert (result.outcome, result.points) == ("matched", 5)
    unknown = _factor({"distinctions": {"patent_or_ip": False}}, "distinction")
    assert unknown.outcome == "unknown"
    assert [q.field for q in unknown.questions] == [
        "distinctions.top_overseas_university",
        "distinctions.fortune_global_500",
        "distinctions.five_consecutive_years_in_china",
    ]


def test_an_empty_record_asks_every_question_and_could_reach_any_category() -> None:
    assessment = assess_points(RULES, {}, AS_OF)
    assert assessment.total_range == (0, 110)
    assert assessment.possible_categories == ["C", "B", "A"]
    assert {q.field for q in assessment.questions} == set(DEFINITIONS)
    education = next(q for q in assessment.questions if q.field == "education")
    assert education.choices is not None and len(education.choices) == 8


@pytest.mark.parametrize(
    ("facts", "field", "message"),
    [
        ({"anual_salary_yuan": 1}, "anual_salary_yuan", "is not a fact"),
        ({"annual_salary_yuan": "450k"}, "annual_salary_yuan", "whole number"),
        ({"annual_salary_yuan": True}, "annual_salary_yuan", "whole number"),
        ({"annual_salary_yuan": -1}, "annual_salary_yuan", "at least 0"),
        ({"months_in_china_per_year": 13}, "months_in_china_per_year", "at most 12"),
        ({"education": "phd"}, "education", "is not one of"),
        ({"distinctions": {"patent_or_ip": "yes"}}, "distinctions.patent_or_ip", "true or false"),
        ({"birth_date": "1990-01-01"}, "birth_date", "date"),
    ],
)
def test_malformed_facts_are_refused_naming_the_field(
    facts: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        assess_points(RULES, facts, AS_OF)
    assert [p.field for p in caught.value.problems] == [field]
    assert message in caught.value.problems[0].message


# Properties.


@st.composite
def professionals(draw: st.DrawFn) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for definition in TABLE.fields:
        if draw(st.booleans()):
            continue  # left out: unknown
        if definition.type == "bool":
            value: Any = draw(st.booleans())
        elif definition.choices:
            value = draw(st.sampled_from([c.id for c in definition.choices]))
        else:
            value = draw(
                st.integers(
                    min_value=definition.minimum or 0,
                    max_value=definition.maximum if definition.maximum is not None else 2_000_000,
                )
            )
        facts = _set(facts, definition.id, value)
    return facts


@settings(max_examples=300, deadline=None)
@given(professionals())
def test_no_total_exceeds_the_maximum_less_the_unencoded_local_factor(
    professional: dict[str, Any],
) -> None:
    assessment = assess_points(RULES, professional, AS_OF)
    local = FACTORS["local_encouragement"].max_points
    low, high = assessment.total_range
    assert 0 <= low <= high <= TABLE.max_total - local
    if assessment.total is not None:
        assert assessment.total == low == high
    for result in assessment.factors:
        assert 0 <= result.points_range[0] <= result.points_range[1] <= result.max_points
        if result.points is not None:
            assert result.points <= result.max_points
    assert assessment.category in (None, *assessment.possible_categories)


# Broken data files.


@pytest.fixture
def talent_copy(tmp_path: Path) -> Path:
    target = tmp_path / "talent"
    shutil.copytree(TALENT_DIR, target)
    return target


def _break(directory: Path, name: str, old: str, new: str) -> tuple[Path, int]:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {name}"
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if new.splitlines()[0] in row)
    return path, line


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "points.yaml",
            "{points: 20, label: {zh: 45万元以上",
            "{points: 25, label: {zh: 45万元以上",
            "25 points is above the factor's maximum of 20",
        ),
        (
            "points.yaml",
            "when: {field: annual_salary_yuan, ge: 450000}",
            "when: {field: annual_salary, ge: 450000}",
            "'annual_salary' is not a profile field",
        ),
        (
            "points.yaml",
            "when: {field: annual_salary_yuan, lt: 50000}",
            "when: {field: annual_salary_yuan, lt: 5.0e+4}",
            "Input should be a valid",
        ),
        ("points.yaml", "when: {field: chinese_level, eq: hsk4}", "when: {field: chinese_level, eq: hsk7}", "'hsk7' is not a known"),
        (
            "points.yaml",
            "confidence: Med}",
            "confidence: Med, page: 3}",
            "unknown field",
        ),
        ("points.yaml", "    max_points: 15\n    # The band", "    max_points: 16\n    # The band", "add up to 121"),
        (
            "points.yaml",
            "- {points: 4, label: {zh: HSK四级, en: HSK 4}",
            "- {points: 4, label: {zh: HSK四级, en: HSK 4}, colour: red",
            "unknown field",
        ),
        ("residence.yaml", "{id: C, label: {zh: C类, en: category C}}", "{id: C, label: {zh: C类, en: category C}", "not valid YAML"),
    ],
    ids=["band-over-max", "unknown-field", "float-threshold", "unknown-choice", "citation-extra", "maxima", "band-extra", "yaml-syntax"],
)  # fmt: skip
def test_a_broken_talent_file_is_refused_with_file_and_line(
    talent_copy: Path, name: str, old: str, new: str, message: str
) -> None:
    path, line = _break(talent_copy, name, old, new)
    with pytest.raises(CatalogueError) as caught:
        load_talent_rules(talent_copy)
    shown = str(caught.value)
    assert message in shown
    located = [p for p in caught.value.problems if message in p.message or message in str(p)]
    assert located and located[0].file == path
    if message != "add up to 121":  # a whole-table check points at the table
        assert located[0].line is not None and abs(located[0].line - line) <= 1, shown


def test_a_citation_to_an_unknown_source_is_refused(talent_copy: Path) -> None:
    path, line = _break(
        talent_copy,
        "points.yaml",
        "citation: {source: work-permit-classification-2017, section: 积分要素计分赋值表, confidence: Med}",
        "citation: {source: work-permit-standard, section: 积分要素计分赋值表, confidence: Med}",
    )
    with pytest.raises(CatalogueError) as caught:
        load_talent_rules(talent_copy)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (path, line)
    assert "'work-permit-standard' is not a known talent source" in problem.message


def test_the_bundled_rules_load_and_every_citation_names_a_known_source() -> None:
    rules = load_talent_rules()
    known = {s.id for s in rules.sources}
    citations = [rules.points.citation, *(f.citation for f in rules.points.factors)]
    citations += [c.citation for c in rules.points.categories]
    assert {c.source for c in citations} <= known


def test_problems_in_two_files_are_all_reported_at_once(talent_copy: Path) -> None:
    points, _ = _break(
        talent_copy,
        "points.yaml",
        "{points: 20, label: {zh: 45万元以上",
        "{points: 25, label: {zh: 45万元以上",
    )
    residence, _ = _break(talent_copy, "residence.yaml", "  min_days: 90", "  min_days: ninety")
    with pytest.raises(CatalogueError) as caught:
        load_talent_rules(talent_copy)
    assert {p.file for p in caught.value.problems} == {points, residence}
