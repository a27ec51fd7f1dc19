"""`ftzlink policy validate PATH` and `ftzlink policy test [PATH]`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ftzlink.catalogue.loader import (
    BUNDLED_DIR,
    bundled_catalogue,
    load_catalogue,
    policy_files,
    with_policy_file,
)
from ftzlink.catalogue.models import Catalogue
from ftzlink.catalogue.policytests import load_tests, run_policy_tests, tests_file_for
from ftzlink.cli import app
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json,
    print_json_data,
    words,
)
from ftzlink.errors import InvalidInput, Problem
from ftzlink.reports import policy_test_report

policy_app = typer.Typer(help="Validate and test policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


def _resolve(path: Path | None) -> tuple[Catalogue, list[Path]]:
    """The catalogue to test against and the tests files to run, for a PATH given by the user."""
    if path is None:
        return bundled_catalogue(), sorted((BUNDLED_DIR / "policies").glob("*.tests.yaml"))
    if not path.exists():
        raise InvalidInput(f"cannot use {path}", [Problem("no such file or directory", file=path)])
    if path.is_dir() and (path / "sources.yaml").exists():
        return load_catalogue(path), sorted((path / "policies").glob("*.tests.yaml"))
    context = bundled_catalogue()
    if path.is_dir():
        for policy_path in policy_files(path):
            context = with_policy_file(context, policy_path)
        return context, sorted(path.glob("*.tests.yaml"))
    if path.name.endswith(".tests.yaml"):
        sibling = path.with_name(path.name.removesuffix(".tests.yaml") + ".yaml")
        return (with_policy_file(context, sibling) if sibling.exists() else context), [path]
    context = with_policy_file(context, path)
    tests = tests_file_for(path)
    return context, [tests] if tests.exists() else []


@policy_app.command("validate")
def validate(
    path: Path = typer.Argument(
        ..., help="A policy file, a directory of them, or a catalogue directory."
    ),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """Check policy files (and their tests files) against the schema and the catalogue."""
    catalogue, tests_files = _resolve(path)
    for tests_file in tests_files:
        load_tests(tests_file, catalogue)
    policies = len(catalogue.policies)
    measures = len(catalogue.measures())
    if format is OutputFormat.json:
        print_json_data(
            {
                "valid": True,
                "policies": policies,
                "measures": measures,
                "tests_files": len(tests_files),
            }
        )
        return
    if lang_of(lang) == "zh":
        console.print(
            f"[green]有效[/green]：{path}（目录共 {policies} 项政策、{measures} 项措施，{len(tests_files)} 个测试文件）"
        )
    else:
        console.print(
            f"[green]valid[/green]: {path} ({policies} policies, {measures} measures, {len(tests_files)} tests files)"
        )


@policy_app.command("test")
def test(
    path: Path | None = typer.Argument(
        None, help="A policy or tests file, or a directory; default: the bundled catalogue."
    ),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
) -> None:
    """Run the policy tests (YAML cases beside each policy file). Exit 1 if any fails."""
    catalogue, tests_files = _resolve(path)
    if not tests_files:
        raise InvalidInput(
            "no policy tests to run", [Problem("no *.tests.yaml file found", file=path)]
        )
    run = run_policy_tests(catalogue, tests_files)
    report = policy_test_report(run)
    if format is OutputFormat.json:
        print_json(report)
    else:
        language = lang_of(lang)
        table = Table()
        table.add_column(words("case", language), overflow="fold")
        table.add_column(words("result", language), overflow="fold")
        for case in report.cases:
            detail = (
                "[green]✓[/green]"
                if case.passed
                else "[red]✗[/red] "
                + "; ".join(
                    f"{m.measure_id} {m.what}: expected {m.expected!r}, got {m.actual!r}"
                    for m in case.mismatches
                )
            )
            table.add_row(f"{case.case}\n[dim]{Path(case.file).name}:{case.line}[/dim]", detail)
        console.print(table)
        for gap in report.coverage_gaps:
            console.print(f"[red]coverage:[/red] {gap}")
        passed = sum(c.passed for c in report.cases)
        console.print(f"{passed} passed, {len(report.cases) - passed} failed")
    if not report.passed:
        raise typer.Exit(1)
