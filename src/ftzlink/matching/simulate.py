"""What-if simulation: a baseline catalogue and a reform (the baseline with an overlay applied,
see `ftzlink.matching.overlay`) matched over the same registry, compared enterprise by measure.

For every enterprise × measure the comparison says whether the enterprise is eligible in the
baseline and in the reform, and its potential support in each (`results.potential`: its matched
projects' capped requests, else the cap; 0 when not eligible or when no amount is set). Per
measure that adds up to:

- `gained`: enterprises eligible under the reform and not the baseline; `lost`: the reverse;
- `amount_changed`: eligible under both, with a different potential support;
- `baseline_yuan`, `reform_yuan`: the potential support in all, and `budget_impact_yuan`, the
  reform's minus the baseline's (integer yuan; positive is more money).

Both catalogues run through the Polars compiler, chunk by chunk, so the registry streams.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import polars as pl

from ftzlink.catalogue.models import Catalogue
from ftzlink.matching.columns import RegistryColumns
from ftzlink.matching.compile_polars import STATUS_ENUM
from ftzlink.matching.match import KEEP, match_frame
from ftzlink.matching.plan import Plan, compile_plan
from ftzlink.matching.registry import iter_file_chunks, normalise, scan_registry
from ftzlink.matching.results import potential
from ftzlink.money import format_yuan
from ftzlink.text import Lang, Text

__all__ = [
    "CHANGE_COLUMNS",
    "MeasureImpact",
    "Simulation",
    "chart_spec",
    "chart_svg",
    "compare_frame",
    "simulate_file",
    "simulate_frame",
    "summary_sentence",
]

Change = Literal["changed", "added", "removed", "unchanged"]
CHANGE_COLUMNS = (
    "uscc",
    "name",
    "zone",
    "measure",
    "change",
    "baseline_status",
    "reform_status",
    "baseline_yuan",
    "reform_yuan",
    "difference_yuan",
)
Progress = Callable[[int], None]
_COUNTS = ("baseline_eligible", "reform_eligible", "gained", "lost", "amount_changed")
_SUMS = ("baseline_yuan", "reform_yuan")


@dataclass
class MeasureImpact:
    """One measure, baseline against reform, added up over the registry."""

    measure_id: str
    policy_id: str
    title: Text
    change: Change  # what the overlay did to the measure's own data or its policy's
    baseline_eligible: int = 0
    reform_eligible: int = 0
    gained: int = 0
    lost: int = 0
    amount_changed: int = 0
    baseline_yuan: int = 0
    reform_yuan: int = 0

    @property
    def budget_impact_yuan(self) -> int:
        return self.reform_yuan - self.baseline_yuan

    @property
    def differs(self) -> bool:
        """Whether any enterprise's result changed under this measure."""
        return bool(self.gained or self.lost or self.amount_changed)

    def row(self) -> dict[str, Any]:
        return {
            "measure": self.measure_id,
            "policy": self.policy_id,
            "title_zh": self.title.zh,
            "title_en": self.title.en,
            "change": self.change,
            **{name: getattr(self, name) for name in (*_COUNTS, *_SUMS)},
            "budget_impact_yuan": self.budget_impact_yuan,
        }


