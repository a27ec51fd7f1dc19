"""`ftzlink registry synth` and `ftzlink match`, checked against the scalar engine."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.matching.columns import profile_from_row
from ftzlink.matching.registry import load_table, normalise, registry_table
from ftzlink.matching.results import expected
from ftzlink.rules.determinations import Status

DAY = "2025-06-01"


def test_synth_is_reproducible_from_the_seed(cli: Callable[..., Any], tmp_path: Path) -> None:
    for suffix in ("csv", "parquet"):
        a, b, c = (tmp_path / f"{name}.{suffix}" for name in "abc")
        assert cli("registry", "synth", "--n", "2000", "--seed", "7", "--out", a).code == 0
        assert cli("registry", "synth", "--n", "2000", "--seed", "7", "--out", b).code == 0
        assert cli("registry", "synth", "--n", "2000", "--seed", "8", "--out", c).code == 0
        assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    frame = pl.read_csv(tmp_path / "a.csv", infer_schema=False)
    assert frame.height == 2000 and frame.get_column("uscc").n_unique() == 2000
    assert (
        "长宁区" in frame.get_column("registered_district").to_list()
    )  # labels as people write them
    assert frame.get_column("credit_standing").null_count() > 0  # some data missing


def test_synth_refuses_an_unknown_format(cli: Callable[..., Any], tmp_path: Path) -> None:
    result = cli("registry", "synth", "--n", "5", "--out", tmp_path / "r.xlsx")
    assert result.code == 2 and ".csv or a .parquet" in result.err


def _scalar_summary(path: Path) -> dict[str, Any]:
    """The summary recomputed one enterprise at a time with the scalar engine."""
    catalogue = bundled_catalogue()
    frame = normalise(pl.read_csv(path, infer_schema=False), catalogue)
    eligible: Counter[tuple[str, str | None]] = Counter()
    support: Counter[tuple[str, str | None]] = Counter()
    one: Counter[tuple[str, str]] = Counter()
    for row in frame.iter_rows(named=True):
        profile = profile_from_row(row, 3)
        for r in expected(catalogue, profile, dt.date.fromisoformat(DAY)):
            if r.status is Status.ELIGIBLE:
                eligible[r.measure_id, row["zone"]] += 1
                support[r.measure_id, row["zone"]] += r.amount or r.max_amount or 0
            if r.status is Status.NEEDS_INFO and len(r.questions) == 1:
                one[r.measure_id, r.questions[0]] += 1
    return {
        "enterprises": frame.height,
        "potential_support_yuan": sum(support.values()),
        "eligible": [
            {"measure": m, "zone": z, "enterprises": n, "support_yuan": support[m, z]}
            for (m, z), n in sorted(eligible.items(), key=lambda i: (i[0][0], i[0][1] or ""))
        ],
        "one_answer": [
            {"measure": m, "question": q, "enterprises": n} for (m, q), n in sorted(one.items())
        ],
    }


@pytest.fixture(scope="module")
def small_registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from ftzlink.matching.registry import synthesise, write_registry

    path = tmp_path_factory.mktemp("registry") / "registry.csv"
    write_registry(synthesise(bundled_catalogue(), 400, seed=11), path)
    return path, _scalar_summary(path)


def test_match_summary_equals_the_scalar_engine(
    cli: Callable[..., Any], tmp_path: Path, small_registry: tuple[Path, dict[str, Any]]
) -> None:
    path, scalar = small_registry
    out = tmp_path / "results.parquet"
    result = cli(
        "match", path, "--as-of", DAY, "--format", "json", "--out", out, "--chunk-size", "150"
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary.pop("as_of") == DAY
    assert summary == scalar
    assert summary["potential_support_yuan"] > 0 and summary["one_answer"]
    results = pl.read_parquet(out)
    assert results.height == 400 and results.get_column("uscc").n_unique() == 400
    assert results.schema["cn-trial-ai-industry.max_amount"] == pl.Int64
    assert "match" in result.err or "匹配" in result.err  # the progress bar


def test_match_prints_a_table_and_writes_csv(
    cli: Callable[..., Any], tmp_path: Path, small_registry: tuple[Path, dict[str, Any]]
) -> None:
    path, scalar = small_registry
    out = tmp_path / "results.csv"
    result = cli("match", path, "--as-of", DAY, "--lang", "en", "--out", out, "--chunk-size", "100")
    assert result.code == 0, result.err
    assert "Eligible enterprises by measure and zone" in result.out
    assert f"potential support {scalar['potential_support_yuan']:,} yuan" in result.out
    assert pl.read_csv(out).height == 400


def test_match_in_the_database(
    cli: Callable[..., Any], database: Any, small_registry: tuple[Path, dict[str, Any]]
) -> None:
    path, scalar = small_registry
    catalogue = bundled_catalogue()
    metadata = sa.MetaData()
    table = registry_table(catalogue, "registry_cli", 3, metadata)
    metadata.create_all(database.engine)
    frame = normalise(pl.read_csv(path, infer_schema=False), catalogue)
    with database.engine.begin() as connection:
        load_table(connection, table, frame)
    url = database.engine.url.render_as_string(hide_password=False)
    result = cli(
        "match",
        url,
        "--table",
        "registry_cli",
        "--as-of",
        DAY,
        "--format",
        "json",
        "--chunk-size",
        "150",
    )
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    summary.pop("as_of")
    assert summary == scalar
    missing = cli("match", url, "--table", "no_such_table", "--as-of", DAY)
    assert missing.code == 3


def test_match_refuses_a_registry_with_unknown_labels(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("uscc,name,sector\n91310105MA1FL4X59N,甲,宇宙航行\n", encoding="utf-8")
    result = cli("match", path, "--as-of", DAY)
    assert result.code == 2 and "宇宙航行" in result.err and "sector" in result.err
