"""Scalar == Polars == SQL on random registries (nulls included), on every backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings

from ftzlink.matching.registry import normalise, synthesise
from tests.matching.support import (
    CATALOGUE,
    SLOTS,
    as_of_dates,
    frame_of,
    polars_results,
    registries,
    scalar_results,
    sql_results,
)


@settings(max_examples=40, deadline=None)
@given(registry=registries, as_of=as_of_dates)
def test_polars_equals_the_scalar_engine(registry: Any, as_of: dt.date) -> None:
    frame = frame_of(registry)
    assert polars_results(frame, as_of) == scalar_results(frame, as_of)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(registry=registries, as_of=as_of_dates)
def test_sql_equals_the_scalar_engine_and_polars(
    database: Any, registry: Any, as_of: dt.date
) -> None:
    frame = frame_of(registry)
    scalar = scalar_results(frame, as_of)
    assert sql_results(database.engine, frame, as_of) == scalar
    assert polars_results(frame, as_of) == scalar


def test_sql_reads_labels_as_people_write_them(database: Any) -> None:
    frame = normalise(synthesise(CATALOGUE, 150, seed=5, slots=SLOTS), CATALOGUE)
    as_of = dt.date(2025, 6, 1)
    assert sql_results(database.engine, frame, as_of, labels=True) == scalar_results(frame, as_of)
