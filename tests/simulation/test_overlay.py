"""Overlays: each kind of change applied to the catalogue, the baseline untouched; a bad overlay
refused with file:line like a bad policy file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ftzlink.catalogue.conditions import Compare
from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.catalogue.models import Catalogue, Measure, PeriodKind
from ftzlink.errors import CatalogueError
from ftzlink.matching.overlay import Overlay, apply_overlay, load_overlay
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.determinations import Status
from ftzlink.rules.evaluate import evaluate

EXAMPLES = Path(__file__).parents[2] / "examples" / "overlays"
HEAD = "id: test-overlay\ntitle: {zh: 测试, en: Test}\nchanges:\n"


def _measure(catalogue: Catalogue, measure_id: str) -> Measure:
    return next(m for _, m in catalogue.measures() if m.id == measure_id)


def _load(tmp_path: Path, changes: str) -> tuple[Overlay, Catalogue]:
    path = tmp_path / "overlay.yaml"
    path.write_text(HEAD + changes, encoding="utf-8")
    overlay = load_overlay(path, bundled_catalogue())
    return overlay, apply_overlay(bundled_catalogue(), overlay)


def test_set_cap_changes_only_the_amount_and_leaves_the_baseline_untouched() -> None:
    baseline = bundled_catalogue()
    before = baseline.model_dump()
    overlay = load_overlay(EXAMPLES / "raise-ai-cap.yaml", baseline)
    reform = apply_overlay(baseline, overlay)
    cap = _measure(reform, "cn-trial-ai-industry").cap
    assert cap is not None and cap.amount == 20_000_000 and cap.period is PeriodKind.PER_PROJECT
    old = _measure(baseline, "cn-trial-ai-industry").cap
    assert old is not None and old.amount == 10_000_000
    assert baseline.model_dump() == before  # pure: the baseline is not modified
    others = [m for _, m in reform.measures() if m.id != "cn-trial-ai-industry"]
    assert others == [m for _, m in baseline.measures() if m.id != "cn-trial-ai-industry"]


def test_set_cap_on_a_measure_without_one_needs_a_period(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as error:
        _load(tmp_path, "  - set_cap: {measure: cn-trial-other-industries, amount: 1000000}\n")
    assert "overlay.yaml:4: changes[0].set_cap.period: " in str(error.value)
    _, reform = _load(
        tmp_path,
        "  - set_cap: {measure: cn-trial-other-industries, amount: 1000000, period: per_year}\n",
    )
    measure = _measure(reform, "cn-trial-other-industries")
    assert measure.cap is not None and measure.cap.amount == 1_000_000
    assert measure.no_cap_reason is None


def test_set_condition_on_a_measure_and_on_a_policy(tmp_path: Path) -> None:
    _, reform = _load(
        tmp_path,
        "  - set_condition:\n"
        "      measure: cn-trial-green\n"
        "      when: {field: talent.certified_talents, ge: 2}\n"
        "  - set_condition: {policy: changning-trial-2024, eligibility: null}\n",
    )
    when = _measure(reform, "cn-trial-green").when
    assert isinstance(when, Compare) and when.field == "talent.certified_talents"
    assert when.value == 2
    policy = reform.policy("changning-trial-2024")
    assert policy is not None and policy.eligibility is None
    baseline_policy = bundled_catalogue().policy("changning-trial-2024")
    assert baseline_policy is not None and baseline_policy.eligibility is not None


def test_set_validity_on_a_measure_and_on_a_policy(tmp_path: Path) -> None:
    _, reform = _load(
        tmp_path,
        "  - set_validity:\n"
        "      measure: cn-trial-ai-industry\n"
        "      validity: {start: 2025-01-01, end: 2025-12-31}\n"
        "  - set_validity: {policy: changning-trial-2024, validity: {start: 2024-11-15, end: 2027-11-14}}\n",
    )
    policy = reform.policy("changning-trial-2024")
    assert policy is not None and policy.validity.end == dt.date(2027, 11, 14)
    ai = _measure(reform, "cn-trial-ai-industry")
    assert policy.validity_of(ai).end == dt.date(2025, 12, 31)
    profile = EnterpriseProfile.model_validate(
        {
            "name": "甲",
            "uscc": "91310105MA1FL4X59N",
            "registered_district": "changning",
            "legal_form": "corporate",
            "credit_standing": "good",
            "projects": [{"name": "模型", "kind": "ai_industry"}],
        }
    )
    day = dt.date(2026, 6, 1)
    status = {d.measure_id: d.status for d in evaluate(reform, profile, day)}
    assert status["cn-trial-ai-industry"] is Status.EXPIRED
    baseline = {d.measure_id: d.status for d in evaluate(bundled_catalogue(), profile, day)}
    assert baseline["cn-trial-ai-industry"] is Status.ELIGIBLE


def test_add_measure_then_change_it() -> None:
    baseline = bundled_catalogue()
    overlay = load_overlay(EXAMPLES / "add-measure.yaml", baseline)
    extended = overlay.model_copy(
        update={
            "changes": [
                *overlay.changes,
                *Overlay.model_validate(
                    {
                        "id": "x",
                        "title": {"zh": "x", "en": "x"},
                        "changes": [
                            {
                                "set_cap": {
                                    "measure": "cn-reform-foreign-talent-employers",
                                    "amount": 800_000,
                                }
                            }
                        ],
                    }
                ).changes,
            ]
        }
    )
    reform = apply_overlay(baseline, extended)
    added = _measure(reform, "cn-reform-foreign-talent-employers")
    assert added.cap is not None and added.cap.amount == 800_000
    assert added.cap.period is PeriodKind.ONE_TIME
    assert len(reform.measures()) == len(baseline.measures()) + 1
    assert "cn-reform-foreign-talent-employers" not in {m.id for _, m in baseline.measures()}


BAD = [
    (  # a condition on a field the profile does not have: the catalogue's own check
        "  - set_condition:\n      measure: cn-trial-green\n      when: {field: revenue, ge: 5}\n",
        "overlay.yaml:6: changes[0].set_condition.when.field: 'revenue' is not a profile field",
    ),
    (  # a value outside the vocabulary
        "  - set_condition:\n      measure: cn-trial-green\n      when: {field: sector, eq: space}\n",
        "overlay.yaml:6: changes[0].set_condition.when.eq: 'space' is not a known sectors value",
    ),
    (  # money is integer yuan
        "  - set_cap:\n      measure: cn-trial-ai-industry\n      amount: 2.5e7\n",
        "overlay.yaml:6: changes[0].set_cap.amount: Input should be a valid integer",
    ),
    (
        "  - set_cap: {measure: cn-trial-nothing, amount: 5}\n",
        "overlay.yaml:4: changes[0].set_cap.measure: no measure 'cn-trial-nothing' in the "
        "catalogue; did you mean 'cn-trial-",
    ),
    (
        "  - set_cap: {measure: cn-plan-one-stop-permits, amount: 5}\n",
        "is a service measure",
    ),
    (
        "  - set_cap: {measure: cn-trial-green, amount: 5}\n    set_validity: {policy: x}\n",
        "overlay.yaml:4: changes[0]: Value error, a change needs exactly one of",
    ),
    (
        "  - set_validity:\n      policy: changning-trial-2024\n"
        "      validity: {start: 2026-01-01, end: 2025-01-01}\n",
        "overlay.yaml:6: changes[0].set_validity.validity: Value error, end 2025-01-01 is before",
    ),
    (
        "  - add_measure:\n      policy: changning-trial-2024\n      measure:\n"
        "        id: cn-trial-green\n        kind: grant\n        title: {zh: 甲, en: A}\n"
        "        summary: {zh: 甲, en: A}\n        citation: {source: 003_f015fb36ad18a120.txt}\n"
        "        cap: {amount: 5, period: one_time}\n",
        "overlay.yaml:7: changes[0].add_measure.measure.id: duplicate measure id 'cn-trial-green'",
    ),
    (
        "  - add_measure:\n      policy: changning-trial-2024\n      measure:\n"
        "        id: cn-new\n        kind: grant\n        title: {zh: 甲, en: A}\n"
        "        summary: {zh: 甲, en: A}\n        citation: {source: 003_f015fb36ad18a120.txt}\n",
        "overlay.yaml:6: changes[0].add_measure.measure: Value error, a grant without a cap needs",
    ),
    ("  - set_cap: {measure: cn-trial-green, amount: 5\n", "overlay.yaml:5: not valid YAML"),
]


@pytest.mark.parametrize(("changes", "expected"), BAD)
def test_a_bad_overlay_is_refused_with_file_and_line(
    tmp_path: Path, changes: str, expected: str
) -> None:
    with pytest.raises(CatalogueError) as error:
        _load(tmp_path, changes)
    assert expected in str(error.value), str(error.value)
    assert str(error.value).startswith(f"overlay file {tmp_path / 'overlay.yaml'} is invalid")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as error:
        _load(
            tmp_path,
            "  - set_cap: {measure: cn-trial-nothing, amount: 5}\n"
            "  - set_condition: {measure: cn-trial-green, when: {field: revenue, ge: 5}}\n",
        )
    assert len(error.value.problems) == 2
    assert [p.line for p in error.value.problems] == [4, 5]
