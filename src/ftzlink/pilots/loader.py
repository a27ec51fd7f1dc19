"""The seeded pilot cases: `catalogue/data/pilots/*.yaml`, one file per case, and `sources.yaml`.

Every stage, figure and summary of a seeded case cites a source by id and line, with a short
quote of the source's own words; `tests/pilots/test_seed_data.py` checks each quote against the
seed file. A stage, a day or a figure the source does not give is `null` here, never guessed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from ftzlink.catalogue.loader import BUNDLED_DIR
from ftzlink.catalogue.loader import _parse as parse_file  # the same file:line reporting
from ftzlink.errors import CatalogueError, Problem
from ftzlink.pilots.tables import PilotQualifier, PilotStage, PilotUnit
from ftzlink.text import Text

__all__ = [
    "PILOTS_DIR",
    "PilotSeed",
    "SeedCase",
    "SeedCitation",
    "SeedFigure",
    "SeedSource",
    "bundled_pilot_seed",
    "decimal_text",
    "load_pilot_seed",
]

PILOTS_DIR = BUNDLED_DIR / "pilots"


def decimal_text(value: str) -> str:
    """A number written plainly: digits, at most one point, no sign, exponent or separators."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0 or not value.replace(".", "", 1).isdigit():
        raise ValueError(f"{value!r} is not a plain non-negative number like 15 or 0.5")
    return value


Number = Annotated[str, AfterValidator(decimal_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedSource(_Model):
    id: str
    seed_file: str
    title: Text
    released: dt.date
    released_line: int = Field(ge=1)
    released_quote: str


class SeedCitation(_Model):
    source: str
    line: int = Field(ge=1)
    quote: str = Field(min_length=1, max_length=1000)


class SeedStage(_Model):
    stage: PilotStage
    reached_on: dt.date | None  # null: the source gives no day
    citation: SeedCitation


class SeedProgress(_Model):
    zh: str
    en: str
    citation: SeedCitation


class SeedFigure(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    label: Text
    value: Number
    value_max: Number | None = None
    unit: PilotUnit
    qualifier: PilotQualifier
    stated: str = Field(min_length=1)  # the figure in the source's words, part of the quote
    as_of: dt.date | None
    as_of_note: str | None
    citation: SeedCitation


class SeedCase(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    zone: str
    title: Text
    summary: Text
    citation: SeedCitation
    stage: SeedStage | None  # null: the source does not say
    progress: SeedProgress | None
    figures: list[SeedFigure]


class PilotSeed(_Model):
    sources: list[SeedSource]
    cases: list[SeedCase]

    def source(self, source_id: str) -> SeedSource:
        return next(s for s in self.sources if s.id == source_id)

    def by_file(self, name: str | None) -> SeedSource | None:
        return next((s for s in self.sources if s.seed_file == name), None)


def _citations(case: SeedCase) -> list[tuple[str, SeedCitation]]:
    found = [("citation", case.citation)]
    if case.stage is not None:
        found.append(("stage.citation", case.stage.citation))
    if case.progress is not None:
        found.append(("progress.citation", case.progress.citation))
    found += [(f"figures.{f.id}.citation", f.citation) for f in case.figures]
    return found


def load_pilot_seed(directory: Path = PILOTS_DIR) -> PilotSeed:
    """Read and cross-check the seeded cases; raise CatalogueError listing every problem."""
    if not directory.is_dir():
        raise CatalogueError(f"pilot-case directory {directory} does not exist", [])
    problems: list[Problem] = []
    sources = parse_file(directory / "sources.yaml", TypeAdapter(list[SeedSource]), problems)
    cases: list[SeedCase] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        parsed = parse_file(path, SeedCase, problems)
        if parsed is None:
            continue
        case = parsed[0]
        known = {s.id for s in sources[0]} if sources else set()
        for where, citation in _citations(case):
            if citation.source not in known:
                problems.append(Problem(f"unknown source {citation.source!r}", path, field=where))
        for figure in case.figures:
            if figure.stated not in figure.citation.quote:
                problems.append(
                    Problem("`stated` must be part of the quote", path, field=figure.id)
                )
            if figure.value_max is not None and Decimal(figure.value_max) <= Decimal(figure.value):
                problems.append(Problem("value_max must exceed value", path, field=figure.id))
        if path.stem != case.id:
            problems.append(Problem(f"the file must be named {case.id}.yaml", path, field="id"))
        if len({f.id for f in case.figures}) != len(case.figures):
            problems.append(Problem("figure ids must be unique", path, field="figures"))
        cases.append(case)
    if problems or sources is None:
        raise CatalogueError(f"the pilot cases in {directory} are invalid", problems)
    return PilotSeed(sources=sources[0], cases=cases)


@cache
def bundled_pilot_seed() -> PilotSeed:
    return load_pilot_seed()
