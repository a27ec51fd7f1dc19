"""Pages: enterprise members and admins apply for measures, save and resume drafts, answer
returned questions and withdraw; a headquarters acts for a branch under a delegation, and every
page of such an application says so in words."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.applications import service
from ftzlink.applications.caps import Limit
from ftzlink.applications.models import Application, ApplicationEvent, State
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Measure, MeasureKind, PeriodKind, Policy
from ftzlink.errors import FtzlinkError, InvalidInput, NotEligible, NotFound
from ftzlink.organisations import service as organisations
from ftzlink.organisations.models import Organisation
from ftzlink.rules.determinations import Determination, Question
from ftzlink.rules.evaluate import evaluate_measure
from ftzlink.web.context import Web, WebPage
from ftzlink.web.errors import message_for
from ftzlink.web.forms import N_, Form

router = APIRouter(include_in_schema=False)
T = TypeVar("T")

PAGES = "pages/enterprise/"
MAX_YUAN = 10**13  # far above any cap; keeps a typo from reaching the database

# The dashboard's groups, in the order a person deals with them.
GROUPS = (
    ("returned", N_("Returned for your answers"), (State.RETURNED,)),
    ("drafts", N_("Drafts"), (State.DRAFT,)),
    ("in_review", N_("Being reviewed"), (State.SUBMITTED, State.RESUBMITTED)),
    ("decided", N_("Decided or withdrawn"), (State.APPROVED, State.REJECTED, State.WITHDRAWN)),
)

LIMIT_NAMES = {
    "measure_cap": N_("The measure's cap"),
    "clause_allowance": N_("Your allowance for the clause this year"),
    "budget": N_("The measure's budget this year"),
}

PERIODS = {
    PeriodKind.PER_YEAR: N_("per year"),
    PeriodKind.PER_PROJECT: N_("per project"),
    PeriodKind.PER_PROJECT_PER_YEAR: N_("per project per year"),
    PeriodKind.ONE_TIME: N_("one time"),
    PeriodKind.PER_PERSON: N_("per person"),
}

ACTIONS = {
    "create": N_("Application started"),
    "update": N_("Draft saved"),
    "submit": N_("Submitted"),
    "return": N_("Returned with questions"),
    "resubmit": N_("Answered and resubmitted"),
    "approve": N_("Approved"),
    "reject": N_("Rejected"),
    "withdraw": N_("Withdrawn"),
}

_YUAN = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")


# --- reading ------------------------------------------------------------------------------------


def parse_yuan(text: str) -> int | None:
    """Whole yuan as typed (digits, with or without thousands commas); None if it is not that."""
    cleaned = text.replace("，", ",").replace(" ", "")
    if not _YUAN.match(cleaned):
        return None
    value = int(cleaned.replace(",", ""))
    return value if value < MAX_YUAN else None


def _measure(web: Web, measure_id: str) -> tuple[Policy, Measure]:
    return service.find_measure(web.catalogue, measure_id)


def _needs_project(measure: Measure) -> bool:
    return measure.cap is not None and measure.cap.period in (
        PeriodKind.PER_PROJECT,
        PeriodKind.PER_PROJECT_PER_YEAR,
        PeriodKind.PER_PERSON,
    )


def _project_kinds(web: Web, measure: Measure) -> list[tuple[str, str]]:
    """The kinds of project the measure names in its conditions (else every known kind)."""
    named: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("field") == "projects" and isinstance(node.get("exists"), dict):
                inner = node["exists"]
                if inner.get("field") == "kind":
                    for value in [inner.get("eq"), *(inner.get("in_") or [])]:
                        if isinstance(value, str) and value not in named:
                            named.append(value)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if measure.when is not None:
        walk(measure.when.model_dump(exclude_none=True))
    terms = web.catalogue.terms("project_kinds")
    chosen = [t for t in terms if t.id in named] or terms
    return [(t.id, t.label.get(web.lang)) for t in chosen]


def _is_delegated(principal: Principal, org: Organisation) -> bool:
    return org.id not in principal.member_of()


def _acting(web: Web, principal: Principal, org: Organisation) -> bool:
    """Say on the page whom the user acts for when it is not their own organisation."""
    if _is_delegated(principal, org):
        web.acting_for = org.name
        return True
    return False


def _offered(
    web: Web, session: Session, principal: Principal, measure_id: str
) -> list[Organisation]:
    """The organisations the user may apply for under the measure: its own, then the branches
    whose delegation covers the measure today."""
    ids = sorted(principal.member_of())
    ids += sorted(
        set(organisations.delegations_to(session, principal, on=web.today, measure_id=measure_id))
        - set(ids)
    )
    return [
        organisations.get_organisation(
            session, principal=principal, organisation_id=i, on=web.today
        )
        for i in ids
    ]


def _limits(
    web: Web,
    session: Session,
    principal: Principal,
    org: Organisation,
    measure_id: str,
    project: str | None,
    year: int | None = None,
) -> list[Limit]:
    return service.remaining(
        session,
        principal=principal,
        catalogue=web.catalogue,
        organisation_id=org.id,
        measure_id=measure_id,
        year=year or web.today.year,
        project=project,
        today=web.today,
    )


def _determination(
    web: Web, org: Organisation, policy: Policy, measure: Measure, extra: dict[str, Any]
) -> Determination:
    profile = organisations.enterprise_profile(org, web.catalogue, extra)
    return evaluate_measure(web.catalogue, policy, measure, profile, web.today)


def _extra(app: Application) -> dict[str, Any]:
    """What the application adds to the organisation's profile (as the domain merges it)."""
    extra = dict(app.answers or {})
    if app.project_name and app.project_kind:
        project: dict[str, Any] = {"name": app.project_name, "kind": app.project_kind}
        if app.requested_amount is not None:
            project["requested_amount"] = app.requested_amount
        extra["projects"] = [project]
    return extra


