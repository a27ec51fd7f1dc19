"""The employer's overview, its professionals and their family."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from ftzlink.errors import (
    Conflict,
    Problem,
)
from ftzlink.talent import cases
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.models import FactDefinition, TalentRules
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.tables import (
    CaseStatus,
    TrackKind,
    TrackState,
)
from ftzlink.web import forms
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form
from ftzlink.web.talent.common import (
    CASE_STATUSES,
    FAMILY_BIRTH,
    PAGES,
    PERSON_PROBLEMS,
    RELATIONS,
    TRACK_STATES,
    DbId,
    _employer_id,
    _own_professional,
    _problems,
    _rules,
    _say,
)

router = APIRouter(include_in_schema=False)

__all__ = ["router"]

# --- the employer's overview ------------------------------------------------------------------


@router.get("/talent")
def dashboard(web: WebPage) -> Response:
    principal, employer_id = _employer_id(web)
    with web.read() as session:
        people = cases.list_professionals(session, principal=principal, employer_id=employer_id)
        rows = cases.list_cases(session, principal=principal, employer_id=employer_id)
        names = {p.id: p.full_name for p in people}
        tracks = {c.id: cases.tracks_of(session, c) for c in rows}
        employer = cases.employer(session, principal=principal, employer_id=employer_id)
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
    """Name, nationality, passport and birth as typed; the domain says what is wrong with them."""
    data: dict[str, Any] = {
        "full_name": form.get("full_name"),
        "nationality": form.get("nationality").upper(),
        "passport_number": form.get("passport_number").upper().replace(" ", ""),
    }
    for field in ("passport_expiry", "birth_date"):
        data[field] = forms.parse_day(form.get(field))
    problems = cases.person_problems(
        full_name=data["full_name"],
        nationality=data["nationality"],
        passport_number=data["passport_number"],
        expiry=data["passport_expiry"],
        birth=data["birth_date"],
        today=web.today,
    )
    for field, missing in (
        ("passport_expiry", N_("Enter the passport's expiry date, like 2031-05-01")),
        ("birth_date", N_("Enter the date of birth, like 1988-04-12")),
    ):
        if data[field] is None:
            form.error(field, web._(missing))
    _show(web, form, problems)
    if family:
        data["relation"] = form.get("relation")
    return data


# What a refused field says, by the problem's code where the field alone does not tell.
TOO_LONG = {
    "full_name": N_("The name must be 200 characters or fewer"),
    "post": N_("The post must be 200 characters or fewer"),
}


def _say_problem(web: Web, problem: Problem, relation: str = "") -> str:
    field = problem.field or ""
    if problem.code == "too_long" and field in TOO_LONG:
        return web._(TOO_LONG[field])
    if problem.code in ("adult_child", "minor_spouse"):
        return web._(FAMILY_BIRTH.get(relation, PERSON_PROBLEMS["birth_date"]))
    if field == "relation" and problem.code == "unknown":
        return web._("Select the relation to the professional")
    return _say(web, field)


def _show(web: Web, form: Form, problems: list[Problem], relation: str = "") -> None:
    for problem in problems:
        form.error(problem.field or "", _say_problem(web, problem, relation))


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
    level = form.get("chinese_level")
    years = forms.parse_int(form.get("experience_years"), 10**6)
    if years is None:
        form.error("experience_years", _say(web, "experience_years"))
    salary = forms.parse_int(form.get("annual_salary_yuan"), 10**12)
    if salary is None:
        form.error("annual_salary_yuan", _say(web, "annual_salary_yuan"))
    post = form.get("post")
    _show(
        web,
        form,
        cases.professional_problems(
            rules,
            education=education,
            chinese_level=level,
            experience_years=years,
            annual_salary_yuan=salary,
            post=post,
        ),
    )
    person = None
    if form.ok:
        assert years is not None and salary is not None
        person, refusal = forms.change(
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
        own = talent_permissions.files_for(principal, person.employer_id)
        rows = [
            c
            for c in cases.list_cases(session, principal=principal, employer_id=person.employer_id)
            if c.professional_id == person.id
        ]
        overall = {
            c.id: cases.overall_status(c, cases.tracks_of(session, c).values()) for c in rows
        }
        full = cases.sees_passports(principal, person.employer_id)
    rules = _rules()
    return web.page(
        PAGES + "professional.html",
        person=person,
        family=family,
        own=own,
        case_rows=rows,
        overall=overall,
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
        _show(
            web,
            form,
            cases.family_problems(
                session,
                professional_id=person.id,
                relation=data["relation"],
                birth=data["birth_date"],
                today=web.today,
            ),
            data["relation"],
        )
    if form.ok:
        _, refusal = forms.change(
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
