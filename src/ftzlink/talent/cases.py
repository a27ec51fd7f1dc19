"""The foreign-talent one-stop service: professionals and their family, key-enterprise recognitions,
and the combined application (a "case") whose work-permit and residence tracks two authorities
decide side by side.

Who does what:
- the employer's members file for its professionals: record them and their family, draft a case,
  upload each document once, submit, answer a track returned for material;
- a work-permit officer accepts, returns, approves (with a validity) or refuses the work-permit track;
- an exit-entry officer does the same for the residence track, which it may approve only once the
  work permit is approved, and never for longer than the work permit or the residence rules allow;
  the family's permits end on the same date as the principal's;
- a reviewer of the employer's district (or a platform admin) records key-enterprise recognitions;
- the auditor and platform admins read everything and the officials read filed cases; nobody else
  sees any of it. Passport numbers are shown in full only to the employer's members and the deciding
  officials (`sees_passports`); lists, exports and the audit log carry the masked form.

Time limits are counted in Chinese working days (`ftzlink.workdays`), provisionally through a
year whose official holiday schedule is not loaded yet, and counted again when it is. Every change is recorded in the
case's history and in the audit log, with who acted for whom.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from ftzlink.applications.documents import store_upload
from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.models import Role
from ftzlink.auth.principal import Principal
from ftzlink.db import utcnow
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
)
from ftzlink.organisations.models import Organisation
from ftzlink.talent.models import TalentRules
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.rules import (
    FamilyEnd,
    PointsAssessment,
    ResidenceLimit,
    add_years,
    assess_points,
    family_end,
    max_residence_end,
)
from ftzlink.talent.tables import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseFamily,
    CaseStatus,
    FamilyMember,
    KeyEnterprise,
    Professional,
    Relation,
    Track,
    TrackKind,
    TrackState,
)
from ftzlink.talent.workflow import CASE_WORKFLOW, TRACK_WORKFLOW, CaseAction, TrackAction
from ftzlink.workdays import WorkCalendar
from ftzlink.workdays.service import current_calendar, record_change

__all__ = [
    "DOCUMENT_KINDS",
    "REQUIRED_DOCUMENTS",
    "CaseView",
    "FamilyInput",
    "ProfessionalInput",
    "accept",
    "add_document",
    "add_family_member",
    "add_professional",
    "approve",
    "case_view",
    "create_case",
    "decides",
    "find_case",
    "get_case",
    "get_document",
    "get_professional",
    "key_enterprise_on",
    "list_cases",
    "list_documents",
    "list_professionals",
    "recognise_key_enterprise",
    "refuse",
    "respond",
    "return_track",
    "sees_passports",
    "submit",
    "tracks_of",
    "update_case",
    "withdraw",
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

DECIDER = {
    TrackKind.WORK_PERMIT: Role.WORK_PERMIT_OFFICER,
    TrackKind.RESIDENCE: Role.EXIT_ENTRY_OFFICER,
}
_OFFICIALS = (Role.WORK_PERMIT_OFFICER, Role.EXIT_ENTRY_OFFICER)
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")


# --- who may do what ---------------------------------------------------------------------------


def _is_official(p: Principal) -> bool:
    return any(p.has(r) for r in _OFFICIALS)


def decides(p: Principal, kind: TrackKind | str) -> bool:
    return p.has(DECIDER[TrackKind(kind)])


def sees_passports(p: Principal, employer_id: int) -> bool:
    """Passport numbers in full: the employer's members and the deciding officials only."""
    return employer_id in p.member_of() or _is_official(p)


def _as_employer(p: Principal, employer_id: int) -> Actor:
    if employer_id not in p.member_of():
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


# --- key enterprises ---------------------------------------------------------------------------


