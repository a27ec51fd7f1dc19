"""The cross-border data workflows as declared tables: filings and spot-check inspections.

filing:      draft ──submit──▶ submitted ──register──▶ registered
                                  │   ▲
                             return   submit
                                  ▼   │
                                returned
inspection:  assigned ──record_findings──▶ rectifying ──close──▶ closed
             assigned ──close (nothing found)──────────────────▶ closed

A registration has no state of its own: it is the outcome of `register`, valid between two days.
A filing may be edited (saved) exactly while it may be submitted: `EDITABLE`.
"""

from __future__ import annotations

from enum import StrEnum

from ftzlink.dataflow.tables import FilingStatus, InspectionStatus
from ftzlink.errors import InvalidTransition
from ftzlink.workflow import Transition, Workflow

__all__ = [
    "EDITABLE",
    "FILINGS",
    "INSPECTIONS",
    "FilingAction",
    "InspectionAction",
    "require_editable",
]


class FilingAction(StrEnum):
    SUBMIT = "submit"
    REGISTER = "register"
    RETURN = "return"


class InspectionAction(StrEnum):
    RECORD_FINDINGS = "record_findings"
    CLOSE = "close"


_FILING = "POST /api/v1/dataflow/filings/{id}/"
_INSPECTION = "POST /api/v1/dataflow/inspections/{id}/"

FILINGS = Workflow(
    name="dataflow_filings",
    kind="filing",
    title_zh="数据出境申报",
    title_en="Cross-border data filings",
    states=tuple(FilingStatus),
    initial=FilingStatus.DRAFT,
    transitions=(
        Transition(
            FilingAction.SUBMIT,
            (FilingStatus.DRAFT, FilingStatus.RETURNED),
            FilingStatus.SUBMITTED,
            "enterprise member",
            _FILING + "submit",
        ),
        Transition(
            FilingAction.REGISTER,
            (FilingStatus.SUBMITTED,),
            FilingStatus.REGISTERED,
            "data regulator",
            _FILING + "register",
        ),
        Transition(
            FilingAction.RETURN,
            (FilingStatus.SUBMITTED,),
            FilingStatus.RETURNED,
            "data regulator",
            _FILING + "return",
        ),
    ),
)

INSPECTIONS = Workflow(
    name="dataflow_inspections",
    kind="inspection",
    title_zh="数据出境抽查",
    title_en="Cross-border data spot checks",
    states=tuple(InspectionStatus),
    initial=InspectionStatus.ASSIGNED,
    transitions=(
        Transition(
            InspectionAction.RECORD_FINDINGS,
            (InspectionStatus.ASSIGNED,),
            InspectionStatus.RECTIFYING,
            "drawn inspector",
            _INSPECTION + "findings",
        ),
        Transition(
            InspectionAction.CLOSE,
            (InspectionStatus.ASSIGNED, InspectionStatus.RECTIFYING),
            InspectionStatus.CLOSED,
            "drawn inspector",
            _INSPECTION + "close",
        ),
    ),
)

# The enterprise edits its answers while it can still submit them (a draft, or a returned filing).
EDITABLE: tuple[str, ...] = FILINGS.states_allowing(FilingAction.SUBMIT)


def require_editable(status: str) -> None:
    """InvalidTransition (409) unless a filing in `status` may still be edited."""
    if status not in EDITABLE:
        raise InvalidTransition(
            action="edit",
            state=status,
            allowed_from=list(EDITABLE),
            kind=FILINGS.kind,
            workflow=FILINGS.name,
        )