def _open_questions(determination: Determination) -> list[Question]:
    """The engine's questions a person answers here (projects are asked on the request page)."""
    return [
        q for q in determination.questions if q.type != "list" and not q.field.startswith("project")
    ]


@dataclass
class Loaded:
    app: Application
    org: Organisation
    policy: Policy
    measure: Measure
    delegated: bool


def _load(web: Web, session: Session, principal: Principal, application_id: int) -> Loaded:
    app = service.get_application(
        session, principal=principal, application_id=application_id, on=web.today
    )
    org = organisations.get_organisation(
        session, principal=principal, organisation_id=app.organisation_id, on=web.today
    )
    # The applicant's pages are for the organisation and its headquarters, not for officials.
    allowed = principal.member_of() | set(
        organisations.delegations_to(session, principal, on=web.today, measure_id=app.measure_id)
    )
    if org.id not in allowed:
        raise NotFound(f"no application {application_id}")
    policy, measure = _measure(web, app.measure_id)
    return Loaded(app, org, policy, measure, _acting(web, principal, org))


def _page_values(web: Web, loaded: Loaded) -> dict[str, Any]:
    return {
        "app": loaded.app,
        "org": loaded.org,
        "policy": loaded.policy,
        "measure": loaded.measure,
        "delegated": loaded.delegated,
        "periods": PERIODS,
        "term": _term_label(web),
        "field_id": _field_id,
    }


def _term_label(web: Web) -> Callable[[str, str | None], str]:
    def label(vocabulary: str, value: str | None) -> str:
        if not value:
            return "—"
        term = next((t for t in web.catalogue.terms(vocabulary) if t.id == value), None)
        return term.label.get(web.lang) if term else value

    return label


def _problems_to_form(web: Web, form: Form, error: InvalidInput, fields: dict[str, str]) -> None:
    """Show a domain refusal beside the field it names (or on the first field)."""
    first = next(iter(fields.values()), "")
    for problem in getattr(error, "problems", []) or []:
        name = (getattr(problem, "field", None) or "").removeprefix("answers.")
        form.error(fields.get(name, first), message_for(web, error))
    if form.ok:
        form.error(first, message_for(web, error))


