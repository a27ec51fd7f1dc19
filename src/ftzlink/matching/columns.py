"""The enterprise profile flattened to the columns of a registry table.

One row per enterprise. A profile field's dotted path becomes a column name with `__` for the dot
(`talent.certified_talents` → `talent__certified_talents`). Projects, a list of records, become
`projects__count` (null: the registry says nothing about projects; 0: none) and a fixed number of
slots `projects__0__kind`, `projects__0__requested_amount`, … `projects__{k-1}__end`; project i
exists when i < `projects__count`. `branch_usccs` (a list of codes no condition tests) is not
flattened. A null cell is an unknown answer, as an absent field is in a profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ftzlink.profiles.fields import FieldSpec, profile_fields
from ftzlink.profiles.models import EnterpriseProfile

__all__ = [
    "PROJECTS",
    "PROJECT_COUNT",
    "RegistryColumns",
    "column_name",
    "profile_from_row",
    "row_from_profile",
    "slot_column",
]

PROJECTS = "projects"
PROJECT_COUNT = "projects__count"
NOT_FLATTENED = ("branch_usccs",)


def column_name(path: str) -> str:
    """The registry column of a profile field's dotted path."""
    return path.replace(".", "__")


def slot_column(slot: int, item_field: str) -> str:
    """The column of one field of project `slot` (0-based)."""
    return f"{PROJECTS}__{slot}__{item_field}"


@dataclass(frozen=True)
class RegistryColumns:
    """The columns of a registry with `slots` project slots, each with its field spec."""

    slots: int

    @property
    def scalar(self) -> dict[str, FieldSpec]:
        """Enterprise-level columns (not projects), by column name."""
        return {
            column_name(path): spec
            for path, spec in profile_fields().items()
            if spec.type != "list" and path not in NOT_FLATTENED
        }

    @property
    def project_fields(self) -> dict[str, FieldSpec]:
        return profile_fields()[PROJECTS].item_fields

    @property
    def all(self) -> dict[str, FieldSpec]:
        """Every column, by name; `projects__count` has an int spec of its own."""
        columns = dict(self.scalar)
        spec = profile_fields()[PROJECTS]
        columns[PROJECT_COUNT] = FieldSpec(PROJECT_COUNT, "int", spec.label)
        for slot in range(self.slots):
            for name, item in self.project_fields.items():
                columns[slot_column(slot, name)] = item
        return columns

    @classmethod
    def of(cls, names: Iterable[str]) -> RegistryColumns:
        """The layout of a table from its column names: as many slots as it has kind columns."""
        names = set(names)
        slots = 0
        while slot_column(slots, "kind") in names:
            slots += 1
        return cls(slots)


def row_from_profile(profile: EnterpriseProfile, slots: int) -> dict[str, Any]:
    """A profile as one registry row (projects beyond `slots` are refused)."""
    data = profile.model_dump()
    row: dict[str, Any] = {}
    for name, spec in RegistryColumns(slots).scalar.items():
        value: Any = data
        for part in spec.path.split("."):
            value = None if value is None else value.get(part)
        row[name] = value
    projects = profile.projects
    if projects is not None and len(projects) > slots:
        raise ValueError(f"{len(projects)} projects do not fit in {slots} slots")
    row[PROJECT_COUNT] = None if projects is None else len(projects)
    for slot in range(slots):
        project = projects[slot].model_dump() if projects and slot < len(projects) else {}
        for item in RegistryColumns(slots).project_fields:
            row[slot_column(slot, item)] = project.get(item)
    return row


def profile_from_row(row: Mapping[str, Any], slots: int) -> EnterpriseProfile:
    """The profile a registry row (with vocabulary ids, not labels) describes."""
    data: dict[str, Any] = {}
    for name, spec in RegistryColumns(slots).scalar.items():
        value = row.get(name)
        if value is None:
            continue
        if spec.type == "date" and isinstance(value, dt.datetime):
            value = value.date()
        target = data
        *parents, last = spec.path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    count = row.get(PROJECT_COUNT)
    if count is not None:
        data[PROJECTS] = [
            {
                item: row.get(slot_column(slot, item))
                for item in RegistryColumns(slots).project_fields
                if row.get(slot_column(slot, item)) is not None
            }
            for slot in range(int(count))
        ]
    return EnterpriseProfile.model_validate(data)