def recognise_key_enterprise(
    session: Session,
    *,
    principal: Principal,
    organisation_id: int,
    recognised_by: str,
    valid_from: dt.date,
    valid_until: dt.date,
) -> KeyEnterprise:
    """Record that an organisation is a key enterprise: a reviewer of its district or an admin."""
    org = session.get(Organisation, organisation_id)
    if org is None or not permissions.can_read_organisation(
        principal, organisation_id=organisation_id, district=org.district, delegated=()
    ):
        raise NotFound(f"no organisation {organisation_id}")
    if not (
        principal.is_platform_admin or permissions.can_review(principal, district=org.district)
    ):
        raise Forbidden("only a reviewer of the organisation's district records a recognition")
    problems = []
    if not recognised_by.strip():
        problems.append(Problem("name the authority that recognised it", field="recognised_by"))
    if valid_until < valid_from:
        problems.append(Problem("ends before it starts", field="valid_until"))
    if problems:
        raise InvalidInput("the recognition is invalid", problems)
    row = KeyEnterprise(
        organisation_id=organisation_id,
        recognised_by=recognised_by.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        recorded_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username, None),
        action="key_enterprise.recognise",
        object_type="organisation",
        object_id=organisation_id,
        after={
            "recognised_by": row.recognised_by,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    return row


def key_enterprise_on(session: Session, organisation_id: int, on: dt.date) -> KeyEnterprise | None:
    """The recognition in force on a day, if any (the one ending last)."""
    return session.scalar(
        select(KeyEnterprise)
        .where(
            KeyEnterprise.organisation_id == organisation_id,
            KeyEnterprise.valid_from <= on,
            KeyEnterprise.valid_until >= on,
        )
        .order_by(KeyEnterprise.valid_until.desc())
        .limit(1)
    )


# --- professionals and family ------------------------------------------------------------------


@dataclass(frozen=True)
class ProfessionalInput:
    full_name: str
    nationality: str
    passport_number: str
    passport_expiry: dt.date
    birth_date: dt.date
    education: str
    experience_years: int
    annual_salary_yuan: int
    chinese_level: str
    post: str


@dataclass(frozen=True)
class FamilyInput:
    relation: str
    full_name: str
    nationality: str
    passport_number: str
    passport_expiry: dt.date
    birth_date: dt.date


def _choices(rules: TalentRules, field: str) -> set[str]:
    definition = next(f for f in rules.points.fields if f.id == field)
    return {c.id for c in definition.choices or []}


def _person_problems(
    *,
    full_name: str,
    nationality: str,
    passport_number: str,
    expiry: dt.date,
    birth: dt.date,
    today: dt.date,
) -> list[Problem]:
    problems = []
    if not full_name.strip():
        problems.append(Problem("enter the name as in the passport", field="full_name"))
    if not _ALPHA3.match(nationality):
        problems.append(
            Problem("an ISO 3166-1 alpha-3 code in capitals, e.g. DEU", field="nationality")
        )
    if not _PASSPORT.match(passport_number):
        problems.append(
            Problem("5 to 20 capital letters and digits, as printed", field="passport_number")
        )
    if birth >= today:
        problems.append(Problem("must be in the past", field="birth_date"))
    if expiry <= today:
        problems.append(Problem("the passport has expired", field="passport_expiry"))
    return problems


def add_professional(
    session: Session,
    *,
    principal: Principal,
    rules: TalentRules,
    employer_id: int,
    data: ProfessionalInput,
    today: dt.date,
) -> Professional:
    actor = _as_employer(principal, employer_id)
    problems = _person_problems(
        full_name=data.full_name,
        nationality=data.nationality,
        passport_number=data.passport_number,
        expiry=data.passport_expiry,
        birth=data.birth_date,
        today=today,
    )
    if data.education not in _choices(rules, "education"):
        problems.append(Problem("not one of the points table's levels", field="education"))
    if data.chinese_level not in _choices(rules, "chinese_level"):
        problems.append(Problem("not one of the points table's levels", field="chinese_level"))
    if not 0 <= data.experience_years <= 80:
        problems.append(Problem("between 0 and 80 whole years", field="experience_years"))
    if data.annual_salary_yuan < 0:
        problems.append(Problem("cannot be negative", field="annual_salary_yuan"))
    if not data.post.strip():
        problems.append(Problem("name the post", field="post"))
    if problems:
        raise InvalidInput("the professional's details are invalid", problems)
    taken = session.scalar(
        select(Professional.id).where(
            Professional.employer_id == employer_id,
            Professional.nationality == data.nationality,
            Professional.passport_number == data.passport_number,
        )
    )
    if taken is not None:
        raise Conflict(f"this passport is already recorded for professional {taken}")
    person = Professional(
        employer_id=employer_id,
        full_name=data.full_name.strip(),
        nationality=data.nationality,
        passport_number=data.passport_number,
        passport_expiry=data.passport_expiry,
        birth_date=data.birth_date,
        education=data.education,
        experience_years=data.experience_years,
        annual_salary_yuan=data.annual_salary_yuan,
        chinese_level=data.chinese_level,
        post=data.post.strip(),
        created_by=principal.user_id,
    )
    session.add(person)
    session.flush()
    append(
        session,
        actor=actor,
        action="professional.create",
        object_type="professional",
        object_id=person.id,
        after=professional_snapshot(person),
    )
    return person


def _visible_professionals(principal: Principal) -> Select[Professional]:
    query = select(Professional)
    if permissions.reads_everything(principal):
        return query
    clauses: list[ColumnElement[bool]] = [Professional.employer_id.in_(principal.member_of())]
    if _is_official(principal):
        filed = select(Case.professional_id).where(Case.status == CaseStatus.FILED)
        clauses.append(Professional.id.in_(filed))
    return query.where(or_(false(), *clauses))


def get_professional(
    session: Session, *, principal: Principal, professional_id: int
) -> Professional:
    person = session.scalar(
        _visible_professionals(principal).where(Professional.id == professional_id)
    )
    if person is None:
        raise NotFound(f"no professional {professional_id}")
    return person


def list_professionals(
    session: Session, *, principal: Principal, employer_id: int | None = None
) -> list[Professional]:
    query = _visible_professionals(principal)
    if employer_id is not None:
        query = query.where(Professional.employer_id == employer_id)
    return list(session.scalars(query.order_by(Professional.id)))


def family_of(session: Session, professional_id: int) -> list[FamilyMember]:
    return list(
        session.scalars(
            select(FamilyMember)
            .where(FamilyMember.professional_id == professional_id)
            .order_by(FamilyMember.id)
        )
    )


def add_family_member(
    session: Session,
    *,
    principal: Principal,
    professional_id: int,
    data: FamilyInput,
    today: dt.date,
) -> FamilyMember:
    """A spouse (one) or a child under 18 on the day it is recorded."""
    person = get_professional(session, principal=principal, professional_id=professional_id)
    actor = _as_employer(principal, person.employer_id)
    problems = _person_problems(
        full_name=data.full_name,
        nationality=data.nationality,
        passport_number=data.passport_number,
        expiry=data.passport_expiry,
        birth=data.birth_date,
        today=today,
    )
    relations = {r.value for r in Relation}
    if data.relation not in relations:
        problems.append(Problem(f"one of: {', '.join(sorted(relations))}", field="relation"))
    elif (
        data.relation == Relation.CHILD
        and data.birth_date < today
        and add_years(data.birth_date, 18) <= today
    ):
        problems.append(
            Problem(
                "a child must be under 18; an adult child applies on their own", field="birth_date"
            )
        )
    elif data.relation == Relation.SPOUSE:
        if any(m.relation == Relation.SPOUSE for m in family_of(session, professional_id)):
            problems.append(Problem("a spouse is already recorded", field="relation"))
        if add_years(data.birth_date, 18) > today:
            problems.append(Problem("a spouse must be an adult", field="birth_date"))
    if problems:
        raise InvalidInput("the family member's details are invalid", problems)
    member = FamilyMember(
        professional_id=professional_id,
        relation=data.relation,
        full_name=data.full_name.strip(),
        nationality=data.nationality,
        passport_number=data.passport_number,
        passport_expiry=data.passport_expiry,
        birth_date=data.birth_date,
        created_by=principal.user_id,
    )
    session.add(member)
    session.flush()
    append(
        session,
        actor=actor,
        action="family_member.create",
        object_type="family_member",
        object_id=member.id,
        after=family_snapshot(member),
    )
    return member


# --- cases: visibility, drafting ---------------------------------------------------------------


def _visible_cases(principal: Principal) -> Select[Case]:
    query = select(Case)
    if permissions.reads_everything(principal):
        return query
    clauses: list[ColumnElement[bool]] = [Case.employer_id.in_(principal.member_of())]
    if _is_official(principal):
        clauses.append(Case.status == CaseStatus.FILED)
    return query.where(or_(false(), *clauses))


def get_case(session: Session, *, principal: Principal, case_id: int, lock: bool = False) -> Case:
    query = _visible_cases(principal).where(Case.id == case_id)
    case = session.scalar(query.with_for_update() if lock else query)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def find_case(session: Session, *, principal: Principal, reference: str) -> Case:
    """A case by its reference (any case), among those the principal sees."""
    case = session.scalar(
        _visible_cases(principal).where(Case.reference == reference.strip().upper())
    )
    if case is None:
        raise NotFound(f"no case {reference}")
    return case


def list_cases(
    session: Session,
    *,
    principal: Principal,
    employer_id: int | None = None,
    track: TrackKind | None = None,
    state: TrackState | None = None,
    status: CaseStatus | None = None,
) -> list[Case]:
    """Cases the principal sees, newest first; `track` and `state` make an official's queue."""
    query = _visible_cases(principal)
    if employer_id is not None:
        query = query.where(Case.employer_id == employer_id)
    if status is not None:
        query = query.where(Case.status == status)
    if track is not None or state is not None:
        tracks = select(Track.case_id)
        if track is not None:
            tracks = tracks.where(Track.kind == track)
        if state is not None:
            tracks = tracks.where(Track.state == state)
        query = query.where(Case.id.in_(tracks))
    return list(session.scalars(query.order_by(Case.id.desc())))


def _facts_problems(rules: TalentRules, facts: dict[str, Any]) -> list[Problem]:
    known = {f.id: f for f in rules.residence.fields if f.id in CASE_FACTS}
    points = {f.id.split(".")[0]: f for f in rules.points.fields}
    problems = []
    for key, value in facts.items():
        if key in known:
            definition = known[key]
        elif key in POINTS_FACTS and key != "distinctions":
            definition = points[key]
        elif key == "distinctions":
            if not isinstance(value, dict) or not all(
                isinstance(v, bool) and f"distinctions.{k}" in {f.id for f in rules.points.fields}
                for k, v in value.items()
            ):
                problems.append(
                    Problem("yes/no answers to the listed distinctions", field=f"facts.{key}")
                )
            continue
        else:
            problems.append(Problem("not a fact the talent rules ask for", field=f"facts.{key}"))
            continue
        ok = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "str": isinstance(value, str),
        }.get(definition.type, False)
        if ok and definition.choices and value not in {c.id for c in definition.choices}:
            ok = False
        if ok and definition.type == "int":
            low, high = definition.minimum, definition.maximum
            ok = (low is None or value >= low) and (high is None or value <= high)
        if not ok:
            problems.append(
                Problem(f"not a valid answer to: {definition.label.en}", field=f"facts.{key}")
            )
    return problems


