"""Filing and the two tracks: each step checked through the declared track workflow
(`ftzlink.talent.workflow`); the officials accept, return, approve (with a validity) or refuse their
own track, and the employer answers a returned one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.errors import (
    Conflict,
    InvalidInput,
    Problem,
    ValidityTooLong,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.talent.cases.common import (
    ANSWER_MAX,
    CASE_FACTS,
    NOTES_MAX,
    REQUIRED_DOCUMENTS,
    _as_decider,
    _as_employer,
    _event,
    _within,
    case_snapshot,
    tracks_of,
)
from ftzlink.talent.cases.drafting import get_case, list_documents
from ftzlink.talent.cases.people import family_of, key_enterprise_on
from ftzlink.talent.models import TalentRules
from ftzlink.talent.rules import (
    FamilyEnd,
    ResidenceLimit,
    add_years,
    family_end,
    max_residence_end,
)
from ftzlink.talent.tables import (
    Case,
    CaseFamily,
    CaseStatus,
    Professional,
    Relation,
    Track,
    TrackKind,
    TrackState,
)
from ftzlink.talent.workflow import CASE_WORKFLOW, TRACK_WORKFLOW, CaseAction, TrackAction
from ftzlink.workdays.service import current_calendar

__all__ = [
    "accept",
    "approve",
    "deadline_days",
    "lines_problems",
    "refuse",
    "residence_facts",
    "residence_limit",
    "respond",
    "return_track",
    "submit",
    "tracks_of",
    "validity_problems",
]

# --- filing and the two tracks -----------------------------------------------------------------


def submit(
    session: Session, *, principal: Principal, rules: TalentRules, case_id: int, today: dt.date
) -> Case:
    """File the draft: both tracks open as received, on the same day, with the same documents."""
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    filed = CASE_WORKFLOW.step(CaseAction.SUBMIT, case.status)
    person = session.get(Professional, case.professional_id)
    assert person is not None
    problems = []
    if case.work_permit_category is None:
        problems.append(
            Problem("choose the work-permit category applied for", field="work_permit_category")
        )
    if person.passport_expiry <= today:
        problems.append(Problem("the professional's passport has expired", field="passport_expiry"))
    kinds = {d.kind for d in list_documents(session, principal=principal, case_id=case.id)}
    for missing in (k for k in REQUIRED_DOCUMENTS if k not in kinds):
        problems.append(
            Problem("upload this document before submitting", field=f"documents.{missing}")
        )
    members = {m.id: m for m in family_of(session, person.id)}
    for link in session.scalars(select(CaseFamily).where(CaseFamily.case_id == case.id)):
        member = members[link.family_member_id]
        if member.relation == Relation.CHILD and add_years(member.birth_date, 18) <= today:
            problems.append(
                Problem(f"{member.full_name} is no longer under 18", field="family_member_ids")
            )
    if problems:
        raise InvalidInput("the application cannot be submitted yet", problems)
    before = case_snapshot(session, case)
    case.status = filed
    case.submitted_on = today
    case.version += 1
    for kind in TrackKind:
        session.add(
            Track(case_id=case.id, kind=kind, state=TRACK_WORKFLOW.initial, received_on=today)
        )
    session.flush()
    _event(session, case, actor=actor, action="submit", today=today, before=before)
    return case


def _track_for(
    session: Session, principal: Principal, case_id: int, kind: TrackKind
) -> tuple[Case, Track]:
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    if case.status != CaseStatus.FILED:
        raise Conflict(f"{case.reference} has not been submitted: its tracks have not opened")
    track = tracks_of(session, case)[kind]
    return case, track


def _step(track: Track, action: TrackAction) -> TrackState:
    """The state the track's step leads to, or InvalidTransition from the declared table."""
    return TrackState(TRACK_WORKFLOW.step(action, track.state))


def deadline_days(rules: TalentRules, kind: TrackKind, category: str | None) -> int:
    if kind is TrackKind.WORK_PERMIT:
        return rules.tracks.work_permit.working_days(category or "C")
    return rules.tracks.residence.working_days


def accept(
    session: Session,
    *,
    principal: Principal,
    rules: TalentRules,
    case_id: int,
    kind: TrackKind,
    today: dt.date,
) -> Track:
    """Accept a track: its deadline runs from today, in Chinese working days."""
    actor = _as_decider(principal, kind)
    case, track = _track_for(session, principal, case_id, kind)
    target = _step(track, TrackAction.ACCEPT)
    before, was = case_snapshot(session, case), track.state
    counted = current_calendar(session).add_working_days(
        today, deadline_days(rules, kind, case.work_permit_category)
    )
    track.state = target
    track.accepted_on = today
    track.due_on = counted.day
    track.due_provisional = counted.provisional
    track.note = None
    track.version += 1
    _event(
        session,
        case,
        actor=actor,
        action="accept",
        today=today,
        before=before,
        track=track,
        from_state=was,
    )
    return track


