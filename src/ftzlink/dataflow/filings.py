"""Filings: an enterprise drafts (save and resume), the engine routes, the enterprise submits; a data
regulator registers or returns it (see dataflow.workflow.FILINGS).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow.common import (
    Page,
    _as_member,
    _as_regulator,
    _organisation_names,
    _visible_filings,
    filing_snapshot,
    page_of,
    registration_snapshot,
)
from ftzlink.dataflow.models import DataflowRules, Route
from ftzlink.dataflow.registrations import (
    count_extension_window,
    list_registrations,
    list_reminders,
)
from ftzlink.dataflow.rules import (
    MECHANISMS,
    RouteResult,
    check_scenario,
    route_scenario,
)
from ftzlink.dataflow.tables import (
    Filing,
    FilingStatus,
    Registration,
    Reminder,
)
from ftzlink.dataflow.validation import (
    lines,
    reasons_problems,
    title_problems,
)
from ftzlink.dataflow.workflow import (
    FILINGS,
    FilingAction,
    require_editable,
)
from ftzlink.db import utcnow
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    NothingToFile,
    Problem,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.talent.rules import add_years
from ftzlink.text import Text
from ftzlink.workdays.service import current_calendar

if TYPE_CHECKING:
    pass


__all__ = [
    "FilingQueue",
    "FilingView",
    "Overview",
    "create_filing",
    "enterprise_overview",
    "filing_queue",
    "filing_view",
    "get_filing",
    "list_filings",
    "register_filing",
    "return_filing",
    "submit_filing",
    "update_filing",
    "valid_until_if_registered",
]

# --- filings -----------------------------------------------------------------------------------


def _touch(
    session: Session,
    filing: Filing,
    *,
    actor: Actor,
    action: str,
    before: dict[str, Any] | None,
    detail: str = "",
) -> None:
    filing.updated_at = utcnow()
    session.flush()
    append(
        session,
        actor=actor,
        action=f"dataflow_filing.{action}",
        object_type="dataflow_filing",
        object_id=filing.id,
        before=before,
        after=filing_snapshot(filing),
        detail=detail,
    )


def create_filing(
    session: Session,
    *,
    principal: Principal,
    rules: DataflowRules,
    organisation_id: int,
    title: str,
    scenario: Mapping[str, Any] | None = None,
    today: dt.date,
) -> Filing:
    """Start a draft filing for the enterprise; the scenario may be partial (save and resume)."""
    actor = _as_member(principal, organisation_id)
    facts = check_scenario(rules, scenario or {})
    problems = title_problems(title)
    if problems:
        raise InvalidInput("the filing is invalid", problems)
    filing = Filing(
        reference=f"DF-{today.year}-{secrets.token_hex(4).upper()}",
        organisation_id=organisation_id,
        title=title.strip(),
        scenario=facts,
        status=FilingStatus.DRAFT,
        created_by=principal.user_id,
    )
    session.add(filing)
    session.flush()
    _touch(session, filing, actor=actor, action="create", before=None)
    return filing


def get_filing(
    session: Session, *, principal: Principal, filing_id: int, lock: bool = False
) -> Filing:
    query = _visible_filings(principal).where(Filing.id == filing_id)
    filing = session.scalar(query.with_for_update() if lock else query)
    if filing is None:
        raise NotFound(f"no filing {filing_id}")
    return filing


def list_filings(
    session: Session,
    *,
    principal: Principal,
    status: FilingStatus | None = None,
    organisation_id: int | None = None,
) -> list[Filing]:
    """The filings the principal sees, newest first; the regulator's queue with `status`."""
    return list(session.scalars(_filings(principal, status, organisation_id)))


def page_filings(
    session: Session,
    *,
    principal: Principal,
    offset: int,
    limit: int,
    status: FilingStatus | None = None,
    organisation_id: int | None = None,
) -> Page[Filing]:
    return page_of(
        session, _filings(principal, status, organisation_id), offset=offset, limit=limit
    )


