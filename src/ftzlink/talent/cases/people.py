"""Key-enterprise recognitions, the employer's professionals and their family, with the checks
on what a person's details may be (used by the services and, field by field, by the pages)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.countries import UnknownCountry, is_foreign_nationality
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.talent.cases.common import (
    _ALPHA3,
    _PASSPORT,
    NAME_MAX,
    POST_MAX,
    _as_employer,
    _is_official,
    _within,
    family_snapshot,
    professional_snapshot,
)
from ftzlink.talent.models import TalentRules
from ftzlink.talent.rules import (
    add_years,
)
from ftzlink.talent.tables import (
    Case,
    CaseStatus,
    FamilyMember,
    KeyEnterprise,
    Professional,
    Relation,
)

__all__ = [
    "FamilyInput",
    "ProfessionalInput",
    "add_family_member",
    "add_professional",
    "family_of",
    "family_problems",
    "get_professional",
    "key_enterprise_on",
    "list_professionals",
    "person_problems",
    "professional_problems",
    "recognise_key_enterprise",
]

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


def person_problems(
    *,
    full_name: str,
    nationality: str,
    passport_number: str,
    expiry: dt.date | None,
    birth: dt.date | None,
    today: dt.date,
) -> list[Problem]:
    """What is wrong with a person's identity as typed; a date not given (None) is not checked."""
    problems: list[Problem] = []
    _within(full_name, NAME_MAX, "full_name", problems, "enter the name as in the passport")
    if not _ALPHA3.match(nationality) or not is_foreign_nationality(nationality):
        problems.append(
            Problem(
                "an ISO 3166-1 alpha-3 code of a foreign country, e.g. DEU",
                field="nationality",
                code=UnknownCountry.code,
            )
        )
    if not _PASSPORT.match(passport_number):
        problems.append(
            Problem("5 to 20 capital letters and digits, as printed", field="passport_number")
        )
    if expiry is not None and expiry <= today:
        problems.append(Problem("the passport has expired", field="passport_expiry"))
    if birth is not None and birth >= today:
        problems.append(Problem("must be in the past", field="birth_date"))
    return problems


def professional_problems(
    rules: TalentRules,
    *,
    education: str,
    chinese_level: str,
    experience_years: int | None,
    annual_salary_yuan: int | None,
    post: str,
) -> list[Problem]:
    """What is wrong with a professional's points-table answers; a number not given is not checked."""
    problems = []
    if education not in _choices(rules, "education"):
        problems.append(Problem("not one of the points table's levels", field="education"))
    if chinese_level not in _choices(rules, "chinese_level"):
        problems.append(Problem("not one of the points table's levels", field="chinese_level"))
    if experience_years is not None and not 0 <= experience_years <= 80:
        problems.append(Problem("between 0 and 80 whole years", field="experience_years"))
    if annual_salary_yuan is not None and annual_salary_yuan < 0:
        problems.append(Problem("cannot be negative", field="annual_salary_yuan"))
    _within(post, POST_MAX, "post", problems, "name the post")
    return problems


def family_problems(
    session: Session,
    *,
    professional_id: int,
    relation: str,
    birth: dt.date | None,
    today: dt.date,
) -> list[Problem]:
    """A spouse (one, an adult) or a child under 18 on the day it is recorded."""
    problems = []
    relations = {r.value for r in Relation}
    if relation not in relations:
        problems.append(
            Problem(f"one of: {', '.join(sorted(relations))}", field="relation", code="unknown")
        )
    elif relation == Relation.CHILD and birth is not None and add_years(birth, 18) <= today:
        if birth < today:
            problems.append(
                Problem(
                    "a child must be under 18; an adult child applies on their own",
                    field="birth_date",
                    code="adult_child",
                )
            )
    elif relation == Relation.SPOUSE:
        if any(m.relation == Relation.SPOUSE for m in family_of(session, professional_id)):
            problems.append(
                Problem("a spouse is already recorded", field="relation", code="second_spouse")
            )
        if birth is not None and add_years(birth, 18) > today:
            problems.append(
                Problem("a spouse must be an adult", field="birth_date", code="minor_spouse")
            )
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
    problems = person_problems(
        full_name=data.full_name,
        nationality=data.nationality,
        passport_number=data.passport_number,
        expiry=data.passport_expiry,
        birth=data.birth_date,
        today=today,
    ) + professional_problems(
        rules,
        education=data.education,
        chinese_level=data.chinese_level,
        experience_years=data.experience_years,
        annual_salary_yuan=data.annual_salary_yuan,
        post=data.post,
    )
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
    problems = person_problems(
        full_name=data.full_name,
        nationality=data.nationality,
        passport_number=data.passport_number,
        expiry=data.passport_expiry,
        birth=data.birth_date,
        today=today,
    ) + family_problems(
        session,
        professional_id=professional_id,
        relation=data.relation,
        birth=data.birth_date,
        today=today,
    )
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
