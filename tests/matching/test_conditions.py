"""Each condition kind, vectorised, against the scalar engine and against what it should say."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from ftzlink.matching.columns import PROJECT_COUNT, slot_column
from ftzlink.matching.results import MeasureResult
from ftzlink.profiles.uscc import make_uscc
from ftzlink.rules.determinations import Status
from tests.matching.support import SLOTS, frame_of, polars_results, scalar_results

DAY = dt.date(2025, 6, 1)
E, X, N = Status.ELIGIBLE, Status.INELIGIBLE, Status.NEEDS_INFO


def _row(i: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"name": f"企业{i}", "uscc": make_uscc("9", "1", "310105", f"{i:08d}")}
    row["legal_form"] = "corporate"
    projects = values.pop("projects", None)
    row.update({k.replace(".", "__"): v for k, v in values.items()})
    row[PROJECT_COUNT] = None if projects is None else len(projects)
    for slot in range(SLOTS):
        project = projects[slot] if projects and slot < len(projects) else {}
        row[slot_column(slot, "name")] = f"项目{slot}"
        # leftovers beyond the count must be ignored: an rd_input project of 1 M yuan
        row[slot_column(slot, "kind")] = project.get("kind", "rd_input")
        row[slot_column(slot, "requested_amount")] = project.get("requested_amount", 1_000_000)
        row[slot_column(slot, "start")] = project.get("start")
    return row


def results(measure: str, *rows: dict[str, Any], day: dt.date = DAY) -> list[MeasureResult]:
    """The measure's results for the rows, after checking Polars against the scalar engine."""
    registry = [_row(i, **r) for i, r in enumerate(rows)]
    frame = frame_of(registry)
    vectorised = polars_results(frame, day)
    assert vectorised == scalar_results(frame, day)
    return [next(r for r in rs if r.measure_id == measure) for rs in vectorised]


def statuses(measure: str, *rows: dict[str, Any], day: dt.date = DAY) -> list[Status]:
    return [r.status for r in results(measure, *rows, day=day)]


def test_eq_on_a_yes_no_field_and_an_unknown_answer() -> None:
    yes, no, unknown = results("t-eq-bool", {"key_enterprise": True}, {"key_enterprise": False}, {})
    assert (yes.status, yes.max_amount) == (E, 1_000_000)
    assert no.status is X and no.failed is not None and no.max_amount is None
    assert unknown.status is N and unknown.questions == ("key_enterprise",)
    assert unknown.max_amount == 1_000_000


def test_the_policy_eligibility_is_part_of_every_measure() -> None:
    office, unknown = results(
        "t-eq-bool",
        {"key_enterprise": True, "legal_form": "representative_office"},
        {"key_enterprise": True, "legal_form": None},
    )
    assert office.status is X and unknown.questions == ("legal_form",)


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        ("t-lt", [E, X, X]),
        ("t-le", [E, E, X]),
        ("t-between", [E, E, E]),
    ],
)
def test_comparisons_at_their_edges(measure: str, expected: list[Status]) -> None:
    rows = [{"talent.foreign_professionals": v} for v in (2, 3, 4)]
    assert statuses(measure, *rows) == expected


def test_gt_ge_and_between_edges() -> None:
    rows = [{"talent.certified_talents": v} for v in (1, 2)]
    assert statuses("t-gt", *rows) == [X, E]
    assert statuses("t-ge", *rows) == [X, E]
    edges = [{"talent.foreign_professionals": v} for v in (1, 2, 5, 6, None)]
    assert statuses("t-between", *edges) == [X, E, E, X, N]


def test_date_ranges_open_on_one_side() -> None:
    days = [
        {"established_on": d}
        for d in (
            dt.date(2009, 12, 31),
            dt.date(2010, 1, 1),
            dt.date(2015, 6, 30),
            dt.date(2015, 7, 1),
        )
    ]
    assert statuses("t-after", *days) == [X, E, E, E]
    assert statuses("t-before", *days) == [E, E, E, X]
    assert statuses("t-date-lt", *days) == [E, E, X, X]


def test_membership_of_a_vocabulary() -> None:
    rows = [{"sector": s} for s in ("smart_internet", "other", "modern_services", None)]
    assert statuses("t-in", *rows) == [E, E, X, N]
    assert statuses("t-not-in", *rows) == [E, X, X, N]


def test_not_swaps_passed_and_failed_and_keeps_unknown() -> None:
    rows: list[dict[str, Any]] = [
        {"multinational": True},
        {"multinational": False, "foreign_invested": False},
        {"multinational": None, "foreign_invested": False},
        {"multinational": None, "foreign_invested": True},
    ]
    assert statuses("t-not", *rows) == [X, E, N, X]
    assert statuses("t-ne-bool", *rows[:3]) == [X, E, N]