def _filings(
    principal: Principal, status: FilingStatus | None, organisation_id: int | None
) -> Select[Any]:
    query = _visible_filings(principal)
    if status is not None:
        query = query.where(Filing.status == status)
    if organisation_id is not None:
        query = query.where(Filing.organisation_id == organisation_id)
    return query.order_by(Filing.id.desc())


def update_filing(
    session: Session,
    *,
    principal: Principal,
    rules: DataflowRules,
    filing_id: int,
    title: str | None = None,
    scenario: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    today: dt.date,
) -> Filing:
    """Save a draft or a returned filing: `scenario` is merged (a null removes an answer)."""
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    actor = _as_member(principal, filing.organisation_id)
    require_editable(filing.status)
    if expected_version is not None and expected_version != filing.version:
        raise Conflict(
            f"{filing.reference} changed since it was read "
            f"(version {filing.version}, not {expected_version})"
        )
    before = filing_snapshot(filing)
    merged = {**filing.scenario, **(scenario or {})}
    facts = {k: v for k, v in check_scenario(rules, merged).items() if v is not None}
    problems = title_problems(title) if title is not None else []
    if problems:
        raise InvalidInput("the filing is invalid", problems)
    if title is not None:
        filing.title = title.strip()
    filing.scenario = facts
    filing.version += 1
    _touch(session, filing, actor=actor, action="update", before=before)
    return filing


def submit_filing(
    session: Session,
    *,
    principal: Principal,
    rules: DataflowRules,
    filing_id: int,
    mechanism: str | None = None,
    contract_effective_on: dt.date | None = None,
    today: dt.date,
) -> Filing:
    """Submit: the engine routes the scenario as of now; an undecided or exempt scenario, or a
    mechanism the route does not admit, is refused with the reason."""
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    actor = _as_member(principal, filing.organisation_id)
    submitted = FILINGS.step(FilingAction.SUBMIT, filing.status)
    result = route_scenario(rules, filing.scenario)
    problems: list[Problem] = []
    scenario = filing.scenario
    if not scenario.get("data_categories"):
        problems.append(Problem("list the categories of data sent", field="data_categories"))
    if not scenario.get("recipient"):
        problems.append(Problem("name the recipient abroad", field="recipient"))
    if not scenario.get("recipient_country"):
        problems.append(Problem("the recipient's country", field="recipient_country"))
    for question in result.questions:
        problems.append(Problem(f"answer: {question.label.en}", field=question.field))
    if problems:
        raise InvalidInput("the filing cannot be submitted yet", problems)
    assert result.route is not None
    if result.route is Route.EXEMPT:
        raise NothingToFile(article=result.article.en if result.article else "")
    allowed = MECHANISMS[result.route]
    chosen = mechanism or allowed[0]
    if chosen not in allowed:
        raise InvalidInput(
            "the filing cannot be submitted",
            [
                Problem(
                    f"the route {result.route.value} admits: {', '.join(allowed)}",
                    field="mechanism",
                )
            ],
        )
    if contract_effective_on is not None and chosen != "standard_contract":
        raise InvalidInput(
            "the filing cannot be submitted",
            [
                Problem(
                    "only a standard contract has an effective date", field="contract_effective_on"
                )
            ],
        )
    before = filing_snapshot(filing)
    filing.status = submitted
    filing.route = result.route.value
    filing.rule = result.decided_by
    filing.mechanism = chosen
    filing.contract_effective_on = contract_effective_on
    filing.submitted_on = today
    filing.return_reasons = None
    filing.version += 1
    _touch(session, filing, actor=actor, action="submit", before=before)
    return filing


