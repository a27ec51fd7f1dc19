"""Pages: a draft's request and questions, checking the answers, submitting, the confirmation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.applications import permissions as app_permissions
from ftzlink.applications import service
from ftzlink.auth.principal import Principal
from ftzlink.errors import InvalidInput, NotEligible
from ftzlink.organisations import service as organisations
from ftzlink.organisations.tables import Organisation
from ftzlink.rules.determinations import Question
from ftzlink.web.context import Web, WebPage
from ftzlink.web.enterprise.common import (
    LIMIT_NAMES,
    PAGES,
    REQUEST_FIELDS,
    SHOWN,
    Loaded,
    _determination,
    _extra,
    _field_id,
    _limits,
    _load,
    _needs_project,
    _open_questions,
    _page_values,
    _problems_to_form,
    _project_kinds,
    _read_request,
)
from ftzlink.web.enterprise.documents import document_values
from ftzlink.web.errors import message_for
from ftzlink.web.forms import Form, change, parse_day

router = APIRouter(include_in_schema=False)


# --- the draft's questions ----------------------------------------------------------------------


def _require_draft(loaded: Loaded, web: Web) -> Response | None:
    if not app_permissions.can_edit_draft(loaded.app):
        return web.redirect(f"/applications/{loaded.app.id}")
    return None


@router.get("/applications/{application_id}/request")
def request_page(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if (moved := _require_draft(loaded, web)) is not None:
            return moved
        app = loaded.app
        values = {
            "project_name": app.project_name or "",
            "project_name_en": app.project_name_en or "",
            "project_kind": app.project_kind or "",
            "requested_amount": f"{app.requested_amount:,}" if app.requested_amount else "",
        }
        return web.page(
            PAGES + "request.html",
            values=values,
            limits=_limits(web, session, principal, loaded.org, app.measure_id, app.project_name),
            year=web.today.year,
            needs_project=_needs_project(loaded.measure),
            kinds=_project_kinds(web, loaded.measure),
            limit_names=LIMIT_NAMES,
            **_page_values(web, loaded),
        )


@router.post("/applications/{application_id}/request")
async def save_request(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
    if (moved := _require_draft(loaded, web)) is not None:
        return moved
    changes = _read_request(web, form, loaded.measure)
    if form.ok:
        _, refusal = change(
            web,
            lambda session: service.update_draft(
                session,
                principal=principal,
                catalogue=web.catalogue,
                application_id=application_id,
                changes=changes,
                today=web.today,
            ),
        )
        if isinstance(refusal, InvalidInput):
            _problems_to_form(web, form, refusal, REQUEST_FIELDS)
        elif refusal is not None:
            raise refusal  # no field to show it beside: the error page says it, as before
    if not form.ok:
        with web.read() as session:
            loaded = _load(web, session, principal, application_id)
            return web.page(
                PAGES + "request.html",
                status_code=400,
                errors=form.errors,
                values=form.values,
                limits=_limits(
                    web,
                    session,
                    principal,
                    loaded.org,
                    loaded.app.measure_id,
                    loaded.app.project_name,
                ),
                year=web.today.year,
                needs_project=_needs_project(loaded.measure),
                kinds=_project_kinds(web, loaded.measure),
                limit_names=LIMIT_NAMES,
                **_page_values(web, loaded),
            )
    if form.get("action") == "later":
        return web.redirect(web.url("/applications", done="saved"))
    return web.redirect(f"/applications/{application_id}/questions")


def _answer_value(answers: dict[str, Any], org: Organisation, path: str) -> Any:
    top, _, rest = path.partition(".")
    value = answers.get(top, (org.profile or {}).get(top))
    if rest:
        return value.get(rest) if isinstance(value, dict) else None
    return value


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _question_page(
    web: Web, loaded: Loaded, questions: list[Question], values: dict[str, str], **extra: Any
) -> Response:
    return web.page(
        PAGES + "questions.html",
        questions=questions,
        values=values,
        **_page_values(web, loaded),
        **extra,
    )


@router.get("/applications/{application_id}/questions")
def questions_page(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if (moved := _require_draft(loaded, web)) is not None:
            return moved
        determination = _determination(
            web, loaded.org, loaded.policy, loaded.measure, _extra(loaded.app)
        )
        questions = _open_questions(determination)
        if not questions:
            return web.redirect(f"/applications/{application_id}/check")
        values = {
            _field_id(q.field): _shown(_answer_value(loaded.app.answers or {}, loaded.org, q.field))
            for q in questions
        }
        return _question_page(web, loaded, questions, values)


def _read_answers(
    web: Web, form: Form, loaded: Loaded, questions: list[Question]
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for q in questions:
        name = _field_id(q.field)
        typed = form.get(name)
        label = q.label.get(web.lang)
        value: Any
        if not typed:
            form.error(name, web._("Answer the question: %(question)s", question=label))
            continue
        if q.type == "bool":
            if typed not in ("yes", "no"):
                form.error(name, web._("Select yes or no: %(question)s", question=label))
                continue
            value = typed == "yes"
        elif q.type == "int":
            if not typed.isdigit() or len(typed) > 12:
                form.error(
                    name, web._("Enter a whole number, like 12: %(question)s", question=label)
                )
                continue
            value = int(typed)
        elif q.type == "date":
            day = parse_day(typed)
            if day is not None:
                value = day.isoformat()
            else:
                form.error(
                    name,
                    web._("Enter a date like 2019-03-18: %(question)s", question=label),
                )
                continue
        else:
            if q.choices is not None and typed not in {c.id for c in q.choices}:
                form.error(name, web._("Select an answer: %(question)s", question=label))
                continue
            value = typed[:500]
        top, _, rest = q.field.partition(".")
        if rest:
            base = _answer_value(loaded.app.answers or {}, loaded.org, top)
            merged = dict(answers.get(top) or (base if isinstance(base, dict) else {}))
            merged[rest] = value
            answers[top] = merged
        else:
            answers[top] = value
    return answers


@router.post("/applications/{application_id}/questions")
async def save_questions(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
    if (moved := _require_draft(loaded, web)) is not None:
        return moved
    determination = _determination(
        web, loaded.org, loaded.policy, loaded.measure, _extra(loaded.app)
    )
    questions = _open_questions(determination)
    answers = _read_answers(web, form, loaded, questions)
    if form.ok and answers:
        _, refusal = change(
            web,
            lambda session: service.update_draft(
                session,
                principal=principal,
                catalogue=web.catalogue,
                application_id=application_id,
                changes={"answers": answers},
                today=web.today,
            ),
        )
        if isinstance(refusal, SHOWN):
            form.error(_field_id(questions[0].field), message_for(web, refusal))
        elif refusal is not None:
            raise refusal
    if not form.ok:
        return web.page(
            PAGES + "questions.html",
            status_code=400,
            errors=form.errors,
            questions=questions,
            values=form.values,
            **_page_values(web, loaded),
        )
    if form.get("action") == "later":
        return web.redirect(web.url("/applications", done="saved"))
    return web.redirect(f"/applications/{application_id}/check")


# --- check answers, submit, confirmation ---------------------------------------------------------


def _record_values(
    web: Web, session: Session, principal: Principal, loaded: Loaded
) -> dict[str, Any]:
    determination = _determination(
        web, loaded.org, loaded.policy, loaded.measure, _extra(loaded.app)
    )
    answered = []
    fields = {q.field: q for q in determination.questions}
    for key, value in sorted((loaded.app.answers or {}).items()):
        if isinstance(value, dict):
            for sub, inner in value.items():
                answered.append((f"{key}.{sub}", inner))
        else:
            answered.append((key, value))
    from ftzlink.profiles.fields import profile_fields

    specs = profile_fields()
    labelled = []
    for path, value in answered:
        spec = specs.get(path)
        label = spec.label.get(web.lang) if spec else path
        if isinstance(value, bool):
            shown = web._("Yes") if value else web._("No")
        else:
            shown = str(value)
            if spec and spec.vocabulary:
                term = next(
                    (t for t in web.catalogue.terms(spec.vocabulary) if t.id == value), None
                )
                shown = term.label.get(web.lang) if term else shown
        labelled.append((label, shown))
    kinds = dict(_project_kinds(web, loaded.measure))
    headquarters = None
    if loaded.delegated and loaded.org.headquarters_id is not None:
        hq = loaded.org.headquarters_id
        headquarters = organisations.organisations_of(session, {hq}).get(hq)
    return {
        "determination": determination,
        "answered": labelled,
        "open_questions": [q for q in _open_questions(determination) if q.field in fields],
        "kind_label": kinds.get(loaded.app.project_kind or "", loaded.app.project_kind or ""),
        "headquarters": headquarters,
        **document_values(web, session, principal, loaded.app.id),
        **_page_values(web, loaded),
    }


@router.get("/applications/{application_id}/check")
def check_page(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if (moved := _require_draft(loaded, web)) is not None:
            return moved
        return web.page(PAGES + "check.html", **_record_values(web, session, principal, loaded))


@router.post("/applications/{application_id}/submit")
async def submit(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    form = Form(await web.form())
    _, refusal = change(
        web,
        lambda session: service.submit(
            session,
            principal=principal,
            catalogue=web.catalogue,
            application_id=application_id,
            today=web.today,
            lang=web.lang,
        ),
    )
    if refusal is not None and not isinstance(refusal, SHOWN):
        raise refusal
    if refusal is not None:
        with web.read() as session:
            loaded = _load(web, session, principal, application_id)
            reason = str(refusal) if isinstance(refusal, NotEligible) else ""
            form.error("submit", reason or message_for(web, refusal))
            return web.page(
                PAGES + "check.html",
                status_code=400,
                errors=form.errors,
                **_record_values(web, session, principal, loaded),
            )
    return web.redirect(f"/applications/{application_id}/confirmation")


@router.get("/applications/{application_id}/confirmation")
def confirmation(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if app_permissions.can_edit_draft(loaded.app):
            return web.redirect(f"/applications/{application_id}/check")
        return web.page(
            PAGES + "confirmation.html", **_record_values(web, session, principal, loaded)
        )