@dataclass
class Simulation:
    """Baseline against reform over one registry, on one day."""

    as_of: dt.date
    measures: list[MeasureImpact]
    enterprises: int = 0
    enterprises_gaining: int = 0  # enterprises eligible for at least one more measure
    enterprises_losing: int = 0  # enterprises eligible for at least one measure fewer
    changes: list[pl.DataFrame] = field(default_factory=list, repr=False)

    def measure(self, measure_id: str) -> MeasureImpact:
        return next(m for m in self.measures if m.measure_id == measure_id)

    @property
    def gained(self) -> int:
        return sum(m.gained for m in self.measures)

    @property
    def lost(self) -> int:
        return sum(m.lost for m in self.measures)

    @property
    def amount_changed(self) -> int:
        return sum(m.amount_changed for m in self.measures)

    @property
    def baseline_yuan(self) -> int:
        return sum(m.baseline_yuan for m in self.measures)

    @property
    def reform_yuan(self) -> int:
        return sum(m.reform_yuan for m in self.measures)

    @property
    def budget_impact_yuan(self) -> int:
        return self.reform_yuan - self.baseline_yuan

    def differing(self) -> list[MeasureImpact]:
        """The measures whose results changed, or that the overlay touched."""
        return [m for m in self.measures if m.differs or m.change != "unchanged"]

    def frame(self) -> pl.DataFrame:
        """One row per measure (written as `measures.csv`)."""
        schema: dict[str, Any] = {
            "measure": pl.String,
            "policy": pl.String,
            "title_zh": pl.String,
            "title_en": pl.String,
            "change": pl.String,
            **dict.fromkeys((*_COUNTS, *_SUMS, "budget_impact_yuan"), pl.Int64),
        }
        return pl.DataFrame([m.row() for m in self.measures], schema=schema, orient="row")

    def changes_frame(self) -> pl.DataFrame:
        """One row per enterprise × measure whose status or potential support changed."""
        if not self.changes:
            return _empty_changes()
        return pl.concat(self.changes, how="vertical")

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "enterprises": self.enterprises,
            "enterprises_gaining": self.enterprises_gaining,
            "enterprises_losing": self.enterprises_losing,
            "gained": self.gained,
            "lost": self.lost,
            "amount_changed": self.amount_changed,
            "baseline_yuan": self.baseline_yuan,
            "reform_yuan": self.reform_yuan,
            "budget_impact_yuan": self.budget_impact_yuan,
            "measures": [m.row() for m in self.measures],
        }


def _empty_changes() -> pl.DataFrame:
    schema: dict[str, Any] = dict.fromkeys(CHANGE_COLUMNS, pl.String)
    schema.update(dict.fromkeys(("baseline_yuan", "reform_yuan", "difference_yuan"), pl.Int64))
    return pl.DataFrame(schema=schema)


def _impacts(baseline: Catalogue, reform: Catalogue) -> list[MeasureImpact]:
    before = {m.id: (p.validity_of(m), p.eligibility, m) for p, m in baseline.measures()}
    after = {m.id for _, m in reform.measures()}
    impacts = []
    for p, m in reform.measures():
        if m.id not in before:
            change: Change = "added"
        elif before[m.id] != (p.validity_of(m), p.eligibility, m):
            change = "changed"
        else:
            change = "unchanged"
        impacts.append(MeasureImpact(m.id, p.id, m.title, change))
    impacts += [
        MeasureImpact(m.id, p.id, m.title, "removed")
        for p, m in baseline.measures()
        if m.id not in after
    ]
    return impacts


def _side(
    plan: Plan, results: pl.DataFrame, ids: Sequence[str], tag: str, fallback: pl.DataFrame | None
) -> list[pl.Series]:
    """Each measure's status and potential support from `results`, or from `fallback` (the
    baseline's results, for a measure the reform did not change), else absent (null, 0)."""
    present = {m.id for m in plan.measures}
    series = []
    for measure_id in ids:
        source = results if measure_id in present else fallback
        if source is not None and f"{measure_id}.status" in source.columns:
            columns = source.select(
                pl.col(f"{measure_id}.status").alias(f"{tag}s.{measure_id}"),
                potential(measure_id).alias(f"{tag}y.{measure_id}"),
            )
            series += columns.get_columns()
        else:
            series += [
                pl.Series(f"{tag}s.{measure_id}", [None] * results.height, STATUS_ENUM),
                pl.Series(f"{tag}y.{measure_id}", [0] * results.height, pl.Int64),
            ]
    return series


def compare_frame(
    baseline_plan: Plan,
    reform_plan: Plan,
    frame: pl.DataFrame,
    measure_ids: Sequence[str],
    keep: Sequence[str] = KEEP,
    unchanged: Collection[str] = (),
) -> pl.DataFrame:
    """One normalised registry frame matched under both plans, side by side: the `keep` columns,
    then for each measure m `bs.m`/`rs.m` (status, null where a plan lacks m) and `by.m`/`ry.m`
    (potential support in yuan). A measure of `unchanged` that the reform plan leaves out (it
    would give the same results) takes its reform columns from the baseline."""
    base = match_frame(baseline_plan, frame, keep)
    ref = match_frame(reform_plan, frame, keep)
    kept = set(unchanged)
    columns = [
        *base.select(keep).get_columns(),
        *_side(baseline_plan, base, measure_ids, "b", None),
        *_side(
            reform_plan,
            ref,
            measure_ids,
            "r",
            base.select([c for c in base.columns if c.split(".")[0] in kept]),
        ),
    ]
    return pl.DataFrame(columns)


