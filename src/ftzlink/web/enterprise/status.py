"""Pages: an application's status, answering a return, withdrawing."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.applications import permissions as app_permissions
from ftzlink.applications import service
from ftzlink.applications.tables import ApplicationEvent
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import MeasureKind
from ftzlink.errors import NotEligible
from ftzlink.web.context import Web, WebPage
from ftzlink.web.enterprise.common import (
    ACTIONS,
    LIMIT_NAMES,
    PAGES,
    SHOWN,
    _limits,
    _load,
    _page_values,
    _project_kinds,
)
from ftzlink.web.enterprise.documents import document_values
from ftzlink.web.errors import message_for
from ftzlink.web.forms import Form, change

router = APIRouter(include_in_schema=False)


# --- status, answering a return, withdrawing ----------------------------------------------------


def _history(
    web: Web, session: Session, principal: Principal, app_id: int
) -> list[ApplicationEvent]:
    return service.history(session, principal=principal, application_id=app_id, today=web.today)


def _last_questions(events: list[ApplicationEvent]) -> list[str]:
    for event in reversed(events):
        if event.action == "return":
            return list(event.note or [])
    return []


@router.get("/applications/{application_id}")
def status_page(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        events = _history(web, session, principal, application_id)
        app = loaded.app
        year = app.submitted_on.year if app.submitted_on else web.today.year
        limits = (
            _limits(web, session, principal, loaded.org, app.measure_id, app.project_name, year)
            if loaded.measure.kind is MeasureKind.GRANT
            else []
        )
        done = web.request.query_params.get("done", "")
        return web.page(
            PAGES + "status.html",
            done=done if done in ("responded", "withdrawn") else "",
            events=events,
            actions=ACTIONS,
            questions=_last_questions(events) if app_permissions.can_answer_return(app) else [],
            withdrawable=app_permissions.can_withdraw(app),
            limits=limits,
            year=year,
            limit_names=LIMIT_NAMES,
            kind_label=dict(_project_kinds(web, loaded.measure)).get(
                app.project_kind or "", app.project_kind or ""
            ),
            **document_values(web, session, principal, application_id),
            **_page_values(web, loaded),
        )


@router.get("/applications/{application_id}/respond")
def respond_page(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if not app_permissions.can_answer_return(loaded.app):
            return web.redirect(f"/applications/{application_id}")
        events = _history(web, session, principal, application_id)
        return web.page(
            PAGES + "respond.html",
            questions=_last_questions(events),
            **_page_values(web, loaded),
        )


@router.post("/applications/{application_id}/respond")
async def respond(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    form = Form(await web.form())
    answer = form.get("response")
    if not answer:
        form.error("response", web._("Enter your answer to the questions"))
    elif len(answer) > 2000:
        form.error("response", web._("Your answer must be 2,000 characters or fewer"))
    if form.ok:
        _, refusal = change(
            web,
            lambda session: service.resubmit(
                session,
                principal=principal,
                catalogue=web.catalogue,
                application_id=application_id,
                answers={},
                response=answer,
                today=web.today,
                lang=web.lang,
            ),
        )
        if refusal is None:
            return web.redirect(web.url(f"/applications/{application_id}", done="responded"))
        if not isinstance(refusal, SHOWN):
            raise refusal
        # NotEligible carries the engine's explanation, built by the service in web.lang; any
        # other refusal is said from its code (never its English text).
        reason = str(refusal) if isinstance(refusal, NotEligible) else ""
        form.error("response", reason or message_for(web, refusal), code=refusal.code)
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if not app_permissions.can_answer_return(loaded.app):
            return web.redirect(f"/applications/{application_id}")
        events = _history(web, session, principal, application_id)
        return web.page(
            PAGES + "respond.html",
            status_code=400,
            errors=form.errors,
            values=form.values,
            questions=_last_questions(events),
            **_page_values(web, loaded),
        )


@router.get("/applications/{application_id}/withdraw")
def withdraw_page(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if not app_permissions.can_withdraw(loaded.app):
            return web.redirect(f"/applications/{application_id}")
        return web.page(PAGES + "withdraw.html", **_page_values(web, loaded))


@router.post("/applications/{application_id}/withdraw")
async def withdraw(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    form = Form(await web.form())
    if form.get("confirm") == "no":
        return web.redirect(f"/applications/{application_id}")
    if form.get("confirm") != "yes":
        with web.read() as session:
            loaded = _load(web, session, principal, application_id)
            form.error("confirm", web._("Select yes if you want to withdraw the application"))
            return web.page(
                PAGES + "withdraw.html",
                status_code=400,
                errors=form.errors,
                **_page_values(web, loaded),
            )
    with web.write() as session:
        service.withdraw(
            session, principal=principal, application_id=application_id, today=web.today
        )
    return web.redirect(web.url(f"/applications/{application_id}", done="withdrawn"))
