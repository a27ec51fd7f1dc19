"""Routing a transfer scenario (CAC Order No. 16): each side of every threshold, the CIIO and
important-data rules, each exemption of art. 3-6, unknown facts as questions, and the rules file
refused with file:line when broken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ftzlink.dataflow.loader import DATAFLOW_DIR, bundled_dataflow_rules, load_dataflow_rules
from ftzlink.dataflow.models import Route
from ftzlink.dataflow.rules import route_scenario
from ftzlink.errors import CatalogueError, InvalidInput

RULES = bundled_dataflow_rules()
EXEMPT, CONTRACT, ASSESSMENT = Route.EXEMPT, Route.STANDARD_CONTRACT, Route.SECURITY_ASSESSMENT

# A non-CIIO outside the FTZ sending customers' data for its own purposes: only the counts decide.
PLAIN: dict[str, Any] = {
    "ciio": False,
    "important_data": False,
    "purpose": "other",
    "foreign_pi_returned": False,
    "in_ftz": False,
    "non_sensitive_people": 0,
    "sensitive_people": 0,
}


def scenario(**changes: Any) -> dict[str, Any]:
    return PLAIN | changes


# (non-sensitive people, sensitive people) -> route and the rule that decides it.
THRESHOLDS = [
    (0, 0, EXEMPT, "no-personal-or-important-data"),
    (1, 0, EXEMPT, "art5-4-under-100k"),
    (99_999, 0, EXEMPT, "art5-4-under-100k"),  # 不满10万人
    (100_000, 0, CONTRACT, "art8-non-sensitive-100k"),  # 10万人以上
    (999_999, 0, CONTRACT, "art8-non-sensitive-100k"),  # 不满100万人
    (1_000_000, 0, ASSESSMENT, "art7-2-non-sensitive-1m"),  # 100万人以上
    (0, 1, CONTRACT, "art8-sensitive-under-10k"),
    (0, 9_999, CONTRACT, "art8-sensitive-under-10k"),  # 不满1万人
    (0, 10_000, ASSESSMENT, "art7-2-sensitive-10k"),  # 1万人以上
    (99_999, 1, CONTRACT, "art8-sensitive-under-10k"),  # any sensitive PI leaves art. 5(4)
    (99_999, 10_000, ASSESSMENT, "art7-2-sensitive-10k"),
    (1_000_000, 9_999, ASSESSMENT, "art7-2-non-sensitive-1m"),
]


@pytest.mark.parametrize(("non_sensitive", "sensitive", "route", "rule"), THRESHOLDS)
def test_each_side_of_every_threshold(
    non_sensitive: int, sensitive: int, route: Route, rule: str
) -> None:
    result = route_scenario(
        RULES, scenario(non_sensitive_people=non_sensitive, sensitive_people=sensitive)
    )
    assert (result.route, result.decided_by) == (route, rule)
    assert result.questions == []


@pytest.mark.parametrize(
    ("counts", "route"),
    [
        ({"non_sensitive_people": 0, "sensitive_people": 0}, EXEMPT),
        ({"non_sensitive_people": 1, "sensitive_people": 0}, ASSESSMENT),
        ({"non_sensitive_people": 0, "sensitive_people": 1}, ASSESSMENT),
        ({"non_sensitive_people": 99_999, "sensitive_people": 0}, ASSESSMENT),
    ],
)
def test_a_ciio_needs_an_assessment_for_any_personal_information(
    counts: dict[str, int], route: Route
) -> None:
    result = route_scenario(RULES, scenario(ciio=True, **counts))
    assert result.route is route
    if route is ASSESSMENT:
        assert result.decided_by == "art7-1-ciio"
        assert "art. 7(1)" in " ".join(r.en for r in result.reasons).lower()


@pytest.mark.parametrize("ciio", [False, True])
def test_important_data_needs_an_assessment_whatever_the_counts(ciio: bool) -> None:
    result = route_scenario(RULES, scenario(ciio=ciio, important_data=True))
    assert result.route is ASSESSMENT
    assert result.mechanisms == ["security_assessment"]


def test_important_data_alone_decides_even_with_the_rest_unknown() -> None:
    result = route_scenario(RULES, {"important_data": True})
    assert result.route is ASSESSMENT and result.decided_by == "art7-2-important-data"


EXEMPTIONS = [
    ({"purpose": "international_trade"}, "art3-no-personal-or-important-data"),
    ({"purpose": "academic_cooperation"}, "art3-no-personal-or-important-data"),
    (
        {
            "foreign_pi_returned": True,
            "non_sensitive_people": 2_000_000,
            "sensitive_people": 50_000,
        },
        "art4-foreign-pi-sent-back",
    ),
    (
        {"purpose": "contract_with_individual", "non_sensitive_people": 5_000_000},
        "art5-1-contract-with-individual",
    ),
    ({"purpose": "hr_management", "sensitive_people": 20_000}, "art5-2-hr-management"),
    ({"purpose": "emergency", "sensitive_people": 12}, "art5-3-emergency"),
    ({"non_sensitive_people": 50_000}, "art5-4-under-100k"),
    (
        {
            "in_ftz": True,
            "negative_list_scenario": True,
            "on_negative_list": False,
            "non_sensitive_people": 300_000,
        },
        "art6-ftz-negative-list",
    ),
]


@pytest.mark.parametrize(("changes", "rule"), EXEMPTIONS, ids=[r for _, r in EXEMPTIONS])
def test_each_exemption_of_articles_3_to_6(changes: dict[str, Any], rule: str) -> None:
    result = route_scenario(RULES, scenario(**changes))
    assert (result.route, result.decided_by) == (EXEMPT, rule)
    assert result.mechanisms == []
    assert result.reasons[0].en.startswith("Exempt")


@pytest.mark.parametrize(("changes", "rule"), EXEMPTIONS, ids=[r for _, r in EXEMPTIONS])
def test_no_exemption_covers_important_data(changes: dict[str, Any], rule: str) -> None:
    result = route_scenario(RULES, scenario(**changes, important_data=True))
    assert result.route is ASSESSMENT


def test_art_3_needs_no_personal_information_at_all() -> None:
    result = route_scenario(RULES, scenario(purpose="international_trade", sensitive_people=1))
    assert result.route is CONTRACT


def test_art_5_contract_exemption_covers_a_ciio_too() -> None:
    result = route_scenario(
        RULES, scenario(ciio=True, purpose="contract_with_individual", non_sensitive_people=10)
    )
    assert result.route is EXEMPT


def test_data_on_the_ftz_negative_list_follows_the_counts() -> None:
    on_list = scenario(
        in_ftz=True,
        negative_list_scenario=True,
        on_negative_list=True,
        on_lingang_general_list=False,
        non_sensitive_people=300_000,
    )
    assert route_scenario(RULES, on_list).route is CONTRACT
    outside_scenarios = on_list | {"on_negative_list": False, "negative_list_scenario": False}
    assert route_scenario(RULES, outside_scenarios).route is CONTRACT
    # The list covers non-CIIO processors only.
    ciio = on_list | {"on_negative_list": False, "ciio": True}
    assert route_scenario(RULES, ciio).route is ASSESSMENT


def test_a_lingang_general_data_list_exempts_but_is_flagged_unverified() -> None:
    result = route_scenario(
        RULES, scenario(in_ftz=True, on_lingang_general_list=True, non_sensitive_people=500_000)
    )
    assert (result.route, result.decided_by) == (EXEMPT, "lingang-general-data-list")
    assert "unverified" in result.reasons[-1].en
    check = next(c for c in result.checks if c.rule == "lingang-general-data-list")
    assert check.unverified and check.citation.confidence == "Med"


def test_unknown_facts_leave_the_route_open_with_the_questions_that_decide_it() -> None:
    result = route_scenario(RULES, {"non_sensitive_people": 150_000, "sensitive_people": 0})
    assert result.route is None
    assert result.possible_routes == [EXEMPT, CONTRACT, ASSESSMENT]
    asked = {q.field for q in result.questions}
    assert {"ciio", "important_data", "purpose"} <= asked
    assert "non_sensitive_people" not in asked


def test_only_the_facts_that_could_still_change_the_route_are_asked() -> None:
    known = scenario(non_sensitive_people=150_000)
    del known["in_ftz"]
    result = route_scenario(RULES, known)
    assert result.route is None
    assert result.possible_routes == [EXEMPT, CONTRACT]
    assert result.questions[0].field == "in_ftz"


def test_every_reason_and_check_is_cited() -> None:
    result = route_scenario(RULES, scenario(non_sensitive_people=100_000))
    national = [c for c in result.checks if c.rule[:4] in ("art3", "art4", "art5", "art7", "art8")]
    assert national and all(c.citation.source == "cac-order-16" for c in national)
    assert all(RULES.source(c.citation.source) is not None for c in result.checks)
    assert "art. 8" in result.reasons[0].en
    assert result.mechanisms == ["standard_contract", "certification"]
    assert result.notes and "art. 2" in result.notes[0].en


def test_a_malformed_fact_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as error:
        route_scenario(
            RULES, {"non_sensitive_people": -1, "purpose": "espionage", "ciio": "yes", "x": 1}
        )
    fields = {p.field for p in error.value.problems}
    assert fields == {"non_sensitive_people", "purpose", "ciio", "x"}


def test_a_low_confidence_fact_must_be_marked_unverified(tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "dataflow"
    shutil.copytree(DATAFLOW_DIR, target)
    path = target / "supervision.yaml"
    path.write_text(path.read_text().replace("  unverified: true\n", ""), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_dataflow_rules(target)
    assert "supervision.yaml" in str(error.value) and "unverified" in str(error.value)


def test_an_unknown_field_in_a_rule_is_refused_with_its_line(tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "dataflow"
    shutil.copytree(DATAFLOW_DIR, target)
    path = target / "routing.yaml"
    path.write_text(
        path.read_text().replace(
            "{field: sensitive_people, ge: 10000}", "{field: sensitve, ge: 1}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as error:
        load_dataflow_rules(target)
    assert "routing.yaml:" in str(error.value) and "sensitve" in str(error.value)
