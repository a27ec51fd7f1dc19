"""Pages: the enterprise dashboard and starting an application."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.applications import service
from ftzlink.applications.tables import State
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Measure, Policy
from ftzlink.errors import InvalidInput, NotFound
from ftzlink.organisations import service as organisations
from ftzlink.organisations.tables import Organisation
from ftzlink.web.context import Web, WebPage
from ftzlink.web.enterprise.common import (
    GROUPS,
    LIMIT_NAMES,
    PAGES,
    PERIODS,
    REQUEST_FIELDS,
    _acting,
    _determination,
    _limits,
    _measure,
    _needs_project,
    _offered,
    _problems_to_form,
    _project_kinds,
    _read_request,
    _term_label,
)
from ftzlink.web.forms import Form, change

router = APIRouter(include_in_schema=False)


# --- the dashboard ------------------------------------------------------------------------------


@router.get("/applications")
def dashboard(web: WebPage) -> Response:
    principal = web.require()
    with web.read() as session:
        rows, _ = service.list_applications(session, principal=principal, on=web.today, limit=500)
        mine = principal.member_of() | set(
            organisations.delegations_to(session, principal, on=web.today)
        )
        rows = [a for a in rows if a.organisation_id in mine]
        names = {
            i: organisations.get_organisation(
                session, principal=principal, organisation_id=i, on=web.today
            ).name_in(web.lang)
            for i in {a.organisation_id for a in rows}
        }
    titles = {m.id: m.title for _, m in web.catalogue.measures()}
    groups = []
    for key, label, states in GROUPS:
        items = [a for a in rows if a.status in states]
        groups.append({"key": key, "label": web._(label), "items": items})
    counts = {s.value: sum(a.status == s.value for a in rows) for s in State}
    return web.page(
        PAGES + "dashboard.html",
        saved=web.request.query_params.get("done") == "saved",
        groups=groups,
        counts=counts,
        total=len(rows),
        names=names,
        titles=titles,
        own=principal.member_of(),
    )


# --- starting an application --------------------------------------------------------------------


def _start_values(
    web: Web,
    session: Session,
    principal: Principal,
    policy: Policy,
    measure: Measure,
    org: Organisation,
) -> dict[str, Any]:
    return {
        "policy": policy,
        "measure": measure,
        "org": org,
        "delegated": _acting(web, principal, org),
        "limits": _limits(web, session, principal, org, measure.id, None),
        "year": web.today.year,
        "determination": _determination(web, org, policy, measure, {}),
        "needs_project": _needs_project(measure),
        "kinds": _project_kinds(web, measure),
        "periods": PERIODS,
        "limit_names": LIMIT_NAMES,
        "term": _term_label(web),
    }


@router.get("/applications/new")
def start(
    web: WebPage, measure: str = "", organisation: str | None = None, step: str = ""
) -> Response:
    principal = web.require()
    policy, chosen_measure = _measure(web, measure)
    closed = service.not_in_force(policy, chosen_measure, on=web.today)
    if closed is not None:  # said before any form: nothing can be started under it
        return web.page(
            PAGES + "closed.html", policy=policy, measure=chosen_measure, refusal=closed
        )
    with web.read() as session:
        offered = _offered(web, session, principal, chosen_measure.id)
        if not offered:
            raise NotFound("no organisation to apply for")
        by_id = {str(o.id): o for o in offered}
        org = by_id.get(organisation or "") if organisation is not None else None
        if org is None and organisation is None and len(offered) == 1:
            org = offered[0]
        if org is None:
            form = Form()
            if organisation is not None or step == "choose":
                form.error("organisation", web._("Select the organisation you are applying for"))
            return web.page(
                PAGES + "choose.html",
                status_code=400 if form.errors else 200,
                errors=form.errors,
                policy=policy,
                measure=chosen_measure,
                offered=offered,
                own=principal.member_of(),
            )
        return web.page(
            PAGES + "start.html",
            values={},
            **_start_values(web, session, principal, policy, chosen_measure, org),
        )


@router.post("/applications/new")
async def create(web: WebPage) -> Response:
    principal = web.require()
    form = Form(await web.form())
    policy, measure = _measure(web, form.get("measure"))
    with web.read() as session:
        offered = {str(o.id): o for o in _offered(web, session, principal, measure.id)}
    org = offered.get(form.get("organisation"))
    if org is None:
        raise NotFound("no organisation to apply for")
    changes = _read_request(web, form, measure)
    app_id: int | None = None
    if form.ok:
        app_id, refusal = change(
            web,
            lambda session: (
                service.create_application(
                    session,
                    principal=principal,
                    catalogue=web.catalogue,
                    organisation_id=org.id,
                    measure_id=measure.id,
                    today=web.today,
                    **changes,
                ).id
            ),
        )
        if isinstance(refusal, InvalidInput):
            _problems_to_form(web, form, refusal, REQUEST_FIELDS)
        elif refusal is not None:
            raise refusal  # no field to show it beside: the error page says it, as before
    if app_id is None:
        with web.read() as session:
            return web.page(
                PAGES + "start.html",
                status_code=400,
                errors=form.errors,
                values=form.values,
                **_start_values(web, session, principal, policy, measure, org),
            )
    if form.get("action") == "later":
        return web.redirect(web.url("/applications", done="saved"))
    return web.redirect(f"/applications/{app_id}/questions")