def _draft_problems(
    session: Session,
    rules: TalentRules,
    person: Professional,
    *,
    category: str | None,
    requested_residence_end: dt.date | None,
    facts: dict[str, Any],
    family_ids: Sequence[int],
    today: dt.date,
) -> list[Problem]:
    problems = _facts_problems(rules, facts)
    if category is not None and category not in ("A", "B", "C"):
        problems.append(Problem("A, B or C", field="work_permit_category"))
    if requested_residence_end is not None and requested_residence_end <= today:
        problems.append(Problem("must be in the future", field="requested_residence_end"))
    own = {m.id for m in family_of(session, person.id)}
    strangers = sorted(set(family_ids) - own)
    if strangers:
        problems.append(
            Problem(f"not family of this professional: {strangers}", field="family_member_ids")
        )
    return problems


def _set_family(session: Session, case: Case, family_ids: Sequence[int]) -> None:
    for row in session.scalars(select(CaseFamily).where(CaseFamily.case_id == case.id)):
        session.delete(row)
    session.flush()
    for member_id in sorted(set(family_ids)):
        session.add(CaseFamily(case_id=case.id, family_member_id=member_id))


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


def create_case(
    session: Session,
    *,
    principal: Principal,
    rules: TalentRules,
    professional_id: int,
    work_permit_category: str | None = None,
    requested_residence_end: dt.date | None = None,
    facts: dict[str, Any] | None = None,
    family_member_ids: Sequence[int] = (),
    today: dt.date,
) -> Case:
    person = get_professional(session, principal=principal, professional_id=professional_id)
    actor = _as_employer(principal, person.employer_id)
    facts = dict(facts or {})
    problems = _draft_problems(
        session,
        rules,
        person,
        category=work_permit_category,
        requested_residence_end=requested_residence_end,
        facts=facts,
        family_ids=family_member_ids,
        today=today,
    )
    if problems:
        raise InvalidInput("the application is invalid", problems)
    case = Case(
        reference=f"TAL-{today.year}-{secrets.token_hex(4).upper()}",
        employer_id=person.employer_id,
        professional_id=person.id,
        work_permit_category=work_permit_category,
        requested_residence_end=requested_residence_end,
        facts=facts,
        status=CASE_WORKFLOW.initial,
        created_by=principal.user_id,
    )
    session.add(case)
    session.flush()
    _set_family(session, case, family_member_ids)
    _event(session, case, actor=actor, action="create", today=today, before=None)
    return case


