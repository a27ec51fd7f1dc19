"""Options and loaders several commands share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from ftzlink.catalogue.loader import bundled_catalogue, load_catalogue
from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import InvalidInput, Problem
from ftzlink.settings import today_from_env

CatalogueOption = typer.Option(
    None,
    "--catalogue",
    help="A catalogue directory to use instead of the bundled one.",
    file_okay=False,
)
AsOfOption = typer.Option(
    None,
    "--as-of",
    help="Evaluate as of this date (YYYY-MM-DD); default today (FTZLINK_TODAY if set).",
)


def catalogue_from(path: Path | None) -> Catalogue:
    return bundled_catalogue() if path is None else load_catalogue(path)


def as_of_date(value: str | None) -> dt.date:
    if value is None:
        return today_from_env()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "invalid --as-of",
            [Problem(f"{value!r} is not a date in the form YYYY-MM-DD", field="--as-of")],
        ) from None