def _change(web: Web, produce: Callable[[Session], T]) -> tuple[T | None, FtzlinkError | None]:
    """Run a change in its own transaction; a refusal rolls it back and is handed back to show."""
    try:
        with web.write() as session:
            return produce(session), None
    except (InvalidInput, NotEligible) as error:
        return None, error


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
            ).name
            for i in {a.organisation_id for a in rows}
        }
    titles = {m.id: m.title for _, m in web.catalogue.measures()}
    groups = []
    for key, label, states in GROUPS:
        items = [a for a in rows if a.status in {s.value for s in states}]
        groups.append({"key": key, "label": web._(label), "items": items})
    counts = {s.value: sum(a.status == s.value for a in rows) for s in State}
    return web.page(
        PAGES + "dashboard.html",
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


def _read_request(web: Web, form: Form, measure: Measure) -> dict[str, Any]:
    """The project and amount as typed, checked field by field."""
    changes: dict[str, Any] = {}
    if _needs_project(measure) or form.get("project_name"):
        name = form.get("project_name")
        if not name:
            form.error("project_name", web._("Enter the name of the project"))
        elif len(name) > 200:
            form.error("project_name", web._("The project name must be 200 characters or fewer"))
        changes["project_name"] = name or None
        kind = form.get("project_kind")
        kinds = {k for k, _ in _project_kinds(web, measure)}
        if kind not in kinds:
            form.error("project_kind", web._("Select the kind of project"))
        changes["project_kind"] = kind or None
    if measure.kind is MeasureKind.GRANT:
        typed = form.get("requested_amount")
        amount = parse_yuan(typed) if typed else None
        if not typed:
            form.error("requested_amount", web._("Enter the amount you are asking for, in yuan"))
        elif amount is None:
            form.error(
                "requested_amount",
                web._("Enter the amount in whole yuan, in digits, like 2,000,000"),
            )
        elif amount == 0:
            form.error("requested_amount", web._("The amount must be more than 0 yuan"))
        elif measure.cap is not None and amount > measure.cap.amount:
            form.error(
                "requested_amount",
                web._(
                    "The amount must be no more than the measure's cap of %(cap)s",
                    cap=f"{measure.cap.amount:,}",
                ),
            )
        changes["requested_amount"] = amount
    return changes


REQUEST_FIELDS = {
    "project_name": "project_name",
    "project_kind": "project_kind",
    "requested_amount": "requested_amount",
}


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
        app_id, refusal = _change(
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
        return web.redirect("/applications")
    return web.redirect(f"/applications/{app_id}/questions")


# --- the draft's questions ----------------------------------------------------------------------


def _require_draft(loaded: Loaded, web: Web) -> Response | None:
    if loaded.app.status != State.DRAFT.value:
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
        _, refusal = _change(
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
        return web.redirect("/applications")
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


def _field_id(path: str) -> str:
    return "answer-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


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
            try:
                value = dt.date.fromisoformat(typed).isoformat()
            except ValueError:
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
        _, refusal = _change(
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
        if refusal is not None:
            form.error(_field_id(questions[0].field), message_for(web, refusal))
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
        return web.redirect("/applications")
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
        headquarters = session.get(Organisation, loaded.org.headquarters_id)
    return {
        "determination": determination,
        "answered": labelled,
        "open_questions": [q for q in _open_questions(determination) if q.field in fields],
        "kind_label": kinds.get(loaded.app.project_kind or "", loaded.app.project_kind or ""),
        "headquarters": headquarters,
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
    _, refusal = _change(
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
        if loaded.app.status == State.DRAFT.value:
            return web.redirect(f"/applications/{application_id}/check")
        return web.page(
            PAGES + "confirmation.html", **_record_values(web, session, principal, loaded)
        )


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


WITHDRAWABLE = {
    State.DRAFT.value,
    State.SUBMITTED.value,
    State.RETURNED.value,
    State.RESUBMITTED.value,
}


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
        return web.page(
            PAGES + "status.html",
            events=events,
            actions=ACTIONS,
            questions=_last_questions(events) if app.status == State.RETURNED.value else [],
            withdrawable=app.status in WITHDRAWABLE,
            limits=limits,
            year=year,
            limit_names=LIMIT_NAMES,
            kind_label=dict(_project_kinds(web, loaded.measure)).get(
                app.project_kind or "", app.project_kind or ""
            ),
            **_page_values(web, loaded),
        )


@router.get("/applications/{application_id}/respond")
def respond_page(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if loaded.app.status != State.RETURNED.value:
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
        _, refusal = _change(
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
            return web.redirect(f"/applications/{application_id}")
        form.error("response", str(refusal) or message_for(web, refusal))
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        if loaded.app.status != State.RETURNED.value:
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
        if loaded.app.status not in WITHDRAWABLE:
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
    return web.redirect(f"/applications/{application_id}")
