"""What the talent pages share: the labels of states, tracks, documents and actions, reading
forms, and saying a service refusal beside its field in the reader's language."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.errors import (
    CalendarNotCovered,
    Conflict,
    Forbidden,
    FtzlinkError,
    NotFound,
    TooLarge,
    UnsupportedType,
)
from ftzlink.talent import cases
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.models import FactDefinition, TalentRules
from ftzlink.talent.tables import (
    Case,
    Professional,
    TrackKind,
)
from ftzlink.web.context import Web
from ftzlink.web.forms import N_, Form

__all__ = [
    "ACTIONS",
    "CASE_STATUSES",
    "CATEGORIES",
    "DISTINCTIONS",
    "DOCUMENT_NAMES",
    "FACTOR_OUTCOMES",
    "FAMILY_BIRTH",
    "PAGES",
    "PERSON_PROBLEMS",
    "POST_FACTS",
    "QUEUES",
    "QUEUE_OF",
    "RELATIONS",
    "TASK_STATES",
    "TRACK_NAMES",
    "TRACK_STATES",
    "DbId",
]


PAGES = "pages/talent/"
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]

TRACK_STATES = {
    "received": N_("Received"),
    "accepted": N_("Accepted"),
    "returned": N_("Returned for material"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
}
CASE_STATUSES = {  # the stored statuses, and what a filed case's tracks make it (overall_status)
    "draft": N_("Draft"),
    "filed": N_("Submitted"),
    "withdrawn": N_("Withdrawn"),
    "under_review": N_("Under review"),
    "returned": N_("Returned for material"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
    "decided": N_("Decided: one permit approved, one refused"),
}
TRACK_NAMES = {
    "work_permit": N_("Work permit"),
    "residence": N_("Work-type residence permit"),
}
QUEUES = {"work-permit": TrackKind.WORK_PERMIT, "residence": TrackKind.RESIDENCE}
QUEUE_OF = {TrackKind.WORK_PERMIT: "work-permit", TrackKind.RESIDENCE: "residence"}
RELATIONS = {"spouse": N_("Spouse"), "child": N_("Child under 18")}
DOCUMENT_NAMES = {
    "passport": N_("Passport"),
    "photo": N_("Photograph"),
    "health_certificate": N_("Health certificate"),
    "employer_letter": N_("Employer's letter"),
    "business_licence": N_("Employer's business licence"),
    "degree": N_("Degree certificate"),
    "experience": N_("Proof of work experience"),
    "other": N_("Other document"),
}
CATEGORIES = {
    "A": N_("Category A: high-end talent"),
    "B": N_("Category B: professional talent"),
    "C": N_("Category C: other foreign staff"),
}
ACTIONS = {
    "create": N_("Application started"),
    "update": N_("Draft saved"),
    "submit": N_("Submitted: both tracks received"),
    "accept": N_("Accepted"),
    "deadline_recomputed": N_("Deadline counted again"),
    "return": N_("Returned for material"),
    "respond": N_("Answered and received again"),
    "approve": N_("Approved"),
    "refuse": N_("Refused"),
    "withdraw": N_("Withdrawn"),
}
TASK_STATES = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "completed": N_("Completed"),
    "cannot_start": N_("Cannot start yet"),
}
FACTOR_OUTCOMES = {
    "matched": N_("Band applies"),
    "unknown": N_("Not known yet"),
    "no_band": N_("No band applies"),
    "not_encoded": N_("Not assessed here"),
}
# The facts the "About the post" task asks: the 5-year routes, then the points table's own.
POST_FACTS = (*cases.CASE_FACTS, "months_in_china_per_year", "region")
DISTINCTIONS = "distinctions."

# What a field says when the service refuses it (the service's words are English only).
PERSON_PROBLEMS = {
    "full_name": N_("Enter the name as it is in the passport"),
    "nationality": N_("Select the nationality from the list"),
    "passport_number": N_(
        "Enter the passport number as printed: 5 to 20 capital letters and digits"
    ),
    "passport_expiry": N_("The passport has expired: enter a passport valid after today"),
    "birth_date": N_("Enter a date of birth in the past"),
    "education": N_("Select the highest education"),
    "chinese_level": N_("Select the Chinese language level"),
    "experience_years": N_("Enter the years of experience as a whole number from 0 to 80"),
    "annual_salary_yuan": N_("Enter the annual salary in whole yuan, like 600000"),
    "post": N_("Enter the post"),
    "relation": N_("Select the relation; a professional has at most one spouse"),
}
FAMILY_BIRTH = {
    "spouse": N_("A spouse must be an adult"),
    "child": N_("A child must be under 18; an adult child applies on their own"),
}


def _say(web: Web, field: str) -> str:
    """What a person field says when its answer is refused, in the reader's language."""
    return web._(PERSON_PROBLEMS[field])