_UNSET: Any = object()


def update_case(
    session: Session,
    *,
    principal: Principal,
    rules: TalentRules,
    case_id: int,
    today: dt.date,
    work_permit_category: str | None = _UNSET,
    requested_residence_end: dt.date | None = _UNSET,
    facts: dict[str, Any] | None = _UNSET,
    family_member_ids: Sequence[int] | None = _UNSET,
    expected_version: int | None = None,
) -> Case:
    """Save a draft (any part of it): the employer resumes where it left off."""
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    CASE_WORKFLOW.step(CaseAction.UPDATE, case.status)
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            f"{case.reference} changed since it was read (version {case.version}, not {expected_version})"
        )
    before = case_snapshot(session, case)
    person = session.get(Professional, case.professional_id)
    assert person is not None
    current_family = [
        f.family_member_id
        for f in session.scalars(select(CaseFamily).where(CaseFamily.case_id == case.id))
    ]
    new_category = (
        case.work_permit_category if work_permit_category is _UNSET else work_permit_category
    )
    new_end = (
        case.requested_residence_end
        if requested_residence_end is _UNSET
        else requested_residence_end
    )
    new_facts = case.facts if facts is _UNSET else {**case.facts, **(facts or {})}
    new_family = current_family if family_member_ids is _UNSET else list(family_member_ids or [])
    problems = _draft_problems(
        session,
        rules,
        person,
        category=new_category,
        requested_residence_end=new_end,
        facts=new_facts,
        family_ids=new_family,
        today=today,
    )
    if problems:
        raise InvalidInput("the application is invalid", problems)
    case.work_permit_category = new_category
    case.requested_residence_end = new_end
    case.facts = new_facts
    if family_member_ids is not _UNSET:
        _set_family(session, case, new_family)
    case.version += 1
    _event(session, case, actor=actor, action="update", today=today, before=before)
    return case


