"""Counting every open deadline again after an official year was loaded: the talent tracks, the
data filings' extension windows and the inspections' rectification deadlines. Each domain
recounts its own; this flow only calls them, in one transaction with the load."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor
from ftzlink.workdays.calendar import WorkCalendar
from ftzlink.workdays.tables import DeadlineChange

__all__ = ["recount_all"]


def recount_all(
    session: Session, *, calendar: WorkCalendar, actor: Actor, today: dt.date, year: int
) -> tuple[list[DeadlineChange], int]:
    from ftzlink.dataflow import registrations as registration_service
    from ftzlink.dataflow.loader import bundled_dataflow_rules
    from ftzlink.talent import cases as talent
    from ftzlink.talent.loader import bundled_talent_rules

    changes: list[DeadlineChange] = []
    still = 0
    for found, unchanged in (
        talent.recount_deadlines(
            session,
            rules=bundled_talent_rules(),
            calendar=calendar,
            actor=actor,
            today=today,
            year=year,
        ),
        registration_service.recount_deadlines(
            session,
            rules=bundled_dataflow_rules(),
            calendar=calendar,
            actor=actor,
            today=today,
            year=year,
        ),
    ):
        changes.extend(found)
        still += unchanged
    return changes, still
