"""Workflows as declared tables: which action moves an object from which states to which, by whom.

Every workflow of the platform (grant applications, talent tracks, data filings, registrations and
inspections, 免申即享 candidates, pilot stages) is a `Workflow` declared in its own domain and
registered in `WORKFLOWS` below. Services ask `workflow.step(action, current)` before they change
a state, so a refused step is always the same typed error (`InvalidTransition`, 409) naming the
states the action is allowed from; docs/workflow.md is rendered from these tables by
`docs/generate.py` and checked by a test.

This module knows nothing of HTTP, HTML, the terminal or the database.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from ftzlink.errors import InvalidTransition

__all__ = ["WORKFLOWS", "Transition", "Workflow", "all_workflows"]


@dataclass(frozen=True)
class Transition:
    """One step: `action` leads from any of `sources` to `target`, taken by `by` (a role name)."""

    action: str
    sources: tuple[str, ...]
    target: str
    by: str
    route: str | None = None  # the API route that takes this step, for the generated docs

    def __post_init__(self) -> None:
        # StrEnum members are accepted and stored as their plain values.
        object.__setattr__(self, "action", str(self.action))
        object.__setattr__(self, "sources", tuple(str(s) for s in self.sources))
        object.__setattr__(self, "target", str(self.target))


@dataclass(frozen=True)
class Workflow:
    """A named state machine; `kind` names the object in errors ("talent track", "filing")."""

    name: str
    kind: str
    title_zh: str
    title_en: str
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    initial: str
    _by_action: dict[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "states", tuple(str(s) for s in self.states))
        object.__setattr__(self, "initial", str(self.initial))
        by_action: dict[str, Transition] = {}
        for t in self.transitions:
            if t.action in by_action:
                raise ValueError(f"{self.name}: action {t.action!r} declared twice")
            unknown = [s for s in (*t.sources, t.target) if s not in self.states]
            if unknown:
                raise ValueError(f"{self.name}: {t.action} names unknown states {unknown}")
            by_action[t.action] = t
        if self.initial not in self.states:
            raise ValueError(f"{self.name}: initial state {self.initial!r} is not a state")
        object.__setattr__(self, "_by_action", by_action)

    def __getitem__(self, action: str | StrEnum) -> Transition:
        return self._by_action[str(action)]

    def allowed(self, action: str | StrEnum, current: str | StrEnum) -> bool:
        return str(current) in self[action].sources

    def step(self, action: str | StrEnum, current: str | StrEnum) -> str:
        """The state `action` leads to from `current`, or InvalidTransition saying why."""
        t = self[action]
        if str(current) not in t.sources:
            raise InvalidTransition(
                action=t.action,
                state=str(current),
                allowed_from=list(t.sources),
                kind=self.kind,
                workflow=self.name,
            )
        return t.target

    def actions_from(self, current: str | StrEnum) -> tuple[str, ...]:
        """Every action allowed from `current`, in declaration order."""
        return tuple(t.action for t in self.transitions if str(current) in t.sources)

    def states_allowing(self, *actions: str | StrEnum) -> tuple[str, ...]:
        """The states from which any of `actions` is allowed, in the order of `states`."""
        wanted = {str(a) for a in actions}
        found = {s for t in self.transitions if t.action in wanted for s in t.sources}
        return tuple(s for s in self.states if s in found)

    def terminal(self) -> tuple[str, ...]:
        """States no action leaves."""
        left = {s for t in self.transitions for s in t.sources}
        return tuple(s for s in self.states if s not in left)


# Where each workflow is declared: "module:attribute". Imported lazily so that this module stays
# importable from every domain without cycles.
WORKFLOWS: tuple[str, ...] = (
    "ftzlink.applications.workflow:WORKFLOW",
    "ftzlink.proactive.workflow:WORKFLOW",
    "ftzlink.pilots.workflow:WORKFLOW",
    "ftzlink.foreign.workflow:WORKFLOW",
    "ftzlink.talent.workflow:CASE_WORKFLOW",
    "ftzlink.talent.workflow:TRACK_WORKFLOW",
    "ftzlink.talent.workflow:UNIT_WORKFLOW",
    "ftzlink.dataflow.workflow:FILINGS",
    "ftzlink.dataflow.workflow:INSPECTIONS",
)


def all_workflows(names: Iterable[str] = WORKFLOWS) -> Iterator[Workflow]:
    for ref in names:
        module, _, attr = ref.partition(":")
        found = getattr(importlib.import_module(module), attr)
        if not isinstance(found, Workflow):
            raise TypeError(f"{ref} is not a Workflow")
        yield found
