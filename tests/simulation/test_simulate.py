"""Baseline against reform: the simulation equals the scalar engine enterprise by enterprise;
raising a cap never loses an enterprise and never lowers the total."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.catalogue.models import Catalogue
from ftzlink.matching.overlay import Overlay, apply_overlay, load_overlay
from ftzlink.matching.registry import normalise, synthesise
from ftzlink.matching.results import MeasureResult
from ftzlink.matching.simulate import chart_spec, simulate_frames
from tests.matching import support as kinds
from tests.simulation.support import (
    scalar_potential,
    scalar_results,
    scalar_simulation,
    simulated,
)

EXAMPLES = Path(__file__).parents[2] / "examples" / "overlays"
DAY = dt.date(2025, 6, 1)
SLOTS = 3


@pytest.fixture(scope="module")
def registry() -> pl.DataFrame:
    """A small synthetic registry: the Changning enterprises of 6,000 synthetic ones."""
    catalogue = bundled_catalogue()
    frame = normalise(synthesise(catalogue, 6000, seed=4), catalogue, SLOTS)
    return frame.filter(pl.col("registered_district") == "changning")


@pytest.fixture(scope="module")
def baseline_results(registry: pl.DataFrame) -> list[dict[str, MeasureResult]]:
    return scalar_results(bundled_catalogue(), registry, SLOTS, DAY)


def _reform(path: Path) -> tuple[Overlay, Catalogue]:
    overlay = load_overlay(path, bundled_catalogue())
    return overlay, apply_overlay(bundled_catalogue(), overlay)


def test_raising_one_cap_costs_exactly_the_capped_amount_difference(
    registry: pl.DataFrame, baseline_results: list[dict[str, MeasureResult]]
) -> None:
    _, reform = _reform(EXAMPLES / "raise-ai-cap.yaml")
    simulation = simulate_frames(bundled_catalogue(), reform, [registry], DAY, SLOTS)
    reform_results = scalar_results(reform, registry, SLOTS, DAY)
    difference = sum(
        scalar_potential(after["cn-trial-ai-industry"])
        - scalar_potential(before["cn-trial-ai-industry"])
        for before, after in zip(baseline_results, reform_results, strict=True)
    )
    impact = simulation.measure("cn-trial-ai-industry")
    assert difference > 0  # the registry has projects asking for more than the old cap
    assert impact.budget_impact_yuan == difference
    assert simulation.budget_impact_yuan == difference  # no other measure moved
    assert impact.gained == impact.lost == 0 and impact.amount_changed > 0
    assert simulated(simulation) == scalar_simulation(baseline_results, reform_results)
    changes = simulation.changes_frame()
    assert set(changes.get_column("measure")) == {"cn-trial-ai-industry"}
    assert changes.get_column("difference_yuan").sum() == difference
    assert set(changes.get_column("change")) == {"amount"}


def test_adding_a_measure_equals_the_scalar_engine(
    registry: pl.DataFrame, baseline_results: list[dict[str, MeasureResult]]
) -> None:
    _, reform = _reform(EXAMPLES / "add-measure.yaml")
    simulation = simulate_frames(bundled_catalogue(), reform, [registry], DAY, SLOTS)
    reform_results = scalar_results(reform, registry, SLOTS, DAY)
    assert simulated(simulation) == scalar_simulation(baseline_results, reform_results)
    added = simulation.measure("cn-reform-foreign-talent-employers")
    assert added.change == "added" and added.baseline_eligible == 0 and added.gained > 0
    assert added.budget_impact_yuan == added.gained * 500_000
    assert simulation.enterprises_gaining == added.gained


def test_a_condition_and_a_validity_change_equal_the_scalar_engine(
    tmp_path: Path, registry: pl.DataFrame, baseline_results: list[dict[str, MeasureResult]]
) -> None:
    path = tmp_path / "reform.yaml"
    path.write_text(
        "id: tighten\ntitle: {zh: 收紧, en: Tighten}\nchanges:\n"
        "  - set_condition:\n"
        "      policy: changning-trial-2024\n"
        "      eligibility:\n"
        "        all:\n"
        "          - {field: registered_district, eq: changning}\n"
        "          - {field: credit_standing, eq: good}\n"
        "  - set_validity: {measure: cn-trial-green, validity: {start: 2025-07-01}}\n",
        encoding="utf-8",
    )
    _, reform = _reform(path)
    chunks = [registry.slice(0, 100), registry.slice(100)]
    simulation = simulate_frames(bundled_catalogue(), reform, chunks, DAY, SLOTS)
    reform_results = scalar_results(reform, registry, SLOTS, DAY)
    assert simulated(simulation) == scalar_simulation(baseline_results, reform_results)
    assert simulation.enterprises == registry.height
    assert simulation.gained > 0 and simulation.lost > 0  # corporate form no longer needed
    green = simulation.measure("cn-trial-green")
    assert green.reform_eligible == 0 and green.change == "changed"
    spec = chart_spec(
        simulation,
        Overlay.model_validate_json(
            '{"id": "t", "title": {"zh": "收紧", "en": "Tighten"}, "changes": '
            '[{"set_cap": {"measure": "cn-trial-green", "amount": 1}}]}'
        ).title,
        "en",
    )
    assert "Tighten" in spec["title"] and spec["description"]


def test_an_overlay_that_changes_nothing_shows_no_difference(registry: pl.DataFrame) -> None:
    overlay = Overlay.model_validate(
        {
            "id": "same",
            "title": {"zh": "不变", "en": "Same"},
            "changes": [{"set_cap": {"measure": "cn-trial-ai-industry", "amount": 10_000_000}}],
        }
    )
    reform = apply_overlay(bundled_catalogue(), overlay)
    simulation = simulate_frames(bundled_catalogue(), reform, [registry], DAY, SLOTS)
    assert simulation.budget_impact_yuan == 0 and simulation.differing() == []
    assert simulation.changes_frame().height == 0


# --- property: raising a cap ------------------------------------------------------------------

CAPPED = [(m.id, m.cap.amount) for _, m in kinds.CATALOGUE.measures() if m.cap is not None]


@settings(max_examples=25, deadline=None)
@given(
    registry=kinds.registries,
    as_of=kinds.as_of_dates,
    measure=st.sampled_from(CAPPED),
    raise_by=st.integers(0, 200_000_000),
)
def test_raising_a_cap_never_loses_an_enterprise_nor_lowers_the_total(
    registry: Any, as_of: dt.date, measure: tuple[str, int], raise_by: int
) -> None:
    measure_id, cap = measure
    overlay = Overlay.model_validate(
        {
            "id": "raise",
            "title": {"zh": "提高上限", "en": "Raise a cap"},
            "changes": [{"set_cap": {"measure": measure_id, "amount": cap + raise_by}}],
        }
    )
    reform = apply_overlay(kinds.CATALOGUE, overlay)
    frame = kinds.frame_of(registry)
    simulation = simulate_frames(kinds.CATALOGUE, reform, [frame], as_of, kinds.SLOTS)
    assert simulation.lost == 0 and simulation.gained == 0
    assert simulation.enterprises_losing == 0
    for impact in simulation.measures:
        assert impact.reform_yuan >= impact.baseline_yuan
        assert impact.reform_eligible == impact.baseline_eligible
    assert simulation.budget_impact_yuan >= 0
    before = scalar_results(kinds.CATALOGUE, frame, kinds.SLOTS, as_of)
    after = scalar_results(reform, frame, kinds.SLOTS, as_of)
    assert simulation.budget_impact_yuan == sum(
        scalar_potential(a.get(measure_id)) - scalar_potential(b.get(measure_id))
        for b, a in zip(before, after, strict=True)
    )
    assert simulated(simulation) == scalar_simulation(before, after)
