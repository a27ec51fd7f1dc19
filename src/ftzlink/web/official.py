"""Pages for district officials: the review queue, an application with the engine's determination,
its limits, documents and history; approving, returning and rejecting; batch signing; budgets."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from ftzlink.applications import budgets as budget_service
from ftzlink.applications import documents
from ftzlink.applications import permissions as app_permissions
from ftzlink.applications import service as applications
from ftzlink.applications.budgets import measure_districts
from ftzlink.applications.caps import Limit
from ftzlink.applications.tables import Application, State
from ftzlink.auth import permissions
from ftzlink.auth import service as users
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Measure, MeasureKind, Policy
from ftzlink.errors import (
    CapExceeded,
    Conflict,
    Forbidden,
    FtzlinkError,
    InvalidInput,
    NotFound,
)
from ftzlink.organisations import service as organisations
from ftzlink.organisations.tables import Organisation
from ftzlink.rules.determinations import Determination
from ftzlink.web.context import Web, WebPage
from ftzlink.web.errors import message_for
from ftzlink.web.forms import N_, Form, parse_day
from ftzlink.web.render import money

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
BATCH_LIMIT = 200  # at most this many applications in one signing
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]

_YUAN = re.compile(r"[0-9]{1,3}(,[0-9]{3})+|[0-9]+")
_MAX_YUAN = 10**13

LIMIT_NAMES = {
    "measure_cap": N_("The measure's cap"),
    "clause_allowance": N_("The organisation's allowance for the clause this year"),
    "budget": N_("The measure's budget for the year"),
}

# What the amount field says when an approval would take more than a limit has left.
OVER_LIMIT = {
    "measure_cap": N_("The amount is more than the measure's cap allows: %(remaining)s remaining"),
    "clause_allowance": N_(
        "The amount is more than the organisation's allowance for the clause this year: %(remaining)s remaining"
    ),
    "budget": N_("The amount is more than the measure's budget has left: %(remaining)s remaining"),
    "no_budget": N_(
        "No budget is set for this measure and year (%(remaining)s remaining): a budget officer sets it first"
    ),
}

ACTIONS = {
    "create": N_("Started"),
    "update": N_("Changed"),
    "submit": N_("Submitted"),
    "return": N_("Returned with questions"),
    "resubmit": N_("Answered and resubmitted"),
    "approve": N_("Approved"),
    "reject": N_("Rejected"),
    "withdraw": N_("Withdrawn"),
}


def parse_yuan(text: str) -> int | None:
    """Whole yuan as people type them: digits, with commas between thousands if they like."""
    text = text.strip().replace("，", ",")
    if not _YUAN.fullmatch(text):
        return None
    amount = int(text.replace(",", ""))
    return amount if amount < _MAX_YUAN else None


# --- who may use these pages -------------------------------------------------------------------


def _official(web: Web) -> Principal:
    principal = web.require()
    if not app_permissions.is_official(principal):
        raise Forbidden("these pages are for district officials")
    return principal


def _districts(web: Web, principal: Principal) -> list[str]:
    if permissions.reads_everything(principal):
        return sorted(web.catalogue.known_terms("districts"))
    return sorted(app_permissions.official_districts(principal))


def _measures_for(web: Web, districts: set[str]) -> list[tuple[Policy, Measure]]:
    return [
        (p, m)
        for p, m in web.catalogue.measures()
        if measure_districts(web.catalogue, p) & districts
    ]


def _label(web: Web, vocabulary: str, term_id: str | None) -> str:
    if not term_id:
        return "—"
    term = web.catalogue.term(vocabulary, term_id)
    return term.label.get(web.lang) if term else term_id


# --- the queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    app: Application
    organisation: str
    measure: str
    kind: str


ALL = "all"  # the status filter's "every state" (the default is "needs action")


def _queue(web: Web, principal: Principal, params: Mapping[str, str]) -> dict[str, Any]:
    """Everything the queue page shows for the filters in `params` (errors included)."""
    form = Form(dict(params))
    districts = _districts(web, principal)
    zones = [z for z in web.catalogue.zones if z.district in districts]
    measures = _measures_for(web, set(districts))
    statuses = [s.value for s in State]
    district, zone = form.get("district"), form.get("zone")
    measure, status = form.get("measure"), form.get("status")
    if district and district not in districts:
        form.error("district", web._("Choose a district from the list"))
    if zone and zone not in {z.id for z in zones}:
        form.error("zone", web._("Choose a zone from the list"))
    if measure and measure not in {m.id for _, m in measures}:
        form.error("measure", web._("Choose a measure from the list"))
    if status and status not in (*statuses, ALL):
        form.error("status", web._("Choose a status from the list"))
    days: dict[str, dt.date | None] = {}
    for name in ("submitted_from", "submitted_to"):
        days[name] = parse_day(form.get(name)) if form.get(name) else None
        if form.get(name) and days[name] is None:
            form.error(name, web._("Enter a real date in the form 2026-03-31"))
    page_text = form.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 1
    rows: list[Row] = []
    total = 0
    if form.ok:
        filters = applications.Filters(
            status=status if status in statuses else None,
            needs_action=not status,
            submitted_only=True,
            measure_id=measure or None,
            district=district or None,
            zone=zone or None,
            submitted_from=days["submitted_from"],
            submitted_to=days["submitted_to"],
            q=form.get("q")[:100] or None,
        )
        titles = {m.id: m.title.get(web.lang) for _, m in web.catalogue.measures()}
        kinds = {m.id: m.kind.value for _, m in web.catalogue.measures()}
        with web.read() as session:
            found, total = applications.list_applications(
                session,
                principal=principal,
                on=web.today,
                filters=filters,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
            names = _organisation_names(web, session, {a.organisation_id for a in found})
            rows = [
                Row(
                    a,
                    names.get(a.organisation_id, ""),
                    titles.get(a.measure_id, a.measure_id),
                    kinds.get(a.measure_id, ""),
                )
                for a in found
            ]
    pages = max(1, -(-total // PAGE_SIZE))
    query = {k: form.get(k) for k in FILTER_FIELDS if form.get(k)}
    return {
        "errors": form.errors,
        "values": form.values,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "query": urlencode(query),
        "page_url": lambda n: web.url("/review", **query, page=n),
        "districts": [("", web._("All districts"))]
        + [(d, _label(web, "districts", d)) for d in districts],
        "zones": [("", web._("All zones"))] + [(z.id, z.name.get(web.lang)) for z in zones],
        "measures": [("", web._("All measures"))]
        + [(m.id, m.title.get(web.lang)) for _, m in measures],
        "statuses": [("", web._("Needs action")), (ALL, web._("All statuses"))]
        + [(s, web._(_state_name(s))) for s in statuses if s != State.DRAFT],
    }


FILTER_FIELDS = ("district", "zone", "measure", "status", "submitted_from", "submitted_to", "q")


def _state_name(state: str) -> str:
    from ftzlink.web.labels import STATES

    return STATES.get(state, state)


def _organisation_names(web: Web, session: Session, ids: set[int]) -> dict[int, str]:
    return organisations.names_of(session, ids, lang=web.lang)


@router.get("/review")
def review_queue(web: WebPage) -> Response:
    principal = _official(web)
    data = _queue(web, principal, dict(web.request.query_params))
    return web.page(
        "pages/official/queue.html",
        status_code=400 if data["errors"] else 200,
        block="results",
        **data,
    )


# --- batch signing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    app: Application
    organisation: str
    measure: str
    amount: int | None
    kind: str
    signable: bool  # under review now, so the approval can go ahead (caps and budget permitting)


def _ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for v in values:
        if v.isdigit() and 0 < int(v) < 2**31 and int(v) not in ids:
            ids.append(int(v))
    return ids


def _plan(web: Web, principal: Principal, session: Session, ids: list[int]) -> list[Planned]:
    """What signing will do to each selected application: approve it for the amount requested."""
    found: list[Planned] = []
    apps: list[Application] = []
    for application_id in ids:
        try:
            apps.append(
                applications.get_application(
                    session, principal=principal, application_id=application_id, on=web.today
                )
            )
        except NotFound:
            continue
    names = _organisation_names(web, session, {a.organisation_id for a in apps})
    for app in apps:
        _, measure = applications.find_measure(web.catalogue, app.measure_id)
        grant = measure.kind is MeasureKind.GRANT
        found.append(
            Planned(
                app,
                names.get(app.organisation_id, ""),
                measure.title.get(web.lang),
                app.requested_amount if grant else None,
                measure.kind.value,
                app_permissions.is_under_review(app),
            )
        )
    return found


@router.post("/review/batch")
async def review_batch(web: WebPage) -> Response:
    principal = _official(web)
    form = Form(await web.form())
    back = form.get("back")
    back_query = back if not back.startswith(("/", "http")) else ""
    if form.get("step") == "sign":
        return _sign(web, principal, form, back_query)
    chosen = form.getlist("page_ids") if form.get("all_on_page") else form.getlist("ids")
    ids = _ids(chosen)[:BATCH_LIMIT]
    if not ids:
        data = _queue(web, principal, dict(parse_qsl(back_query)))
        data["errors"] = [*data["errors"]]
        form.error("ids", web._("Select at least one application to sign"))
        return web.page(
            "pages/official/queue.html",
            status_code=400,
            **{**data, "errors": data["errors"] + form.errors},
        )
    with web.read() as session:
        plan = _plan(web, principal, session, ids)
        web.replay = True  # the check before signing signs nothing
        return web.page("pages/official/batch_confirm.html", plan=plan, back=back_query)


def _sign(web: Web, principal: Principal, form: Form, back: str) -> Response:
    ids = _ids(form.getlist("ids"))[:BATCH_LIMIT]
    if not ids:
        raise InvalidInput("an empty batch")
    with web.write() as session:
        plan = {p.app.id: p for p in _plan(web, principal, session, ids)}
        items = [
            applications.BatchItem(
                application_id,
                "approve",
                plan[application_id].amount if application_id in plan else None,
            )
            for application_id in ids
        ]
        results = applications.sign_batch(
            session,
            principal=principal,
            catalogue=web.catalogue,
            items=items,
            all_or_nothing=False,
            today=web.today,
        )
        outcomes = [(plan.get(r.application_id), r, _outcome(r)) for r in results]
        counts = {
            key: sum(1 for _, _, o in outcomes if o == key)
            for key in ("approved", "over_cap", "over_budget", "wrong_state", "other")
        }
        web.language_back = "/review" + (f"?{back}" if back else "")
        return web.page(
            "pages/official/batch_results.html", outcomes=outcomes, counts=counts, back=back
        )


def _outcome(result: applications.ItemResult) -> str:
    """approved, over_cap, over_budget, wrong_state or other: how the results page groups it."""
    if result.outcome in ("approved", "rejected"):
        return "approved" if result.outcome == "approved" else "other"
    if result.code == "cap_exceeded":
        return "over_budget" if result.limit in ("budget", "no_budget") else "over_cap"
    if result.code == "invalid_transition":
        return "wrong_state"
    return "other"


# --- one application ---------------------------------------------------------------------------


def _application_page(
    web: Web,
    principal: Principal,
    application_id: int,
    *,
    status_code: int = 200,
    errors: list[Any] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    with web.read() as session:
        app = applications.get_application(
            session, principal=principal, application_id=application_id, on=web.today
        )
        org = organisations.organisations_of(session, {app.organisation_id})[app.organisation_id]
        policy, measure = applications.find_measure(web.catalogue, app.measure_id)
        determination = _determination(web, org, app)
        limits: list[Limit] = []
        if measure.kind is MeasureKind.GRANT and app.submitted_on is not None:
            limits = applications.remaining(
                session,
                principal=principal,
                catalogue=web.catalogue,
                organisation_id=org.id,
                measure_id=measure.id,
                year=app.submitted_on.year,
                project=app.project_name,
                today=web.today,
            )
        checklist = documents.checklist(
            session,
            principal=principal,
            catalogue=web.catalogue,
            application_id=app.id,
            today=web.today,
        )
        events = applications.history(
            session, principal=principal, application_id=app.id, today=web.today
        )
        people = users.display_names(session, {e.actor_id for e in events})
        decides = app_permissions.can_decide(principal, app, district=org.district)
        defaults = {
            "amount": f"{app.requested_amount:,}" if app.requested_amount is not None else ""
        }
        done = web.request.query_params.get("done", "")
        return web.page(
            "pages/official/application.html",
            status_code=status_code,
            errors=errors or [],
            values={**defaults, **(values or {})},
            app=app,
            org=org,
            policy=policy,
            measure=measure,
            grant=measure.kind is MeasureKind.GRANT,
            determination=determination,
            limits=limits,
            checklist=checklist,
            events=events,
            people=people,
            actions=ACTIONS,
            limit_names=LIMIT_NAMES,
            decides=decides,
            done=done if done in ("approved", "returned", "rejected") else "",
            district=_label(web, "districts", org.district),
            zone=(z.name.get(web.lang) if (z := web.catalogue.zone(org.zone or "")) else "—"),
        )


def _determination(web: Web, org: Organisation, app: Application) -> Determination | None:
    """The engine's view of the application as of its submission (as the service judged it)."""
    try:
        return applications.determine(web.catalogue, org, app, as_of=app.submitted_on or web.today)
    except (FtzlinkError, ValueError):
        return None