def return_track(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    kind: TrackKind,
    questions: Sequence[str],
    today: dt.date,
) -> Track:
    """Return a track for material: the employer answers and uploads, then it is received again."""
    actor = _as_decider(principal, kind)
    asked = [q.strip() for q in questions if q.strip()]
    problems = lines_problems(asked, "questions", "at least one question")
    if problems:
        raise InvalidInput("say what is missing", problems)
    case, track = _track_for(session, principal, case_id, kind)
    target = _step(track, TrackAction.RETURN)
    before, was = case_snapshot(session, case), track.state
    track.state = target
    track.note = asked
    track.due_on = None
    track.due_provisional = False
    track.accepted_on = None
    track.version += 1
    _event(
        session,
        case,
        actor=actor,
        action="return",
        today=today,
        before=before,
        track=track,
        from_state=was,
        note=asked,
    )
    return track


def respond(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    kind: TrackKind,
    response: str,
    today: dt.date,
) -> Track:
    """The employer's answer to a returned track; the track is received again from today."""
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    problems: list[Problem] = []
    _within(response, ANSWER_MAX, "response", problems, "cannot be empty")
    if problems:
        raise InvalidInput("answer the questions", problems)
    case, track = _track_for(session, principal, case_id, kind)
    target = _step(track, TrackAction.RESPOND)
    before, was = case_snapshot(session, case), track.state
    track.state = target
    track.received_on = today
    track.note = None
    track.version += 1
    _event(
        session,
        case,
        actor=actor,
        action="respond",
        today=today,
        before=before,
        track=track,
        from_state=was,
        note=[response.strip()],
    )
    return track


def residence_facts(
    session: Session, case: Case, work_permit: Track, on: dt.date
) -> dict[str, Any]:
    """The 5-year route facts: the employer's answers plus what the platform knows itself."""
    employer = session.get(Organisation, case.employer_id)
    assert employer is not None
    facts = {k: v for k, v in case.facts.items() if k in CASE_FACTS}
    facts["employer_in_changning"] = employer.district == "changning"
    facts["employer_is_key_enterprise"] = key_enterprise_on(session, employer.id, on) is not None
    if work_permit.state == TrackState.APPROVED:
        assert work_permit.valid_from is not None and work_permit.valid_until is not None
        facts["work_permit_category"] = work_permit.category
        years = 0
        while (
            add_years(work_permit.valid_from, years + 1) - dt.timedelta(days=1)
            <= work_permit.valid_until
        ):
            years += 1
        facts["work_permit_validity_years"] = years
    elif case.work_permit_category is not None:
        facts["work_permit_category"] = case.work_permit_category
    return facts


def residence_limit(
    session: Session, rules: TalentRules, case: Case, *, start: dt.date, on: dt.date
) -> ResidenceLimit:
    """The longest residence permit from `start` the case allows, once the work permit is approved."""
    work_permit = tracks_of(session, case).get(TrackKind.WORK_PERMIT)
    if work_permit is None:
        raise Conflict(f"{case.reference} has not been submitted: its tracks have not opened")
    if work_permit.state != TrackState.APPROVED or work_permit.valid_until is None:
        raise Conflict("the residence track is decided after the work permit is approved")
    return max_residence_end(
        rules,
        residence_facts(session, case, work_permit, on),
        start=start,
        work_permit_until=work_permit.valid_until,
        requested_until=case.requested_residence_end,
    )