def _eligible(column: str) -> pl.Expr:
    return (pl.col(column) == "eligible").fill_null(False)


def simulate_frame(simulation: Simulation, compared: pl.DataFrame, keep: Sequence[str]) -> None:
    """Add one compared chunk (from `compare_frame`) to the simulation's totals and changes."""
    ids = [m.measure_id for m in simulation.measures]
    aggregations: list[pl.Expr] = []
    gains: list[pl.Expr] = []
    losses: list[pl.Expr] = []
    for m in ids:
        eb, er = _eligible(f"bs.{m}"), _eligible(f"rs.{m}")
        yb, yr = pl.col(f"by.{m}"), pl.col(f"ry.{m}")
        gains.append(er & ~eb)
        losses.append(eb & ~er)
        aggregations += [
            eb.sum().alias(f"{m}|baseline_eligible"),
            er.sum().alias(f"{m}|reform_eligible"),
            (er & ~eb).sum().alias(f"{m}|gained"),
            (eb & ~er).sum().alias(f"{m}|lost"),
            (eb & er & (yb != yr)).sum().alias(f"{m}|amount_changed"),
            yb.sum().alias(f"{m}|baseline_yuan"),
            yr.sum().alias(f"{m}|reform_yuan"),
        ]
    if ids:
        aggregations += [
            pl.any_horizontal(gains).sum().alias("|gaining"),
            pl.any_horizontal(losses).sum().alias("|losing"),
        ]
    totals = compared.select(aggregations).row(0, named=True) if ids else {}
    simulation.enterprises += compared.height
    simulation.enterprises_gaining += int(totals.get("|gaining", 0))
    simulation.enterprises_losing += int(totals.get("|losing", 0))
    for impact in simulation.measures:
        for name in (*_COUNTS, *_SUMS):
            setattr(
                impact, name, getattr(impact, name) + int(totals[f"{impact.measure_id}|{name}"])
            )
    changed = [_changes(compared, m, keep) for m in ids]
    changed = [c for c in changed if c.height]
    if changed:
        simulation.changes.append(pl.concat(changed, how="vertical"))


def _changes(compared: pl.DataFrame, m: str, keep: Sequence[str]) -> pl.DataFrame:
    sb, sr = pl.col(f"bs.{m}").cast(pl.String), pl.col(f"rs.{m}").cast(pl.String)
    yb, yr = pl.col(f"by.{m}"), pl.col(f"ry.{m}")
    eb, er = _eligible(f"bs.{m}"), _eligible(f"rs.{m}")
    kind = (
        pl.when(er & ~eb)
        .then(pl.lit("gained"))
        .when(eb & ~er)
        .then(pl.lit("lost"))
        .when(yb != yr)
        .then(pl.lit("amount"))
        .otherwise(pl.lit("status"))
    )
    columns = [
        (pl.col(k).cast(pl.String) if k in keep else pl.lit(None, pl.String)).alias(k)
        for k in ("uscc", "name", "zone")
    ]
    # An absent measure (added or removed) counts as ineligible: only what could matter is listed.
    moved = sb.fill_null("ineligible") != sr.fill_null("ineligible")
    return compared.filter(moved | (yb != yr)).select(
        *columns,
        pl.lit(m).alias("measure"),
        kind.alias("change"),
        sb.alias("baseline_status"),
        sr.alias("reform_status"),
        yb.alias("baseline_yuan"),
        yr.alias("reform_yuan"),
        (yr - yb).alias("difference_yuan"),
    )


