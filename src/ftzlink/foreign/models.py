"""The cited rules of the foreign-investment services, as loaded from `foreign/data/foreign.yaml`.

Every value carries its source, clause and confidence; `verified: false` marks a value the sources
are silent or Low on, which an operator may change and the platform never treats as a statute.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ftzlink.errors import CatalogueError
from ftzlink.text import Text

__all__ = [
    "DATA_FILE",
    "Activity",
    "Cited",
    "FilingKind",
    "ForeignRules",
    "Material",
    "Place",
    "TimeLimit",
    "bundled_foreign_rules",
    "load_foreign_rules",
]

DATA_FILE = Path(__file__).parent / "data" / "foreign.yaml"
Confidence = Literal["High", "Med", "Low"]
V = TypeVar("V")


class FilingKind(StrEnum):
    ESTABLISHMENT = "establishment"
    CHANGE = "change"
    FILING = "filing"  # 备案
    ANNUAL_REPORT = "annual_report"
    EXTENSION = "extension"
    DEREGISTRATION = "deregistration"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    source: str
    clause: str
    confidence: Confidence
    verified: bool = True
    note: str | None = None

    @property
    def cite(self) -> str:
        return f"{self.source} {self.clause}"


class Cited(Citation, Generic[V]):
    value: V


class Source(_Strict):
    id: str
    title: str
    where: str


class OfficeRules(_Strict):
    parent_min_years: Cited[int]
    chief_representatives: Cited[int]
    max_representatives: Cited[int]
    name_suffix: Cited[str]
    no_profit_making: Cited[bool]
    term_within_parent_existence: Cited[bool]
    barred_years_after_revocation: Cited[int]


class Activity(Citation):
    code: str
    zh: str
    en: str

    @property
    def text(self) -> Text:
        return Text(zh=self.zh, en=self.en)


class TimeLimit(Citation):
    days: int = Field(ge=1, le=366)
    unit: Literal["calendar", "working"]
    from_: str = Field(alias="from")


class AnnualReportRules(_Strict):
    window_start: Cited[str]
    window_end: Cited[str]
    correction_days: Cited[int]
    penalty: Cited[str]

    def window(self, year: int) -> tuple[dt.date, dt.date]:
        def day(mmdd: str) -> dt.date:
            month, d = mmdd.split("-")
            return dt.date(year, int(month), int(d))

        return day(self.window_start.value), day(self.window_end.value)


class Material(Citation):
    code: str
    zh: str
    en: str
    kinds: tuple[FilingKind, ...]
    foreign_document: bool
    required: bool


class Route(Citation):
    zh: str
    en: str


class Place(Citation):
    """A state party to the Apostille Convention, or one of the regions Art. 44 covers."""

    code: str
    zh: str
    en: str
    route: str | None = None


class AuthenticationRules(_Strict):
    apostille_in_force: Cited[dt.date]
    routes: dict[str, Route]
    translation: Cited[str]
    states_parties_count_at_entry: Cited[int]
    states_list_complete: Cited[bool]
    states_parties: tuple[Place, ...]


class Authority(Citation):
    code: str
    zh: str
    en: str


class RecognitionRules(_Strict):
    scheme_zh: str
    scheme_en: str
    document: Cited[str]
    effective_from: Cited[dt.date]
    valid_to: Cited[dt.date]
    treat_as_in_force: Cited[bool]
    validity_months: Cited[int]
    core_rule: Cited[str]
    natural_persons_exempt: Cited[str]
    authorities: tuple[Authority, ...]

    def authority(self, code: str) -> Authority | None:
        return next((a for a in self.authorities if a.code == code), None)


class ForeignRules(_Strict):
    sources: tuple[Source, ...]
    office: OfficeRules
    activities: tuple[Activity, ...]
    time_limits: dict[str, TimeLimit]
    annual_report: AnnualReportRules
    materials: tuple[Material, ...]
    authentication: AuthenticationRules
    regions: tuple[Place, ...]
    recognition: RecognitionRules

    def region(self, code: str) -> Place | None:
        return next((r for r in self.regions if r.code == code), None)

    def state_party(self, code: str) -> Place | None:
        return next((s for s in self.authentication.states_parties if s.code == code), None)

    def activity(self, code: str) -> Activity | None:
        return next((a for a in self.activities if a.code == code), None)


def load_foreign_rules(path: Path = DATA_FILE) -> ForeignRules:
    """Load and cross-check the rules file; CatalogueError (file:line: field) when malformed."""
    from ftzlink.catalogue.loader import _parse as parse_file  # the same file:line reporting
    from ftzlink.errors import Problem

    problems: list[Problem] = []
    parsed = parse_file(path, ForeignRules, problems)
    if parsed is None:
        raise CatalogueError(f"{path}: the foreign-investment rules are invalid", problems)
    rules, _document = parsed
    known = {s.id for s in rules.sources}
    cited: list[Citation] = [
        *rules.activities,
        *rules.time_limits.values(),
        *rules.materials,
        *rules.authentication.routes.values(),
        *rules.authentication.states_parties,
        *rules.regions,
        *rules.recognition.authorities,
    ]
    for c in cited:
        if c.source not in known:
            problems.append(Problem(f"unknown source {c.source!r}", file=path, field="source"))
    for r in rules.regions:
        if r.route not in rules.authentication.routes:
            problems.append(Problem(f"unknown route {r.route!r}", file=path, field="regions"))
        if rules.state_party(r.code):
            problems.append(Problem(f"{r.code} is a region, not a state", file=path))
    if problems:
        raise CatalogueError(f"{path}: the foreign-investment rules are inconsistent", problems)
    return rules


@cache
def bundled_foreign_rules() -> ForeignRules:
    return load_foreign_rules()
