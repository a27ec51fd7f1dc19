"""What the pages show of cases: one case with its tracks, family, documents and history; an
official's queue; and the deadlines counted again when a year's holiday schedule is loaded."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import User
from ftzlink.db import utcnow
from ftzlink.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.cases.common import (
    POINTS_FACTS,
    _as_employer,
    case_snapshot,
    sees_passports,
    tracks_of,
)
from ftzlink.talent.cases.drafting import get_case, list_cases, list_documents
from ftzlink.talent.cases.people import family_of
from ftzlink.talent.cases.tracks import deadline_days
from ftzlink.talent.models import TalentRules
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.rules import (
    PointsAssessment,
    assess_points,
)
from ftzlink.talent.tables import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseFamily,
    CaseStatus,
    FamilyMember,
    Professional,
    Track,
    TrackKind,
    TrackState,
)
from ftzlink.text import Text, names
from ftzlink.workdays import WorkCalendar
from ftzlink.workdays.service import current_calendar, record_change

__all__ = [
    "CaseView",
    "Queue",
    "case_view",
    "employer",
    "official_queue",
    "points_facts",
    "recount_deadlines",
]

# --- one view of a case for its pages ----------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    case: Case
    professional: Professional
    employer: Organisation
    family: list[tuple[FamilyMember, dt.date | None]]
    tracks: dict[TrackKind, Track]
    documents: list[CaseDocument]
    events: list[CaseEvent]
    points: PointsAssessment | None
    full_passports: bool
    calendar: WorkCalendar
    actors: dict[int, str]  # who acted in the history: user id -> display name
    acted_for: dict[int, Text]  # for whom: organisation id -> name

    def passport(self, number: str) -> str:
        return number if self.full_passports else mask_passport(number)

    def provisional_years(self, kind: TrackKind) -> list[int]:
        """The years without an official holiday schedule that a track's deadline runs through."""
        track = self.tracks.get(kind)
        if track is None or not track.due_provisional or track.accepted_on is None:
            return []
        assert track.due_on is not None
        span = range(track.accepted_on.year, track.due_on.year + 1)
        return [y for y in span if self.calendar.is_provisional(y)]

    def working_days_left(self, kind: TrackKind, today: dt.date) -> int | None:
        track = self.tracks.get(kind)
        if track is None or track.due_on is None or track.state != TrackState.ACCEPTED:
            return None
        if track.due_on < today:
            return -self.calendar.working_days_between(track.due_on, today)
        return self.calendar.working_days_between(today, track.due_on)


def points_facts(person: Professional, case: Case) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "annual_salary_yuan": person.annual_salary_yuan,
        "education": person.education,
        "experience_years": person.experience_years,
        "chinese_level": person.chinese_level,
        "birth_date": person.birth_date,
    }
    facts.update({k: v for k, v in case.facts.items() if k in POINTS_FACTS})
    return facts


def case_view(
    session: Session, *, principal: Principal, rules: TalentRules, case_id: int, today: dt.date
) -> CaseView:
    case = get_case(session, principal=principal, case_id=case_id)
    person = session.get(Professional, case.professional_id)
    employer = session.get(Organisation, case.employer_id)
    assert person is not None and employer is not None
    members = {m.id: m for m in family_of(session, person.id)}
    family = [
        (members[link.family_member_id], link.permit_end)
        for link in session.scalars(
            select(CaseFamily)
            .where(CaseFamily.case_id == case.id)
            .order_by(CaseFamily.family_member_id)
        )
    ]
    events = list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )
    actors = {
        u.id: u.display_name
        for u in session.scalars(select(User).where(User.id.in_({e.actor_id for e in events})))
    }
    acted_for = {
        o.id: names(o.name, o.name_en)
        for o in session.scalars(
            select(Organisation).where(
                Organisation.id.in_({e.acted_for_id for e in events if e.acted_for_id})
            )
        )
    }
    try:
        points: PointsAssessment | None = assess_points(rules, points_facts(person, case), today)
    except InvalidInput:
        points = None
    return CaseView(
        case=case,
        professional=person,
        employer=employer,
        family=family,
        tracks=tracks_of(session, case),
        documents=list_documents(session, principal=principal, case_id=case.id),
        events=events,
        points=points,
        full_passports=sees_passports(principal, case.employer_id),
        calendar=current_calendar(session),
        actors=actors,
        acted_for=acted_for,
    )


def employer(session: Session, *, principal: Principal, employer_id: int) -> Organisation:
    """The organisation an employer's member files for."""
    _as_employer(principal, employer_id)
    org = session.get(Organisation, employer_id)
    if org is None:
        raise NotFound(f"no organisation {employer_id}")
    return org