def register_filing(
    session: Session, *, principal: Principal, rules: DataflowRules, filing_id: int, today: dt.date
) -> Registration:
    """Register a submitted filing. A security assessment's result is valid 3 years from today
    (art. 9), its last valid day included; a standard contract or certification filing has no
    term of its own: its filing day is recorded."""
    actor = _as_regulator(principal, "registers a filing")
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    registered = FILINGS.step(FilingAction.REGISTER, filing.status)
    assert filing.route is not None and filing.mechanism is not None
    route = Route(filing.route)
    valid_until = valid_until_if_registered(rules, route, today)
    registration = Registration(
        number=f"DFR-{today.year}-{secrets.token_hex(4).upper()}",
        filing_id=filing.id,
        organisation_id=filing.organisation_id,
        route=route.value,
        mechanism=filing.mechanism,
        registered_on=today,
        valid_from=today,
        valid_until=valid_until,
        registered_by=principal.user_id,
    )
    window = count_extension_window(rules, registration, current_calendar(session))
    if window is not None and window.opens_on is not None:
        registration.extension_opens_on = window.opens_on
        registration.extension_provisional = window.provisional
    session.add(registration)
    before = filing_snapshot(filing)
    filing.status = registered
    filing.version += 1
    session.flush()
    _touch(session, filing, actor=actor, action="register", before=before)
    append(
        session,
        actor=actor,
        action="dataflow_registration.create",
        object_type="dataflow_registration",
        object_id=registration.id,
        after=registration_snapshot(registration),
    )
    return registration


def valid_until_if_registered(rules: DataflowRules, route: str, on: dt.date) -> dt.date | None:
    """The last valid day of a registration made `on` that day: a security assessment's result is
    valid 3 years (art. 9), its last day included; other routes have no term of their own."""
    if route != Route.SECURITY_ASSESSMENT:
        return None
    years = rules.supervision.security_assessment.validity_years
    return add_years(on, years) - dt.timedelta(days=1)


def return_filing(
    session: Session,
    *,
    principal: Principal,
    filing_id: int,
    reasons: Sequence[str],
    today: dt.date,
) -> Filing:
    """Send a submitted filing back with the reasons; the enterprise edits and submits again."""
    actor = _as_regulator(principal, "returns a filing")
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    returned = FILINGS.step(FilingAction.RETURN, filing.status)
    cleaned = lines(reasons)
    if problems := reasons_problems(cleaned):
        raise InvalidInput("cannot return", problems)
    before = filing_snapshot(filing)
    filing.status = returned
    filing.return_reasons = cleaned
    filing.version += 1
    _touch(session, filing, actor=actor, action="return", before=before, detail="; ".join(cleaned))
    return filing


@dataclass(frozen=True)
class FilingView:
    """A filing as its pages show it: the route explained now, and its registration if any."""

    filing: Filing
    organisation: Organisation
    route: RouteResult
    registration: Registration | None


def filing_view(
    session: Session, *, principal: Principal, rules: DataflowRules, filing_id: int
) -> FilingView:
    filing = get_filing(session, principal=principal, filing_id=filing_id)
    organisation = session.get(Organisation, filing.organisation_id)
    assert organisation is not None
    registration = session.scalar(select(Registration).where(Registration.filing_id == filing.id))
    return FilingView(filing, organisation, route_scenario(rules, filing.scenario), registration)


@dataclass(frozen=True)
class Overview:
    """An enterprise's filings, registrations and reminders, for its members."""

    organisation: Organisation
    filings: list[Filing]
    registrations: list[Registration]
    reminders: list[Reminder]


def enterprise_overview(
    session: Session, *, principal: Principal, organisation_id: int
) -> Overview:
    if not perm.can_file_for(principal, organisation_id):
        raise NotFound(f"no organisation {organisation_id}")
    organisation = session.get(Organisation, organisation_id)
    assert organisation is not None
    return Overview(
        organisation,
        list_filings(session, principal=principal, organisation_id=organisation_id),
        list_registrations(session, principal=principal, organisation_id=organisation_id),
        [
            r
            for r in list_reminders(session, principal=principal)
            if r.organisation_id == organisation_id
        ],
    )


@dataclass(frozen=True)
class FilingQueue:
    """The filings a regulator registers or returns (no drafts), with their enterprises' names."""

    filings: list[Filing]
    organisations: dict[int, Text]  # names by id


def filing_queue(session: Session, *, principal: Principal) -> FilingQueue:
    if not perm.reads_queue(principal):
        raise Forbidden("the queue is for data regulators")
    filings = [
        f for f in list_filings(session, principal=principal) if f.status != FilingStatus.DRAFT
    ]
    return FilingQueue(filings, _organisation_names(session, [f.organisation_id for f in filings]))