def test_a_labelled_all_is_named_by_its_label_an_unlabelled_one_by_its_failed_child() -> None:
    (labelled,) = results("t-labelled-all", {"key_enterprise": True, "credit_standing": "poor"})
    assert labelled.failed is not None and labelled.failed.en == "Both hold"
    (nested,) = results(
        "t-nested",
        {"zone": "changning", "credit_standing": "good", "sub_sector": "internet_platforms"},
    )
    assert nested.status is X and nested.failed is not None and "Sub-sector" in nested.failed.en


def test_questions_are_only_those_that_could_still_decide() -> None:
    # any(...) already passed: nothing is asked about the registered district
    (one,) = results("t-nested", {"zone": "changning", "credit_standing": "good"})
    assert one.status is N and one.questions == ("sub_sector",)
    # all(...) failed: ineligible, nothing asked
    (two,) = results("t-nested", {"zone": "xuhui", "registered_district": "huangpu"})
    assert two.status is X and two.questions == ()


def test_exists_over_projects() -> None:
    unknown, none, asks, matched, capped = results(
        "t-exists-amount",
        {},
        {"projects": []},
        {"projects": [{"kind": "ai_industry", "requested_amount": None}]},
        {"projects": [{"kind": "financing"}, {"kind": "ai_industry", "requested_amount": 600_000}]},
        {"projects": [{"kind": "rd_input", "requested_amount": 5_000_000}]},
    )
    assert unknown.status is N and unknown.questions == ("projects",)
    assert none.status is X
    assert asks.status is N and asks.questions == ("projects[0].requested_amount",)
    assert (matched.status, matched.projects, matched.amount) == (E, (1,), 600_000)
    assert (capped.projects, capped.amount, capped.max_amount) == ((0,), 1_000_000, 1_000_000)


def test_matched_projects_of_several_exists_add_up_and_an_unknown_request_gets_the_cap() -> None:
    (both,) = results(
        "t-two-exists",
        {
            "projects": [
                {"kind": "rd_input", "requested_amount": None},
                {"kind": "financing", "start": dt.date(2025, 1, 1), "requested_amount": 300_000},
            ]
        },
    )
    assert (both.status, both.projects, both.amount) == (E, (0, 1), 2_300_000)
    (zero,) = results("t-two-exists", {"projects": [{"kind": "rd_input", "requested_amount": 0}]})
    assert zero.amount == 2_000_000  # a request of 0 reads as no request: the cap


def test_an_exists_under_not_and_a_measure_without_a_cap() -> None:
    has, hasnt = results(
        "t-exists-under-not",
        {"projects": [{"kind": "financing"}]},
        {"projects": [{"kind": "rd_input"}]},
    )
    assert has.status is X and hasnt.status is E and hasnt.amount is None and hasnt.projects == ()
    (no_cap,) = results("t-no-cap", {"projects": [{"kind": "rd_input", "requested_amount": 9}]})
    assert (no_cap.status, no_cap.max_amount, no_cap.amount, no_cap.projects) == (
        E,
        None,
        None,
        (0,),
    )


def test_validity_gives_the_same_status_to_every_enterprise() -> None:
    rows: list[dict[str, Any]] = [{}, {"legal_form": "representative_office"}]
    assert (
        statuses("t-no-conditions", *rows, day=dt.date(2025, 5, 31))
        == [Status.NOT_YET_EFFECTIVE] * 2
    )
    assert statuses("t-no-conditions", *rows, day=dt.date(2025, 12, 31)) == [E, X]
    assert statuses("t-no-conditions", *rows, day=dt.date(2026, 1, 1)) == [Status.EXPIRED] * 2
    (expired,) = results("t-no-conditions", {}, day=dt.date(2026, 1, 1))
    assert expired.max_amount is None and "2025-12-31" in expired.reason.en


def test_a_service_has_no_amount() -> None:
    (service,) = results("t-service", {"talent.invites_foreign_guests": True})
    assert service.status is E and service.max_amount is None and service.amount is None


def test_bad_labels_are_refused_with_the_column() -> None:
    from ftzlink.errors import InvalidInput
    from ftzlink.matching.registry import normalise
    from tests.matching.support import CATALOGUE

    frame = pl.DataFrame({"uscc": ["x"], "sector": ["宇宙航行"], "key_enterprise": ["也许"]})
    with pytest.raises(InvalidInput) as error:
        normalise(frame, CATALOGUE)
    assert {p.field for p in error.value.problems} == {"sector", "key_enterprise"}
