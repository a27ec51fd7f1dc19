"""`ftzlink simulate`: what if a policy changed? Baseline against reform over a registry.

The reform is the catalogue with an overlay applied (`ftzlink.matching.overlay`: set a cap, a
condition, a validity period, or add a measure). Both are matched over the same registry (Polars,
streamed in chunks) and compared per enterprise and measure. Printed: a table of the measures
whose results changed, and one sentence. Written to `--out DIR`: `measures.csv` (every measure,
baseline and reform), `enterprises.parquet` (each enterprise × measure whose status or amount
changed) and `impact.svg` (the chart of the difference).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.common import AsOfOption, CatalogueOption, as_of_date, catalogue_from
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    err_console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import InvalidInput, Problem
from ftzlink.exports import neutralise_frame
from ftzlink.money import format_yuan

if TYPE_CHECKING:
    from ftzlink.matching.simulate import MeasureImpact

__all__ = ["simulate"]

CHART = "impact.svg"
MEASURES = "measures.csv"
ENTERPRISES = "enterprises.parquet"


@app.command("simulate")
def simulate(
    registry: Path = typer.Argument(..., help="A .csv or .parquet registry.", dir_okay=False),
    overlay: Path = typer.Option(
        ..., "--overlay", help="The reform: an overlay YAML file.", dir_okay=False
    ),
    as_of: str | None = AsOfOption,
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Directory for measures.csv, enterprises.parquet and impact.svg "
        "(default: simulation-<overlay id>).",
        file_okay=False,
    ),
    chunk_size: int = typer.Option(200_000, "--chunk-size", min=1, help="Rows per chunk."),
    catalogue_dir: Path | None = CatalogueOption,
    output_format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """What if a cap, a condition or a validity changed, or a measure were added: who gains,
    who loses, and what it costs, measure by measure."""
    from ftzlink.matching.overlay import apply_overlay, load_overlay
    from ftzlink.matching.registry import registry_format
    from ftzlink.matching.simulate import (
        chart_svg,
        signed_yuan,
        simulate_file,
        summary_sentence,
    )

    day = as_of_date(as_of)
    lang = lang_of(ui_lang)
    en = lang == "en"
    registry_format(registry)
    baseline = catalogue_from(catalogue_dir)
    changes = load_overlay(overlay, baseline)
    reform = apply_overlay(baseline, changes)
    directory = out if out is not None else Path(f"simulation-{changes.id}")
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(
            "--out is not a directory", [Problem(f"{directory} is a file", field="--out")]
        )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
    task = progress.add_task("simulating" if en else "模拟中", total=None)
    with progress:
        simulation = simulate_file(
            baseline,
            reform,
            registry,
            day,
            chunk_size=chunk_size,
            progress=lambda n: progress.advance(task, n),
            on_total=lambda total: progress.update(task, total=total),
        )
    directory.mkdir(parents=True, exist_ok=True)
    neutralise_frame(simulation.frame()).write_csv(directory / MEASURES)
    simulation.changes_frame().write_parquet(directory / ENTERPRISES)
    (directory / CHART).write_text(chart_svg(simulation, changes.title, lang), encoding="utf-8")
    sentence = summary_sentence(simulation, changes.title, lang)
    files = {name: str(directory / name) for name in (MEASURES, ENTERPRISES, CHART)}
    if output_format is OutputFormat.json:
        print_json_data(
            {
                "overlay": changes.id,
                **simulation.as_json(),
                "summary": sentence,
                "files": files,
            }
        )
        return
    change_words = {
        "changed": ("changed", "修改"),
        "added": ("added", "新增"),
        "removed": ("removed", "删除"),
    }
    shown = simulation.differing()

    def table(title: str, headers: tuple[str, ...]) -> Table:
        made = Table(title=title)
        for i, header in enumerate(headers):
            made.add_column(
                header,
                justify="left" if i == 0 else "right",
                overflow="fold",  # a narrow terminal folds long numbers instead of cutting them
                min_width=16 if i == 0 else None,
                max_width=30 if i == 0 else None,
            )
        return made

    def name(m: MeasureImpact) -> str:
        note = change_words.get(m.change)
        return f"{m.measure_id}\n({note[0 if en else 1]})" if note else m.measure_id

    total = "All measures" if en else "全部措施"
    money = table(
        f"Budget impact: {changes.title.en}" if en else f"预算影响：{changes.title.zh}",
        ("Measure", "Budget impact", "Baseline", "Reform")
        if en
        else ("措施", "预算影响", "基线支持金额", "改革支持金额"),
    )
    for m in shown:
        money.add_row(
            name(m),
            signed_yuan(m.budget_impact_yuan, lang),
            format_yuan(m.baseline_yuan, lang),
            format_yuan(m.reform_yuan, lang),
        )
    money.add_section()
    money.add_row(
        total,
        signed_yuan(simulation.budget_impact_yuan, lang),
        format_yuan(simulation.baseline_yuan, lang),
        format_yuan(simulation.reform_yuan, lang),
    )
    people = table(
        "Eligible enterprises, baseline and reform" if en else "符合条件的企业：基线与改革",
        ("Measure", "Eligible", "Gained", "Lost", "New amount")
        if en
        else ("措施", "符合条件", "新增", "减少", "金额变化"),
    )
    for m in shown:
        people.add_row(
            name(m),
            f"{m.baseline_eligible:,} → {m.reform_eligible:,}",
            f"{m.gained:,}",
            f"{m.lost:,}",
            f"{m.amount_changed:,}",
        )
    people.add_section()
    people.add_row(
        total,
        "",
        f"{simulation.gained:,}",
        f"{simulation.lost:,}",
        f"{simulation.amount_changed:,}",
    )
    console.print(money)
    console.print(people)
    console.print(sentence, soft_wrap=True)
    console.print(
        f"Written: {files[MEASURES]}, {files[ENTERPRISES]}, chart {files[CHART]}"
        if en
        else f"已写入：{files[MEASURES]}、{files[ENTERPRISES]}，图表 {files[CHART]}",
        soft_wrap=True,
    )
