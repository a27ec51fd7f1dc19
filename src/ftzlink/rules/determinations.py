"""What the engine answers: one determination per measure, explained condition by condition."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ftzlink.catalogue.models import Cap, Citation, MeasureKind, Period
from ftzlink.profiles.fields import FieldType
from ftzlink.text import Text

__all__ = [
    "Choice",
    "ConditionResult",
    "Determination",
    "Outcome",
    "ProjectAmount",
    "Question",
    "Status",
]


class Status(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_INFO = "needs_info"
    EXPIRED = "expired"
    NOT_YET_EFFECTIVE = "not_yet_effective"


class Outcome(StrEnum):
    """Three-valued: a condition on a field the profile leaves empty is `unknown`."""

    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConditionResult(_Result):
    """One condition, in plain words, with its outcome for this profile and where it comes from."""

    node: Literal["all", "any", "not", "exists", "compare"] = "compare"
    text: Text
    label: Text | None = Field(default=None, exclude=True)  # the catalogue's own wording, if any
    outcome: Outcome
    citation: Citation
    field: str | None = None
    actual: bool | int | str | list[str] | None = None
    children: list[ConditionResult] = []


class Choice(_Result):
    id: str
    label: Text


class Question(_Result):
    """A question whose answer would decide a `needs_info` measure."""

    field: str
    label: Text
    type: FieldType
    choices: list[Choice] | None = None


class ProjectAmount(_Result):
    """What one eligible project may receive: its request, capped by the measure."""

    project: str
    kind: str
    requested: int | None
    amount: int | None


class Determination(_Result):
    measure_id: str
    policy_id: str
    kind: MeasureKind
    title: Text
    status: Status
    reason: Text
    cap: Cap | None
    max_amount: int | None
    no_cap_reason: Text | None = None
    benefit: Text | None = None
    validity: Period
    citation: Citation
    conditions: list[ConditionResult]
    questions: list[Question] = []
    projects: list[ProjectAmount] = []
    authoritative_language: Literal["zh", "en"] = "zh"
