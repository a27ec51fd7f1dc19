"""`ftzlink zones` and `ftzlink policies`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ftzlink.catalogue.zones import find_zones
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
    print_json,
    words,
)
from ftzlink.errors import NotFound
from ftzlink.money import format_yuan
from ftzlink.reports import policies_report, zones_report
from ftzlink.rules.describe import PERIOD_TEXT


@app.command()
def zones(
    find: str | None = typer.Option(
        None, "--find", help="Find the zone of a landmark, sub-area or alias (zh or en)."
    ),
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
    catalogue_dir: Path | None = CatalogueOption,
) -> None:
    """List the linked innovation zones with their area, sub-areas and focus."""
    catalogue = catalogue_from(catalogue_dir)
    matches = find_zones(catalogue, find) if find is not None else None
    report = zones_report(catalogue, matches, find)
    if format is OutputFormat.json:
        print_json(report)
    elif matches != []:
        language = lang_of(lang)
        table = Table(show_lines=True)
        for key in ("zone", "area", "sub_areas", "focus"):
            table.add_column(words(key, language), overflow="fold")
        if find is not None:
            table.add_column(words("matched", language), overflow="fold")
        for zone in report.zones:
            area = (
                "—"
                if zone.area_km2 is None
                else f"{'~' if zone.area_qualifier == 'about' else ''}{zone.area_km2:g}"
            )
            if zone.member_count:
                area += f" ({zone.member_count})"
            row = [
                zone.name.get(language),
                area,
                "\n".join(s.name.get(language) for s in zone.sub_areas),
                "\n".join(f.get(language) for f in zone.focus),
            ]
            if find is not None:
                row.append("\n".join(zone.matched or []))
            table.add_row(*row)
        console.print(table)
    if matches == []:
        err_console.print(f"no zone matches {find!r}")
        raise typer.Exit(1)


@app.command()
def policies(
    policy: str | None = typer.Option(None, "--policy", help="Show only this policy (its id)."),
    as_of: str | None = AsOfOption,
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
    catalogue_dir: Path | None = CatalogueOption,
) -> None:
    """List policies and their measures: clause, cap and period, validity, status on a date."""
    catalogue = catalogue_from(catalogue_dir)
    chosen = [p for p in catalogue.policies if policy is None or p.id == policy]
    if not chosen:
        raise NotFound(
            f"no policy {policy!r}; known: {', '.join(p.id for p in catalogue.policies)}"
        )
    report = policies_report(chosen, as_of_date(as_of))
    if format is OutputFormat.json:
        print_json(report)
        return
    language = lang_of(lang)
    for p in report.policies:
        start = p.validity.start.isoformat() if p.validity.start else words("unstated", language)
        end = p.validity.end.isoformat() if p.validity.end else words("unstated", language)
        table = Table(
            title=f"{p.title.get(language)}  [{p.id}]\n{words('validity', language)}: {start} – {end}"
            f" ({words(p.status, language)})",
            show_lines=False,
        )
        for key in ("measure", "clause", "cap", "status"):
            table.add_column(words(key, language), overflow="fold")
        for m in p.measures:
            if m.cap is not None:
                cap = f"{format_yuan(m.cap.amount, language)} {PERIOD_TEXT[m.cap.period].get(language)}"
            elif m.no_cap_reason is not None:
                cap = words("none_amount", language)
            else:
                cap = words("service", language)
            table.add_row(
                f"{m.title.get(language)}\n[dim]{m.id}[/dim]",
                m.citation.short,
                cap,
                words(m.status, language),
            )
        console.print(table)
