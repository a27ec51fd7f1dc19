"""`ftzlink check PROFILE`: which measures an enterprise qualifies for, how much, and why."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.tree import Tree

from ftzlink.cli import app
from ftzlink.cli.common import AsOfOption, CatalogueOption, as_of_date, catalogue_from
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    outcome_mark,
    print_json,
    status_text,
    words,
)
from ftzlink.money import format_yuan
from ftzlink.profiles.loader import load_profile
from ftzlink.reports import check_report
from ftzlink.rules.describe import PERIOD_TEXT
from ftzlink.rules.determinations import ConditionResult, Determination, Status
from ftzlink.rules.evaluate import evaluate
from ftzlink.text import Lang


@app.command()
def check(
    profile_path: Path = typer.Argument(
        ..., metavar="PROFILE", help="Enterprise profile (YAML or JSON)."
    ),
    as_of: str | None = AsOfOption,
    all_measures: bool = typer.Option(
        False, "--all", help="Table: also list the measures the enterprise is not eligible for."
    ),
    explain: bool = typer.Option(
        False, "--explain", help="Table: show every condition and its outcome."
    ),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
    catalogue_dir: Path | None = CatalogueOption,
) -> None:
    """Evaluate an enterprise against every measure as of a date (default today)."""
    catalogue = catalogue_from(catalogue_dir)
    day = as_of_date(as_of)
    profile = load_profile(profile_path, catalogue)
    report = check_report(profile, day, evaluate(catalogue, profile, day))
    if format is OutputFormat.json:
        print_json(report)
        return
    language = lang_of(lang)
    shown = [d for d in report.determinations if all_measures or d.status is not Status.INELIGIBLE]
    table = Table(title=f"{profile.name} ({profile.uscc}) — {day.isoformat()}", show_lines=True)
    for key in ("measure", "clause", "status", "max_amount", "reason"):
        table.add_column(words(key, language), overflow="fold")
    for d in shown:
        table.add_row(
            f"{d.title.get(language)}\n[dim]{d.measure_id}[/dim]",
            _clause(d),
            status_text(d.status, language),
            _amount(d, language),
            "\n".join(
                [d.reason.get(language)]
                + [
                    f"• {p.project}: {format_yuan(p.amount, language) if p.amount is not None else '—'}"
                    for p in d.projects
                ]
            ),
        )
    console.print(table)
    hidden = len(report.determinations) - len(shown)
    if hidden:
        note = (
            f"另有 {hidden} 项措施不符合条件（加 --all 查看）"
            if language == "zh"
            else f"{hidden} more measures are not eligible (add --all to list them)"
        )
        console.print(f"[dim]{note}[/dim]")
    _print_questions(shown, language)
    if explain:
        for d in shown:
            tree = Tree(
                f"{d.title.get(language)} [dim]{d.measure_id}[/dim] — {status_text(d.status, language)}"
            )
            for result in d.conditions:
                _branch(tree, result, language)
            console.print(tree)


def _clause(d: Determination) -> str:
    return f"{d.citation.short}\n[dim]{d.citation.source[:3]}[/dim]"


def _amount(d: Determination, language: Lang) -> str:
    if d.max_amount is not None and d.cap is not None:
        return f"{format_yuan(d.max_amount, language)}\n{PERIOD_TEXT[d.cap.period].get(language)}"
    if d.status in (Status.ELIGIBLE, Status.NEEDS_INFO) and d.no_cap_reason is not None:
        return words("none_amount", language)
    return "—"


def _print_questions(shown: list[Determination], language: Lang) -> None:
    questions = {q.field: q for d in shown for q in d.questions}
    if not questions:
        return
    console.print(f"\n[bold]{words('questions', language)}:[/bold]")
    for q in questions.values():
        choices = ""
        if q.choices:
            choices = " — " + ", ".join(f"{c.id} ({c.label.get(language)})" for c in q.choices)
        console.print(f"  • {q.label.get(language)} [dim]{q.field}: {q.type}{choices}[/dim]")


def _branch(parent: Tree, result: ConditionResult, language: Lang) -> None:
    actual = (
        ""
        if result.actual is None or result.node in ("all", "any")
        else f" [dim]= {result.actual}[/dim]"
    )
    clause = f" [dim]({result.citation.clause or result.citation.source[:3]})[/dim]"
    node = parent.add(f"{outcome_mark(result.outcome)} {result.text.get(language)}{actual}{clause}")
    for child in result.children:
        _branch(node, child, language)
