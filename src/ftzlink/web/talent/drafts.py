"""The application as a task list: start it, choose the category, the family included and the
post's answers, saving and resuming."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.errors import (
    FtzlinkError,
)
from ftzlink.talent import cases
from ftzlink.talent.tables import (
    CaseStatus,
)
from ftzlink.web import forms
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form
from ftzlink.web.talent.common import (
    CATEGORIES,
    DISTINCTIONS,
    DOCUMENT_NAMES,
    PAGES,
    RELATIONS,
    TASK_STATES,
    DbId,
    _fact_definitions,
    _fact_value,
    _field_id,
    _own_case,
    _own_professional,
    _problems,
    _rules,
    _shown_fact,
)

router = APIRouter(include_in_schema=False)

__all__ = ["router"]

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
    professional_id = forms.parse_int(form.get("professional"), 2**31 - 1) or 0
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


def _require_draft(web: Web, draft: Draft) -> Response | None:
    if draft.view.case.status != CaseStatus.DRAFT:
        return web.redirect(f"/talent/cases/{draft.view.case.id}")
    return None


def _save(web: Web, principal: Principal, case_id: int, **changes: Any) -> FtzlinkError | None:
    _, refusal = forms.change(
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
    if not category or _save(web, principal, case_id, work_permit_category=category):
        form.error("work_permit_category", web._("Select the work-permit category applied for"))
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
            number = forms.parse_int(typed, q["maximum"] if q["maximum"] is not None else 10**6)
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