def approve(
    session: Session,
    *,
    principal: Principal,
    rules: TalentRules,
    case_id: int,
    kind: TrackKind,
    valid_from: dt.date,
    valid_until: dt.date,
    category: str | None = None,
    today: dt.date,
) -> Track:
    """Approve a track with a validity (both days inclusive).

    The work permit: a category (A, B or C; the one applied for by default), not longer than the
    category allows where the sources give a figure. The residence permit: only once the work
    permit is approved; within the residence rules (90 days to 5 years, 5 years only on a route,
    never beyond the work permit); the family's permits end on the same day.
    """
    actor = _as_decider(principal, kind)
    case, track = _track_for(session, principal, case_id, kind)
    target = _step(track, TrackAction.APPROVE)
    problems = validity_problems(valid_from, valid_until, today=today)
    if problems:
        raise InvalidInput("the validity is invalid", problems)
    before = case_snapshot(session, case)
    ends: list[tuple[CaseFamily, FamilyEnd]] = []
    if kind is TrackKind.WORK_PERMIT:
        category = category or case.work_permit_category
        if category not in ("A", "B", "C"):
            raise InvalidInput("the category is invalid", [Problem("A, B or C", field="category")])
        longest = rules.tracks.work_permit.longest_years(category)
        if longest is not None and valid_until >= add_years(valid_from, longest):
            last_day = add_years(valid_from, longest) - dt.timedelta(days=1)
            raise ValidityTooLong(
                last_day=last_day,
                detail=f"a category {category} work permit runs at most {longest} years "
                f"({rules.tracks.work_permit.longest_citation}, unverified): "
                f"the last day may be {last_day}",
            )
        track.category = category
    else:
        limit = residence_limit(session, rules, case, start=valid_from, on=today)
        if limit.status == "refused" or limit.end is None:
            reasons = "; ".join(r.text.en for r in limit.reasons)
            raise Conflict(f"no residence permit can be issued from {valid_from}: {reasons}")
        last_day = limit.end
        if valid_until > last_day:
            reasons = "; ".join(r.text.en for r in limit.reasons)
            raise ValidityTooLong(
                last_day=last_day,
                detail=f"the last day may be {last_day} at the latest: {reasons}",
            )
        least = valid_from + dt.timedelta(days=rules.residence.duration.min_days)
        if valid_until + dt.timedelta(days=1) < least:
            raise InvalidInput(
                "the validity is too short",
                [
                    Problem(
                        f"a work-type residence permit runs at least {rules.residence.duration.min_days} days",
                        field="valid_until",
                    )
                ],
            )
        members = {m.id: m for m in family_of(session, case.professional_id)}
        for link in session.scalars(select(CaseFamily).where(CaseFamily.case_id == case.id)):
            member = members[link.family_member_id]
            age = _age(member.birth_date, today)
            result = family_end(
                rules,
                principal_end=valid_until,
                member={"relation": member.relation, "age": age},
            )
            ends.append((link, result))
        refused = [(link, r) for link, r in ends if r.end is None]
        if refused:
            names = ", ".join(members[link.family_member_id].full_name for link, _ in refused)
            raise Conflict(
                f"the rules do not let these relatives' permits run with the principal's: {names}"
            )
    was = track.state
    track.state = target
    track.valid_from = valid_from
    track.valid_until = valid_until
    track.decided_by = principal.user_id
    track.decided_on = today
    track.note = None
    track.version += 1
    for link, result in ends:
        link.permit_end = result.end
    _event(
        session,
        case,
        actor=actor,
        action="approve",
        today=today,
        before=before,
        track=track,
        from_state=was,
        validity=(valid_from, valid_until),
    )
    return track


def lines_problems(lines: Sequence[str], field: str, missing: str) -> list[Problem]:
    """An official's questions or reasons: at least one, at most NOTES_MAX characters together."""
    if not [line for line in lines if line.strip()]:
        return [Problem(missing, field=field, code="missing")]
    if sum(len(line.strip()) for line in lines) > NOTES_MAX:
        return [Problem(f"at most {NOTES_MAX} characters", field=field, code="too_long")]
    return []


def validity_problems(
    valid_from: dt.date | None, valid_until: dt.date | None, *, today: dt.date
) -> list[Problem]:
    """A permit's validity: not starting in the past, ending after it starts (None: not given)."""
    problems = []
    if valid_from is not None and valid_from < today:
        problems.append(Problem("cannot start in the past", field="valid_from", code="past"))
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        problems.append(
            Problem("must end after it starts", field="valid_until", code="before_start")
        )
    return problems


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def refuse(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    kind: TrackKind,
    reasons: Sequence[str],
    today: dt.date,
) -> Track:
    actor = _as_decider(principal, kind)
    given = [r.strip() for r in reasons if r.strip()]
    problems = lines_problems(given, "reasons", "at least one reason")
    if problems:
        raise InvalidInput("give the reasons", problems)
    case, track = _track_for(session, principal, case_id, kind)
    target = _step(track, TrackAction.REFUSE)
    before, was = case_snapshot(session, case), track.state
    track.state = target
    track.note = given
    track.due_on = None
    track.due_provisional = False
    track.decided_by = principal.user_id
    track.decided_on = today
    track.version += 1
    _event(
        session,
        case,
        actor=actor,
        action="refuse",
        today=today,
        before=before,
        track=track,
        from_state=was,
        note=given,
    )
    return track
