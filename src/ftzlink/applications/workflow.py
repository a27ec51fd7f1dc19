"""The application workflow as a declared table: which action moves which state to which, by whom.

draft ──submit──▶ submitted ──return──▶ returned ──resubmit──▶ resubmitted
                      │                                            │
                      ├──approve──▶ approved ◀──approve────────────┤
                      └──reject───▶ rejected ◀──reject─────────────┘
draft, submitted, returned, resubmitted ──withdraw──▶ withdrawn
"""

from __future__ import annotations

from enum import StrEnum

from ftzlink.applications.tables import State
from ftzlink.workflow import Transition, Workflow

__all__ = ["TRANSITIONS", "WORKFLOW", "Action", "Transition", "transition"]


class Action(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


_UNDER_REVIEW = (State.SUBMITTED, State.RESUBMITTED)

_ROUTE = "POST /api/v1/applications/{id}/"

WORKFLOW = Workflow(
    name="applications",
    kind="application",
    title_zh="资金申请",
    title_en="Grant applications",
    states=tuple(State),
    initial=State.DRAFT,
    transitions=(
        Transition(Action.SUBMIT, (State.DRAFT,), State.SUBMITTED, "applicant", _ROUTE + "submit"),
        Transition(Action.RETURN, _UNDER_REVIEW, State.RETURNED, "reviewer", _ROUTE + "return"),
        Transition(
            Action.RESUBMIT, (State.RETURNED,), State.RESUBMITTED, "applicant", _ROUTE + "resubmit"
        ),
        Transition(Action.APPROVE, _UNDER_REVIEW, State.APPROVED, "reviewer", _ROUTE + "approve"),
        Transition(Action.REJECT, _UNDER_REVIEW, State.REJECTED, "reviewer", _ROUTE + "reject"),
        Transition(
            Action.WITHDRAW,
            (State.DRAFT, State.SUBMITTED, State.RETURNED, State.RESUBMITTED),
            State.WITHDRAWN,
            "applicant",
            _ROUTE + "withdraw",
        ),
    ),
)

TRANSITIONS: dict[Action, Transition] = {Action(t.action): t for t in WORKFLOW.transitions}


def transition(action: Action, current: str) -> State:
    """The state `action` leads to from `current`, or InvalidTransition (a 409) saying why."""
    return State(WORKFLOW.step(action, current))
