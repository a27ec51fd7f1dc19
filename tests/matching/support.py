"""A catalogue with one test policy exercising every condition kind, registry rows generated
by hypothesis, and the three paths (scalar, Polars, SQL) side by side."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import polars as pl
import sqlalchemy as sa
from hypothesis import strategies as st

from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.catalogue.models import Catalogue, Policy
from ftzlink.matching.columns import PROJECT_COUNT, RegistryColumns, profile_from_row, slot_column
from ftzlink.matching.compile_sql import match_select
from ftzlink.matching.match import match_frame
from ftzlink.matching.plan import Plan, compile_plan
from ftzlink.matching.registry import load_table, normalise, registry_table
from ftzlink.matching.results import MeasureResult, decode, expected, finish
from ftzlink.profiles.uscc import make_uscc

SLOTS = 2
CITE = {"source": "003_f015fb36ad18a120.txt", "line": 2}
T = {"zh": "测试", "en": "Test"}


def _grant(mid: str, when: Any, cap: int | None = 1_000_000, **extra: Any) -> dict[str, Any]:
    measure: dict[str, Any] = {
        "id": mid,
        "kind": "grant",
        "title": T,
        "summary": T,
        "citation": CITE,
    }
    if when is not None:
        measure["when"] = when
    if cap is None:
        measure["no_cap_reason"] = T
    else:
        measure["cap"] = {"amount": cap, "period": "per_project"}
    return {**measure, **extra}


KINDS_POLICY: dict[str, Any] = {
    "id": "test-condition-kinds",
    "title": T,
    "summary": T,
    "citation": CITE,
    "validity": {"start": dt.date(2025, 1, 1)},
    "eligibility": {"field": "legal_form", "ne": "representative_office"},
    "measures": [
        _grant("t-eq-bool", {"field": "key_enterprise", "eq": True}),
        _grant("t-lt", {"field": "talent.foreign_professionals", "lt": 3}),
        _grant("t-le", {"field": "talent.foreign_professionals", "le": 3}),
        _grant("t-gt", {"field": "talent.certified_talents", "gt": 1}),
        _grant("t-ge", {"field": "talent.certified_talents", "ge": 2}),
        _grant("t-between", {"field": "talent.foreign_professionals", "between": [2, 5]}),
        _grant("t-after", {"field": "established_on", "between": [dt.date(2010, 1, 1), None]}),
        _grant("t-before", {"field": "established_on", "between": [None, dt.date(2015, 6, 30)]}),
        _grant("t-date-lt", {"field": "established_on", "lt": dt.date(2012, 3, 1)}),
        _grant("t-in", {"field": "sector", "in": ["smart_internet", "other"]}),
        _grant("t-not-in", {"field": "sector", "not_in": ["other", "modern_services"]}),
        _grant("t-ne-bool", {"field": "multinational", "ne": True}),
        _grant(
            "t-not",
            {
                "not": {
                    "any": [
                        {"field": "multinational", "eq": True},
                        {"field": "foreign_invested", "eq": True},
                    ]
                }
            },
        ),
        _grant(
            "t-labelled-all",
            {
                "label": {"zh": "两项都满足", "en": "Both hold"},
                "all": [
                    {"field": "key_enterprise", "eq": True},
                    {"field": "credit_standing", "eq": "good"},
                ],
            },
        ),
        _grant(
            "t-nested",
            {
                "all": [
                    {
                        "any": [
                            {"field": "zone", "eq": "changning"},
                            {"field": "registered_district", "in": ["changning", "xuhui"]},
                        ]
                    },
                    {
                        "not": {
                            "all": [
                                {"field": "credit_standing", "eq": "poor"},
                                {"field": "key_enterprise", "eq": False},
                            ]
                        }
                    },
                    {"field": "sub_sector", "ne": "internet_platforms"},
                ]
            },
        ),
        _grant(
            "t-exists-amount",
            {
                "field": "projects",
                "exists": {
                    "all": [
                        {"field": "kind", "in": ["rd_input", "ai_industry"]},
                        {"field": "requested_amount", "ge": 500_000},
                    ]
                },
            },
        ),
        _grant(
            "t-exists-under-not",
            {"not": {"field": "projects", "exists": {"field": "kind", "eq": "financing"}}},
        ),
        _grant(
            "t-two-exists",
            {
                "any": [
                    {"field": "projects", "exists": {"field": "kind", "eq": "rd_input"}},
                    {
                        "field": "projects",
                        "exists": {"field": "start", "between": [dt.date(2025, 1, 1), None]},
                    },
                ]
            },
            cap=2_000_000,
        ),
        _grant(
            "t-no-cap",
            {"field": "projects", "exists": {"field": "kind", "eq": "rd_input"}},
            cap=None,
        ),
        _grant(
            "t-no-conditions",
            None,
            validity={"start": dt.date(2025, 6, 1), "end": dt.date(2025, 12, 31)},
        ),
        {
            "id": "t-service",
            "kind": "service",
            "title": T,
            "summary": T,
            "citation": CITE,
            "benefit": T,
            "when": {"field": "talent.invites_foreign_guests", "eq": True},
        },
    ],
}


def kinds_catalogue() -> Catalogue:
    base = bundled_catalogue()
    policy = Policy.model_validate(KINDS_POLICY)
    return base.model_copy(update={"policies": [*base.policies, policy]})


CATALOGUE = kinds_catalogue()
LAYOUT = RegistryColumns(SLOTS)


def _values(spec: Any) -> st.SearchStrategy[Any]:
    if spec.vocabulary is not None:
        return st.sampled_from(sorted(CATALOGUE.known_terms(spec.vocabulary)))
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "int":
        return st.integers(0, 6)
    if spec.type == "date":
        return st.sampled_from(
            [
                dt.date(2009, 12, 31),
                dt.date(2010, 1, 1),
                dt.date(2012, 3, 1),
                dt.date(2015, 6, 30),
                dt.date(2025, 1, 1),
                dt.date(2020, 5, 5),
            ]
        )
    return st.just("x")


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


amounts = st.none() | st.sampled_from(
    [0, 1, 499_999, 500_000, 999_999, 1_000_000, 1_000_001, 2_000_000, 150_000_000]
)


@st.composite
def rows(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """One registry row (vocabulary ids), any cell possibly empty; slots beyond the project count
    hold leftovers that must be ignored."""
    row: dict[str, Any] = {}
    for name, spec in LAYOUT.scalar.items():
        if name in ("name", "uscc", "headquarters_uscc"):
            continue
        row[name] = draw(_maybe(_values(spec)))
    row["name"] = f"企业{index}"
    row["uscc"] = make_uscc("9", "1", "310105", f"{index:08d}")
    row["headquarters_uscc"] = None
    count = draw(st.none() | st.integers(0, SLOTS))
    row[PROJECT_COUNT] = count
    kinds = sorted(CATALOGUE.known_terms("project_kinds"))
    for slot in range(SLOTS):
        present = count is not None and slot < count
        row[slot_column(slot, "name")] = f"项目{slot}"
        row[slot_column(slot, "kind")] = draw(
            st.sampled_from(["rd_input", "ai_industry", "financing", *kinds])
        )
        row[slot_column(slot, "requested_amount")] = draw(amounts)
        start = draw(_maybe(st.sampled_from([dt.date(2024, 12, 31), dt.date(2025, 1, 1)])))
        row[slot_column(slot, "start")] = start
        row[slot_column(slot, "end")] = (
            None if present else draw(_maybe(st.just(dt.date(2030, 1, 1))))
        )
    return row


registries = st.integers(1, 12).flatmap(lambda n: st.tuples(*(rows(i) for i in range(n))))
as_of_dates = st.sampled_from(
    [
        dt.date(2024, 11, 14),
        dt.date(2024, 11, 15),
        dt.date(2025, 6, 1),
        dt.date(2026, 11, 14),
        dt.date(2026, 11, 15),
    ]
)


def frame_of(registry: Any) -> pl.DataFrame:
    return normalise(pl.DataFrame(list(registry), infer_schema_length=None), CATALOGUE, SLOTS)


def scalar_results(frame: pl.DataFrame, as_of: dt.date) -> list[list[MeasureResult]]:
    return [
        expected(CATALOGUE, profile_from_row(r, SLOTS), as_of) for r in frame.iter_rows(named=True)
    ]


@cache
def plan_on(as_of: dt.date) -> Plan:
    return compile_plan(CATALOGUE, as_of, SLOTS)


def polars_results(frame: pl.DataFrame, as_of: dt.date) -> list[list[MeasureResult]]:
    plan = plan_on(as_of)
    return [decode(plan, r) for r in match_frame(plan, frame).iter_rows(named=True)]


def sql_results(
    engine: sa.Engine, frame: pl.DataFrame, as_of: dt.date, labels: bool = False
) -> list[list[MeasureResult]]:
    """Load the frame into a fresh table (ids, or the Chinese labels), match in the database."""
    metadata = sa.MetaData()
    table = registry_table(CATALOGUE, "registry_under_test", SLOTS, metadata)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        data = frame
        if labels:
            data = frame.with_columns(
                pl.col(name)
                .cast(pl.String)
                .replace({t.id: t.label.zh for t in CATALOGUE.terms(spec.vocabulary)})
                for name, spec in LAYOUT.all.items()
                if spec.vocabulary is not None
            )
        with engine.begin() as connection:
            load_table(connection, table, data)
        plan = plan_on(as_of)
        keep = ["uscc"]
        with engine.connect() as connection:
            result = connection.execute(match_select(plan, table, keep))
            names = list(result.keys())
            raw = pl.DataFrame(
                [tuple(r) for r in result],
                schema={n: pl.String if n in keep else pl.Int64 for n in names},
                orient="row",
            )
        order = {u: i for i, u in enumerate(frame.get_column("uscc"))}
        results = finish(plan, raw, keep).sort(
            pl.col("uscc").replace_strict(order, return_dtype=pl.Int64)
        )
        return [decode(plan, r) for r in results.iter_rows(named=True)]
    finally:
        metadata.drop_all(engine)
