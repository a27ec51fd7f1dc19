"""The talent workflows as declared tables: a combined case, each of its two tracks, and an
inviting unit's registration for port-visa invitations.

case:   draft ──update──▶ draft; draft ──submit──▶ filed (both tracks open as received);
        draft ──withdraw──▶ withdrawn
track:  received ──accept──▶ accepted ──approve──▶ approved
        received, accepted ──return──▶ returned ──respond──▶ received
        received, accepted ──refuse──▶ refused
inviting unit: (apply) pending ──approve──▶ approved ──revoke──▶ revoked; pending ──refuse──▶ refused

The track steps are taken by the track's own official (a work-permit officer for the work permit,
an exit-entry officer for the residence permit); `respond` by the employer's members.
"""

from __future__ import annotations

from enum import StrEnum

from ftzlink.talent.invitation_tables import UnitStatus
from ftzlink.talent.tables import CaseStatus, TrackState
from ftzlink.workflow import Transition, Workflow

__all__ = [
    "CASE_WORKFLOW",
    "TRACK_WORKFLOW",
    "UNIT_WORKFLOW",
    "CaseAction",
    "TrackAction",
    "UnitAction",
]


class CaseAction(StrEnum):
    UPDATE = "update"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"


class TrackAction(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"
    RESPOND = "respond"
    APPROVE = "approve"
    REFUSE = "refuse"


class UnitAction(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    REVOKE = "revoke"


_CASE = "/api/v1/talent/cases/{id}"
_TRACK = _CASE + "/tracks/{track}/"
_OFFICIAL = "the track's official"
_UNDECIDED = (TrackState.RECEIVED, TrackState.ACCEPTED)

CASE_WORKFLOW = Workflow(
    name="talent_cases",
    kind="talent case",
    title_zh="外国人才一站式申请",
    title_en="Foreign-talent cases",
    states=tuple(CaseStatus),
    initial=CaseStatus.DRAFT,
    transitions=(
        Transition(
            CaseAction.UPDATE, (CaseStatus.DRAFT,), CaseStatus.DRAFT, "employer", "PATCH " + _CASE
        ),
        Transition(
            CaseAction.SUBMIT,
            (CaseStatus.DRAFT,),
            CaseStatus.FILED,
            "employer",
            f"POST {_CASE}/submit",
        ),
        Transition(
            CaseAction.WITHDRAW,
            (CaseStatus.DRAFT,),
            CaseStatus.WITHDRAWN,
            "employer",
            f"POST {_CASE}/withdraw",
        ),
    ),
)

TRACK_WORKFLOW = Workflow(
    name="talent_tracks",
    kind="talent track",
    title_zh="工作许可与工作类居留许可",
    title_en="Talent tracks (work permit, work-type residence permit)",
    states=tuple(TrackState),
    initial=TrackState.RECEIVED,
    transitions=(
        Transition(
            TrackAction.ACCEPT,
            (TrackState.RECEIVED,),
            TrackState.ACCEPTED,
            _OFFICIAL,
            "POST " + _TRACK + "accept",
        ),
        Transition(
            TrackAction.RETURN,
            _UNDECIDED,
            TrackState.RETURNED,
            _OFFICIAL,
            "POST " + _TRACK + "return",
        ),
        Transition(
            TrackAction.RESPOND,
            (TrackState.RETURNED,),
            TrackState.RECEIVED,
            "employer",
            "POST " + _TRACK + "respond",
        ),
        Transition(
            TrackAction.APPROVE,
            (TrackState.ACCEPTED,),
            TrackState.APPROVED,
            _OFFICIAL,
            "POST " + _TRACK + "approve",
        ),
        Transition(
            TrackAction.REFUSE,
            _UNDECIDED,
            TrackState.REFUSED,
            _OFFICIAL,
            "POST " + _TRACK + "refuse",
        ),
    ),
)

_UNIT = "POST /api/v1/talent/inviting-units/{id}/"

UNIT_WORKFLOW = Workflow(
    name="inviting_units",
    kind="inviting unit",
    title_zh="口岸签证邀请单位登记",
    title_en="Inviting units (port-visa invitations)",
    states=tuple(UnitStatus),
    initial=UnitStatus.PENDING,
    transitions=(
        Transition(
            UnitAction.APPROVE,
            (UnitStatus.PENDING,),
            UnitStatus.APPROVED,
            "exit-entry officer",
            _UNIT + "approve",
        ),
        Transition(
            UnitAction.REFUSE,
            (UnitStatus.PENDING,),
            UnitStatus.REFUSED,
            "exit-entry officer",
            _UNIT + "refuse",
        ),
        Transition(
            UnitAction.REVOKE,
            (UnitStatus.APPROVED,),
            UnitStatus.REVOKED,
            "exit-entry officer",
            _UNIT + "revoke",
        ),
    ),
)
