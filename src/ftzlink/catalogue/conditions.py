"""Eligibility conditions as a typed tree of data: all / any / not, comparisons, membership,
inclusive ranges (dates or numbers) and "some project such that ...".

The tree is plain data so that it can be evaluated one profile at a time, and later compiled to
vectorised and SQL forms, without ever executing a string. YAML form, one operator per node:

    all: [ ... ]            any: [ ... ]            not: { ... }
    {field: sector, in: [smart_internet, aviation]}
    {field: credit_standing, eq: good}
    {field: established_on, between: [2020-01-01, null]}
    {field: projects, exists: {field: kind, in: [rd_input]}}

Any node may carry `label` (the condition in plain words, zh and en) and `cite` (the clause of
the policy's source that states it, and the line it is stated on, when that is not the measure's
own clause: `cite: {clause: I.B, line: 9}`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    Tag,
    model_validator,
)

from ftzlink.text import Text

__all__ = [
    "COMPARISON_OPS",
    "AllOf",
    "AnyOf",
    "ClauseCite",
    "Compare",
    "Condition",
    "Exists",
    "Not",
    "Scalar",
]

Scalar = StrictBool | StrictInt | date | str
ComparisonOp = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between"]
COMPARISON_OPS: tuple[ComparisonOp, ...] = (
    "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between"
)  # fmt: skip


class ClauseCite(BaseModel):
    """The clause of the policy's source that states a condition, and the line it is on: both,
    so that a condition never shows its clause with the line of another."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clause: str = Field(pattern=r"^[A-Z0-9]+(\.[A-Z0-9]+)*(\(\d+\))?$")
    line: StrictInt = Field(ge=1)


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    label: Text | None = None
    cite: ClauseCite | None = None


class Compare(_Node):
    """A test of one profile field; exactly one operator is given."""

    field: str = Field(min_length=1)
    eq: Scalar | None = None
    ne: Scalar | None = None
    lt: Scalar | None = None
    le: Scalar | None = None
    gt: Scalar | None = None
    ge: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)
    between: tuple[Scalar | None, Scalar | None] | None = None
    # The one operator given, found once when the node is validated (not on every read).
    _op: ComparisonOp | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Compare:
        given = [op for op in COMPARISON_OPS if self._raw(op) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a comparison needs exactly one operator of {', '.join(COMPARISON_OPS)}; "
                f"got {', '.join(given) or 'none'}"
            )
        self._op = given[0]
        if self.between is not None:
            low, high = self.between
            if low is None and high is None:
                raise ValueError("between needs at least one bound")
            if low is not None and high is not None and type(low) is not type(high):
                raise ValueError("between bounds must be of the same type")
            if low is not None and high is not None and low > high:  # type: ignore[operator]
                raise ValueError(f"between: lower bound {low} is above upper bound {high}")
        return self

    def _raw(self, op: ComparisonOp) -> Any:
        return getattr(self, "in_" if op == "in" else op)

    @property
    def op(self) -> ComparisonOp:
        if self._op is not None:
            return self._op
        # Built without validation (`model_construct`): found on first read, then kept.
        found: ComparisonOp = next(o for o in COMPARISON_OPS if self._raw(o) is not None)
        self._op = found
        return found

    @property
    def value(self) -> Any:
        return self._raw(self.op)


class AllOf(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Node):
    any: list[Condition] = Field(min_length=1)


class Not(_Node):
    not_: Condition = Field(alias="not")


class Exists(_Node):
    """True when some item of a list field (a project) satisfies `exists`."""

    field: str = Field(min_length=1)
    exists: Condition


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "exists"):
            if key in value:
                return key
        return "compare"
    if isinstance(value, AllOf):
        return "all"
    if isinstance(value, AnyOf):
        return "any"
    if isinstance(value, Not):
        return "not"
    if isinstance(value, Exists):
        return "exists"
    return "compare"


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")]
    | Annotated[Exists, Tag("exists")]
    | Annotated[Compare, Tag("compare")],
    Discriminator(_kind),
]

for _model in (AllOf, AnyOf, Not, Exists):
    _model.model_rebuild()
