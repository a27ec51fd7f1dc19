"""The catalogue: sources, vocabularies, zones, policies and their measures.

Every fact carries a `Citation` to the source document it comes from. Money is integer yuan;
dates are `datetime.date`; a validity period is inclusive at both ends, and a bound the sources
do not state is None (never guessed).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from ftzlink.catalogue.conditions import Condition
from ftzlink.text import Lang, Text

__all__ = [
    "Batch",
    "Cap",
    "Catalogue",
    "Citation",
    "Count",
    "Measure",
    "MeasureKind",
    "Period",
    "PeriodKind",
    "Policy",
    "Source",
    "SubArea",
    "Term",
    "Vocabulary",
    "Zone",
]

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Clause = Annotated[str, Field(pattern=r"^[A-Z0-9]+(\.[A-Z0-9]+)*(\(\d+\))?$")]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Data):
    """Where a fact comes from: a source file, the clause as the document numbers it, the line."""

    source: str = Field(pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")
    clause: Clause | None = None
    item: StrictInt | None = Field(default=None, ge=1, description="bullet within the clause")
    line: StrictInt | None = Field(default=None, ge=1)

    @property
    def short(self) -> str:
        """The clause as a reader looks it up: `II.A.2(1) #2`, or the line where none is numbered."""
        text = self.clause or f"line {self.line}"
        return f"{text} #{self.item}" if self.item else text

    def __str__(self) -> str:
        text = self.source
        if self.clause:
            text += f" {self.clause}"
            if self.item:
                text += f" item {self.item}"
        if self.line:
            text += f" (line {self.line})"
        return text


class Source(_Data):
    file: str = Field(pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")
    title: Text
    publisher: Text | None = None
    published: dt.date | None = None
    authoritative_language: Literal["zh", "en"] = "zh"
    note: Text | None = None


class Term(_Data):
    """One value of a vocabulary (a district, a sector, a project kind) with its labels."""

    id: Id
    label: Text
    parent: Id | None = None
    aliases: list[str] = Field(default_factory=list)
    citation: Citation | None = None


class Vocabulary(_Data):
    districts: list[Term]
    legal_forms: list[Term]
    credit_standings: list[Term]
    sectors: list[Term]
    sub_sectors: list[Term]
    project_kinds: list[Term]
    documents: list[Term] = Field(
        default_factory=list, description="kinds of document an application may carry"
    )

    def terms(self, name: str) -> list[Term]:
        terms: list[Term] = getattr(self, name)
        return terms


class Count(_Data):
    """A number the sources report (58 measures, more than 100 reform measures, ...)."""

    what: Text
    value: StrictInt = Field(ge=0)
    qualifier: Literal["exact", "about", "more_than", "nearly"] = "exact"
    citation: Citation


class Batch(_Data):
    id: Id
    name: Text
    announced: dt.date | None = None
    counts: list[Count] = Field(default_factory=list)
    citation: Citation


class SubArea(_Data):
    id: Id
    name: Text
    aliases: list[str] = Field(default_factory=list)
    citation: Citation


class Zone(_Data):
    id: Id
    kind: Literal["district_zone", "bonded_zones", "special_area"]
    name: Text
    district: Id | None = None
    batch: Id | None = None
    area_km2: float | None = Field(default=None, gt=0)
    area_qualifier: Literal["exact", "about"] | None = None
    member_count: StrictInt | None = Field(default=None, ge=1, description="zones in a group")
    sub_areas: list[SubArea] = Field(default_factory=list)
    focus: list[Text] = Field(default_factory=list)
    counts: list[Count] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def _qualified_area(self) -> Zone:
        if (self.area_km2 is None) != (self.area_qualifier is None):
            raise ValueError("give area_km2 and area_qualifier together (or neither)")
        return self


class Period(_Data):
    """An inclusive validity period; a bound the sources do not state is None."""

    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Period:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def status_on(self, day: dt.date) -> Literal["in_force", "expired", "not_yet_effective"]:
        if self.end is not None and day > self.end:
            return "expired"
        if self.start is not None and day < self.start:
            return "not_yet_effective"
        return "in_force"


class PeriodKind(StrEnum):
    """What a cap is counted over."""

    PER_YEAR = "per_year"
    PER_PROJECT = "per_project"
    PER_PROJECT_PER_YEAR = "per_project_per_year"
    ONE_TIME = "one_time"
    PER_PERSON = "per_person"


class Cap(_Data):
    amount: StrictInt = Field(gt=0, description="integer yuan")
    period: PeriodKind


class MeasureKind(StrEnum):
    GRANT = "grant"  # money, with a cap
    SERVICE = "service"  # a facilitation or a permit, no money


class DocumentSlot(_Data):
    """A document an application for a measure carries: its kind (the `documents` vocabulary),
    and whether it is required. A requirement must cite where the sources impose it."""

    kind: Id
    required: bool = False
    citation: Citation | None = None

    @model_validator(mode="after")
    def _required_is_cited(self) -> DocumentSlot:
        if self.required and self.citation is None:
            raise ValueError("a required document needs `citation`: where the sources require it")
        return self


class Measure(_Data):
    id: Id
    kind: MeasureKind
    title: Text
    summary: Text
    citation: Citation
    validity: Period | None = Field(default=None, description="overrides the policy's")
    when: Condition | None = None
    cap: Cap | None = None
    no_cap_reason: Text | None = None
    benefit: Text | None = Field(default=None, description="what a service measure gives")
    granted_without_application: bool = Field(
        default=False,
        description="免申即享: an official confirms a match and grants it; no application, no consent",
    )
    documents: list[DocumentSlot] | None = Field(
        default=None, description="the documents an application carries; the policy's if absent"
    )

    @model_validator(mode="after")
    def _cap_matches_kind(self) -> Measure:
        if self.kind is MeasureKind.SERVICE and self.cap is not None:
            raise ValueError("a service measure has no cap (it gives no money)")
        if self.kind is MeasureKind.SERVICE and self.benefit is None:
            raise ValueError("a service measure needs `benefit`: what it gives")
        if self.kind is MeasureKind.GRANT and self.cap is None and self.no_cap_reason is None:
            raise ValueError("a grant without a cap needs `no_cap_reason` saying why")
        if self.cap is not None and self.no_cap_reason is not None:
            raise ValueError("give either `cap` or `no_cap_reason`, not both")
        return self


class Policy(_Data):
    id: Id
    title: Text
    summary: Text
    citation: Citation
    authoritative_language: Lang = "zh"
    validity: Period
    validity_note: Text | None = None
    announced: dt.date | None = None
    focus_areas: list[Text] = Field(default_factory=list)
    zones: list[Id] = Field(default_factory=list, description="zones the policy applies in")
    eligibility: Condition | None = Field(default=None, description="applies to every measure")
    counts: list[Count] = Field(default_factory=list)
    measures: list[Measure] = Field(min_length=1)
    documents: list[DocumentSlot] = Field(
        default_factory=list, description="the documents every measure's application carries"
    )

    def validity_of(self, measure: Measure) -> Period:
        return measure.validity or self.validity

    def documents_of(self, measure: Measure) -> list[DocumentSlot]:
        """The document slots of an application for the measure (its own, else the policy's)."""
        return self.documents if measure.documents is None else measure.documents


class Catalogue(_Data):
    """Everything the engine evaluates against, loaded and cross-checked."""

    sources: list[Source]
    vocabulary: Vocabulary
    batches: list[Batch]
    zones: list[Zone]
    policies: list[Policy]

    def measures(self) -> list[tuple[Policy, Measure]]:
        return [(p, m) for p in self.policies for m in p.measures]

    def terms(self, vocabulary: str) -> list[Term]:
        """The values of a vocabulary; zones and sub-areas come from the zones themselves."""
        if vocabulary == "zones":
            return [Term(id=z.id, label=z.name, aliases=z.aliases) for z in self.zones]
        if vocabulary == "sub_areas":
            return [
                Term(id=s.id, label=s.name, parent=z.id, aliases=s.aliases)
                for z in self.zones
                for s in z.sub_areas
            ]
        return self.vocabulary.terms(vocabulary)

    def known_terms(self, vocabulary: str) -> set[str]:
        return set(self._term_index[vocabulary])

    def term(self, vocabulary: str, term_id: str) -> Term | None:
        return self._term_index[vocabulary].get(term_id)

    @cached_property
    def _term_index(self) -> dict[str, dict[str, Term]]:
        names = [*Vocabulary.model_fields, "zones", "sub_areas"]
        return {name: {t.id: t for t in self.terms(name)} for name in names}

    def zone(self, zone_id: str) -> Zone | None:
        return next((z for z in self.zones if z.id == zone_id), None)

    def policy(self, policy_id: str) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)
