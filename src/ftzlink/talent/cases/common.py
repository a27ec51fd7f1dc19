"""The talent cases' shared parts: document kinds and case facts, length limits, who acts as
employer or decider, the masked snapshots for the audit log, and one recorded event per change."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.db import utcnow
from ftzlink.errors import (
    Forbidden,
    Problem,
)
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.tables import (
    Case,
    CaseEvent,
    CaseFamily,
    CaseStatus,
    FamilyMember,
    Professional,
    Track,
    TrackKind,
    TrackState,
)

__all__ = [
    "ANSWER_MAX",
    "CASE_FACTS",
    "DOCUMENT_KINDS",
    "NAME_MAX",
    "NOTES_MAX",
    "ONCE_ONLY",
    "POINTS_FACTS",
    "POST_MAX",
    "REQUIRED_DOCUMENTS",
    "case_snapshot",
    "decides",
    "family_snapshot",
    "overall_status",
    "professional_snapshot",
    "sees_passports",
    "tracks_of",
]

# What an employer uploads once for both tracks (the residence-permit documents of talent.md, Med).
DOCUMENT_KINDS = (
    "passport",
    "photo",
    "health_certificate",
    "employer_letter",
    "business_licence",
    "degree",
    "experience",
    "other",
)
# Each kind is uploaded once (both tracks share it); "other" as often as needed.
ONCE_ONLY = tuple(k for k in DOCUMENT_KINDS if k != "other")
REQUIRED_DOCUMENTS = ("passport", "photo", "employer_letter")

# The facts of the 5-year routes the employer states; the others come from the platform's records.
CASE_FACTS = (
    "consecutive_shanghai_permits",
    "residence_violations",
    "works_in_lingang",
    "senior_manager",
    "employer_kind",
    "invited_expert_of_key_institution",
    "certified_talent",
    "high_level_professional",
)
# The points-table facts that are not columns of the professional.
POINTS_FACTS = (
    "months_in_china_per_year",
    "region",
    "distinctions",
)

_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")


# --- who may do what ---------------------------------------------------------------------------


_is_official = talent_permissions.is_official
decides = talent_permissions.decides
sees_passports = talent_permissions.sees_passports


def _as_employer(p: Principal, employer_id: int) -> Actor:
    if not talent_permissions.files_for(p, employer_id):
        raise Forbidden("only the employer's members file for its professionals")
    return Actor(p.user_id, p.username, employer_id)


def _as_decider(p: Principal, kind: TrackKind) -> Actor:
    if not decides(p, kind):
        who = "a work-permit officer" if kind is TrackKind.WORK_PERMIT else "an exit-entry officer"
        raise Forbidden(f"only {who} decides the {kind.value.replace('_', '-')} track")
    return Actor(p.user_id, p.username, None)


# --- masking for the audit log and lists -------------------------------------------------------


def professional_snapshot(p: Professional) -> dict[str, Any]:
    return {
        "employer_id": p.employer_id,
        "full_name": p.full_name,
        "nationality": p.nationality,
        "passport_number": mask_passport(p.passport_number),
        "passport_expiry": p.passport_expiry,
        "birth_date": p.birth_date,
        "education": p.education,
        "experience_years": p.experience_years,
        "annual_salary_yuan": p.annual_salary_yuan,
        "chinese_level": p.chinese_level,
        "post": p.post,
        "version": p.version,
    }


def family_snapshot(m: FamilyMember) -> dict[str, Any]:
    return {
        "professional_id": m.professional_id,
        "relation": m.relation,
        "full_name": m.full_name,
        "nationality": m.nationality,
        "passport_number": mask_passport(m.passport_number),
        "passport_expiry": m.passport_expiry,
        "birth_date": m.birth_date,
    }


def case_snapshot(session: Session, case: Case) -> dict[str, Any]:
    tracks = session.scalars(select(Track).where(Track.case_id == case.id).order_by(Track.kind))
    family = session.scalars(select(CaseFamily).where(CaseFamily.case_id == case.id))
    return {
        "reference": case.reference,
        "employer_id": case.employer_id,
        "professional_id": case.professional_id,
        "work_permit_category": case.work_permit_category,
        "requested_residence_end": case.requested_residence_end,
        "facts": case.facts,
        "status": case.status,
        "submitted_on": case.submitted_on,
        "family": {str(f.family_member_id): f.permit_end for f in family},
        "tracks": {
            t.kind: {
                "state": t.state,
                "due_on": t.due_on,
                "due_provisional": t.due_provisional,
                "valid_from": t.valid_from,
                "valid_until": t.valid_until,
                "category": t.category,
            }
            for t in tracks
        },
        "version": case.version,
    }


# Length limits of what a person types (the database columns allow as much).
NAME_MAX = 200
POST_MAX = 200
ANSWER_MAX = 2000
NOTES_MAX = 4000  # questions or reasons together


def _within(text: str, limit: int, field: str, problems: list[Problem], missing: str) -> None:
    if not text.strip():
        problems.append(Problem(missing, field=field, code="missing"))
    elif len(text.strip()) > limit:
        problems.append(Problem(f"at most {limit} characters", field=field, code="too_long"))


def _event(
    session: Session,
    case: Case,
    *,
    actor: Actor,
    action: str,
    today: dt.date,
    before: dict[str, Any] | None,
    track: Track | None = None,
    from_state: str | None = None,
    note: list[str] | None = None,
    validity: tuple[dt.date, dt.date] | None = None,
) -> None:
    case.updated_at = utcnow()
    session.flush()
    session.add(
        CaseEvent(
            case_id=case.id,
            track=track.kind if track is not None else None,
            action=action,
            from_state=from_state,
            to_state=track.state if track is not None else case.status,
            actor_id=actor.user_id,
            acted_for_id=actor.acted_for_id,
            note=note,
            valid_from=validity[0] if validity else None,
            valid_until=validity[1] if validity else None,
            on=today,
        )
    )
    append(
        session,
        actor=actor,
        action=f"talent_case.{action}",
        object_type="talent_case",
        object_id=case.id,
        before=before,
        after=case_snapshot(session, case),
        detail="; ".join(note or [])
        or (f"valid {validity[0].isoformat()} to {validity[1].isoformat()}" if validity else ""),
    )


def tracks_of(session: Session, case: Case) -> dict[TrackKind, Track]:
    rows = session.scalars(select(Track).where(Track.case_id == case.id))
    return {TrackKind(t.kind): t for t in rows}


_DECIDED = {TrackState.APPROVED.value, TrackState.REFUSED.value}


def overall_status(case: Case, tracks: Iterable[Track]) -> str:
    """What a case's status says to a person: a filed case follows its tracks — "returned" when
    one waits for material, "approved"/"refused" when every track ended so, "decided" when they
    ended differently, "under_review" otherwise. A draft or withdrawn case says so."""
    if case.status != CaseStatus.FILED:
        return case.status
    states = [t.state for t in tracks]
    if TrackState.RETURNED.value in states:
        return "returned"
    if not states or not all(s in _DECIDED for s in states):
        return "under_review"
    if all(s == TrackState.APPROVED.value for s in states):
        return "approved"
    if all(s == TrackState.REFUSED.value for s in states):
        return "refused"
    return "decided"