def simulate_frames(
    baseline: Catalogue,
    reform: Catalogue,
    frames: Iterable[pl.DataFrame],
    as_of: dt.date,
    slots: int,
    *,
    keep: Sequence[str] = KEEP,
    progress: Progress | None = None,
) -> Simulation:
    """Baseline against reform over normalised registry frames (see `registry.normalise`)."""
    simulation = Simulation(as_of, _impacts(baseline, reform))
    ids = [m.measure_id for m in simulation.measures]
    unchanged = {m.measure_id for m in simulation.measures if m.change == "unchanged"}
    baseline_plan = compile_plan(baseline, as_of, slots)
    # Only the measures the overlay changed or added are evaluated again.
    reform_plan = compile_plan(_without(reform, unchanged), as_of, slots)
    for frame in frames:
        compared = compare_frame(baseline_plan, reform_plan, frame, ids, keep, unchanged)
        simulate_frame(simulation, compared, keep)
        if progress:
            progress(frame.height)
    return simulation


def simulate_file(
    baseline: Catalogue,
    reform: Catalogue,
    path: Path,
    as_of: dt.date,
    *,
    chunk_size: int = 200_000,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Simulation:
    """Baseline against reform over a CSV or Parquet registry, streamed in chunks."""
    header = scan_registry(path).collect_schema().names()
    slots = RegistryColumns.of(header).slots
    total, raw_chunks = iter_file_chunks(path, chunk_size)
    if on_total:
        on_total(total)
    keep = list(KEEP)
    frames = (normalise(raw, baseline, slots) for raw in raw_chunks)
    return simulate_frames(baseline, reform, frames, as_of, slots, keep=keep, progress=progress)


def _without(catalogue: Catalogue, measure_ids: Collection[str]) -> Catalogue:
    """The catalogue without some measures (and without policies left with none)."""
    policies = []
    for policy in catalogue.policies:
        measures = [m for m in policy.measures if m.id not in measure_ids]
        if measures:
            policies.append(policy.model_copy(update={"measures": measures}))
    return catalogue.model_copy(update={"policies": policies})


# --- words and the chart ---------------------------------------------------------------------


def signed_yuan(amount: int, lang: Lang) -> str:
    """+1,000 yuan / −1,000 yuan / 0 yuan (a true minus sign)."""
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return sign + format_yuan(abs(amount), lang)


def summary_sentence(simulation: Simulation, title: Text, lang: Lang) -> str:
    """The simulation in one sentence."""
    s = simulation
    measures = len([m for m in s.measures if m.differs])
    impact = signed_yuan(s.budget_impact_yuan, lang)
    if lang == "en":
        return (
            f"{title.en}: over {s.enterprises:,} enterprises as of {s.as_of.isoformat()}, "
            f"{s.gained:,} enterprise-measure pairs gained, {s.lost:,} lost and "
            f"{s.amount_changed:,} changed amount across {measures:,} "
            f"measure{'' if measures == 1 else 's'}; "
            f"budget impact {impact} "
            f"({format_yuan(s.baseline_yuan, 'en')} → {format_yuan(s.reform_yuan, 'en')})."
        )
    return (
        f"{title.zh}：截至 {s.as_of.isoformat()}，{s.enterprises:,} 家企业中，"
        f"新增符合 {s.gained:,} 项（企业×措施）、不再符合 {s.lost:,} 项、金额变化 "
        f"{s.amount_changed:,} 项，涉及 {measures:,} 项措施；预算影响 {impact}"
        f"（{format_yuan(s.baseline_yuan, 'zh')} → {format_yuan(s.reform_yuan, 'zh')}）。"
    )


def _chart_words(lang: Lang) -> dict[str, str]:
    if lang == "en":
        return {
            "title": "Budget impact per measure",
            "impact": "Budget impact (yuan, reform − baseline)",
            "pairs": "Enterprises gained (+), lost (−), or with a new amount",
            "amount": "new amount",
            "more": "more support",
            "less": "less support",
            "gained": "gained",
            "lost": "lost",
            "none": "no measure changed",
            "measure": "Measure",
        }
    return {
        "title": "各措施预算影响",
        "impact": "预算影响（元，改革 − 基线）",
        "pairs": "新增（+）、减少（−）或金额变化的企业",
        "amount": "金额变化",
        "more": "支持增加",
        "less": "支持减少",
        "gained": "新增",
        "lost": "减少",
        "none": "没有措施发生变化",
        "measure": "措施",
    }


def chart_description(simulation: Simulation, title: Text, lang: Lang) -> str:
    """What the chart shows, in words, for readers who cannot see it."""
    parts = [summary_sentence(simulation, title, lang)]
    for m in simulation.differing():
        if lang == "en":
            parts.append(
                f"{m.measure_id}: {signed_yuan(m.budget_impact_yuan, 'en')}, "
                f"{m.gained:,} gained, {m.lost:,} lost."
            )
        else:
            parts.append(
                f"{m.measure_id}：{signed_yuan(m.budget_impact_yuan, 'zh')}，"
                f"新增 {m.gained:,} 家，减少 {m.lost:,} 家。"
            )
    return " ".join(parts)


def chart_spec(simulation: Simulation, title: Text, lang: Lang) -> dict[str, Any]:
    """A Vega-Lite spec: per changed measure, the budget impact in yuan and the enterprises
    gained and lost, as bars either side of zero."""
    words = _chart_words(lang)
    shown = simulation.differing()
    order = [m.measure_id for m in shown]
    values = [
        {
            "measure": m.measure_id,
            "label": m.title.get(lang),
            "impact": m.budget_impact_yuan,
            "direction": words["more"] if m.budget_impact_yuan >= 0 else words["less"],
        }
        for m in shown
    ]
    pairs = [
        {"measure": m.measure_id, "enterprises": count, "kind": kind}
        for m in shown
        for count, kind in (
            (m.gained, words["gained"]),
            (-m.lost, words["lost"]),
            (m.amount_changed, words["amount"]),
        )
    ]
    y = {
        "field": "measure",
        "type": "nominal",
        "sort": order,
        "title": words["measure"],
        "axis": {"labelLimit": 260},
    }
    chart_title = (
        f"{words['title']}: {title.get(lang)}"
        if lang == "en"
        else (f"{words['title']}：{title.get(lang)}")
    )
    if not shown:
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": chart_title,
            "description": chart_description(simulation, title, lang),
            "data": {"values": [{"text": words["none"]}]},
            "mark": {"type": "text", "fontSize": 14},
            "encoding": {"text": {"field": "text"}},
            "width": 360,
            "height": 60,
        }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": chart_title,
        "description": chart_description(simulation, title, lang),
        "vconcat": [
            {
                "data": {"values": values},
                "mark": {"type": "bar"},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "impact",
                        "type": "quantitative",
                        "title": words["impact"],
                        "axis": {"format": ",d"},
                    },
                    "color": {
                        "field": "direction",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [words["more"], words["less"]],
                            "range": ["#1f6f43", "#a4282e"],
                        },
                    },
                    "tooltip": [
                        {"field": "measure"},
                        {"field": "label"},
                        {"field": "impact", "format": ",d"},
                    ],
                },
                "width": 420,
                "height": {"step": 24},
            },
            {
                "data": {"values": pairs},
                "mark": {"type": "bar"},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "enterprises",
                        "type": "quantitative",
                        "title": words["pairs"],
                        "axis": {"format": ",d", "tickMinStep": 1},
                    },
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [words["gained"], words["lost"], words["amount"]],
                            "range": ["#2b5c8a", "#b35c00", "#6b6b6b"],
                        },
                    },
                },
                "width": 420,
                "height": {"step": 24},
            },
        ],
        "resolve": {"scale": {"color": "independent"}},
    }


def chart_svg(simulation: Simulation, title: Text, lang: Lang) -> str:
    """The chart as a standalone SVG with a `<title>` and `<desc>` (role img) for screen
    readers, rendered offline by vl-convert."""
    import vl_convert

    spec = chart_spec(simulation, title, lang)
    svg: str = vl_convert.vegalite_to_svg(json.dumps(spec), allowed_base_urls=[])
    head_end = svg.index(">", svg.index("<svg")) + 1
    head = svg[: head_end - 1]
    accessible = (
        f'{head} role="img" aria-labelledby="chart-title chart-desc">'
        f'<title id="chart-title">{escape(str(spec["title"]))}</title>'
        f'<desc id="chart-desc">{escape(str(spec["description"]))}</desc>'
    )
    return accessible + svg[head_end:]
