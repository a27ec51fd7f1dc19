"""`ftzlink schema profile`: the JSON Schema of an enterprise profile."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.common import CatalogueOption, catalogue_from
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json_data,
    words,
)
from ftzlink.profiles.fields import profile_fields
from ftzlink.profiles.schema import profile_json_schema

schema_app = typer.Typer(help="Schemas of the platform's inputs.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("profile")
def profile(
    format: OutputFormat = FormatOption,
    lang: UILang = LangOption,
    catalogue_dir: Path | None = CatalogueOption,
) -> None:
    """The enterprise profile: as JSON Schema (--format json) or as a table of fields."""
    catalogue = catalogue_from(catalogue_dir)
    if format is OutputFormat.json:
        print_json_data(profile_json_schema(catalogue))
        return
    language = lang_of(lang)
    table = Table()
    for key in ("field", "type", "label", "vocabulary"):
        table.add_column(words(key, language), overflow="fold")
    for spec in profile_fields().values():
        rows = [(spec.path, spec)] + [
            (f"{spec.path}[].{k}", s) for k, s in spec.item_fields.items()
        ]
        for path, s in rows:
            values = ", ".join(sorted(catalogue.known_terms(s.vocabulary))) if s.vocabulary else ""
            table.add_row(path, s.type, s.label.get(language), values)
    console.print(table)
