"""Conditions in plain words, in Chinese and English, built from field and vocabulary labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ftzlink.catalogue.conditions import AllOf, AnyOf, Compare, Condition, Exists, Not
from ftzlink.catalogue.models import Catalogue, PeriodKind
from ftzlink.profiles.fields import FieldSpec
from ftzlink.text import Text

__all__ = ["PERIOD_TEXT", "describe", "value_text"]

PERIOD_TEXT: dict[PeriodKind, Text] = {
    PeriodKind.PER_YEAR: Text(zh="每年", en="per year"),
    PeriodKind.PER_PROJECT: Text(zh="每个项目", en="per project"),
    PeriodKind.PER_PROJECT_PER_YEAR: Text(zh="每个项目每年", en="per project per year"),
    PeriodKind.ONE_TIME: Text(zh="一次性", en="one-time"),
    PeriodKind.PER_PERSON: Text(zh="每人", en="per person"),
}

_OP_TEXT = {
    "eq": ("为", "is"),
    "ne": ("不为", "is not"),
    "lt": ("小于", "is less than"),
    "le": ("不超过", "is at most"),
    "gt": ("大于", "is more than"),
    "ge": ("不少于", "is at least"),
    "in": ("属于", "is one of"),
    "not_in": ("不属于", "is none of"),
}


def value_text(catalogue: Catalogue, spec: FieldSpec, value: Any) -> Text:
    """A condition value as people read it: a vocabulary label, yes/no, a date, a number."""
    if spec.type == "bool":
        return Text(zh="是", en="yes") if value else Text(zh="否", en="no")
    if spec.vocabulary and (term := catalogue.term(spec.vocabulary, value)):
        return term.label
    if isinstance(value, int):
        return Text(zh=f"{value:,}", en=f"{value:,}")
    if isinstance(value, dt.date):
        return Text(zh=value.isoformat(), en=value.isoformat())
    return Text(zh=str(value), en=str(value))


def _join(texts: list[Text], zh_sep: str, en_sep: str) -> Text:
    return Text(zh=zh_sep.join(t.zh for t in texts), en=en_sep.join(t.en for t in texts))


def _compare(catalogue: Catalogue, spec: FieldSpec, node: Compare) -> Text:
    label = spec.label
    if spec.type == "bool" and node.op in ("eq", "ne"):
        answer = value_text(catalogue, spec, node.value if node.op == "eq" else not node.value)
        return Text(zh=f"{label.zh}：{answer.zh}", en=f"{label.en}: {answer.en}")
    if node.op == "between":
        low, high = node.value
        low_t = value_text(catalogue, spec, low) if low is not None else None
        high_t = value_text(catalogue, spec, high) if high is not None else None
        if low_t and high_t:
            return Text(
                zh=f"{label.zh}在{low_t.zh}至{high_t.zh}之间（含）",
                en=f"{label.en} is between {low_t.en} and {high_t.en} (inclusive)",
            )
        if low_t:
            return Text(
                zh=f"{label.zh}不早于/不低于{low_t.zh}",
                en=f"{label.en} is {low_t.en} or later/more",
            )
        assert high_t is not None
        return Text(
            zh=f"{label.zh}不晚于/不高于{high_t.zh}",
            en=f"{label.en} is {high_t.en} or earlier/less",
        )
    zh_op, en_op = _OP_TEXT[node.op]
    values = node.value if node.op in ("in", "not_in") else [node.value]
    shown = _join([value_text(catalogue, spec, v) for v in values], "、", ", ")
    return Text(zh=f"{label.zh}{zh_op}{shown.zh}", en=f"{label.en} {en_op} {shown.en}")


def describe(catalogue: Catalogue, node: Condition, fields: Mapping[str, FieldSpec]) -> Text:
    """The node in plain words; its own `label`, where the catalogue gives one, wins."""
    if node.label is not None:
        return node.label
    if isinstance(node, AllOf):
        return Text(zh="同时满足以下全部条件", en="All of the following")
    if isinstance(node, AnyOf):
        return Text(zh="满足以下任一条件", en="Any of the following")
    if isinstance(node, Not):
        inner = describe(catalogue, node.not_, fields)
        return Text(zh=f"并非：{inner.zh}", en=f"Not: {inner.en}")
    if isinstance(node, Exists):
        spec = fields[node.field]
        inner = describe(catalogue, node.exists, spec.item_fields)
        return Text(
            zh=f"至少有一项{spec.label.zh}满足：{inner.zh}",
            en=f"At least one of {spec.label.en.lower()} where {inner.en[0].lower()}{inner.en[1:]}",
        )
    return _compare(catalogue, fields[node.field], node)