def withdraw(session: Session, *, principal: Principal, case_id: int, today: dt.date) -> Case:
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    target = CASE_WORKFLOW.step(CaseAction.WITHDRAW, case.status)
    before = case_snapshot(session, case)
    case.status = target
    case.version += 1
    _event(session, case, actor=actor, action="withdraw", today=today, before=before)
    return case


# --- documents: uploaded once, shared by both tracks -------------------------------------------


def add_document(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    kind: str,
    filename: str,
    content_type: str,
    data: bytes,
    root: Path,
    max_bytes: int,
    today: dt.date,
) -> CaseDocument:
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    tracks = tracks_of(session, case)
    returned = any(t.state == TrackState.RETURNED for t in tracks.values())
    if case.status != CaseStatus.DRAFT and not returned:
        raise Conflict(
            f"documents are added to a draft, or to a case returned for material; {case.reference} is not"
        )
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(
            "cannot upload", [Problem(f"one of: {', '.join(DOCUMENT_KINDS)}", field="kind")]
        )
    name, declared, sha256 = store_upload(
        filename=filename, content_type=content_type, data=data, root=root, max_bytes=max_bytes
    )
    doc = CaseDocument(
        case_id=case.id,
        kind=kind,
        filename=name[:200],
        media_type=declared,
        size=len(data),
        sha256=sha256,
        uploaded_by=principal.user_id,
    )
    session.add(doc)
    session.flush()
    append(
        session,
        actor=actor,
        action="talent_document.add",
        object_type="talent_document",
        object_id=doc.id,
        after={"case_id": case.id, "kind": kind, "filename": doc.filename, "sha256": sha256},
    )
    return doc


