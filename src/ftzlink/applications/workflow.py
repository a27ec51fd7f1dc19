"""The application workflow as a declared table: which action moves which state to which, by whom.

draft ──submit──▶ submitted ──return──▶ returned ──resubmit──▶ resubmitted
                      │                                            │
                      ├──approve──▶ approved ◀──approve────────────┤
                      └──reject───▶ rejected ◀──reject─────────────┘
draft, submitted, returned, resubmitted ──withdraw──▶ withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from ftzlink.applications.models import State
from ftzlink.errors import InvalidTransition

__all__ = ["TRANSITIONS", "Action", "Transition", "transition"]


class Action(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: tuple[State, ...]
    target: State
    by: Literal["applicant", "reviewer"]


_UNDER_REVIEW = (State.SUBMITTED, State.RESUBMITTED)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.SUBMIT, (State.DRAFT,), State.SUBMITTED, "applicant"),
        Transition(Action.RETURN, _UNDER_REVIEW, State.RETURNED, "reviewer"),
        Transition(Action.RESUBMIT, (State.RETURNED,), State.RESUBMITTED, "applicant"),
        Transition(Action.APPROVE, _UNDER_REVIEW, State.APPROVED, "reviewer"),
        Transition(Action.REJECT, _UNDER_REVIEW, State.REJECTED, "reviewer"),
        Transition(
            Action.WITHDRAW,
            (State.DRAFT, State.SUBMITTED, State.RETURNED, State.RESUBMITTED),
            State.WITHDRAWN,
            "applicant",
        ),
    )
}


def transition(action: Action, current: str) -> State:
    """The state `action` leads to from `current`, or InvalidTransition (a 409) saying why."""
    t = TRANSITIONS[action]
    if State(current) not in t.sources:
        raise InvalidTransition(
            action=action.value, state=current, allowed_from=[s.value for s in t.sources]
        )
    return t.target
