"""Inspections: the drawn inspector records findings with a rectification deadline in working days,
and closes it (see dataflow.workflow.INSPECTIONS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow.common import (
    Page,
    _organisation_names,
    _people,
    _registrations_by_id,
    _visible_inspections,
    inspection_snapshot,
    page_of,
)
from ftzlink.dataflow.tables import (
    Inspection,
    InspectionStatus,
    Registration,
)
from ftzlink.dataflow.validation import (
    findings_problems,
    lines,
    note_problems,
)
from ftzlink.dataflow.workflow import (
    INSPECTIONS,
    InspectionAction,
)
from ftzlink.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Text
from ftzlink.workdays.service import current_calendar

if TYPE_CHECKING:
    pass


__all__ = [
    "InspectionList",
    "InspectionView",
    "close_inspection",
    "get_inspection",
    "inspection_list",
    "inspection_view",
    "list_inspections",
    "record_findings",
]


def get_inspection(
    session: Session, *, principal: Principal, inspection_id: int, lock: bool = False
) -> Inspection:
    query = _visible_inspections(principal).where(Inspection.id == inspection_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"no inspection {inspection_id}")
    return row


def list_inspections(
    session: Session,
    *,
    principal: Principal,
    draw_id: int | None = None,
    status: InspectionStatus | None = None,
) -> list[Inspection]:
    return list(session.scalars(_inspections(principal, draw_id, status)))


def page_inspections(
    session: Session,
    *,
    principal: Principal,
    offset: int,
    limit: int,
    draw_id: int | None = None,
    status: InspectionStatus | None = None,
) -> Page[Inspection]:
    query = _inspections(principal, draw_id, status)
    return page_of(session, query, offset=offset, limit=limit)


def _inspections(
    principal: Principal, draw_id: int | None, status: InspectionStatus | None
) -> Select[Any]:
    query = _visible_inspections(principal)
    if draw_id is not None:
        query = query.where(Inspection.draw_id == draw_id)
    if status is not None:
        query = query.where(Inspection.status == status)
    return query.order_by(Inspection.draw_id.desc(), Inspection.rank)


def _as_drawn_inspector(p: Principal, inspection: Inspection) -> Actor:
    if not perm.is_drawn_inspector(p, inspection):
        raise Forbidden("only the inspector drawn for this inspection records it")
    return Actor(p.user_id, p.username, None)


def _inspection_event(
    session: Session, inspection: Inspection, *, actor: Actor, action: str, before: dict[str, Any]
) -> None:
    session.flush()
    append(
        session,
        actor=actor,
        action=f"dataflow_inspection.{action}",
        object_type="dataflow_inspection",
        object_id=inspection.id,
        before=before,
        after=inspection_snapshot(inspection),
    )


def record_findings(
    session: Session,
    *,
    principal: Principal,
    inspection_id: int,
    findings: Sequence[str],
    rectification_working_days: int,
    today: dt.date,
) -> Inspection:
    """The drawn inspector's findings and the rectification deadline, counted in working days
    from today (refused, nothing changed, when the calendar cannot count that far)."""
    inspection = get_inspection(
        session, principal=principal, inspection_id=inspection_id, lock=True
    )
    actor = _as_drawn_inspector(principal, inspection)
    rectifying = INSPECTIONS.step(InspectionAction.RECORD_FINDINGS, inspection.status)
    cleaned = lines(findings)
    if problems := findings_problems(cleaned, rectification_working_days):
        raise InvalidInput("the findings are invalid", problems)
    counted = current_calendar(session).add_working_days(today, rectification_working_days)
    due = counted.day
    before = inspection_snapshot(inspection)
    inspection.status = rectifying
    inspection.findings = cleaned
    inspection.findings_on = today
    inspection.rectification_days = rectification_working_days
    inspection.rectification_due_on = due
    inspection.rectification_provisional = counted.provisional
    inspection.version += 1
    _inspection_event(session, inspection, actor=actor, action="findings", before=before)
    return inspection


def close_inspection(
    session: Session, *, principal: Principal, inspection_id: int, note: str, today: dt.date
) -> Inspection:
    """Close an inspection: with nothing found, or once the rectification is done."""
    inspection = get_inspection(
        session, principal=principal, inspection_id=inspection_id, lock=True
    )
    actor = _as_drawn_inspector(principal, inspection)
    closed = INSPECTIONS.step(InspectionAction.CLOSE, inspection.status)
    if problems := note_problems(note):
        raise InvalidInput("cannot close", problems)
    before = inspection_snapshot(inspection)
    inspection.status = closed
    inspection.closed_on = today
    inspection.closure_note = note.strip()
    inspection.version += 1
    _inspection_event(session, inspection, actor=actor, action="close", before=before)
    return inspection


@dataclass(frozen=True)
class InspectionList:
    inspections: list[Inspection]
    registrations: dict[int, Registration]
    organisations: dict[int, Text]  # names by id
    inspectors: dict[int, str]


def inspection_list(session: Session, *, principal: Principal) -> InspectionList:
    """The inspections the principal sees, with what they are about and who inspects."""
    rows = list_inspections(session, principal=principal)
    return InspectionList(
        rows,
        _registrations_by_id(session, [i.registration_id for i in rows]),
        _organisation_names(session, [i.organisation_id for i in rows]),
        _people(session, [i.inspector_id for i in rows]),
    )


@dataclass(frozen=True)
class InspectionView:
    inspection: Inspection
    registration: Registration
    organisation: Organisation
    inspector: str


def inspection_view(
    session: Session, *, principal: Principal, inspection_id: int
) -> InspectionView:
    inspection = get_inspection(session, principal=principal, inspection_id=inspection_id)
    registration = session.get(Registration, inspection.registration_id)
    organisation = session.get(Organisation, inspection.organisation_id)
    assert registration is not None and organisation is not None
    names = _people(session, [inspection.inspector_id])
    return InspectionView(
        inspection, registration, organisation, names.get(inspection.inspector_id, "")
    )
