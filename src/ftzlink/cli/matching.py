"""`ftzlink registry synth` and `ftzlink match`: policies find enterprises.

`registry synth` writes a synthetic registry (CSV or Parquet by the file's extension), the same
file for the same seed. `match` evaluates the whole catalogue over a registry — a CSV or Parquet
file streamed in chunks (Polars), or with `--table` a table of the database at REGISTRY (a
SQLAlchemy URL) evaluated inside the database — shows a progress bar, writes the results per
enterprise with `--out`, and prints a summary.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

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
from ftzlink.money import format_yuan

__all__ = ["registry_app"]

registry_app = typer.Typer(
    help="Registries of enterprises to match policies against.", no_args_is_help=True
)
app.add_typer(registry_app, name="registry")


@registry_app.command("synth")
def synth(
    n: int = typer.Option(..., "--n", min=1, help="How many enterprises."),
    seed: int = typer.Option(0, "--seed", min=0, help="The same seed gives the same file."),
    out: Path = typer.Option(
        ..., "--out", help="The file to write: .csv or .parquet.", dir_okay=False
    ),
    slots: int = typer.Option(3, "--slots", min=0, max=8, help="Project slots per enterprise."),
    catalogue_dir: Path | None = CatalogueOption,
) -> None:
    """Write a synthetic registry shaped like the zones, with text labels and missing data."""
    from ftzlink.matching.registry import registry_format, synthesise, write_registry

    registry_format(out)
    started = time.perf_counter()
    frame = synthesise(catalogue_from(catalogue_dir), n, seed, slots)
    write_registry(frame, out)
    err_console.print(
        f"{n:,} enterprises written to {out} in {time.perf_counter() - started:.1f} s"
    )


@app.command("match")
def match(
    registry: str = typer.Argument(
        ..., help="A .csv or .parquet registry, or with --table a database URL."
    ),
    as_of: str | None = AsOfOption,
    table: str | None = typer.Option(
        None, "--table", help="Evaluate this table of the database REGISTRY, in the database."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the results per enterprise (.csv or .parquet).", dir_okay=False
    ),
    chunk_size: int = typer.Option(200_000, "--chunk-size", min=1, help="Rows per chunk."),
    catalogue_dir: Path | None = CatalogueOption,
    output_format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Match every measure of the catalogue against every enterprise of a registry."""
    from ftzlink.matching.match import match_file, match_table

    day = as_of_date(as_of)
    catalogue = catalogue_from(catalogue_dir)
    lang = lang_of(ui_lang)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
    task = progress.add_task("matching" if lang == "en" else "匹配中", total=None)
    options: dict[str, Any] = {
        "out": out,
        "chunk_size": chunk_size,
        "progress": lambda n: progress.advance(task, n),
        "on_total": lambda total: progress.update(task, total=total),
        "lang": lang,
    }
    with progress:
        if table is not None:
            summary = match_table(catalogue, registry, table, day, **options)
        else:
            path = Path(registry)
            if "://" in registry:
                raise InvalidInput(
                    "a database needs --table",
                    [Problem("name the table with --table", field="--table")],
                )
            summary = match_file(catalogue, path, day, **options)
    names = {m.id: m.title.get(lang) for _, m in catalogue.measures()}
    zones = {z.id: z.name.get(lang) for z in catalogue.zones}
    if output_format is OutputFormat.json:
        print_json_data(
            {
                "as_of": day.isoformat(),
                "enterprises": summary.enterprises,
                "potential_support_yuan": summary.total_support,
                "eligible": [
                    {
                        "measure": m,
                        "zone": z,
                        "enterprises": n,
                        "support_yuan": summary.support[m, z],
                    }
                    for (m, z), n in sorted(summary.eligible.items(), key=_key)
                ],
                "one_answer": [
                    {"measure": m, "question": q, "enterprises": n}
                    for (m, q), n in sorted(summary.one_answer.items())
                ],
            }
        )
        return
    en = lang == "en"
    eligible = Table(
        title="Eligible enterprises by measure and zone" if en else "按措施和区域统计的符合条件企业"
    )
    for header in (
        ("Measure", "Zone", "Enterprises", "Potential support")
        if en
        else ("措施", "区域", "企业数", "潜在支持金额")
    ):
        eligible.add_column(
            header,
            justify="right"
            if header in ("Enterprises", "Potential support", "企业数", "潜在支持金额")
            else "left",
        )
    for (m, z), n in sorted(summary.eligible.items(), key=_key):
        eligible.add_row(
            f"{names[m]} ({m})",
            zones.get(z or "", "—"),
            f"{n:,}",
            format_yuan(summary.support[m, z], lang),
        )
    console.print(eligible)
    one = Table(title="One more answer to qualify" if en else "再回答一个问题即可能符合条件")
    for header in ("Measure", "Question", "Enterprises") if en else ("措施", "问题", "企业数"):
        one.add_column(header)
    for (m, q), n in sorted(summary.one_answer.items()):
        one.add_row(f"{names[m]} ({m})", q, f"{n:,}")
    console.print(one)
    total = format_yuan(summary.total_support, lang)
    console.print(
        f"{summary.enterprises:,} enterprises as of {day.isoformat()}; potential support {total}"
        if en
        else f"{summary.enterprises:,} 家企业，截至 {day.isoformat()}；潜在支持金额合计 {total}"
    )


def _key(item: tuple[tuple[str, str | None], int]) -> tuple[str, str]:
    (measure, zone), _ = item
    return measure, zone or ""
