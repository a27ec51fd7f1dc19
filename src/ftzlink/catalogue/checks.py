"""Cross-checks that a schema cannot express: ids unique, citations to known sources, condition
fields that exist on the profile with values of the right type and vocabulary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ftzlink.catalogue.conditions import AllOf, AnyOf, Compare, Condition, Exists, Not
from ftzlink.profiles.fields import FieldSpec

__all__ = ["Finding", "condition_findings", "duplicate_findings"]

Loc = tuple[int | str, ...]
Finding = tuple[Loc, str]

_OPS_BY_TYPE = {
    "bool": {"eq", "ne"},
    "str": {"eq", "ne", "in", "not_in"},
    "int": {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between"},
    "date": {"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between"},
}


def _value_ok(spec: FieldSpec, value: Any) -> bool:
    if spec.type == "bool":
        return isinstance(value, bool)
    if spec.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.type == "date":
        return isinstance(value, dt.date)
    return isinstance(value, str)


def condition_findings(
    condition: Condition,
    fields: Mapping[str, FieldSpec],
    known_terms: Callable[[str], set[str]],
    loc: Loc = (),
) -> Iterator[Finding]:
    """Every problem in a condition tree, located relative to `loc`."""
    if isinstance(condition, AllOf):
        for i, child in enumerate(condition.all):
            yield from condition_findings(child, fields, known_terms, (*loc, "all", i))
    elif isinstance(condition, AnyOf):
        for i, child in enumerate(condition.any):
            yield from condition_findings(child, fields, known_terms, (*loc, "any", i))
    elif isinstance(condition, Not):
        yield from condition_findings(condition.not_, fields, known_terms, (*loc, "not"))
    elif isinstance(condition, Exists):
        spec = fields.get(condition.field)
        if spec is None or not spec.item_fields:
            yield (*loc, "field"), _unknown_field(condition.field, fields, lists=True)
            return
        yield from condition_findings(
            condition.exists, spec.item_fields, known_terms, (*loc, "exists")
        )
    else:
        yield from _compare_findings(condition, fields, known_terms, loc)


def _unknown_field(name: str, fields: Mapping[str, FieldSpec], *, lists: bool = False) -> str:
    usable = sorted(p for p, s in fields.items() if (s.type == "list") == lists)
    what = "a list of records" if lists else "a profile field that conditions can test"
    return f"{name!r} is not {what}; use one of: {', '.join(usable)}"


def _compare_findings(
    condition: Compare,
    fields: Mapping[str, FieldSpec],
    known_terms: Callable[[str], set[str]],
    loc: Loc,
) -> Iterator[Finding]:
    spec = fields.get(condition.field)
    if spec is None or spec.type == "list":
        yield (*loc, "field"), _unknown_field(condition.field, fields)
        return
    op = condition.op
    op_key = "in" if op == "in" else op
    if op not in _OPS_BY_TYPE[spec.type]:
        allowed = ", ".join(sorted(_OPS_BY_TYPE[spec.type]))
        yield (
            (*loc, op_key),
            f"operator {op!r} does not apply to {spec.type} field {spec.path!r}; use {allowed}",
        )
        return
    values: Sequence[Any]
    if op in ("in", "not_in"):
        values = condition.value
    elif op == "between":
        values = [v for v in condition.value if v is not None]
    else:
        values = [condition.value]
    for value in values:
        if not _value_ok(spec, value):
            yield (*loc, op_key), f"{value!r} is not a {spec.type} value, as {spec.path!r} needs"
        elif spec.vocabulary and value not in (known := known_terms(spec.vocabulary)):
            yield (
                (*loc, op_key),
                (
                    f"{value!r} is not a known {spec.vocabulary} value; known: {', '.join(sorted(known))}"
                ),
            )


def duplicate_findings(
    items: Sequence[Any], loc: Loc, what: str, key: str = "id"
) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            yield (*loc, i, key), f"duplicate {what} {key} {value!r} (first at item {seen[value]})"
        else:
            seen[value] = i
