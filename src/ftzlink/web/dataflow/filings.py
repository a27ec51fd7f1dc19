"""The enterprise's overview and its filings (task list, route, check answers, submit, confirmation);
the regulator's queue, registering and returning.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow import registrations as registration_service
from ftzlink.dataflow import validation as limits
from ftzlink.dataflow.rules import route_scenario
from ftzlink.dataflow.tables import (
    Filing,
)
from ftzlink.dataflow.workflow import EDITABLE
from ftzlink.errors import (
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NothingToFile,
)
from ftzlink.web import forms
from ftzlink.web.context import Web, WebPage
from ftzlink.web.dataflow.common import (
    FILING_STATUSES,
    MECHANISMS,
    PAGES,
    REFUSALS,
    ROUTES,
    SECTION_BY_SLUG,
    SECTION_OF,
    SECTIONS,
    DbId,
    Section,
    _label,
    _member,
    _reads_queue,
    _route,
    _rules,
    _text,
    _window,
)
from ftzlink.web.dataflow.scenario import (
    _fields,
    _form_values,
    _question,
    _shown,
    _tasks,
    explained,
)
from ftzlink.web.forms import N_, Form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/dataflow")
def dashboard(web: WebPage) -> Response:
    principal = web.require()
    if not principal.member_of():
        if perm.reads_queue(principal):
            return web.redirect("/dataflow/queue")
        if perm.is_inspector(principal):
            return web.redirect("/dataflow/inspections")
    principal, organisation_id = _member(web)
    with web.read() as session:
        overview = filing_service.enterprise_overview(
            session, principal=principal, organisation_id=organisation_id
        )
    organisation, filings = overview.organisation, overview.filings
    registrations, reminders = overview.registrations, overview.reminders
    by_reg = {r.id: r for r in registrations}
    titles = {f.id: f.title for f in filings}
    groups = [
        (key, web._(label), [f for f in filings if f.status == key])
        for key, label in (
            ("returned", N_("Returned: answer the regulator")),
            ("draft", N_("Drafts")),
            ("submitted", N_("Waiting for the regulator")),
            ("registered", N_("Registered")),
        )
    ]
    return web.page(
        PAGES + "dashboard.html",
        organisation=organisation,
        groups=groups,
        registrations=[
            {
                "registration": r,
                "title": titles.get(r.filing_id, ""),
                "route": _route(web, r.route),
                "window": _window(web, r),
                "valid": registration_service.valid_on(r, web.today),
            }
            for r in registrations
        ],
        reminders=[
            {"reminder": r, "number": by_reg[r.registration_id].number}
            for r in reminders
            if r.registration_id in by_reg
        ],
        statuses={k: _label(web, FILING_STATUSES, k) for k in FILING_STATUSES},
        routes={k: _route(web, k) for k in ROUTES},
    )


# --- a filing: the task list, its sections, the route, check answers, confirmation ---------------


@router.get("/dataflow/filings/new")
def new_filing(web: WebPage) -> Response:
    _member(web)
    return web.page(PAGES + "new.html")


@router.post("/dataflow/filings/new")
async def create_filing(web: WebPage) -> Response:
    principal, organisation_id = _member(web)
    form = Form(await web.form())
    title = form.get("title")
    if not title:
        form.error("title", web._("Enter a name for the transfer scenario"))
    elif limits.title_problems(title):
        form.error("title", web._("The name must be 200 characters or fewer"))
    filing = None
    if form.ok:
        filing, refusal = forms.change(
            web,
            lambda session: filing_service.create_filing(
                session,
                principal=principal,
                rules=_rules(),
                organisation_id=organisation_id,
                title=title,
                today=web.today,
            ),
            refusals=REFUSALS,
        )
        if refusal is not None:
            form.error("title", web._("Enter a name for the transfer scenario"))
    if filing is None:
        return web.page(PAGES + "new.html", status_code=400, errors=form.errors, values=form.values)
    return web.redirect(f"/dataflow/filings/{filing.id}")


def _own_editable(
    session: Session, principal: Principal, filing_id: int
) -> filing_service.FilingView:
    """A filing of the user's enterprise that it may still edit (else "not found")."""
    view = filing_service.filing_view(
        session, principal=principal, rules=_rules(), filing_id=filing_id
    )
    if view.filing.organisation_id not in principal.member_of():
        raise NotFound(f"no filing {filing_id}")
    return view


