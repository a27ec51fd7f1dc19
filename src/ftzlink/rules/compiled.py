"""A catalogue compiled once for the engine: every condition node with its getter, operator
function, value, plain words (both languages) and citation worked out ahead, so that evaluating
a profile only reads fields, compares and assembles the explanation from shared, immutable parts.

Still pure: compiling reads the catalogue and the profile's field list, nothing else. A compiled
catalogue is kept while its catalogue lives (by identity: catalogues are frozen).
"""

from __future__ import annotations

import datetime as dt
import operator
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from ftzlink.catalogue.conditions import AllOf, AnyOf, Compare, Condition, Exists, Not
from ftzlink.catalogue.models import Catalogue, Citation, Measure, Policy, Term
from ftzlink.profiles.fields import FieldSpec, profile_fields
from ftzlink.rules.describe import describe
from ftzlink.rules.determinations import ConditionResult, Outcome
from ftzlink.text import Text

__all__ = [
    "CompiledCatalogue",
    "CompiledMeasure",
    "Run",
    "compile_measure",
    "compiled",
    "construct",
    "get",
]

P, F, U = Outcome.PASSED, Outcome.FAILED, Outcome.UNKNOWN
_NOT = {P: F, F: P, U: U}

M = TypeVar("M", bound=BaseModel)


_set = object.__setattr__  # bound once: construct runs about 300 times per evaluation


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of a result model from values the engine made itself, already of the right
    types, without validating them again: what `model_construct` does, minus its per-field
    bookkeeping. `values` must give every field, in the model's order."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


# Whether records of a type are mappings, asked of the Mapping ABC once per type: `isinstance`
# against an ABC is a Python-level call, and `get` runs about 200 times per evaluation.
_MAPPING: dict[type, bool] = {}


def _is_mapping(record: Any) -> bool:
    kind = type(record)
    known = _MAPPING.get(kind)
    if known is None:
        known = _MAPPING[kind] = isinstance(record, Mapping)
    return known


def get(record: Any, parts: Sequence[str]) -> Any:
    """A dotted field of a record (a mapping or an object); None as soon as a step is empty."""
    if len(parts) == 1 and record is not None and not _is_mapping(record):
        return getattr(record, parts[0])
    for part in parts:
        if record is None:
            return None
        record = record.get(part) if _is_mapping(record) else getattr(record, part)
    return record


def _between(actual: Any, bounds: tuple[Any, Any]) -> bool:
    low, high = bounds
    return (low is None or low <= actual) and (high is None or actual <= high)


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "in": lambda actual, expected: actual in expected,
    "not_in": lambda actual, expected: actual not in expected,
    "between": _between,
}


class Run:
    """What one measure's evaluation remembers beyond outcomes: the projects that matched."""

    __slots__ = ("matched_projects",)

    def __init__(self) -> None:
        self.matched_projects: list[int] = []


class _Node:
    __slots__ = ("citation", "text")

    def __init__(self, text: Text, citation: Citation) -> None:
        self.text = text
        self.citation = citation

    def run(self, record: Any, prefix: str, state: Run) -> ConditionResult:
        raise NotImplementedError


class _Group(_Node):
    __slots__ = ("children", "kind", "label")

    def __init__(
        self,
        text: Text,
        citation: Citation,
        kind: Literal["all", "any"],
        label: Text | None,
        children: tuple[_Node, ...],
    ) -> None:
        super().__init__(text, citation)
        self.kind = kind
        self.label = label
        self.children = children

    def run(self, record: Any, prefix: str, state: Run) -> ConditionResult:
        children = [c.run(record, prefix, state) for c in self.children]
        outcomes = [c.outcome for c in children]
        if self.kind == "all":
            outcome = F if F in outcomes else U if U in outcomes else P
        else:
            outcome = P if P in outcomes else U if U in outcomes else F
        return construct(
            ConditionResult,
            {
                "node": self.kind,
                "text": self.text,
                "label": self.label,
                "outcome": outcome,
                "citation": self.citation,
                "field": None,
                "actual": None,
                "children": children,
            },
        )


class _Not(_Node):
    __slots__ = ("child",)

    def __init__(self, text: Text, citation: Citation, child: _Node) -> None:
        super().__init__(text, citation)
        self.child = child

    def run(self, record: Any, prefix: str, state: Run) -> ConditionResult:
        child = self.child.run(record, prefix, state)
        return construct(
            ConditionResult,
            {
                "node": "not",
                "text": self.text,
                "label": None,
                "outcome": _NOT[child.outcome],
                "citation": self.citation,
                "field": None,
                "actual": None,
                "children": [child],
            },
        )


class _Exists(_Node):
    __slots__ = ("child", "field", "parts")

    def __init__(self, text: Text, citation: Citation, field: str, child: _Node) -> None:
        super().__init__(text, citation)
        self.field = field
        self.parts = tuple(field.split("."))
        self.child = child

    def run(self, record: Any, prefix: str, state: Run) -> ConditionResult:
        items = get(record, self.parts)
        path = prefix + self.field
        if items is None:
            outcome, actual, children = U, None, []
        else:
            results = [self.child.run(item, f"{path}[{i}].", state) for i, item in enumerate(items)]
            matched = [i for i, r in enumerate(results) if r.outcome is P]
            known = state.matched_projects
            known.extend(i for i in matched if i not in known)
            outcomes = [r.outcome for r in results]
            outcome = P if P in outcomes else U if U in outcomes else F
            actual = [items[i].name for i in matched]
            children = [r for r in results if r.outcome is U] if outcome is U else []
        return construct(
            ConditionResult,
            {
                "node": "exists",
                "text": self.text,
                "label": None,
                "outcome": outcome,
                "citation": self.citation,
                "field": path,
                "actual": actual,
                "children": children,
            },
        )