@router.get("/review/{application_id}")
def application_page(web: WebPage, application_id: DbId) -> Response:
    return _application_page(web, _official(web), application_id)


@router.get("/review/{application_id}/documents/{document_id}")
def download_document(web: WebPage, application_id: DbId, document_id: DbId) -> Response:
    principal = _official(web)
    with web.read() as session:
        doc = documents.get_document(
            session, principal=principal, document_id=document_id, today=web.today
        )
        if doc.application_id != application_id:
            raise NotFound(f"no document {document_id} on application {application_id}")
    response = FileResponse(
        documents.document_path(web.settings.documents_dir, doc.sha256),
        media_type=doc.content_type,
        filename=doc.filename,
        content_disposition_type="attachment",
    )
    return response


def _problems(web: Web, form: Form, error: InvalidInput, default_field: str) -> None:
    for problem in error.problems or []:
        field = problem.field if problem.field in ("amount", "questions", "reasons") else None
        form.error(
            field or default_field,
            web._(MESSAGE_FOR_FIELD.get(field or "", N_("Check this answer"))),
        )


MESSAGE_FOR_FIELD = {
    "amount": N_("Enter the amount in whole yuan, 0 or more"),
    "questions": N_("Ask at least one question"),
    "reasons": N_("Give at least one reason"),
}