@dataclass(frozen=True)
class Queue:
    """One page of an official's queue of a track, with what its rows show."""

    rows: list[Case]
    total: int
    people: dict[int, Professional]
    employers: dict[int, Text]  # names by id
    tracks: dict[int, Track]  # case id -> the queue's track
    days_left: dict[int, int | None]  # working days to the deadline (negative: overdue)
    counts: dict[str, int]  # filed cases by the track's state


def official_queue(
    session: Session,
    *,
    principal: Principal,
    kind: TrackKind,
    state: TrackState | None,
    today: dt.date,
    offset: int = 0,
    limit: int = 500,
) -> Queue:
    """Filed cases whose `kind` track is in `state` (any state when None), newest first."""
    if not talent_permissions.reads_queue(principal, kind):
        raise Forbidden("this queue is for the officials who decide the track")
    matching = list_cases(
        session, principal=principal, track=kind, state=state, status=CaseStatus.FILED
    )
    rows = matching[offset : offset + limit]
    people = {
        p.id: p
        for p in session.scalars(
            select(Professional).where(Professional.id.in_({c.professional_id for c in rows}))
        )
    }
    employers = {
        o.id: names(o.name, o.name_en)
        for o in session.scalars(
            select(Organisation).where(Organisation.id.in_({c.employer_id for c in rows}))
        )
    }
    tracks = {c.id: tracks_of(session, c)[kind] for c in rows}
    calendar = current_calendar(session)
    days: dict[int, int | None] = {}
    for c in rows:
        t = tracks[c.id]
        days[c.id] = None
        if t.due_on is None or t.state != TrackState.ACCEPTED:
            continue
        with contextlib.suppress(InvalidInput):  # a deadline the calendar does not cover
            days[c.id] = (
                calendar.working_days_between(today, t.due_on)
                if t.due_on >= today
                else -calendar.working_days_between(t.due_on, today)
            )
    counts = dict.fromkeys((s.value for s in TrackState), 0)
    for c in list_cases(session, principal=principal, track=kind, status=CaseStatus.FILED):
        counts[tracks_of(session, c)[kind].state] += 1
    return Queue(rows, len(matching), people, employers, tracks, days, counts)


def recount_deadlines(
    session: Session,
    *,
    rules: TalentRules,
    calendar: WorkCalendar,
    actor: Actor,
    today: dt.date,
    year: int,
) -> tuple[list[Any], int]:
    """Count every accepted track's deadline again with `calendar` (a year was just loaded):
    record each one that moved in the case's history; return the changes and how many stayed
    provisional without moving."""
    changes: list[Any] = []
    still = 0
    tracks = session.scalars(
        select(Track)
        .where(Track.state == TrackState.ACCEPTED, Track.due_on.is_not(None))
        .order_by(Track.id)
    )
    for track in tracks:
        assert track.accepted_on is not None and track.due_on is not None
        case = session.get(Case, track.case_id)
        assert case is not None
        kind = TrackKind(track.kind)
        counted = calendar.add_working_days(
            track.accepted_on, deadline_days(rules, kind, case.work_permit_category)
        )
        if counted.day == track.due_on and counted.provisional == track.due_provisional:
            still += counted.provisional
            continue
        before_snapshot = case_snapshot(session, case)
        was_day, was_provisional = track.due_on, track.due_provisional
        track.due_on, track.due_provisional = counted.day, counted.provisional
        track.version += 1
        changes.append(
            record_change(
                session,
                object_type="talent_case",
                object_id=case.id,
                what=f"{kind.value}_due",
                before=was_day,
                after=counted.day,
                was_provisional=was_provisional,
                now_provisional=counted.provisional,
                calendar_year=year,
                actor=actor,
                today=today,
            )
        )
        case.updated_at = utcnow()
        session.add(
            CaseEvent(
                case_id=case.id,
                track=kind.value,
                action="deadline_recomputed",
                from_state=track.state,
                to_state=track.state,
                actor_id=actor.user_id,
                acted_for_id=None,
                due_before=was_day,
                due_after=counted.day,
                calendar_year=year,
                on=today,
            )
        )
        append(
            session,
            actor=actor,
            action="talent_case.deadline_recomputed",
            object_type="talent_case",
            object_id=case.id,
            before=before_snapshot,
            after=case_snapshot(session, case),
            detail=f"{kind.value} due {was_day.isoformat()} -> {counted.day.isoformat()} "
            f"(official {year} holiday schedule loaded)",
        )
    return changes, still
