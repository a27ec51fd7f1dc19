"""What the enterprise pages share: reading typed answers, loading an application with its
organisation and measure, and the values every page of an application shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ftzlink.applications import service
from ftzlink.applications.caps import Limit
from ftzlink.applications.tables import Application
from ftzlink.applications.workflow import WORKFLOW, Action
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Measure, MeasureKind, PeriodKind, Policy
from ftzlink.errors import InvalidInput, NotEligible, NotFound
from ftzlink.organisations import service as organisations
from ftzlink.organisations.tables import Organisation
from ftzlink.rules.determinations import Determination, Question
from ftzlink.rules.evaluate import evaluate_measure
from ftzlink.web.context import Web
from ftzlink.web.errors import message_for
from ftzlink.web.forms import N_, Form

PAGES = "pages/enterprise/"
MAX_YUAN = 10**13  # far above any cap; keeps a typo from reaching the database

# The refusals the enterprise's forms show beside a field; others get the error page.
SHOWN = (InvalidInput, NotEligible)

# The dashboard's groups, in the order a person deals with them.
# The states come from the declared workflow, so the groups follow it.
GROUPS = (
    ("returned", N_("Returned for your answers"), WORKFLOW.states_allowing(Action.RESUBMIT)),
    ("drafts", N_("Drafts"), WORKFLOW.states_allowing(Action.SUBMIT)),
    ("in_review", N_("Being reviewed"), WORKFLOW.states_allowing(Action.APPROVE)),
    ("decided", N_("Decided or withdrawn"), WORKFLOW.terminal()),
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
        web.acting_for = org.name_in(web.lang)
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
        name_en = form.get("project_name_en")
        if len(name_en) > 200:
            form.error("project_name_en", web._("The project name must be 200 characters or fewer"))
        changes["project_name_en"] = name_en or None
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
    "project_name_en": "project_name_en",
    "project_kind": "project_kind",
    "requested_amount": "requested_amount",
}


def _field_id(path: str) -> str:
    return "answer-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
