"""The 免申即享 candidate workflow as a declared table: who moves a candidate from which state.

pending ──confirm──▶ confirmed ──consent──▶ consented
   │         └─grant─▶ granted       └──decline──▶ declined
   └──strike──▶ struck

`confirm` offers a pre-filled draft for the enterprise's consent; `grant` is the same decision on
a measure granted without application (approved at once). Both are taken through the officials'
batch of decisions.
"""

from __future__ import annotations

from enum import StrEnum

from ftzlink.errors import Conflict, InvalidTransition
from ftzlink.proactive.tables import CandidateStatus
from ftzlink.workflow import Transition, Workflow

__all__ = ["WORKFLOW", "Action", "WrongState", "step"]


class Action(StrEnum):
    CONFIRM = "confirm"
    GRANT = "grant"
    STRIKE = "strike"
    CONSENT = "consent"
    DECLINE = "decline"


class WrongState(InvalidTransition):
    """A step the candidate's state (or kind) does not allow, confirming a struck one, say (409).

    Keeps the stable code `wrong_state` that the batch results and API clients know."""

    code = "wrong_state"

    def __init__(
        self, *, action: str, state: str, allowed_from: list[str], question: str | None = None
    ) -> None:
        super().__init__(
            action=action,
            state=state,
            allowed_from=allowed_from,
            kind="candidate",
            workflow="proactive",
        )
        self.question = question
        if question is not None:
            # A one-answer candidate is pending too, but is offered only once it is eligible.
            Conflict.__init__(
                self,
                f"the candidate needs one more answer ({question}) before it can be {action}ed",
            )


_ROUTE = "POST /api/v1/proactive/"
_DECISIONS = _ROUTE + "decisions"
_PENDING = (CandidateStatus.PENDING,)
_CONFIRMED = (CandidateStatus.CONFIRMED,)

WORKFLOW = Workflow(
    name="proactive",
    kind="candidate",
    title_zh="免申即享候选",
    title_en="免申即享 candidates",
    states=tuple(CandidateStatus),
    initial=CandidateStatus.PENDING,
    transitions=(
        Transition(Action.CONFIRM, _PENDING, CandidateStatus.CONFIRMED, "reviewer", _DECISIONS),
        Transition(Action.GRANT, _PENDING, CandidateStatus.GRANTED, "reviewer", _DECISIONS),
        Transition(Action.STRIKE, _PENDING, CandidateStatus.STRUCK, "reviewer", _DECISIONS),
        Transition(
            Action.CONSENT,
            _CONFIRMED,
            CandidateStatus.CONSENTED,
            "enterprise",
            _ROUTE + "candidates/{id}/consent",
        ),
        Transition(
            Action.DECLINE,
            _CONFIRMED,
            CandidateStatus.DECLINED,
            "enterprise",
            _ROUTE + "candidates/{id}/decline",
        ),
    ),
)


def step(action: Action, current: str) -> CandidateStatus:
    """The status `action` leads to from `current`, or WrongState (a 409) saying why."""
    try:
        return CandidateStatus(WORKFLOW.step(action, current))
    except InvalidTransition as refused:
        raise WrongState(
            action=refused.action, state=refused.state, allowed_from=refused.allowed_from
        ) from None
