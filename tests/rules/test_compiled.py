"""The engine compiles a catalogue once, for as long as the catalogue lives, and still answers
for a measure that is not the catalogue's own."""

from __future__ import annotations

import datetime as dt
import gc

from ftzlink.catalogue.conditions import Compare
from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules import compiled as compiled_module
from ftzlink.rules.compiled import compiled
from ftzlink.rules.evaluate import evaluate, evaluate_measure

DAY = dt.date(2025, 6, 1)


def test_a_catalogue_is_compiled_once_and_released_with_it() -> None:
    catalogue = bundled_catalogue().model_copy()
    first = compiled(catalogue)
    assert compiled(catalogue) is first
    other = catalogue.model_copy()
    assert compiled(other) is not first
    key = id(catalogue)
    del catalogue, first
    gc.collect()
    assert key not in compiled_module._compiled


def test_a_measure_changed_outside_the_catalogue_is_evaluated_as_given(
    example_profile: EnterpriseProfile,
) -> None:
    catalogue = bundled_catalogue()
    policy, measure = next((p, m) for p, m in catalogue.measures() if m.when is not None)
    own = evaluate_measure(catalogue, policy, measure, example_profile, DAY)
    unconditional = measure.model_copy(update={"when": None})
    changed = evaluate_measure(catalogue, policy, unconditional, example_profile, DAY)
    assert len(changed.conditions) == len(own.conditions) - 1
    assert own == next(
        d for d in evaluate(catalogue, example_profile, DAY) if d.measure_id == measure.id
    )


def test_a_comparison_knows_its_operator_once_validated() -> None:
    node = Compare.model_validate({"field": "sector", "in": ["aviation"]})
    assert node._op == "in" and node.op == "in" and node.value == ["aviation"]
    built = Compare.model_construct(field="sector", ge=3)
    assert built.op == "ge" and built.value == 3