def _filing_values(web: Web, view: filing_service.FilingView) -> dict[str, Any]:
    filing = view.filing
    return {
        "filing": filing,
        "organisation": view.organisation,
        "status": _label(web, FILING_STATUSES, filing.status),
        "ex": explained(web, view.route, filing_id=filing.id),
    }


@router.get("/dataflow/filings/{filing_id}")
def filing_page(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = filing_service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
        if perm.can_edit_filing(principal, view.filing):
            tasks = _tasks(web, view.filing, view.route)
            return web.page(
                PAGES + "tasks.html",
                tasks=tasks,
                completed=sum(t["state"] == "completed" for t in tasks[: len(SECTIONS)]),
                sections=len(SECTIONS),
                **_filing_values(web, view),
            )
        return _filing_page(web, session, principal, view)


def _filing_page(
    web: Web,
    session: Session,
    principal: Principal,
    view: filing_service.FilingView,
    form: Form | None = None,
    *,
    status: int = 200,
) -> Response:
    form = form or Form()
    registration = view.registration
    decides = perm.can_decide_filing(principal, view.filing)
    valid_until = None
    if decides and view.filing.route is not None:
        valid_until = filing_service.valid_until_if_registered(
            _rules(), view.filing.route, web.today
        )
    return web.page(
        PAGES + "filing.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        answers=_answers(web, view.filing),
        registration=registration,
        decides=decides,
        valid_until=valid_until,
        mechanism=web._(MECHANISMS[view.filing.mechanism]) if view.filing.mechanism else "",
        filed_route=_route(web, view.filing.route) if view.filing.route else None,
        own=view.filing.organisation_id in principal.member_of(),
        **_filing_values(web, view),
    )


def _answers(web: Web, filing: Filing, *, editable: bool = False) -> list[dict[str, Any]]:
    scenario = filing.scenario or {}
    rows = []
    for section in SECTIONS:
        for fact in section.facts:
            rows.append(
                {
                    "id": "answer-" + fact,
                    "fact": fact,
                    "question": _question(web, fact),
                    "answer": _shown(web, fact, scenario.get(fact)),
                    "href": f"/dataflow/filings/{filing.id}/{section.slug}#{fact}"
                    if editable
                    else None,
                }
            )
    return rows


def _section_page(
    web: Web,
    view: filing_service.FilingView,
    section: Section,
    form: Form | None = None,
    *,
    status: int = 200,
) -> Response:
    values = form.values if form is not None else _form_values(view.filing.scenario or {})
    return web.page(
        PAGES + "section.html",
        status_code=status,
        errors=form.errors if form is not None else [],
        values=values,
        section=section,
        section_name=web._(section.name),
        section_hint=web._(section.hint) if section.hint else "",
        fields=_fields(web, section),
        **_filing_values(web, view),
    )


def _section(slug: str) -> Section:
    section = SECTION_BY_SLUG.get(slug)
    if section is None:
        raise NotFound(f"no section {slug}")
    return section


@router.get("/dataflow/filings/{filing_id}/route")
def route_page(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = filing_service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
    return web.page(
        PAGES + "route.html",
        editable=perm.can_edit_filing(principal, view.filing),
        **_filing_values(web, view),
    )


@router.get("/dataflow/filings/{filing_id}/check")
def check_page(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return _check(web, view)


def _check(
    web: Web, view: filing_service.FilingView, form: Form | None = None, *, status: int = 200
) -> Response:
    form = form or Form()
    return web.page(
        PAGES + "check.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        answers=_answers(web, view.filing, editable=True),
        **_filing_values(web, view),
    )


@router.post("/dataflow/filings/{filing_id}/submit")
async def submit(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    mechanisms = view.route.mechanisms
    mechanism = form.get("mechanism") or (mechanisms[0] if len(mechanisms) == 1 else "")
    if mechanisms and mechanism not in mechanisms:
        form.error("mechanism", web._("Select how the transfer is filed"))
    effective = None
    if form.get("contract_effective_on"):
        effective = forms.parse_day(form.get("contract_effective_on"))
        if effective is None:
            form.error("contract_effective_on", web._("Enter the day as a date, like 2026-02-20"))
        elif mechanism != "standard_contract":
            form.error(
                "contract_effective_on", web._("Only a standard contract has an effective date")
            )
    if form.ok:
        _, refusal = forms.change(
            web,
            lambda session: filing_service.submit_filing(
                session,
                principal=principal,
                rules=_rules(),
                filing_id=filing_id,
                mechanism=mechanism or None,
                contract_effective_on=effective,
                today=web.today,
            ),
            refusals=REFUSALS,
        )
        if refusal is None:
            return web.redirect(f"/dataflow/filings/{filing_id}/confirmation")
        if isinstance(refusal, InvalidInput):
            for problem in refusal.problems:
                field = problem.field or "submit"
                if field in SECTION_OF:
                    form.error(
                        "answer-" + field,
                        web._("Answer: %(question)s", question=_question(web, field)),
                    )
                elif field in ("mechanism", "contract_effective_on"):
                    form.error(field, web._("Select how the transfer is filed"))
        if isinstance(refusal, NothingToFile) or form.ok:
            form.error("submit", web._("This scenario is exempt: there is nothing to file"))
    return _check(web, view, form, status=400)


@router.get("/dataflow/filings/{filing_id}/confirmation")
def confirmation(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = filing_service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
    if view.filing.organisation_id not in principal.member_of() or view.filing.status in EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return web.page(
        PAGES + "confirmation.html",
        answers=_answers(web, view.filing),
        mechanism=web._(MECHANISMS[view.filing.mechanism]) if view.filing.mechanism else "",
        **_filing_values(web, view),
    )


# --- the regulator: the queue, registering or returning ------------------------------------------


@router.get("/dataflow/queue")
def queue(web: WebPage) -> Response:
    principal = _reads_queue(web)
    with web.read() as session:
        filing_queue = filing_service.filing_queue(session, principal=principal)
    names = filing_queue.organisations
    rows = []
    for f in filing_queue.filings:
        result = route_scenario(_rules(), f.scenario or {})
        rows.append(
            {
                "filing": f,
                "organisation": _text(web, names.get(f.organisation_id)),
                "route": _route(web, f.route),
                "reasons": explained(web, result)["reasons"],
                "status": _label(web, FILING_STATUSES, f.status),
            }
        )
    groups = [
        (key, web._(label), [r for r in rows if r["filing"].status == key])
        for key, label in (
            ("submitted", N_("To register or return")),
            ("returned", N_("Returned to the enterprise")),
            ("registered", N_("Registered")),
        )
    ]
    return web.page(PAGES + "queue.html", groups=groups, regulator=perm.is_regulator(principal))


def _regulator_form(web: Web) -> Principal:
    principal = web.require()
    if not perm.is_regulator(principal):
        raise Forbidden("only a data regulator registers or returns a filing")
    return principal


@router.post("/dataflow/filings/{filing_id}/register")
async def register(web: WebPage, filing_id: DbId) -> Response:
    principal = _regulator_form(web)
    await web.form()
    try:
        with web.write() as session:
            registration = filing_service.register_filing(
                session, principal=principal, rules=_rules(), filing_id=filing_id, today=web.today
            )
            registration_id = registration.id
    except InvalidTransition:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return web.redirect(f"/dataflow/registrations/{registration_id}")


@router.post("/dataflow/filings/{filing_id}/return")
async def return_filing(web: WebPage, filing_id: DbId) -> Response:
    principal = _regulator_form(web)
    form = Form(await web.form())
    reasons = limits.lines(form.get("reasons").splitlines())
    if not reasons:
        form.error("reasons", web._("Enter at least one reason, one a line"))
    elif limits.reasons_problems(reasons):
        form.error(
            "reasons",
            web._(
                "Enter up to %(most)s reasons, each %(chars)s characters or fewer",
                most=limits.REASONS_MAX,
                chars=f"{limits.REASON_CHARS:,}",
            ),
        )
    if form.ok:
        try:
            with web.write() as session:
                filing_service.return_filing(
                    session,
                    principal=principal,
                    filing_id=filing_id,
                    reasons=reasons,
                    today=web.today,
                )
            return web.redirect("/dataflow/queue")
        except InvalidTransition:
            return web.redirect(f"/dataflow/filings/{filing_id}")
    with web.read() as session:
        view = filing_service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
        return _filing_page(web, session, principal, view, form, status=400)