def list_documents(session: Session, *, principal: Principal, case_id: int) -> list[CaseDocument]:
    case = get_case(session, principal=principal, case_id=case_id)
    return list(
        session.scalars(
            select(CaseDocument).where(CaseDocument.case_id == case.id).order_by(CaseDocument.id)
        )
    )


def get_document(session: Session, *, principal: Principal, document_id: int) -> CaseDocument:
    doc = session.get(CaseDocument, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    try:
        get_case(session, principal=principal, case_id=doc.case_id)
    except NotFound:
        raise NotFound(f"no document {document_id}") from None
    return doc


# --- filing and the two tracks -----------------------------------------------------------------


def tracks_of(session: Session, case: Case) -> dict[TrackKind, Track]:
    rows = session.scalars(select(Track).where(Track.case_id == case.id))
    return {TrackKind(t.kind): t for t in rows}


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
    if not asked:
        raise InvalidInput(
            "say what is missing", [Problem("at least one question", field="questions")]
        )
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
    if not response.strip():
        raise InvalidInput("answer the questions", [Problem("cannot be empty", field="response")])
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
    problems = []
    if valid_from < today:
        problems.append(Problem("cannot start in the past", field="valid_from"))
    if valid_until <= valid_from:
        problems.append(Problem("must end after it starts", field="valid_until"))
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
            raise InvalidInput(
                "the validity is too long",
                [
                    Problem(
                        f"a category {category} work permit runs at most {longest} years "
                        f"({rules.tracks.work_permit.longest_citation}, unverified): "
                        f"the last day may be {add_years(valid_from, longest) - dt.timedelta(days=1)}",
                        field="valid_until",
                    )
                ],
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
            raise InvalidInput(
                "the validity is too long",
                [
                    Problem(
                        f"the last day may be {last_day} at the latest: {reasons}",
                        field="valid_until",
                    )
                ],
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
    if not given:
        raise InvalidInput("give the reasons", [Problem("at least one reason", field="reasons")])
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
    )


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
