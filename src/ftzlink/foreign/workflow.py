"""The representative-office filing workflow as a declared table, for every kind of filing
(establishment, change, 备案, annual report, extension, deregistration):

filer ──file──▶ submitted ──return──▶ returned ──answer──▶ submitted
                    ├──approve──▶ approved
                    └──reject───▶ rejected
"""

from __future__ import annotations

from enum import StrEnum

from ftzlink.foreign.tables import FilingStatus
from ftzlink.workflow import Transition, Workflow

__all__ = ["WORKFLOW", "Action"]


class Action(StrEnum):
    RETURN = "return"
    ANSWER = "answer"
    APPROVE = "approve"
    REJECT = "reject"


_ROUTE = "POST /api/v1/foreign/filings/{id}/"

WORKFLOW = Workflow(
    name="foreign_offices",
    kind="representative-office filing",
    title_zh="外国企业常驻代表机构登记",
    title_en="Representative offices of foreign enterprises",
    states=tuple(FilingStatus),
    initial=FilingStatus.SUBMITTED,
    transitions=(
        Transition(
            Action.RETURN,
            (FilingStatus.SUBMITTED,),
            FilingStatus.RETURNED,
            "registrar",
            _ROUTE + "return",
        ),
        Transition(
            Action.ANSWER,
            (FilingStatus.RETURNED,),
            FilingStatus.SUBMITTED,
            "filer",
            _ROUTE + "answer",
        ),
        Transition(
            Action.APPROVE,
            (FilingStatus.SUBMITTED,),
            FilingStatus.APPROVED,
            "registrar",
            _ROUTE + "approve",
        ),
        Transition(
            Action.REJECT,
            (FilingStatus.SUBMITTED,),
            FilingStatus.REJECTED,
            "registrar",
            _ROUTE + "reject",
        ),
    ),
)
