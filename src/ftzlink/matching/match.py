"""Matching a whole registry, chunk by chunk: results per enterprise and a summary.

`match_frame` evaluates one normalised frame in memory (Polars); `match_file` streams a CSV or
Parquet registry; `match_table` evaluates a database table where it lives (SQL) and streams the
rows back. All three give the results frame of `ftzlink.matching.results`, and the runs add up a
`Summary`: enterprises eligible per measure and zone, the potential support in yuan, and the
enterprises that one more answer could make eligible (needs_info with a single question).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import InvalidInput, NotFound, Problem
from ftzlink.exports import neutralise_frame
from ftzlink.matching.columns import RegistryColumns
from ftzlink.matching.compile_polars import evaluate_frame
from ftzlink.matching.compile_sql import match_select, spellings
from ftzlink.matching.plan import Plan, compile_plan
from ftzlink.matching.registry import (
    iter_file_chunks,
    normalise,
    registry_format,
    scan_registry,
    spelling_map,
    sql_types,
    vocabulary_enum,
)
from ftzlink.matching.results import finish, potential, question_fields, readable

__all__ = ["KEEP", "Summary", "match_file", "match_frame", "match_table"]

KEEP = ("uscc", "name", "zone")
Progress = Callable[[int], None]


@dataclass
class Summary:
    """What a match run found, added up over its chunks."""

    as_of: dt.date
    enterprises: int = 0
    eligible: Counter[tuple[str, str | None]] = field(default_factory=Counter)  # (measure, zone)
    support: Counter[tuple[str, str | None]] = field(default_factory=Counter)  # yuan
    one_answer: Counter[tuple[str, str]] = field(default_factory=Counter)  # (measure, question)

    def add(self, plan: Plan, results: pl.DataFrame) -> None:
        self.enterprises += results.height
        aggregations = []
        for m in plan.measures:
            aggregations += [
                (pl.col(f"{m.id}.status") == "eligible").sum().alias(f"{m.id}.n"),
                potential(m.id).sum().alias(f"{m.id}.yuan"),
            ]
        by_zone = results.group_by("zone").agg(aggregations)
        for row in by_zone.iter_rows(named=True):
            for m in plan.measures:
                if row[f"{m.id}.n"]:
                    self.eligible[m.id, row["zone"]] += row[f"{m.id}.n"]
                    self.support[m.id, row["zone"]] += row[f"{m.id}.yuan"]
        for m in plan.measures:
            if not m.computed:
                continue
            masks = (
                results.filter(pl.col(f"{m.id}.status") == "needs_info")
                .get_column(f"{m.id}.questions")
                .value_counts()
            )
            for mask, count in masks.iter_rows():
                asked = question_fields(m, mask)
                if len(asked) == 1:
                    self.one_answer[m.id, asked[0]] += count

    @property
    def total_support(self) -> int:
        return sum(self.support.values())


def match_frame(plan: Plan, frame: pl.DataFrame, keep: Sequence[str] = KEEP) -> pl.DataFrame:
    """The results of a normalised registry frame (see `registry.normalise`), in memory."""
    return finish(plan, evaluate_frame(plan, frame, keep), keep)


class _Writer:
    """Writes result chunks to CSV (appending) or Parquet (parts, joined at the end), so that
    the results of a registry larger than memory never sit in memory whole."""

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.parts: list[Path] = []
        self.tmp = tempfile.TemporaryDirectory(prefix="ftzlink-match-") if out else None

    def write(self, frame: pl.DataFrame) -> None:
        if self.out is None or self.tmp is None:
            return
        if registry_format(self.out) == "csv":
            with self.out.open("w" if not self.parts else "a", encoding="utf-8") as handle:
                neutralise_frame(frame).write_csv(handle, include_header=not self.parts)
            self.parts.append(self.out)
            return
        part = Path(self.tmp.name) / f"part-{len(self.parts):06d}.parquet"
        frame.write_parquet(part)
        self.parts.append(part)

    def close(self) -> None:
        if self.out is None or self.tmp is None:
            return
        if registry_format(self.out) == "parquet":
            if self.parts:
                pl.scan_parquet(self.parts).sink_parquet(self.out)
            else:
                pl.DataFrame().write_parquet(self.out)
        self.tmp.cleanup()


def _run(
    plan: Plan,
    chunks: Iterator[pl.DataFrame],
    out: Path | None,
    progress: Progress | None,
    lang: str,
) -> Summary:
    summary = Summary(plan.as_of)
    writer = _Writer(out)
    try:
        for results in chunks:
            summary.add(plan, results)
            writer.write(readable(plan, results, lang))
            if progress:
                progress(results.height)
    finally:
        writer.close()
    return summary


def match_file(
    catalogue: Catalogue,
    path: Path,
    as_of: dt.date,
    *,
    out: Path | None = None,
    chunk_size: int = 200_000,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    lang: str = "zh",
) -> Summary:
    """Match a CSV or Parquet registry, streamed in chunks, with the Polars compiler."""
    if out is not None:
        registry_format(out)
    header = scan_registry(path).collect_schema().names()
    slots = RegistryColumns.of(header).slots
    plan = compile_plan(catalogue, as_of, slots)
    keep = list(KEEP)
    needed = list(dict.fromkeys([*keep, *plan.columns]))  # read only what the catalogue tests
    total, raw_chunks = iter_file_chunks(path, chunk_size, [c for c in needed if c in header])
    if on_total:
        on_total(total)
    chunks = (
        match_frame(plan, normalise(raw, catalogue, slots, only=needed), keep) for raw in raw_chunks
    )
    return _run(plan, chunks, out, progress, lang)


def match_table(
    catalogue: Catalogue,
    url: str,
    table_name: str,
    as_of: dt.date,
    *,
    out: Path | None = None,
    chunk_size: int = 50_000,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
    lang: str = "zh",
) -> Summary:
    """Match a database table in the database (one SELECT compiled from the catalogue),
    streaming the results back in chunks."""
    if out is not None:
        registry_format(out)
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        try:
            table = sa.Table(table_name, metadata, autoload_with=engine)
        except sa.exc.NoSuchTableError:
            raise NotFound(f"no table {table_name!r} in the database") from None
        layout = RegistryColumns.of(table.c.keys())
        missing = [c for c in layout.all if c not in table.c]
        plan = compile_plan(catalogue, as_of, layout.slots)
        keep = list(KEEP)
        select = match_select(plan, _with_nulls(table, layout, missing), keep)
        with engine.connect() as connection:
            _check_vocabularies(connection, catalogue, table, layout, missing)
            total = int(
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
            if on_total:
                on_total(total)
            result = connection.execution_options(
                stream_results=True, yield_per=chunk_size
            ).execute(select)
            names = list(result.keys())
            schema = {n: pl.String if n in keep else pl.Int64 for n in names}
            zone = pl.col("zone").replace_strict(
                spelling_map(catalogue, "zones"), return_dtype=vocabulary_enum(catalogue, "zones")
            )
            chunks = (
                finish(
                    plan,
                    pl.DataFrame(
                        [tuple(r) for r in rows], schema=schema, orient="row"
                    ).with_columns(zone),
                    keep,
                )
                for rows in result.partitions(chunk_size)
            )
            return _run(plan, chunks, out, progress, lang)
    finally:
        engine.dispose()


def _with_nulls(table: sa.Table, layout: RegistryColumns, missing: Sequence[str]) -> Any:
    if not missing:
        return table
    kinds = sql_types()
    columns = [c for c in table.c if c.name not in missing]
    nulls = [sa.cast(sa.null(), kinds[layout.all[name].type]).label(name) for name in missing]
    return sa.select(*columns, *nulls).subquery("registry")


def _check_vocabularies(
    connection: Any,
    catalogue: Catalogue,
    table: sa.Table,
    layout: RegistryColumns,
    missing: Sequence[str],
) -> None:
    """Refuse values that are no spelling of their vocabulary, as the file path does."""
    problems = []
    for name, spec in layout.all.items():
        if spec.vocabulary is None or name in missing:
            continue
        allowed = {
            s
            for t in catalogue.terms(spec.vocabulary)
            for s in spellings(catalogue, spec.vocabulary, t.id)
        }
        values = connection.execute(sa.select(table.c[name]).distinct()).scalars().all()
        bad = sorted(str(v) for v in values if v is not None and v not in allowed)
        if bad:
            problems.append(
                Problem(f"values not allowed: {', '.join(map(repr, bad[:5]))}", field=name)
            )
    if problems:
        raise InvalidInput("the registry has values that are not allowed", problems)
