"""The foreign-talent rules as data: the work-permit points table and the residence-permit rules.

Each band, category, route and family member is a condition tree of the catalogue
(`ftzlink.catalogue.conditions`), evaluated by the rules engine; each carries the citation and
confidence that shared/sources/talent.md gives it. A fact of less than High confidence may be
marked `unverified` and is then shown so; a Low fact must be.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from ftzlink.catalogue.conditions import Condition
from ftzlink.text import Text

__all__ = [
    "Band",
    "Category",
    "Choice",
    "Confidence",
    "Duration",
    "FactDefinition",
    "Factor",
    "FamilyMember",
    "FamilyRules",
    "FiveYearRoute",
    "PointsTable",
    "ResidenceRules",
    "TalentCitation",
    "TalentRules",
    "TalentSource",
]

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
FieldPath = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
Confidence = Literal["High", "Med", "Low"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TalentSource(_Data):
    """A national law or standard, a municipal page or a seed document the rules come from."""

    id: Id
    title: Text
    publisher: Text | None = None
    published: dt.date | None = None
    seed_file: str | None = Field(default=None, pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")
    note: Text | None = None


class TalentCitation(_Data):
    """Where a rule comes from and how sure the sources are of it (talent.md's confidence)."""

    source: Id
    section: str | None = Field(default=None, min_length=1, description="article, answer, table")
    line: StrictInt | None = Field(default=None, ge=1, description="line of a seed file")
    confidence: Confidence

    def __str__(self) -> str:
        text = self.source
        if self.section:
            text += f" {self.section}"
        if self.line:
            text += f" (line {self.line})"
        return f"{text} [{self.confidence}]"


class Choice(_Data):
    id: str = Field(min_length=1)
    label: Text


class FactDefinition(_Data):
    """A fact a condition may test; its label is the question asked when the fact is missing."""

    id: FieldPath
    type: Literal["bool", "int", "str", "date"]
    label: Text
    choices: list[Choice] | None = Field(default=None, min_length=1)
    minimum: StrictInt | None = None
    maximum: StrictInt | None = None

    @model_validator(mode="after")
    def _choices_for_text_only(self) -> FactDefinition:
        if self.choices is not None and self.type != "str":
            raise ValueError("only a str field has choices")
        if (self.minimum is not None or self.maximum is not None) and self.type != "int":
            raise ValueError("only an int field has a minimum or maximum")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        return self


class _Cited(_Data):
    citation: TalentCitation
    unverified: bool = False

    @model_validator(mode="after")
    def _low_is_unverified(self) -> _Cited:
        if self.citation.confidence == "Low" and not self.unverified:
            raise ValueError("a Low-confidence fact must be marked `unverified: true`")
        return self


class Band(_Data):
    """One row of a factor: the condition on the professional's facts and the points it gives."""

    points: StrictInt = Field(ge=0)
    label: Text
    when: Condition


class Factor(_Cited):
    id: Id
    label: Text
    max_points: StrictInt = Field(gt=0)
    encoded: bool = True
    not_encoded_reason: Text | None = None
    bands: list[Band] = Field(default_factory=list)

    @model_validator(mode="after")
    def _bands_unless_not_encoded(self) -> Factor:
        if self.encoded and not self.bands:
            raise ValueError("an encoded factor needs `bands`")
        if not self.encoded and (self.bands or self.not_encoded_reason is None):
            raise ValueError("a factor with `encoded: false` has no bands and a not_encoded_reason")
        return self


class Category(_Cited):
    """A work-permit category by points; `when` tests the field `total_points`."""

    id: Literal["A", "B", "C"]
    label: Text
    when: Condition


class PointsTable(_Data):
    max_total: StrictInt = Field(gt=0)
    citation: TalentCitation
    fields: list[FactDefinition]
    factors: list[Factor] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)

    @model_validator(mode="after")
    def _maxima_add_up(self) -> PointsTable:
        total = sum(f.max_points for f in self.factors)
        if total != self.max_total:
            raise ValueError(
                f"the factors' maxima add up to {total}, not max_total {self.max_total}"
            )
        return self

    @property
    def encoded_max(self) -> int:
        """The most points the encoded factors can give (the unencoded local factor left out)."""
        return sum(f.max_points for f in self.factors if f.encoded)


class Duration(_Data):
    min_days: StrictInt = Field(gt=0)
    max_years: StrictInt = Field(gt=0)
    citation: TalentCitation


class FiveYearRoute(_Cited):
    """A kind of person who may have the longest work residence permit."""

    id: Id
    label: Text
    when: Condition


class FamilyMember(_Cited):
    """A relative whose residence permit may end with the principal's."""

    id: Id
    label: Text
    when: Condition


class FamilyRules(_Data):
    citation: TalentCitation
    fields: list[FactDefinition]
    members: list[FamilyMember] = Field(min_length=1)


class ResidenceRules(_Data):
    duration: Duration
    fields: list[FactDefinition]
    five_year_routes: list[FiveYearRoute] = Field(min_length=1)
    family: FamilyRules


class CategoryDays(_Data):
    category: Literal["A", "B", "C"]
    working_days: StrictInt = Field(gt=0)


class CategoryYears(_Data):
    category: Literal["A", "B", "C"]
    years: StrictInt = Field(gt=0)


class WorkPermitTrack(_Data):
    deadlines: list[CategoryDays] = Field(min_length=3, max_length=3)
    deadline_citation: TalentCitation
    deadline_unverified: bool = False
    longest: list[CategoryYears]
    longest_citation: TalentCitation
    longest_unverified: bool = False

    def working_days(self, category: str) -> int:
        return next(d.working_days for d in self.deadlines if d.category == category)

    def longest_years(self, category: str) -> int | None:
        return next((y.years for y in self.longest if y.category == category), None)

    @model_validator(mode="after")
    def _one_row_per_category(self) -> WorkPermitTrack:
        if sorted(d.category for d in self.deadlines) != ["A", "B", "C"]:
            raise ValueError("`deadlines` needs exactly one row for each of A, B and C")
        categories = [y.category for y in self.longest]
        if len(set(categories)) != len(categories):
            raise ValueError("`longest` names a category twice")
        return self


class ResidenceTrack(_Cited):
    working_days: StrictInt = Field(gt=0)


class Tracks(_Data):
    """Time limits of the two tracks of a combined application, and work-permit lengths."""

    work_permit: WorkPermitTrack
    residence: ResidenceTrack


class TalentRules(_Data):
    """Everything the talent rules evaluate against, loaded and cross-checked."""

    sources: list[TalentSource]
    points: PointsTable
    residence: ResidenceRules
    tracks: Tracks

    def source(self, source_id: str) -> TalentSource | None:
        return next((s for s in self.sources if s.id == source_id), None)
