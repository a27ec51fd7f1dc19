"""The fields of a profile that conditions may test, derived from the profile model itself.

Deriving them (rather than listing them again) keeps labels, types and vocabularies in one place.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.text import Text

__all__ = ["FieldSpec", "FieldType", "profile_fields"]

FieldType = Literal["bool", "int", "str", "date", "list"]


@dataclass(frozen=True)
class FieldSpec:
    """A field a condition may test: its dotted path, value type, labels and vocabulary."""

    path: str
    type: FieldType
    label: Text
    vocabulary: str | None = None
    # For a list of records (projects): the fields of one item, by their path inside the item.
    item_fields: dict[str, FieldSpec] = field(default_factory=dict)
    # For a list of scalars (branch codes): the item's type.
    item_type: FieldType | None = None


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _scalar_type(annotation: Any) -> FieldType:
    annotation = _strip_annotated(annotation)
    for python_type, name in ((bool, "bool"), (int, "int"), (date, "date"), (str, "str")):
        if annotation is python_type:
            return typing.cast(FieldType, name)
    raise TypeError(f"profile field type {annotation!r} has no condition type")


def _fields_of(model: type[BaseModel], prefix: str) -> dict[str, FieldSpec]:
    specs: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        path = prefix + name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        text = Text(zh=str(extra.get("label_zh", name)), en=info.title or name)
        vocabulary = extra.get("vocabulary")
        annotation = _strip_annotated(_unwrap_optional(info.annotation))
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            item = _strip_annotated(item)
            if isinstance(item, type) and issubclass(item, BaseModel):
                specs[path] = FieldSpec(path, "list", text, item_fields=_fields_of(item, ""))
            else:
                specs[path] = FieldSpec(path, "list", text, item_type=_scalar_type(item))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            specs.update(_fields_of(annotation, path + "."))
        else:
            specs[path] = FieldSpec(
                path, _scalar_type(annotation), text, str(vocabulary) if vocabulary else None
            )
    return specs


@cache
def profile_fields() -> dict[str, FieldSpec]:
    """Every testable field of `EnterpriseProfile`, by dotted path."""
    return _fields_of(EnterpriseProfile, "")
