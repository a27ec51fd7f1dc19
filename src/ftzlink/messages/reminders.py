"""Reminders the message centre sends on their schedule (the worker runs `due_reminders` once a
day): the data-flow extension reminders of `ftzlink.dataflow` and the representative offices'
annual-report cycle of `ftzlink.foreign` (each becomes a message through the audit log), and a reminder before a foreign professional's work or residence permit ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.messages.events import Event, organisation_users, send_event
from ftzlink.messages.tables import Message, MessageKind
from ftzlink.messages.texts import word
from ftzlink.text import Lang

__all__ = ["PERMIT_NOTICE_DAYS", "Reminded", "due_reminders", "permit_expiry"]

PERMIT_NOTICE_DAYS = 30  # an extension is applied for in the last 30 days of a permit


@dataclass
class Reminded:
    dataflow: int = 0
    permits: int = 0
    foreign: int = 0  # representative offices' reminders and Art. 38 correction cases


def permit_expiry(
    session: Session, *, today: dt.date, within_days: int = PERMIT_NOTICE_DAYS
) -> list[Message]:
    """Remind the employer of each approved permit that ends within `within_days` days (once per
    permit and end date, however often this runs)."""
    from ftzlink.talent.tables import Case, Professional, Track, TrackState

    rows = session.execute(
        select(Track, Case, Professional)
        .join(Case, Case.id == Track.case_id)
        .join(Professional, Professional.id == Case.professional_id)
        .where(
            Track.state == TrackState.APPROVED,
            Track.valid_until.is_not(None),
            Track.valid_until >= today,
            Track.valid_until <= today + dt.timedelta(days=within_days),
        )
        .order_by(Track.id)
    ).all()
    made: list[Message] = []
    for track, case, professional in rows:
        assert track.valid_until is not None
        until = track.valid_until.isoformat()
        event = Event(
            kind=MessageKind.PERMIT_EXPIRING,
            object_type="talent_case",
            object_id=str(case.id),
            link=f"/talent/cases/{case.id}",
            recipients=organisation_users(session, case.employer_id),
            values=_permit_values(case.reference, track.kind, professional.full_name, until),
        )
        made += send_event(session, event, key=f"permit-expiry:{track.id}:{until}")
    return made


def _permit_values(
    reference: str, track: str, professional: str, until: str
) -> Callable[[Lang], dict[str, Any]]:
    def values(lang: Lang) -> dict[str, Any]:
        return {
            "reference": reference,
            "track": word(track, lang),
            "valid_until": until,
            "professional": professional,
        }

    return values


def due_reminders(session: Session, *, today: dt.date) -> Reminded:
    """Every reminder due `today`; call in a write transaction."""
    from ftzlink.dataflow import registrations as dataflow
    from ftzlink.dataflow.loader import bundled_dataflow_rules
    from ftzlink.foreign.models import bundled_foreign_rules
    from ftzlink.foreign.service import run_annual_report_cycle

    run = dataflow.remind(session, rules=bundled_dataflow_rules(), today=today)
    cycle = run_annual_report_cycle(session, rules=bundled_foreign_rules(), today=today)
    return Reminded(
        dataflow=len(run.created),
        permits=len(permit_expiry(session, today=today)),
        foreign=len(cycle.reminders) + len(cycle.corrections),
    )
