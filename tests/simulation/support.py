"""The simulation recomputed one enterprise at a time with the scalar engine."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import polars as pl

from ftzlink.catalogue.models import Catalogue
from ftzlink.matching.columns import profile_from_row
from ftzlink.matching.results import MeasureResult, expected
from ftzlink.matching.simulate import Simulation
from ftzlink.rules.determinations import Status


def scalar_potential(result: MeasureResult | None) -> int:
    """What `results.potential` computes, from a scalar record: the matched projects' capped
    requests, else the cap; 0 when not eligible."""
    if result is None or result.status is not Status.ELIGIBLE:
        return 0
    return result.amount or result.max_amount or 0


def scalar_results(
    catalogue: Catalogue, frame: pl.DataFrame, slots: int, as_of: dt.date
) -> list[dict[str, MeasureResult]]:
    return [
        {r.measure_id: r for r in expected(catalogue, profile_from_row(row, slots), as_of)}
        for row in frame.iter_rows(named=True)
    ]


def scalar_simulation(
    baseline: list[dict[str, MeasureResult]], reform: list[dict[str, MeasureResult]]
) -> dict[str, dict[str, int]]:
    """Per measure: the same numbers as `MeasureImpact`, enterprise by enterprise."""
    totals: dict[str, Counter[str]] = {}
    for before, after in zip(baseline, reform, strict=True):
        for measure_id in dict.fromkeys([*after, *before]):
            b, r = before.get(measure_id), after.get(measure_id)
            eb = b is not None and b.status is Status.ELIGIBLE
            er = r is not None and r.status is Status.ELIGIBLE
            yb, yr = scalar_potential(b), scalar_potential(r)
            t = totals.setdefault(measure_id, Counter())
            t["baseline_eligible"] += eb
            t["reform_eligible"] += er
            t["gained"] += er and not eb
            t["lost"] += eb and not er
            t["amount_changed"] += eb and er and yb != yr
            t["baseline_yuan"] += yb
            t["reform_yuan"] += yr
    return {m: {k: t[k] for k in _NAMES} for m, t in totals.items()}


_NAMES = (
    "baseline_eligible",
    "reform_eligible",
    "gained",
    "lost",
    "amount_changed",
    "baseline_yuan",
    "reform_yuan",
)


def simulated(simulation: Simulation) -> dict[str, dict[str, int]]:
    return {m.measure_id: {k: getattr(m, k) for k in _NAMES} for m in simulation.measures}
