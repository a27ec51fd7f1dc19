"""`ftzlink simulate`: the table, the sentence, the files and the chart."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.matching.overlay import apply_overlay, load_overlay
from ftzlink.matching.registry import normalise, synthesise, write_registry
from tests.simulation.support import scalar_potential, scalar_results

EXAMPLES = Path(__file__).parents[2] / "examples" / "overlays"
RAISE = EXAMPLES / "raise-ai-cap.yaml"
DAY = "2025-06-01"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A small synthetic registry (Changning's enterprises of 6,000, as text labels in a CSV)
    and the budget impact of raising the AI cap, computed with the scalar engine."""
    catalogue = bundled_catalogue()
    raw = synthesise(catalogue, 6000, seed=4)
    raw = raw.filter(pl.col("registered_district") == "长宁区")
    path = tmp_path_factory.mktemp("registry") / "registry.csv"
    write_registry(raw, path)
    frame = normalise(pl.read_csv(path, infer_schema=False), catalogue)
    reform = apply_overlay(catalogue, load_overlay(RAISE, catalogue))
    day = dt.date.fromisoformat(DAY)
    before = scalar_results(catalogue, frame, 3, day)
    after = scalar_results(reform, frame, 3, day)
    impact = sum(
        scalar_potential(a["cn-trial-ai-industry"]) - scalar_potential(b["cn-trial-ai-industry"])
        for b, a in zip(before, after, strict=True)
    )
    assert impact > 0
    return path, impact


def _chart(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()  # an SVG that parses as XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def test_the_simulation_of_raising_one_cap_shows_the_budget_impact_and_writes_the_chart(
    cli: Callable[..., Any], tmp_path: Path, registry: tuple[Path, int]
) -> None:
    path, impact = registry
    out = tmp_path / "simulation"
    result = cli("simulate", "--overlay", RAISE, path, "--as-of", DAY, "--out", out, "--lang", "en")
    assert result.code == 0, result.err
    # The budget impact, exactly the scalar engine's sum of capped-amount differences.
    assert f"budget impact +{impact:,} yuan" in result.out
    assert "Budget impact: AI industry projects" in result.out
    assert "Eligible enterprises, baseline and reform" in result.out
    assert "cn-trial-ai-industry" in result.out
    assert "simulating" in result.err  # the progress bar
    # The chart of the difference.
    chart = out / "impact.svg"
    root = _chart(chart)
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text and "Budget impact per measure" in title.text
    assert desc is not None and desc.text and f"+{impact:,} yuan" in desc.text
    assert "cn-trial-ai-industry" in chart.read_text(encoding="utf-8")
    assert f"chart {chart}" in result.out
    # Per-measure results, every measure, baseline and reform.
    measures = pl.read_csv(out / "measures.csv")
    assert measures.height == len(bundled_catalogue().measures())
    row = measures.filter(pl.col("measure") == "cn-trial-ai-industry").row(0, named=True)
    assert row["budget_impact_yuan"] == impact and row["change"] == "changed"
    assert row["gained"] == row["lost"] == 0
    assert measures.get_column("budget_impact_yuan").sum() == impact
    enterprises = pl.read_parquet(out / "enterprises.parquet")
    assert enterprises.get_column("difference_yuan").sum() == impact


def test_simulate_in_json_and_chinese(
    cli: Callable[..., Any], tmp_path: Path, registry: tuple[Path, int]
) -> None:
    path, _ = registry
    out = tmp_path / "out"
    result = cli(
        "simulate",
        "--overlay",
        EXAMPLES / "add-measure.yaml",
        path,
        "--as-of",
        DAY,
        "--out",
        out,
        "--format",
        "json",
        "--chunk-size",
        "100",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["overlay"] == "add-foreign-talent-employers"
    added = next(
        m for m in data["measures"] if m["measure"] == "cn-reform-foreign-talent-employers"
    )
    assert added["change"] == "added" and added["gained"] > 0
    assert data["budget_impact_yuan"] == added["gained"] * 500_000
    assert "预算影响" in data["summary"]
    root = _chart(Path(data["files"]["impact.svg"]))
    title = root.find(f"{SVG}title")
    assert title is not None and title.text and "各措施预算影响" in title.text
    assert "cn-reform-foreign-talent-employers" in (out / "impact.svg").read_text(encoding="utf-8")


def test_a_bad_overlay_exits_2_with_file_and_line(
    cli: Callable[..., Any], tmp_path: Path, registry: tuple[Path, int]
) -> None:
    path, _ = registry
    overlay = tmp_path / "bad.yaml"
    overlay.write_text(
        "id: bad\ntitle: {zh: 坏, en: Bad}\nchanges:\n"
        "  - set_condition:\n      measure: cn-trial-green\n      when: {field: revenue, ge: 1}\n",
        encoding="utf-8",
    )
    result = cli("simulate", "--overlay", overlay, path, "--as-of", DAY, "--out", tmp_path / "o")
    assert result.code == 2
    assert f"{overlay}:6: changes[0].set_condition.when.field: 'revenue'" in result.err
    assert not (tmp_path / "o").exists()