@router.post("/review/{application_id}/approve")
async def approve(web: WebPage, application_id: DbId) -> Response:
    principal = _official(web)
    form = Form(await web.form())
    with web.read() as session:
        app = applications.get_application(
            session, principal=principal, application_id=application_id, on=web.today
        )
        _, measure = applications.find_measure(web.catalogue, app.measure_id)
    amount: int | None = None
    if measure.kind is MeasureKind.GRANT:
        if not form.get("amount"):
            form.error("amount", web._("Enter the amount to approve, in yuan"))
        else:
            amount = parse_yuan(form.get("amount"))
            if amount is None:
                form.error(
                    "amount",
                    web._("Enter the amount in whole yuan using digits, like 1,000,000"),
                )
    if form.ok:
        try:
            with web.write() as session:
                applications.approve(
                    session,
                    principal=principal,
                    catalogue=web.catalogue,
                    application_id=application_id,
                    amount=amount,
                    today=web.today,
                )
        except CapExceeded as error:
            if error.limit == "requested":
                form.error(
                    "amount",
                    web._(
                        "The amount must be no more than the %(requested)s requested",
                        requested=money(error.remaining, web.lang),
                    ),
                )
            else:
                form.error(
                    "amount",
                    web._(
                        OVER_LIMIT.get(error.limit, OVER_LIMIT["budget"]),
                        remaining=money(error.remaining, web.lang),
                    ),
                )
        except InvalidInput as error:
            _problems(web, form, error, "amount")
    if not form.ok:
        return _application_page(
            web, principal, application_id, status_code=400, errors=form.errors, values=form.values
        )
    return web.redirect(web.url(f"/review/{application_id}", done="approved"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


async def _note_step(web: Web, application_id: int, field: str) -> Response:
    """Return (with questions) or reject (with reasons): one per line."""
    principal = _official(web)
    form = Form(await web.form())
    notes = _lines(form.get(field))
    if not notes:
        form.error(
            field,
            web._("Ask at least one question")
            if field == "questions"
            else web._("Give at least one reason"),
        )
    elif any(len(n) > 2000 for n in notes) or len(notes) > 50:
        form.error(field, web._("Write at most 50 lines of up to 2,000 characters each"))
    if form.ok:
        try:
            with web.write() as session:
                if field == "questions":
                    applications.return_application(
                        session,
                        principal=principal,
                        application_id=application_id,
                        questions=notes,
                        today=web.today,
                    )
                else:
                    applications.reject(
                        session,
                        principal=principal,
                        application_id=application_id,
                        reasons=notes,
                        today=web.today,
                    )
        except InvalidInput as error:
            _problems(web, form, error, field)
    if not form.ok:
        return _application_page(
            web, principal, application_id, status_code=400, errors=form.errors, values=form.values
        )
    done = "returned" if field == "questions" else "rejected"
    return web.redirect(web.url(f"/review/{application_id}", done=done))


@router.post("/review/{application_id}/return")
async def return_application(web: WebPage, application_id: DbId) -> Response:
    return await _note_step(web, application_id, "questions")


@router.post("/review/{application_id}/reject")
async def reject(web: WebPage, application_id: DbId) -> Response:
    return await _note_step(web, application_id, "reasons")


# --- budgets -----------------------------------------------------------------------------------


def _budget_measures(web: Web, principal: Principal) -> list[tuple[Policy, Measure]]:
    """Grant measures whose budget the principal may set."""
    if principal.is_platform_admin:
        pairs = web.catalogue.measures()
    else:
        pairs = _measures_for(web, principal.districts(Role.BUDGET_OFFICER))
    return [(p, m) for p, m in pairs if m.kind is MeasureKind.GRANT]


def _budgets_page(
    web: Web,
    principal: Principal,
    *,
    status_code: int = 200,
    errors: list[Any] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    settable = _budget_measures(web, principal)
    titles = {m.id: m.title.get(web.lang) for _, m in web.catalogue.measures()}
    year_text = web.request.query_params.get("for_year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
    with web.read() as session:
        rows = budget_service.list_budgets(
            session, principal=principal, catalogue=web.catalogue, year=year
        )
        every_year = sorted(
            {
                b.year
                for b in budget_service.list_budgets(
                    session, principal=principal, catalogue=web.catalogue
                )
            },
            reverse=True,
        )
        saved = web.request.query_params.get("saved", "")
        return web.page(
            "pages/official/budgets.html",
            status_code=status_code,
            errors=errors or [],
            values={"year": str(web.today.year), **(values or {})},
            rows=sorted(rows, key=lambda b: (-b.year, b.measure_id)),
            titles=titles,
            year=year,
            years=[("", web._("All years"))] + [(str(y), str(y)) for y in every_year],
            can_set=bool(settable),
            measures=[("", web._("Choose a measure"))]
            + [(m.id, m.title.get(web.lang)) for _, m in settable],
            saved=saved if re.fullmatch(r"[a-z0-9-]{1,80}:\d{4}", saved) else "",
        )


@router.get("/budgets")
def budgets_page(web: WebPage) -> Response:
    return _budgets_page(web, _official(web))


@router.post("/budgets")
async def set_budget(web: WebPage) -> Response:
    principal = _official(web)
    form = Form(await web.form())
    settable = {m.id for _, m in _budget_measures(web, principal)}
    measure_id = form.get("measure")
    if not measure_id:
        form.error("measure", web._("Choose the measure"))
    elif measure_id not in settable:
        form.error("measure", web._("Choose a measure from the list"))
    year_text = form.get("year")
    year = int(year_text) if re.fullmatch(r"[0-9]{4}", year_text) else None
    if year is None or not 2000 <= year <= 2100:
        form.error("year", web._("Enter a year between 2000 and 2100, like 2026"))
    amount: int | None = None
    if not form.get("amount"):
        form.error("amount", web._("Enter the budget, in yuan"))
    else:
        amount = parse_yuan(form.get("amount"))
        if amount is None:
            form.error(
                "amount", web._("Enter the amount in whole yuan using digits, like 1,000,000")
            )
    if form.ok:
        assert year is not None and amount is not None
        try:
            with web.write() as session:
                budget_service.set_budget(
                    session,
                    principal=principal,
                    catalogue=web.catalogue,
                    measure_id=measure_id,
                    year=year,
                    amount=amount,
                )
        except Conflict:
            form.error(
                "amount",
                web._("The budget cannot be less than what has already been granted from it"),
            )
        except InvalidInput as error:
            form.error("amount", message_for(web, error))
    if not form.ok:
        return _budgets_page(
            web, principal, status_code=400, errors=form.errors, values=form.values
        )
    return web.redirect(web.url("/budgets", saved=f"{measure_id}:{year}"))