class _Leaf(_Node):
    __slots__ = ("field", "op", "parts", "value")

    def __init__(self, text: Text, citation: Citation, node: Compare) -> None:
        super().__init__(text, citation)
        self.field = node.field
        self.parts = tuple(node.field.split("."))
        self.op = _OPS[node.op]
        self.value = node.value

    def run(self, record: Any, prefix: str, state: Run) -> ConditionResult:
        actual = get(record, self.parts)
        if actual is None:
            outcome = U
        else:
            outcome = P if self.op(actual, self.value) else F
            if isinstance(actual, dt.date):
                actual = actual.isoformat()
        return construct(
            ConditionResult,
            {
                "node": "compare",
                "text": self.text,
                "label": None,
                "outcome": outcome,
                "citation": self.citation,
                "field": prefix + self.field,
                "actual": actual,
                "children": [],
            },
        )


def _compile(
    catalogue: Catalogue, node: Condition, fields: Mapping[str, FieldSpec], citation: Citation
) -> _Node:
    if node.cite is not None:
        citation = citation.model_copy(
            update={"clause": node.cite.clause, "line": node.cite.line, "item": None}
        )
    text = describe(catalogue, node, fields)
    if isinstance(node, AllOf | AnyOf):
        kind: Literal["all", "any"] = "all" if isinstance(node, AllOf) else "any"
        parts = node.all if isinstance(node, AllOf) else node.any
        children = tuple(_compile(catalogue, c, fields, citation) for c in parts)
        return _Group(text, citation, kind, node.label, children)
    if isinstance(node, Not):
        return _Not(text, citation, _compile(catalogue, node.not_, fields, citation))
    if isinstance(node, Exists):
        item_fields = fields[node.field].item_fields
        return _Exists(
            text, citation, node.field, _compile(catalogue, node.exists, item_fields, citation)
        )
    return _Leaf(text, citation, node)


class CompiledMeasure:
    """One measure ready to evaluate: its policy's eligibility and its own condition, compiled,
    and what its determination repeats for every profile."""

    __slots__ = ("eligibility", "measure", "policy", "reasons", "validity", "when")

    def __init__(
        self, policy: Policy, measure: Measure, eligibility: _Node | None, when: _Node | None
    ) -> None:
        self.policy = policy
        self.measure = measure
        self.eligibility = eligibility
        self.when = when
        self.validity = policy.validity_of(measure)
        # The reason of a status that depends on the measure alone, filled on first use.
        self.reasons: dict[str, Text] = {}

    def conditions(self, profile: Any, state: Run) -> list[ConditionResult]:
        results = []
        if self.eligibility is not None:
            results.append(self.eligibility.run(profile, "", state))
        if self.when is not None:
            results.append(self.when.run(profile, "", state))
        return results


def compile_measure(catalogue: Catalogue, policy: Policy, measure: Measure) -> CompiledMeasure:
    """One measure compiled against the catalogue's vocabularies."""
    fields = profile_fields()
    return CompiledMeasure(
        policy,
        measure,
        None
        if policy.eligibility is None
        else _compile(catalogue, policy.eligibility, fields, policy.citation),
        None
        if measure.when is None
        else _compile(catalogue, measure.when, fields, measure.citation),
    )


class CompiledCatalogue:
    """Every measure of a catalogue compiled, in catalogue order, and its vocabularies' terms."""

    def __init__(self, catalogue: Catalogue) -> None:
        fields = profile_fields()
        self.measures: list[CompiledMeasure] = []
        self.by_id: dict[str, CompiledMeasure] = {}
        self._terms: dict[str, list[Term]] = {}
        self._catalogue = weakref.ref(catalogue)
        for policy in catalogue.policies:
            eligibility = (
                _compile(catalogue, policy.eligibility, fields, policy.citation)
                if policy.eligibility is not None
                else None
            )
            for measure in policy.measures:
                when = (
                    _compile(catalogue, measure.when, fields, measure.citation)
                    if measure.when is not None
                    else None
                )
                compiled_measure = CompiledMeasure(policy, measure, eligibility, when)
                self.measures.append(compiled_measure)
                self.by_id[measure.id] = compiled_measure

    def terms(self, catalogue: Catalogue, vocabulary: str) -> list[Term]:
        """`catalogue.terms`, worked out once (zones and sub-areas are built on each call)."""
        terms = self._terms.get(vocabulary)
        if terms is None:
            terms = self._terms[vocabulary] = catalogue.terms(vocabulary)
        return terms


_compiled: dict[int, CompiledCatalogue] = {}
_lock = threading.Lock()


def compiled(catalogue: Catalogue) -> CompiledCatalogue:
    """The catalogue compiled, once for as long as it lives."""
    key = id(catalogue)
    found = _compiled.get(key)
    if found is not None and found._catalogue() is catalogue:
        return found
    with _lock:
        found = _compiled.get(key)
        if found is None or found._catalogue() is not catalogue:
            found = _compiled[key] = CompiledCatalogue(catalogue)
            weakref.finalize(catalogue, _compiled.pop, key, None)
    return found
