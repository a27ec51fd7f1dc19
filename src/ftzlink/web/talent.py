"""Pages of the foreign-talent one-stop service: the employer records its professionals and their
family, fills in one application as a task list (save and resume, check answers, confirmation), and
follows both tracks on one status page; the work-permit and exit-entry officials work through their
queues and decide their own track only. Passport numbers are shown in full only to those
`cases.sees_passports` allows, and masked in every list."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ftzlink.applications.documents import document_path
from ftzlink.auth import permissions
from ftzlink.auth.models import User
from ftzlink.auth.principal import Principal
from ftzlink.errors import (
    CalendarNotCovered,
    Conflict,
    Forbidden,
    FtzlinkError,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedType,
)
from ftzlink.organisations.models import Organisation
from ftzlink.talent import cases
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.models import FactDefinition, TalentRules
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.rules import ResidenceLimit
from ftzlink.talent.tables import (
    Case,
    CaseEvent,
    CaseStatus,
    Professional,
    TrackKind,
    TrackState,
)
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form
from ftzlink.web.render import format_day
from ftzlink.workdays.service import current_calendar

router = APIRouter(include_in_schema=False)
T = TypeVar("T")

PAGES = "pages/talent/"
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")

TRACK_STATES = {
    "received": N_("Received"),
    "accepted": N_("Accepted"),
    "returned": N_("Returned for material"),
    "approved": N_("Approved"),
    "refused": N_("Refused"),
}
CASE_STATUSES = {
    "draft": N_("Draft"),
    "filed": N_("Submitted"),
    "withdrawn": N_("Withdrawn"),
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
    "nationality": N_("Enter the nationality as a three-letter code in capitals, like DEU"),
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


def parse_day(text: str) -> dt.date | None:
    if not _DAY.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _int(text: str, maximum: int = 10**12) -> int | None:
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    if not cleaned.isdigit() or len(cleaned) > 13:
        return None
    value = int(cleaned)
    return value if value <= maximum else None


def _change(web: Web, produce: Callable[[Session], T]) -> tuple[T | None, FtzlinkError | None]:
    """Run a change in its own transaction; a refusal rolls it back and is handed back to show."""
    try:
        with web.write() as session:
            return produce(session), None
    except (InvalidInput, Conflict, TooLarge, UnsupportedType) as error:
        return None, error


def _choices(rules: TalentRules, field: str) -> list[tuple[str, str]]:
    definition = next(f for f in rules.points.fields if f.id == field)
    return [(c.id, c.label.en) for c in definition.choices or []]


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
    own = sorted(principal.member_of())
    if not own:
        raise Forbidden("these pages are for an employer's members")
    return principal, own[0]


def _official(web: Web, kind: TrackKind) -> Principal:
    principal = web.require()
    if not (cases.decides(principal, kind) or permissions.reads_everything(principal)):
        raise Forbidden("this queue is for the officials who decide the track")
    return principal


def _own_case(web: Web, session: Session, principal: Principal, case_id: int) -> Case:
    """A case of the employer the user belongs to (an official or auditor gets "not found")."""
    case = cases.get_case(session, principal=principal, case_id=case_id)
    if case.employer_id not in principal.member_of():
        raise NotFound(f"no case {case_id}")
    return case


def _own_professional(session: Session, principal: Principal, professional_id: int) -> Professional:
    person = cases.get_professional(session, principal=principal, professional_id=professional_id)
    if person.employer_id not in principal.member_of():
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


# --- the employer's overview ------------------------------------------------------------------


@router.get("/talent")
def dashboard(web: WebPage) -> Response:
    principal, employer_id = _employer_id(web)
    with web.read() as session:
        people = cases.list_professionals(session, principal=principal, employer_id=employer_id)
        rows = cases.list_cases(session, principal=principal, employer_id=employer_id)
        names = {p.id: p.full_name for p in people}
        tracks = {c.id: cases.tracks_of(session, c) for c in rows}
        employer = session.get(Organisation, employer_id)
    groups = [
        ("returned", web._("Returned for material"), [c for c in rows if _returned(tracks[c.id])]),
        ("drafts", web._("Drafts"), [c for c in rows if c.status == CaseStatus.DRAFT]),
        (
            "filed",
            web._("Submitted"),
            [c for c in rows if c.status == CaseStatus.FILED and not _returned(tracks[c.id])],
        ),
        ("withdrawn", web._("Withdrawn"), [c for c in rows if c.status == CaseStatus.WITHDRAWN]),
    ]
    return web.page(
        PAGES + "dashboard.html",
        people=people,
        groups=groups,
        names=names,
        tracks=tracks,
        employer=employer,
        mask=mask_passport,
        track_states=TRACK_STATES,
    )


def _returned(tracks: dict[TrackKind, Any]) -> bool:
    return any(t.state == TrackState.RETURNED for t in tracks.values())


# --- professionals and family -------------------------------------------------------------------


def _person_form_values(web: Web) -> dict[str, Any]:
    rules = _rules()
    return {
        field + "s": [(c.id, c.label.get(web.lang)) for c in _fact(rules, name).choices or []]
        for field, name in (("education", "education"), ("chinese_level", "chinese_level"))
    }


def _fact(rules: TalentRules, field: str) -> FactDefinition:
    return next(f for f in rules.points.fields if f.id == field)


def _read_person(web: Web, form: Form, *, family: bool) -> dict[str, Any]:
    """Name, nationality, passport and birth as typed, checked field by field."""
    data: dict[str, Any] = {}
    name = form.get("full_name")
    if not name:
        form.error("full_name", _say(web, "full_name"))
    elif len(name) > 200:
        form.error("full_name", web._("The name must be 200 characters or fewer"))
    data["full_name"] = name
    nationality = form.get("nationality").upper()
    if not _ALPHA3.match(nationality):
        form.error("nationality", _say(web, "nationality"))
    data["nationality"] = nationality
    passport = form.get("passport_number").upper().replace(" ", "")
    if not _PASSPORT.match(passport):
        form.error("passport_number", _say(web, "passport_number"))
    data["passport_number"] = passport
    for field, missing in (
        ("passport_expiry", N_("Enter the passport's expiry date, like 2031-05-01")),
        ("birth_date", N_("Enter the date of birth, like 1988-04-12")),
    ):
        day = parse_day(form.get(field))
        if day is None:
            form.error(field, web._(missing))
        data[field] = day
    if data["passport_expiry"] is not None and data["passport_expiry"] <= web.today:
        form.error("passport_expiry", _say(web, "passport_expiry"))
    if data["birth_date"] is not None and data["birth_date"] >= web.today:
        form.error("birth_date", _say(web, "birth_date"))
    if family:
        relation = form.get("relation")
        if relation not in RELATIONS:
            form.error("relation", web._("Select the relation to the professional"))
        data["relation"] = relation
    return data


PERSON_FIELDS = {
    k: k
    for k in (
        "full_name",
        "nationality",
        "passport_number",
        "passport_expiry",
        "birth_date",
        "education",
        "experience_years",
        "annual_salary_yuan",
        "chinese_level",
        "post",
        "relation",
    )
}


@router.get("/talent/professionals/new")
def new_professional(web: WebPage) -> Response:
    _employer_id(web)
    return web.page(PAGES + "professional_new.html", **_person_form_values(web))


@router.post("/talent/professionals/new")
async def add_professional(web: WebPage) -> Response:
    principal, employer_id = _employer_id(web)
    form = Form(await web.form())
    data = _read_person(web, form, family=False)
    rules = _rules()
    education = form.get("education")
    if education not in {c for c, _ in _choices(rules, "education")}:
        form.error("education", _say(web, "education"))
    level = form.get("chinese_level")
    if level not in {c for c, _ in _choices(rules, "chinese_level")}:
        form.error("chinese_level", _say(web, "chinese_level"))
    years = _int(form.get("experience_years"), 80)
    if years is None:
        form.error("experience_years", _say(web, "experience_years"))
    salary = _int(form.get("annual_salary_yuan"))
    if salary is None:
        form.error("annual_salary_yuan", _say(web, "annual_salary_yuan"))
    post = form.get("post")
    if not post:
        form.error("post", _say(web, "post"))
    elif len(post) > 200:
        form.error("post", web._("The post must be 200 characters or fewer"))
    person = None
    if form.ok:
        assert years is not None and salary is not None
        person, refusal = _change(
            web,
            lambda session: cases.add_professional(
                session,
                principal=principal,
                rules=rules,
                employer_id=employer_id,
                data=cases.ProfessionalInput(
                    full_name=data["full_name"],
                    nationality=data["nationality"],
                    passport_number=data["passport_number"],
                    passport_expiry=data["passport_expiry"],
                    birth_date=data["birth_date"],
                    education=education,
                    experience_years=years,
                    annual_salary_yuan=salary,
                    chinese_level=level,
                    post=post,
                ),
                today=web.today,
            ),
        )
        if refusal is not None:
            if isinstance(refusal, Conflict):
                form.error(
                    "passport_number",
                    web._("A professional with this passport is already recorded"),
                )
            else:
                _problems(web, form, refusal, PERSON_FIELDS)
    if not form.ok or person is None:
        return web.page(
            PAGES + "professional_new.html",
            status_code=400,
            errors=form.errors,
            values=form.values,
            **_person_form_values(web),
        )
    return web.redirect(f"/talent/professionals/{person.id}")


@router.get("/talent/professionals/{professional_id}")
def professional_page(web: WebPage, professional_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        person = cases.get_professional(
            session, principal=principal, professional_id=professional_id
        )
        family = cases.family_of(session, person.id)
        own = person.employer_id in principal.member_of()
        rows = [
            c
            for c in cases.list_cases(session, principal=principal, employer_id=person.employer_id)
            if c.professional_id == person.id
        ]
        full = cases.sees_passports(principal, person.employer_id)
    rules = _rules()
    return web.page(
        PAGES + "professional.html",
        person=person,
        family=family,
        own=own,
        case_rows=rows,
        passport=(lambda n: n) if full else mask_passport,
        education=_label_of(web, rules, "education", person.education),
        chinese=_label_of(web, rules, "chinese_level", person.chinese_level),
        relations=RELATIONS,
        statuses=CASE_STATUSES,
    )


def _label_of(web: Web, rules: TalentRules, field: str, value: str) -> str:
    choice = next((c for c in _fact(rules, field).choices or [] if c.id == value), None)
    return choice.label.get(web.lang) if choice else value


@router.get("/talent/professionals/{professional_id}/family/new")
def new_family(web: WebPage, professional_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        person = _own_professional(session, principal, professional_id)
    return web.page(PAGES + "family_new.html", person=person, relations=RELATIONS)


@router.post("/talent/professionals/{professional_id}/family/new")
async def add_family(web: WebPage, professional_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        person = _own_professional(session, principal, professional_id)
    data = _read_person(web, form, family=True)
    if form.ok:
        _, refusal = _change(
            web,
            lambda session: cases.add_family_member(
                session,
                principal=principal,
                professional_id=professional_id,
                data=cases.FamilyInput(**data),
                today=web.today,
            ),
        )
        if refusal is not None:
            for problem in getattr(refusal, "problems", []) or []:
                if problem.field == "birth_date":
                    message = FAMILY_BIRTH.get(data["relation"], PERSON_PROBLEMS["birth_date"])
                    form.error("birth_date", web._(message))
            if isinstance(refusal, Conflict):
                form.error(
                    "passport_number",
                    web._("A family member with this passport is already recorded"),
                )
            _problems(web, form, refusal, PERSON_FIELDS)
    if not form.ok:
        return web.page(
            PAGES + "family_new.html",
            status_code=400,
            errors=form.errors,
            values=form.values,
            person=person,
            relations=RELATIONS,
        )
    return web.redirect(f"/talent/professionals/{professional_id}")


# --- the application as a task list -------------------------------------------------------------


@router.get("/talent/cases/new")
def new_case(web: WebPage, professional: int = 0) -> Response:
    principal = web.require()
    with web.read() as session:
        person = _own_professional(session, principal, professional)
        family = cases.family_of(session, person.id)
    return web.page(PAGES + "case_new.html", person=person, family=family, relations=RELATIONS)


@router.post("/talent/cases/new")
async def create_case(web: WebPage) -> Response:
    principal = web.require()
    form = Form(await web.form())
    professional_id = _int(form.get("professional"), 2**31 - 1) or 0
    with web.read() as session:
        person = _own_professional(session, principal, professional_id)
    with web.write() as session:
        case = cases.create_case(
            session,
            principal=principal,
            rules=_rules(),
            professional_id=person.id,
            today=web.today,
        )
        case_id = case.id
    return web.redirect(f"/talent/cases/{case_id}")


@dataclass
class Draft:
    view: cases.CaseView
    family_all: list[Any]
    tasks: list[dict[str, Any]]


def _tasks(web: Web, view: cases.CaseView, family_all: list[Any]) -> list[dict[str, Any]]:
    case = view.case
    base = f"/talent/cases/{case.id}"
    category = "completed" if case.work_permit_category else "not_started"
    if view.family or not family_all:
        family = "completed"
    else:
        family = "not_started"
    asked = [f.id for f in _fact_definitions(_rules())]
    answered = [f for f in asked if _fact_value(case.facts or {}, f) is not None]
    post = (
        "completed" if len(answered) == len(asked) else "in_progress" if answered else "not_started"
    )
    kinds = {d.kind for d in view.documents}
    have = [k for k in cases.REQUIRED_DOCUMENTS if k in kinds]
    documents = (
        "completed"
        if len(have) == len(cases.REQUIRED_DOCUMENTS)
        else "in_progress"
        if view.documents
        else "not_started"
    )
    ready = category == "completed" and documents == "completed"
    return [
        {
            "id": "category",
            "name": N_("Work-permit category"),
            "href": base + "/category",
            "state": category,
        },
        {
            "id": "family",
            "name": N_("Family members included"),
            "href": base + "/family",
            "state": family,
        },
        {
            "id": "post",
            "name": N_("About the post (5-year route questions)"),
            "href": base + "/post",
            "state": post,
        },
        {
            "id": "documents",
            "name": N_("Documents"),
            "href": base + "/documents",
            "state": documents,
        },
        {
            "id": "check",
            "name": N_("Check and submit"),
            "href": base + "/check",
            "state": "not_started" if ready else "cannot_start",
        },
    ]


def _draft(web: Web, session: Session, principal: Principal, case_id: int) -> Draft:
    _own_case(web, session, principal, case_id)
    view = cases.case_view(
        session, principal=principal, rules=_rules(), case_id=case_id, today=web.today
    )
    family_all = cases.family_of(session, view.professional.id)
    return Draft(view, family_all, _tasks(web, view, family_all))


def _draft_values(web: Web, draft: Draft) -> dict[str, Any]:
    view = draft.view
    return {
        "view": view,
        "case": view.case,
        "person": view.professional,
        "family_all": draft.family_all,
        "tasks": draft.tasks,
        "task_states": TASK_STATES,
        "relations": RELATIONS,
        "categories": CATEGORIES,
        "document_names": DOCUMENT_NAMES,
        "required": cases.REQUIRED_DOCUMENTS,
        "kinds": cases.DOCUMENT_KINDS,
        "passport": view.passport,
        "completed": sum(t["state"] == "completed" for t in draft.tasks[:4]),
    }


@router.get("/talent/cases/{case_id}")
def case_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        case = cases.get_case(session, principal=principal, case_id=case_id)
        if case.status == CaseStatus.DRAFT and case.employer_id in principal.member_of():
            draft = _draft(web, session, principal, case_id)
            return web.page(PAGES + "tasks.html", **_draft_values(web, draft))
        return _status(web, session, principal, case_id)


def _require_draft(web: Web, draft: Draft) -> Response | None:
    if draft.view.case.status != CaseStatus.DRAFT:
        return web.redirect(f"/talent/cases/{draft.view.case.id}")
    return None


def _save(web: Web, principal: Principal, case_id: int, **changes: Any) -> FtzlinkError | None:
    _, refusal = _change(
        web,
        lambda session: cases.update_case(
            session,
            principal=principal,
            rules=_rules(),
            case_id=case_id,
            today=web.today,
            **changes,
        ),
    )
    return refusal


def _next(web: Web, form: Form, case_id: int) -> Response:
    if form.get("action") == "later":
        return web.redirect("/talent")
    return web.redirect(f"/talent/cases/{case_id}")


@router.get("/talent/cases/{case_id}/category")
def category_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    return web.page(
        PAGES + "category.html",
        values={"work_permit_category": draft.view.case.work_permit_category or ""},
        **_draft_values(web, draft),
    )


@router.post("/talent/cases/{case_id}/category")
async def save_category(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    category = form.get("work_permit_category")
    if category not in CATEGORIES:
        form.error("work_permit_category", web._("Select the work-permit category applied for"))
    if form.ok and (refusal := _save(web, principal, case_id, work_permit_category=category)):
        _problems(web, form, refusal, {"work_permit_category": "work_permit_category"})
    if not form.ok:
        return web.page(
            PAGES + "category.html",
            status_code=400,
            errors=form.errors,
            values=form.values,
            **_draft_values(web, draft),
        )
    return _next(web, form, case_id)


@router.get("/talent/cases/{case_id}/family")
def family_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    return web.page(
        PAGES + "family.html",
        chosen=[str(m.id) for m, _ in draft.view.family],
        **_draft_values(web, draft),
    )


@router.post("/talent/cases/{case_id}/family")
async def save_family(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    known = {str(m.id): m.id for m in draft.family_all}
    chosen = form.getlist("family")
    if any(c not in known for c in chosen):
        form.error("family", web._("Select family members of this professional only"))
    if form.ok and (
        refusal := _save(web, principal, case_id, family_member_ids=[known[c] for c in chosen])
    ):
        _problems(web, form, refusal, {"family_member_ids": "family"})
    if not form.ok:
        return web.page(
            PAGES + "family.html",
            status_code=400,
            errors=form.errors,
            chosen=chosen,
            **_draft_values(web, draft),
        )
    return _next(web, form, case_id)


def _post_questions(web: Web) -> list[dict[str, Any]]:
    questions = []
    for definition in _fact_definitions(_rules()):
        options: list[tuple[str, str]]
        if definition.type == "bool":
            options = [("yes", web._("Yes")), ("no", web._("No"))]
        elif definition.choices:
            options = [(c.id, c.label.get(web.lang)) for c in definition.choices]
        else:
            options = []
        questions.append(
            {
                "fact": definition.id,
                "id": _field_id(definition.id),
                "label": definition.label.get(web.lang),
                "type": definition.type,
                "options": options,
                "minimum": definition.minimum,
                "maximum": definition.maximum,
            }
        )
    return questions


@router.get("/talent/cases/{case_id}/post")
def post_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    questions = _post_questions(web)
    facts = draft.view.case.facts or {}
    values = {q["id"]: _shown_fact(_fact_value(facts, q["fact"])) for q in questions}
    return web.page(
        PAGES + "post.html", questions=questions, values=values, **_draft_values(web, draft)
    )


def _read_facts(
    web: Web, form: Form, questions: list[dict[str, Any]], *, all_needed: bool
) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    distinctions: dict[str, bool] = {}
    for q in questions:
        typed = form.get(q["id"])
        value: Any
        if not typed:
            if all_needed:
                form.error(q["id"], web._("Answer the question: %(question)s", question=q["label"]))
            continue
        if q["type"] == "bool":
            if typed not in ("yes", "no"):
                form.error(q["id"], web._("Select yes or no: %(question)s", question=q["label"]))
                continue
            value = typed == "yes"
        elif q["type"] == "int":
            number = _int(typed, q["maximum"] if q["maximum"] is not None else 10**6)
            if number is None or (q["minimum"] is not None and number < q["minimum"]):
                form.error(
                    q["id"],
                    web._("Enter a whole number, like 12: %(question)s", question=q["label"]),
                )
                continue
            value = number
        else:
            if typed not in {v for v, _ in q["options"]}:
                form.error(q["id"], web._("Select an answer: %(question)s", question=q["label"]))
                continue
            value = typed
        if q["fact"].startswith(DISTINCTIONS):
            distinctions[q["fact"].removeprefix(DISTINCTIONS)] = value
        else:
            facts[q["fact"]] = value
    if distinctions:
        facts["distinctions"] = distinctions
    return facts


@router.post("/talent/cases/{case_id}/post")
async def save_post(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    questions = _post_questions(web)
    later = form.get("action") == "later"
    facts = _read_facts(web, form, questions, all_needed=not later)
    if "distinctions" in facts:
        before = (draft.view.case.facts or {}).get("distinctions") or {}
        facts["distinctions"] = {**before, **facts["distinctions"]}
    if form.ok and facts and (refusal := _save(web, principal, case_id, facts=facts)):
        _problems(web, form, refusal, {"facts": questions[0]["id"]})
    if not form.ok:
        return web.page(
            PAGES + "post.html",
            status_code=400,
            errors=form.errors,
            values=form.values,
            questions=questions,
            **_draft_values(web, draft),
        )
    return _next(web, form, case_id)


# --- documents: uploaded once, shared by both tracks --------------------------------------------


def _documents_page(
    web: Web, draft: Draft, *, status_code: int = 200, form: Form | None = None
) -> Response:
    return web.page(
        PAGES + "documents.html",
        status_code=status_code,
        errors=form.errors if form else [],
        values=form.values if form else {},
        **_draft_values(web, draft),
    )


def _documents_allowed(draft: Draft) -> bool:
    view = draft.view
    return view.case.status == CaseStatus.DRAFT or any(
        t.state == TrackState.RETURNED for t in view.tracks.values()
    )


@router.get("/talent/cases/{case_id}/documents")
def documents_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if not _documents_allowed(draft):
        return web.redirect(f"/talent/cases/{case_id}")
    return _documents_page(web, draft)


@router.post("/talent/cases/{case_id}/documents")
async def upload(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    posted = await web.form()
    form = Form(posted)
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if not _documents_allowed(draft):
        return web.redirect(f"/talent/cases/{case_id}")
    if form.get("action") in ("later", "done"):
        return _next(web, form, case_id)
    kind = form.get("kind")
    have = {d.kind for d in draft.view.documents}
    if kind not in cases.DOCUMENT_KINDS:
        form.error("kind", web._("Select the kind of document"))
    elif kind in have and kind != "other":
        form.error("kind", web._("This document is already uploaded: each is uploaded once"))
    upload_file = posted.get("file")
    settings = web.settings
    data = b""
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        form.error("file", web._("Select a file to upload"))
    else:
        data = await upload_file.read(settings.max_upload_bytes + 1)
        if not data:
            form.error("file", web._("The selected file is empty"))
    if form.ok and isinstance(upload_file, UploadFile):
        _, refusal = _change(
            web,
            lambda session: cases.add_document(
                session,
                principal=principal,
                case_id=case_id,
                kind=kind,
                filename=upload_file.filename or "",
                content_type=upload_file.content_type or "",
                data=data,
                root=settings.documents_dir,
                max_bytes=settings.max_upload_bytes,
                today=web.today,
            ),
        )
        if refusal is not None:
            form.error("file", _refusal(web, refusal))
    if not form.ok:
        return _documents_page(web, draft, status_code=400, form=form)
    return web.redirect(f"/talent/cases/{case_id}/documents")


@router.get("/talent/cases/{case_id}/documents/{document_id}")
def download(web: WebPage, case_id: DbId, document_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        doc = cases.get_document(session, principal=principal, document_id=document_id)
        if doc.case_id != case_id:
            raise NotFound(f"no document {document_id}")
    return FileResponse(
        document_path(web.settings.documents_dir, doc.sha256),
        media_type=doc.media_type,
        filename=doc.filename,
        headers={"X-Content-Type-Options": "nosniff"},
    )


# --- check answers, submit, confirmation --------------------------------------------------------


def _facts_shown(web: Web, facts: dict[str, Any]) -> list[tuple[str, str]]:
    shown = []
    for q in _post_questions(web):
        value = _fact_value(facts, q["fact"])
        if value is None:
            text = web._("Not answered")
        elif isinstance(value, bool):
            text = web._("Yes") if value else web._("No")
        elif q["options"]:
            text = dict(q["options"]).get(str(value), str(value))
        else:
            text = str(value)
        shown.append((q["label"], text))
    return shown


@router.get("/talent/cases/{case_id}/check")
def check_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    return web.page(
        PAGES + "check.html",
        facts=_facts_shown(web, draft.view.case.facts or {}),
        **_draft_values(web, draft),
    )


SUBMIT_PROBLEMS = {
    "work_permit_category": N_("Choose the work-permit category applied for"),
    "passport_expiry": N_("The professional's passport has expired"),
    "family_member_ids": N_("A child included is no longer under 18"),
}


@router.post("/talent/cases/{case_id}/submit")
async def submit(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        _own_case(web, session, principal, case_id)
    _, refusal = _change(
        web,
        lambda session: cases.submit(
            session, principal=principal, rules=_rules(), case_id=case_id, today=web.today
        ),
    )
    if refusal is None:
        return web.redirect(f"/talent/cases/{case_id}/confirmation")
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    for problem in getattr(refusal, "problems", []) or []:
        field = problem.field or ""
        if field.startswith("documents."):
            kind = field.removeprefix("documents.")
            form.error(
                f"submit-{kind}",
                web._(
                    "Upload the document: %(document)s",
                    document=web._(DOCUMENT_NAMES.get(kind, kind)),
                ),
            )
        elif field in SUBMIT_PROBLEMS:
            form.error(f"submit-{field}", web._(SUBMIT_PROBLEMS[field]))
    if form.ok:
        form.error("submit", _refusal(web, refusal))
    return web.page(
        PAGES + "check.html",
        status_code=400,
        errors=form.errors,
        facts=_facts_shown(web, draft.view.case.facts or {}),
        **_draft_values(web, draft),
    )


@router.get("/talent/cases/{case_id}/confirmation")
def confirmation(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if draft.view.case.status != CaseStatus.FILED:
        return web.redirect(f"/talent/cases/{case_id}")
    return web.page(
        PAGES + "confirmation.html",
        facts=_facts_shown(web, draft.view.case.facts or {}),
        **_draft_values(web, draft),
    )


@router.post("/talent/cases/{case_id}/withdraw")
async def withdraw(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    await web.form()
    with web.write() as session:
        _own_case(web, session, principal, case_id)
        cases.withdraw(session, principal=principal, case_id=case_id, today=web.today)
    return web.redirect("/talent")


# --- the two-track status page ------------------------------------------------------------------


def _status(
    web: Web,
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    status_code: int = 200,
    form: Form | None = None,
) -> Response:
    view = cases.case_view(
        session, principal=principal, rules=_rules(), case_id=case_id, today=web.today
    )
    users = {
        u.id: u.display_name
        for u in session.scalars(select(User).where(User.id.in_({e.actor_id for e in view.events})))
    }
    orgs = {
        o.id: o.name
        for o in session.scalars(
            select(Organisation).where(
                Organisation.id.in_({e.acted_for_id for e in view.events if e.acted_for_id})
            )
        )
    }
    days_left: dict[str, int | None] = {}
    for kind in TrackKind:
        try:
            days_left[kind.value] = view.working_days_left(kind, web.today)
        except InvalidInput:
            days_left[kind.value] = None
    deciding = [k for k in TrackKind if cases.decides(principal, k) and k in view.tracks]
    limit: ResidenceLimit | None = None
    limit_start = web.today
    if TrackKind.RESIDENCE in deciding and view.tracks[TrackKind.RESIDENCE].state in (
        TrackState.ACCEPTED,
    ):
        start = parse_day(form.get("valid_from")) if form else None
        limit_start = start if start and start >= web.today else web.today
        try:
            limit = cases.residence_limit(
                session, _rules(), view.case, start=limit_start, on=web.today
            )
        except (Conflict, InvalidInput):
            limit = None
    own = view.case.employer_id in principal.member_of()
    notes = {e.id: _event_notes(web, e) for e in view.events}
    return web.page(
        PAGES + "status.html",
        notes=notes,
        status_code=status_code,
        errors=form.errors if form else [],
        values=form.values if form else {},
        view=view,
        case=view.case,
        person=view.professional,
        passport=view.passport,
        own=own,
        deciding=deciding,
        days_left=days_left,
        limit=limit,
        limit_start=limit_start,
        users=users,
        orgs=orgs,
        track_states=TRACK_STATES,
        track_names=TRACK_NAMES,
        statuses=CASE_STATUSES,
        actions=ACTIONS,
        relations=RELATIONS,
        document_names=DOCUMENT_NAMES,
        categories=CATEGORIES,
        factor_outcomes=FACTOR_OUTCOMES,
        kinds=list(TrackKind),
        sources={src.id: src.title.get(web.lang) for src in _rules().sources},
        documents_open=own and any(t.state == TrackState.RETURNED for t in view.tracks.values()),
        last_day=limit.end if limit else None,
    )


def _event_notes(web: Web, event: CaseEvent) -> list[str]:
    """What a history row says beyond its action: questions, reasons, an answer, a validity."""
    notes = list(event.note or [])
    if event.action == "deadline_recomputed" and event.due_before and event.due_after:
        notes.append(
            web._(
                "Deadline counted again: %(before)s → %(after)s, because the official holiday schedule for %(year)s was loaded",
                before=format_day(event.due_before, web.lang),
                after=format_day(event.due_after, web.lang),
                year=event.calendar_year,
            )
        )
    if event.valid_from is not None and event.valid_until is not None:
        notes.append(
            web._(
                "Valid from %(start)s to %(end)s",
                start=format_day(event.valid_from, web.lang),
                end=format_day(event.valid_until, web.lang),
            )
        )
    return notes


def _kind(value: str) -> TrackKind:
    try:
        return TrackKind(value)
    except ValueError:
        raise NotFound(f"no track {value}") from None


@router.post("/talent/cases/{case_id}/tracks/{kind}/respond")
async def respond(web: WebPage, case_id: DbId, kind: str) -> Response:
    principal = web.require()
    track = _kind(kind)
    form = Form(await web.form())
    with web.read() as session:
        _own_case(web, session, principal, case_id)
    name = f"response-{track.value}"
    answer = form.get(name)
    if not answer:
        form.error(name, web._("Enter your answer to the questions"))
    elif len(answer) > 2000:
        form.error(name, web._("Your answer must be 2,000 characters or fewer"))
    if form.ok:
        _, refusal = _change(
            web,
            lambda session: cases.respond(
                session,
                principal=principal,
                case_id=case_id,
                kind=track,
                response=answer,
                today=web.today,
            ),
        )
        if refusal is not None:
            form.error(name, _refusal(web, refusal))
    if not form.ok:
        with web.read() as session:
            return _status(web, session, principal, case_id, status_code=400, form=form)
    return web.redirect(f"/talent/cases/{case_id}")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/talent/cases/{case_id}/tracks/{kind}/{decision}")
async def decide(web: WebPage, case_id: DbId, kind: str, decision: str) -> Response:
    principal = web.require()
    track = _kind(kind)
    if decision not in ("accept", "return", "approve", "refuse"):
        raise NotFound(f"no decision {decision}")
    if not cases.decides(principal, track):
        raise Forbidden("only the track's officials decide it")
    form = Form(await web.form())
    with web.read() as session:
        cases.get_case(session, principal=principal, case_id=case_id)
    rules = _rules()
    change: Callable[[Session], Any] | None = None
    fields: dict[str, str] = {}
    if decision == "accept":
        fields = {"": "accept"}

        def change(session: Session) -> Any:
            return cases.accept(
                session,
                principal=principal,
                rules=rules,
                case_id=case_id,
                kind=track,
                today=web.today,
            )
    elif decision in ("return", "refuse"):
        name = "questions" if decision == "return" else "reasons"
        given = _lines(form.get(name))
        fields = {name: name}
        if not given:
            form.error(
                name,
                web._("Enter at least one question, one a line")
                if decision == "return"
                else web._("Enter at least one reason, one a line"),
            )
        elif sum(len(g) for g in given) > 4000:
            form.error(name, web._("Write 4,000 characters or fewer"))
        if decision == "return":

            def change(session: Session) -> Any:
                return cases.return_track(
                    session,
                    principal=principal,
                    case_id=case_id,
                    kind=track,
                    questions=given,
                    today=web.today,
                )
        else:

            def change(session: Session) -> Any:
                return cases.refuse(
                    session,
                    principal=principal,
                    case_id=case_id,
                    kind=track,
                    reasons=given,
                    today=web.today,
                )
    else:
        fields = {"valid_from": "valid_from", "valid_until": "valid_until", "category": "category"}
        start = parse_day(form.get("valid_from"))
        until = parse_day(form.get("valid_until"))
        if start is None:
            form.error("valid_from", web._("Enter the first valid day, like 2026-11-09"))
        if until is None:
            form.error("valid_until", web._("Enter the last valid day, like 2028-11-08"))
        if start is not None and start < web.today:
            form.error("valid_from", web._("The permit cannot start in the past"))
        if start is not None and until is not None and until <= start:
            form.error("valid_until", web._("The last valid day must be after the first"))
        category = form.get("category") or None
        if track is TrackKind.WORK_PERMIT and category not in CATEGORIES:
            form.error("category", web._("Select the category of the work permit"))

        def change(session: Session) -> Any:
            assert start is not None and until is not None
            return cases.approve(
                session,
                principal=principal,
                rules=rules,
                case_id=case_id,
                kind=track,
                valid_from=start,
                valid_until=until,
                category=category if track is TrackKind.WORK_PERMIT else None,
                today=web.today,
            )

    if form.ok and change is not None:
        _, refusal = _change(web, change)
        if refusal is not None:
            target = next(iter(fields.values()))
            if decision == "approve":
                target = "valid_until"
                problems = getattr(refusal, "problems", []) or []
                if problems and problems[0].field in fields:
                    target = fields[problems[0].field or ""]
                message = (
                    web._(
                        "The validity is longer than the rules allow: the last day may be %(day)s at the latest",
                        day=_last_day(problems),
                    )
                    if problems and "last day may be" in problems[0].message
                    else _refusal(web, refusal)
                )
                form.error(target, message)
            else:
                form.error(target, _refusal(web, refusal))
    if not form.ok:
        with web.read() as session:
            return _status(web, session, principal, case_id, status_code=400, form=form)
    return web.redirect(f"/talent/cases/{case_id}")


def _last_day(problems: list[Any]) -> str:
    found = re.search(r"last day may be ([0-9]{4}-[0-9]{2}-[0-9]{2})", problems[0].message)
    return found.group(1) if found else ""


# --- the officials' queues ----------------------------------------------------------------------


@router.get("/talent/queue/{queue}")
def queue(web: WebPage, queue: str, state: str = "") -> Response:
    kind = QUEUES.get(queue)
    if kind is None:
        raise NotFound(f"no queue {queue}")
    principal = _official(web, kind)
    chosen = TrackState(state) if state in TRACK_STATES else None
    with web.read() as session:
        rows = cases.list_cases(
            session, principal=principal, track=kind, state=chosen, status=CaseStatus.FILED
        )
        people = {
            p.id: p
            for p in session.scalars(
                select(Professional).where(Professional.id.in_({c.professional_id for c in rows}))
            )
        }
        employers = {
            o.id: o.name
            for o in session.scalars(
                select(Organisation).where(Organisation.id.in_({c.employer_id for c in rows}))
            )
        }
        tracks = {c.id: cases.tracks_of(session, c)[kind] for c in rows}
        calendar = current_calendar(session)
    days: dict[int, int | None] = {}
    for c in rows:
        t = tracks[c.id]
        if t.due_on is None or t.state != TrackState.ACCEPTED:
            days[c.id] = None
            continue
        try:
            days[c.id] = (
                calendar.working_days_between(web.today, t.due_on)
                if t.due_on >= web.today
                else -calendar.working_days_between(t.due_on, web.today)
            )
        except InvalidInput:
            days[c.id] = None
    counts = dict.fromkeys(TRACK_STATES, 0)
    with web.read() as session:
        for c in cases.list_cases(
            session, principal=principal, track=kind, status=CaseStatus.FILED
        ):
            counts[cases.tracks_of(session, c)[kind].state] += 1
    return web.page(
        PAGES + "queue.html",
        block="results" if web.htmx else None,
        queue=queue,
        kind=kind,
        rows=rows,
        people=people,
        employers=employers,
        tracks=tracks,
        days=days,
        state=state if chosen else "",
        counts=counts,
        mask=mask_passport,
        track_states=TRACK_STATES,
        track_names=TRACK_NAMES,
    )