def _rules() -> TalentRules:
    return bundled_talent_rules()


def _fact_definitions(rules: TalentRules) -> list[FactDefinition]:
    residence = {f.id: f for f in rules.residence.fields}
    points = {f.id: f for f in rules.points.fields}
    asked = [residence[f] if f in residence else points[f] for f in POST_FACTS]
    asked += [f for f in rules.points.fields if f.id.startswith(DISTINCTIONS)]
    return asked


def _field_id(fact: str) -> str:
    return "fact-" + fact.replace(".", "-").replace("_", "-")


def _fact_value(facts: dict[str, Any], fact: str) -> Any:
    if fact.startswith(DISTINCTIONS):
        inner = facts.get("distinctions")
        return inner.get(fact.removeprefix(DISTINCTIONS)) if isinstance(inner, dict) else None
    return facts.get(fact)


def _shown_fact(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# --- who ----------------------------------------------------------------------------------------


def _employer_id(web: Web) -> tuple[Principal, int]:
    """An enterprise member and the organisation it files for."""
    principal = web.require()
    employer_id = talent_permissions.filing_employer(principal)
    if employer_id is None:
        raise Forbidden("these pages are for an employer's members")
    return principal, employer_id


def _official(web: Web, kind: TrackKind) -> Principal:
    principal = web.require()
    if not talent_permissions.reads_queue(principal, kind):
        raise Forbidden("this queue is for the officials who decide the track")
    return principal


def _own_case(web: Web, session: Session, principal: Principal, case_id: int) -> Case:
    """A case of the employer the user belongs to (an official or auditor gets "not found")."""
    case = cases.get_case(session, principal=principal, case_id=case_id)
    if not talent_permissions.files_for(principal, case.employer_id):
        raise NotFound(f"no case {case_id}")
    return case


def _own_professional(session: Session, principal: Principal, professional_id: int) -> Professional:
    person = cases.get_professional(session, principal=principal, professional_id=professional_id)
    if not talent_permissions.files_for(principal, person.employer_id):
        raise NotFound(f"no professional {professional_id}")
    return person


def _problems(web: Web, form: Form, error: FtzlinkError, fields: dict[str, str]) -> None:
    """Show a service refusal beside the field it names (else on the first field)."""
    first = next(iter(fields.values()))
    for problem in getattr(error, "problems", []) or []:
        name = problem.field or ""
        target = fields.get(name, first)
        message = PERSON_PROBLEMS.get(name)
        form.error(target, web._(message) if message else _refusal(web, error))
    if form.ok:
        form.error(first, _refusal(web, error))


def _refusal(web: Web, error: FtzlinkError) -> str:
    if isinstance(error, TooLarge):
        return web._("The file is too large.")
    if isinstance(error, UnsupportedType):
        return web._("The file must be a PDF, PNG or JPEG.")
    if isinstance(error, CalendarNotCovered):
        return web._(
            "The working-day calendar does not cover the deadline's year yet, so the deadline "
            "cannot be counted: nothing was changed"
        )
    if isinstance(error, Conflict):
        return web._("This cannot be done in the application's current state.")
    return web._("Some of the answers are not valid.")
