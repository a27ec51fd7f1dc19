"""The cross-border data rules as data: the facts a scenario states, the routing rules (condition
trees with their article and confidence), and the time limits of supervision.

Each rule carries the citation and confidence that shared/sources/dataflow.md gives it; a fact of
less than High confidence may be marked `unverified` and is then shown so; a Low fact must be.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from ftzlink.catalogue.conditions import Condition
from ftzlink.talent.models import FactDefinition
from ftzlink.text import Text

__all__ = [
    "Confidence",
    "DataflowCitation",
    "DataflowRules",
    "DataflowSource",
    "Route",
    "RoutingRule",
    "RoutingRules",
    "Supervision",
]

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Confidence = Literal["High", "Med", "Low"]


class Route(StrEnum):
    """What a scenario needs, from the least to the most demanding."""

    EXEMPT = "exempt"
    STANDARD_CONTRACT = "standard_contract"  # or PI-protection certification (art. 8)
    SECURITY_ASSESSMENT = "security_assessment"

    @property
    def level(self) -> int:
        return list(Route).index(self)


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataflowSource(_Data):
    id: Id
    title: Text
    publisher: Text | None = None
    published: dt.date | None = None
    seed_file: str | None = Field(default=None, pattern=r"^\d{3}_[0-9a-f]{16}\.txt$")
    note: Text | None = None


class DataflowCitation(_Data):
    source: Id
    section: str | None = Field(default=None, min_length=1, description="article, clause")
    confidence: Confidence

    def __str__(self) -> str:
        text = self.source + (f" {self.section}" if self.section else "")
        return f"{text} [{self.confidence}]"


class _Cited(_Data):
    citation: DataflowCitation
    unverified: bool = False

    @model_validator(mode="after")
    def _low_is_unverified(self) -> _Cited:
        if self.citation.confidence == "Low" and not self.unverified:
            raise ValueError("a Low-confidence fact must be marked `unverified: true`")
        return self


class RoutingRule(_Cited):
    """One rule of the routing: when its condition holds (and no earlier rule does), the route."""

    id: Id
    route: Route
    article: Text
    label: Text
    when: Condition


class RoutingRules(_Data):
    fields: list[FactDefinition]
    rules: list[RoutingRule] = Field(min_length=1)


class SecurityAssessmentTerms(_Cited):
    validity_years: StrictInt = Field(gt=0)
    extension_window_working_days: StrictInt = Field(gt=0)


class StandardContractTerms(_Cited):
    filing_working_days: StrictInt = Field(gt=0)


class ReportTerms(_Cited):
    working_days: StrictInt = Field(gt=0)


class SpotCheckTerms(_Cited):
    pass


class Supervision(_Data):
    security_assessment: SecurityAssessmentTerms
    standard_contract: StandardContractTerms
    post_transfer_report: ReportTerms
    spot_checks: SpotCheckTerms


class DataflowRules(_Data):
    """Everything the data service evaluates against, loaded and cross-checked."""

    sources: list[DataflowSource]
    routing: RoutingRules
    supervision: Supervision

    def source(self, source_id: str) -> DataflowSource | None:
        return next((s for s in self.sources if s.id == source_id), None)
