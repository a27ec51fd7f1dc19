"""The pilot-case stages as a declared table: a case moves forward one stage at a time.

not_stated ─▶ any stage (the first one known; nothing known is skipped)
case_pilot ──▶ innovative_supervision ──▶ regulatory_solidification

Each action is named after the stage it reaches (`advance_to_<stage>`); all are taken by the
registry's editors (platform administrators and data regulators) through one API route.
"""

from __future__ import annotations

from ftzlink.pilots.tables import STAGE_ORDER, PilotStage
from ftzlink.workflow import Transition, Workflow

__all__ = ["NOT_STATED", "WORKFLOW", "action_to", "next_stages"]

# The state of a case whose source does not say which stage it has reached (`stage` NULL).
NOT_STATED = "not_stated"

_ROUTE = "POST /api/v1/pilots/{id}/advance"


def action_to(stage: PilotStage) -> str:
    """The action that reaches `stage`."""
    return f"advance_to_{stage.value}"


WORKFLOW = Workflow(
    name="pilots",
    kind="pilot case",
    title_zh="试点案例阶段",
    title_en="Pilot case stages",
    states=(NOT_STATED, *STAGE_ORDER),
    initial=NOT_STATED,
    transitions=tuple(
        Transition(
            action_to(stage),
            (NOT_STATED, *STAGE_ORDER[index - 1 : index]),
            stage,
            "editor",
            _ROUTE,
        )
        for index, stage in enumerate(STAGE_ORDER)
    ),
)


def next_stages(stage: str | None) -> list[PilotStage]:
    """Where a case at `stage` may go next: any stage when its stage is not stated."""
    return [
        PilotStage(WORKFLOW[action].target) for action in WORKFLOW.actions_from(stage or NOT_STATED)
    ]
