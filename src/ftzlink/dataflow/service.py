"""The cross-border data service: pre-filing and registration, reported transfers with ledger
receipts, extension reminders, and spot checks drawn reproducibly from a signed checkpoint.

Who does what:
- an enterprise's members declare a transfer scenario (a filing: draft, save and resume), see the
  route the engine gives it, submit it, and report each transfer under its registration;
- a data regulator (`Role.DATA_REGULATOR`) registers a submitted filing or returns it with
  reasons, runs the reminders and draws the spot checks;
- the inspector drawn for a registration records the findings, a rectification deadline in
  working days, and closes the inspection;
- the auditor and platform admins read everything. An enterprise sees only its own; an inspector
  sees the inspections drawn for it and what they are about. Nobody else sees any of it.

Every change is in the audit log, naming who acted for whom. Public functions for the web pages:
`explain`, `create_filing`, `update_filing`, `submit_filing`, `register_filing`, `return_filing`,
`list_filings`, `get_filing`, `filing_view`, `list_registrations`, `get_registration`,
`registration_view`, `extension_window`, `report_transfer`, `list_transfers`, `get_transfer`,
`transfer_view`, `transfer_receipt`, `remind`, `list_reminders`, `draw_spot_checks`,
`recompute_draw`, `list_draws`, `get_draw`, `list_inspections`, `get_inspection`,
`record_findings`, `close_inspection`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, extract, false, func, or_, select
from sqlalchemy.orm import Session, object_session

from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.models import Role, RoleAssignment, User
from ftzlink.auth.principal import Principal
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow.draw import CheckpointSeed, Pick, draw, seed_from_checkpoint
from ftzlink.dataflow.models import DataflowRules, Route
from ftzlink.dataflow.rules import (
    MECHANISMS,
    RouteResult,
    check_scenario,
    route_scenario,
    with_counts,
)
from ftzlink.dataflow.tables import (
    Draw,
    Filing,
    FilingStatus,
    Inspection,
    InspectionStatus,
    Registration,
    Reminder,
    Transfer,
)
from ftzlink.dataflow.validation import (
    HEX64,
    PEOPLE_MAX,
    RECORDS_MAX,
    draw_count_problems,
    findings_problems,
    lines,
    note_problems,
    reasons_problems,
    title_problems,
)
from ftzlink.dataflow.workflow import (
    FILINGS,
    INSPECTIONS,
    FilingAction,
    InspectionAction,
    require_editable,
)
from ftzlink.db import utcnow
from ftzlink.errors import (
    CalendarNotCovered,
    Conflict,
    Forbidden,
    InvalidInput,
    NoSignedCheckpoint,
    NotFound,
    NothingToDraw,
    NothingToFile,
    Problem,
)
from ftzlink.ledger.tables import LedgerCheckpoint
from ftzlink.organisations.models import Organisation
from ftzlink.talent.rules import add_years
from ftzlink.text import Text
from ftzlink.workdays import WorkCalendar, bundled_calendar
from ftzlink.workdays.service import changes_of, current_calendar, record_change

if TYPE_CHECKING:
    from ftzlink.ledger.keys import Signer

__all__ = [
    "CHINA",
    "PLATFORM",
    "DeadlineInfo",
    "ExtensionWindow",
    "FilingView",
    "RegistrationNotValid",
    "RegistrationView",
    "RemindRun",
    "RouteExceeded",
    "TransferView",
    "close_inspection",
    "create_filing",
    "draw_spot_checks",
    "explain",
    "extension_window",
    "filing_view",
    "get_draw",
    "get_filing",
    "get_inspection",
    "get_registration",
    "get_transfer",
    "list_draws",
    "list_filings",
    "list_inspections",
    "list_registrations",
    "list_reminders",
    "list_transfers",
    "recompute_draw",
    "record_findings",
    "register_filing",
    "registration_view",
    "remind",
    "report_transfer",
    "return_filing",
    "running_totals",
    "submit_filing",
    "transfer_view",
    "update_filing",
]

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")  # no daylight saving: the day a transfer is on
PLATFORM = Actor(None, "platform")  # the reminder job
TRANSFER_KIND = "transfer-receipt/v1"
_HEX64 = HEX64


class RouteExceeded(Conflict):
    """A transfer that would take the year's totals past the route the filing was registered for."""

    code = "route_exceeded"

    def __init__(
        self,
        *,
        registered: Route,
        required: Route,
        year: int,
        non_sensitive_people: int,
        sensitive_people: int,
        result: RouteResult,
    ) -> None:
        self.registered, self.required, self.year = registered, required, year
        self.non_sensitive_people, self.sensitive_people = non_sensitive_people, sensitive_people
        self.result = result
        super().__init__(
            f"this transfer would bring the people whose personal information left the country "
            f"in {year} to {non_sensitive_people} (non-sensitive) and {sensitive_people} "
            f"(sensitive): that needs {required.value}, not the {registered.value} this "
            f"registration is for; file for {required.value} first"
        )


class RegistrationNotValid(Conflict):
    """A transfer reported on a day its registration is not valid."""

    code = "registration_not_valid"

    def __init__(
        self, *, number: str, valid_from: dt.date, valid_until: dt.date | None, on: dt.date
    ) -> None:
        self.number, self.valid_from, self.valid_until, self.on = (
            number,
            valid_from,
            valid_until,
            on,
        )
        until = valid_until.isoformat() if valid_until else "open"
        super().__init__(
            f"registration {number} is valid {valid_from.isoformat()} to {until}, "
            f"not on {on.isoformat()}"
        )


# --- who may do what ---------------------------------------------------------------------------


_regulator = perm.is_regulator
_inspector = perm.is_inspector


def _as_member(p: Principal, organisation_id: int) -> Actor:
    if not perm.can_file_for(p, organisation_id):
        raise Forbidden("only the enterprise's members file and report for it")
    return Actor(p.user_id, p.username, organisation_id)


def _as_regulator(p: Principal, what: str) -> Actor:
    if not _regulator(p):
        raise Forbidden(f"only a data regulator {what}")
    return Actor(p.user_id, p.username, None)


def _inspected_registrations(p: Principal) -> Select[int]:
    return select(Inspection.registration_id).where(Inspection.inspector_id == p.user_id)


def _visible_filings(p: Principal) -> Select[Filing]:
    query = select(Filing)
    if permissions.reads_everything(p):
        return query
    clauses: list[ColumnElement[bool]] = [Filing.organisation_id.in_(p.member_of())]
    if _regulator(p):
        clauses.append(Filing.status != FilingStatus.DRAFT)
    if _inspector(p):
        inspected = select(Registration.filing_id).where(
            Registration.id.in_(_inspected_registrations(p))
        )
        clauses.append(Filing.id.in_(inspected))
    return query.where(or_(false(), *clauses))


def _visible_registrations(p: Principal) -> Select[Registration]:
    query = select(Registration)
    if permissions.reads_everything(p) or _regulator(p):
        return query
    clauses: list[ColumnElement[bool]] = [Registration.organisation_id.in_(p.member_of())]
    if _inspector(p):
        clauses.append(Registration.id.in_(_inspected_registrations(p)))
    return query.where(or_(false(), *clauses))


def _visible_transfers(p: Principal) -> Select[Transfer]:
    query = select(Transfer)
    if permissions.reads_everything(p) or _regulator(p):
        return query
    clauses: list[ColumnElement[bool]] = [Transfer.organisation_id.in_(p.member_of())]
    if _inspector(p):
        clauses.append(Transfer.registration_id.in_(_inspected_registrations(p)))
    return query.where(or_(false(), *clauses))


def _visible_inspections(p: Principal) -> Select[Inspection]:
    query = select(Inspection)
    if permissions.reads_everything(p) or _regulator(p):
        return query
    clauses: list[ColumnElement[bool]] = [
        Inspection.organisation_id.in_(p.member_of()),
        Inspection.inspector_id == p.user_id,
    ]
    return query.where(or_(false(), *clauses))


_sees_draws = perm.sees_draws


# --- snapshots for the audit log ---------------------------------------------------------------


def filing_snapshot(f: Filing) -> dict[str, Any]:
    return {
        "reference": f.reference,
        "organisation_id": f.organisation_id,
        "title": f.title,
        "scenario": f.scenario,
        "status": f.status,
        "route": f.route,
        "rule": f.rule,
        "mechanism": f.mechanism,
        "contract_effective_on": f.contract_effective_on,
        "submitted_on": f.submitted_on,
        "return_reasons": f.return_reasons,
        "version": f.version,
    }


def registration_snapshot(r: Registration) -> dict[str, Any]:
    return {
        "number": r.number,
        "filing_id": r.filing_id,
        "organisation_id": r.organisation_id,
        "route": r.route,
        "mechanism": r.mechanism,
        "registered_on": r.registered_on,
        "valid_from": r.valid_from,
        "valid_until": r.valid_until,
    }


def transfer_snapshot(t: Transfer) -> dict[str, Any]:
    return {
        "registration_id": t.registration_id,
        "organisation_id": t.organisation_id,
        "manifest_sha256": t.manifest_sha256,
        "record_count": t.record_count,
        "non_sensitive_people": t.non_sensitive_people,
        "sensitive_people": t.sensitive_people,
        "transferred_at": t.transferred_at.isoformat(),
        "ledger_index": t.ledger_index,
    }


def inspection_snapshot(i: Inspection) -> dict[str, Any]:
    return {
        "draw_id": i.draw_id,
        "registration_id": i.registration_id,
        "inspector_id": i.inspector_id,
        "status": i.status,
        "findings": i.findings,
        "findings_on": i.findings_on,
        "rectification_days": i.rectification_days,
        "rectification_due_on": i.rectification_due_on,
        "closed_on": i.closed_on,
        "closure_note": i.closure_note,
        "version": i.version,
    }


# --- the route of a scenario (no database) -----------------------------------------------------


def explain(rules: DataflowRules, scenario: Mapping[str, Any]) -> RouteResult:
    """The route a scenario needs and why (public: no filing, nothing stored)."""
    return route_scenario(rules, scenario)


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
    query = _visible_filings(principal)
    if status is not None:
        query = query.where(Filing.status == status)
    if organisation_id is not None:
        query = query.where(Filing.organisation_id == organisation_id)
    return list(session.scalars(query.order_by(Filing.id.desc())))


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
    valid_until = None
    if route is Route.SECURITY_ASSESSMENT:
        years = rules.supervision.security_assessment.validity_years
        valid_until = add_years(today, years) - dt.timedelta(days=1)
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


# --- registrations and their validity ----------------------------------------------------------


def get_registration(
    session: Session, *, principal: Principal, registration_id: int
) -> Registration:
    registration = session.scalar(
        _visible_registrations(principal).where(Registration.id == registration_id)
    )
    if registration is None:
        raise NotFound(f"no registration {registration_id}")
    return registration


def list_registrations(
    session: Session, *, principal: Principal, organisation_id: int | None = None
) -> list[Registration]:
    query = _visible_registrations(principal)
    if organisation_id is not None:
        query = query.where(Registration.organisation_id == organisation_id)
    return list(session.scalars(query.order_by(Registration.id.desc())))


@dataclass(frozen=True)
class ExtensionWindow:
    """When a security assessment's extension may be applied for: the 60 working days up to and
    including the last valid day (art. 9). `provisional`: counted through a year whose official
    holiday schedule is not loaded yet (counted again when it is). `opens_on` is None only when
    the count runs before the calendar's first year: it is never guessed."""

    expires_on: dt.date
    working_days: int
    opens_on: dt.date | None
    not_computable: str | None = None
    provisional: bool = False
    provisional_years: tuple[int, ...] = ()

    def is_open(self, on: dt.date) -> bool | None:
        if self.opens_on is None:
            return None
        return self.opens_on <= on <= self.expires_on


def count_extension_window(
    rules: DataflowRules, registration: Registration, calendar: WorkCalendar
) -> ExtensionWindow | None:
    """The extension window counted with `calendar` (None for routes without a term)."""
    if registration.route != Route.SECURITY_ASSESSMENT or registration.valid_until is None:
        return None
    n = rules.supervision.security_assessment.extension_window_working_days
    try:
        counted = calendar.working_days_back(registration.valid_until, n)
    except CalendarNotCovered as error:
        return ExtensionWindow(registration.valid_until, n, None, f"cannot compute: {error}")
    return ExtensionWindow(
        registration.valid_until,
        n,
        counted.day,
        provisional=counted.provisional,
        provisional_years=counted.provisional_years,
    )


def _calendar_of(obj: object) -> WorkCalendar:
    """The calendar in force for a stored object: the one of its session's database."""
    session = object_session(obj)
    return current_calendar(session) if session is not None else bundled_calendar()


def extension_window(rules: DataflowRules, registration: Registration) -> ExtensionWindow | None:
    """The extension window of a security assessment's registration (None for other routes), as
    counted when it was registered, or recounted when an official year was loaded since."""
    if registration.extension_opens_on is None:
        return count_extension_window(rules, registration, _calendar_of(registration))
    assert registration.valid_until is not None
    n = rules.supervision.security_assessment.extension_window_working_days
    years: tuple[int, ...] = ()
    if registration.extension_provisional:
        calendar = _calendar_of(registration)
        span = range(registration.extension_opens_on.year, registration.valid_until.year + 1)
        years = tuple(y for y in span if calendar.is_provisional(y))
    return ExtensionWindow(
        registration.valid_until,
        n,
        registration.extension_opens_on,
        provisional=registration.extension_provisional,
        provisional_years=years,
    )


def recount_deadlines(
    session: Session,
    *,
    rules: DataflowRules,
    calendar: WorkCalendar,
    actor: Actor,
    today: dt.date,
    year: int,
) -> tuple[list[Any], int]:
    """Count stored extension windows and rectification deadlines again with `calendar` (a year
    was just loaded); record each that moved. Returns the changes and how many stayed
    provisional without moving."""
    changes: list[Any] = []
    still = 0
    registrations = session.scalars(
        select(Registration)
        .where(Registration.extension_opens_on.is_not(None), Registration.valid_until >= today)
        .order_by(Registration.id)
    )
    for registration in registrations:
        window = count_extension_window(rules, registration, calendar)
        if window is None or window.opens_on is None:
            continue
        was_day, was_provisional = (
            registration.extension_opens_on,
            registration.extension_provisional,
        )
        assert was_day is not None
        if window.opens_on == was_day and window.provisional == was_provisional:
            still += window.provisional
            continue
        before = registration_snapshot(registration)
        registration.extension_opens_on = window.opens_on
        registration.extension_provisional = window.provisional
        changes.append(
            record_change(
                session,
                object_type="dataflow_registration",
                object_id=registration.id,
                what="extension_opens",
                before=was_day,
                after=window.opens_on,
                was_provisional=was_provisional,
                now_provisional=window.provisional,
                calendar_year=year,
                actor=actor,
                today=today,
            )
        )
        append(
            session,
            actor=actor,
            action="dataflow_registration.deadline_recomputed",
            object_type="dataflow_registration",
            object_id=registration.id,
            before=before,
            after=registration_snapshot(registration),
            detail=f"extension window opens {was_day.isoformat()} -> {window.opens_on.isoformat()} "
            f"(official {year} holiday schedule loaded)",
        )
    inspections = session.scalars(
        select(Inspection)
        .where(Inspection.status == InspectionStatus.RECTIFYING)
        .order_by(Inspection.id)
    )
    for inspection in inspections:
        if inspection.findings_on is None or inspection.rectification_days is None:
            continue
        assert inspection.rectification_due_on is not None
        counted = calendar.add_working_days(inspection.findings_on, inspection.rectification_days)
        was_day, was_provisional = (
            inspection.rectification_due_on,
            inspection.rectification_provisional,
        )
        if counted.day == was_day and counted.provisional == was_provisional:
            still += counted.provisional
            continue
        before_state = inspection_snapshot(inspection)
        inspection.rectification_due_on = counted.day
        inspection.rectification_provisional = counted.provisional
        inspection.version += 1
        changes.append(
            record_change(
                session,
                object_type="dataflow_inspection",
                object_id=inspection.id,
                what="rectification_due",
                before=was_day,
                after=counted.day,
                was_provisional=was_provisional,
                now_provisional=counted.provisional,
                calendar_year=year,
                actor=actor,
                today=today,
            )
        )
        append(
            session,
            actor=actor,
            action="dataflow_inspection.deadline_recomputed",
            object_type="dataflow_inspection",
            object_id=inspection.id,
            before=before_state,
            after=inspection_snapshot(inspection),
            detail=f"rectification due {was_day.isoformat()} -> {counted.day.isoformat()} "
            f"(official {year} holiday schedule loaded)",
        )
    return changes, still


def valid_on(registration: Registration, day: dt.date) -> bool:
    return registration.valid_from <= day and (
        registration.valid_until is None or day <= registration.valid_until
    )


def running_totals(session: Session, organisation_id: int, year: int) -> tuple[int, int]:
    """People whose non-sensitive and sensitive PI the enterprise sent abroad in `year` (China
    time), over all its registrations: art. 7 and 8 count the processor's exports since 1 January."""
    row = session.execute(
        select(
            func.coalesce(func.sum(Transfer.non_sensitive_people), 0),
            func.coalesce(func.sum(Transfer.sensitive_people), 0),
        ).where(
            Transfer.organisation_id == organisation_id,
            extract("year", Transfer.transferred_on) == year,
        )
    ).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class RegistrationView:
    registration: Registration
    filing: Filing
    organisation: Organisation
    window: ExtensionWindow | None
    totals: tuple[int, int]  # this year's, of the enterprise
    year: int
    reminders: list[Reminder]
    deadline_changes: list[Any]  # dates counted again when an official year was loaded


def registration_view(
    session: Session,
    *,
    principal: Principal,
    rules: DataflowRules,
    registration_id: int,
    today: dt.date,
) -> RegistrationView:
    registration = get_registration(session, principal=principal, registration_id=registration_id)
    filing = session.get(Filing, registration.filing_id)
    organisation = session.get(Organisation, registration.organisation_id)
    assert filing is not None and organisation is not None
    reminders = list(
        session.scalars(
            select(Reminder)
            .where(Reminder.registration_id == registration.id)
            .order_by(Reminder.id)
        )
    )
    return RegistrationView(
        registration,
        filing,
        organisation,
        extension_window(rules, registration),
        running_totals(session, registration.organisation_id, today.year),
        today.year,
        reminders,
        changes_of(session, "dataflow_registration", registration.id),
    )


# --- reminders ---------------------------------------------------------------------------------


@dataclass
class RemindRun:
    created: list[Reminder] = field(default_factory=list)
    already: list[Reminder] = field(default_factory=list)  # reminded before: nothing new
    not_computable: list[tuple[Registration, str]] = field(default_factory=list)


def remind(
    session: Session,
    *,
    rules: DataflowRules,
    today: dt.date,
    within_days: int = 30,
    principal: Principal | None = None,
) -> RemindRun:
    """Remind every enterprise whose security assessment's extension window is open, or opens
    within `within_days` days: one reminder row per registration and window, however often this
    runs. A window the calendar cannot count yet is reported, not guessed. `principal` None: the
    platform's own job (the CLI); else a data regulator or a platform admin."""
    if principal is None:
        actor = PLATFORM
    elif perm.can_run_reminders(principal):
        actor = Actor(principal.user_id, principal.username, None)
    else:
        raise Forbidden("only a data regulator or a platform admin runs the reminders")
    if within_days < 0:
        raise InvalidInput("cannot remind", [Problem("not negative", field="within_days")])
    run = RemindRun()
    horizon = today + dt.timedelta(days=within_days)
    registrations = session.scalars(
        select(Registration)
        .where(
            Registration.route == Route.SECURITY_ASSESSMENT,
            Registration.valid_until.is_not(None),
            Registration.valid_until >= today,
        )
        .order_by(Registration.id)
    )
    for registration in registrations:
        window = extension_window(rules, registration)
        assert window is not None
        if window.opens_on is None:
            run.not_computable.append((registration, window.not_computable or ""))
            continue
        if window.opens_on > horizon:
            continue
        existing = session.scalar(
            select(Reminder).where(
                Reminder.registration_id == registration.id,
                Reminder.window_opens_on == window.opens_on,
            )
        )
        if existing is not None:
            run.already.append(existing)
            continue
        reminder = Reminder(
            registration_id=registration.id,
            organisation_id=registration.organisation_id,
            window_opens_on=window.opens_on,
            expires_on=window.expires_on,
            created_on=today,
        )
        session.add(reminder)
        session.flush()
        append(
            session,
            actor=Actor(actor.user_id, actor.name, None),
            action="dataflow_reminder.create",
            object_type="dataflow_registration",
            object_id=registration.id,
            after={
                "registration": registration.number,
                "organisation_id": registration.organisation_id,
                "window_opens_on": window.opens_on,
                "expires_on": window.expires_on,
            },
        )
        run.created.append(reminder)
    return run


def list_reminders(session: Session, *, principal: Principal) -> list[Reminder]:
    query = select(Reminder)
    if not (permissions.reads_everything(principal) or _regulator(principal)):
        query = query.where(Reminder.organisation_id.in_(principal.member_of() or {0}))
    return list(session.scalars(query.order_by(Reminder.id.desc())))


# --- transfers ---------------------------------------------------------------------------------


def _transfer_problems(
    manifest_sha256: str,
    record_count: int,
    non_sensitive_people: int,
    sensitive_people: int,
    transferred_at: dt.datetime,
) -> list[Problem]:
    problems = []
    if not _HEX64.match(manifest_sha256):
        problems.append(
            Problem("the SHA-256 of the manifest, 64 lowercase hex digits", field="manifest_sha256")
        )
    for name, value, most in (
        ("record_count", record_count, RECORDS_MAX),
        ("non_sensitive_people", non_sensitive_people, PEOPLE_MAX),
        ("sensitive_people", sensitive_people, PEOPLE_MAX),
    ):
        if not 0 <= value <= most:
            problems.append(Problem(f"a whole number from 0 to {most}", field=name))
    if transferred_at.tzinfo is None:
        problems.append(Problem("give the time with its offset", field="transferred_at"))
    elif transferred_at > utcnow() + dt.timedelta(minutes=5):
        problems.append(Problem("is in the future", field="transferred_at"))
    return problems


def report_transfer(
    session: Session,
    *,
    principal: Principal,
    rules: DataflowRules,
    registration_id: int,
    manifest_sha256: str,
    record_count: int,
    non_sensitive_people: int,
    sensitive_people: int,
    transferred_at: dt.datetime,
    signer: Signer | None = None,
) -> Transfer:
    """Report one transfer under a registration; accepted only if the registration is valid on
    the transfer's day and the enterprise's totals for that year, this transfer included, stay
    within the route the filing was registered for (RouteExceeded names the route it now needs).
    The accepted transfer goes on the ledger as a `transfer-receipt/v1` entry. With the
    platform's signing key (`signer`), a checkpoint that covers it is signed in the same
    transaction, so that its receipt can be downloaded at once.

    People counts are of people not yet counted this year (art. 7 and 8 count people, not
    records): the running totals are their sums.
    """
    registration = get_registration(session, principal=principal, registration_id=registration_id)
    actor = _as_member(principal, registration.organisation_id)
    problems = _transfer_problems(
        manifest_sha256, record_count, non_sensitive_people, sensitive_people, transferred_at
    )
    if problems:
        raise InvalidInput("the transfer is invalid", problems)
    on = transferred_at.astimezone(CHINA).date()
    if not valid_on(registration, on):
        raise RegistrationNotValid(
            number=registration.number,
            valid_from=registration.valid_from,
            valid_until=registration.valid_until,
            on=on,
        )
    filing = session.get(Filing, registration.filing_id)
    assert filing is not None
    done_ns, done_s = running_totals(session, registration.organisation_id, on.year)
    total_ns, total_s = done_ns + non_sensitive_people, done_s + sensitive_people
    result = route_scenario(
        rules,
        with_counts(filing.scenario, non_sensitive_people=total_ns, sensitive_people=total_s),
    )
    registered = Route(registration.route)
    required = result.route
    if required is None:
        raise Conflict("the filing's scenario no longer decides a route: file it again")
    if required.level > registered.level:
        raise RouteExceeded(
            registered=registered,
            required=required,
            year=on.year,
            non_sensitive_people=total_ns,
            sensitive_people=total_s,
            result=result,
        )
    transfer = Transfer(
        registration_id=registration.id,
        organisation_id=registration.organisation_id,
        manifest_sha256=manifest_sha256,
        record_count=record_count,
        non_sensitive_people=non_sensitive_people,
        sensitive_people=sensitive_people,
        transferred_at=transferred_at.astimezone(dt.UTC),
        transferred_on=on,
        salt=secrets.token_hex(16),
        reported_by=principal.user_id,
    )
    session.add(transfer)
    session.flush()
    transfer.ledger_index = _log_transfer(session, transfer, registration, principal)
    session.flush()
    append(
        session,
        actor=actor,
        action="dataflow_transfer.report",
        object_type="dataflow_transfer",
        object_id=transfer.id,
        after=transfer_snapshot(transfer),
    )
    if signer is not None:
        from ftzlink.ledger.checkpoints import sign_checkpoint

        sign_checkpoint(session, signer)
    return transfer


def transfer_entry(
    transfer: Transfer, registration: Registration, organisation: Organisation, reporter: str
) -> dict[str, Any]:
    """The body of a transfer's `transfer-receipt/v1` ledger entry: no personal data but as
    salted hashes (the reporting user's name, under the transfer's own salt)."""
    from ftzlink.ledger.log import salted_hash

    return {
        "transfer": transfer.id,
        "registration": registration.number,
        "route": registration.route,
        "mechanism": registration.mechanism,
        "organisation": organisation.uscc,
        "manifest_sha256": transfer.manifest_sha256,
        "record_count": transfer.record_count,
        "non_sensitive_people": transfer.non_sensitive_people,
        "sensitive_people": transfer.sensitive_people,
        "transferred_at": transfer.transferred_at.astimezone(dt.UTC).isoformat(),
        "reported_by": salted_hash(reporter, transfer.salt),
    }


def _log_transfer(
    session: Session, transfer: Transfer, registration: Registration, principal: Principal
) -> int:
    from ftzlink.ledger import log

    organisation = session.get(Organisation, registration.organisation_id)
    assert organisation is not None
    body = transfer_entry(transfer, registration, organisation, principal.username)
    return log.append(session, kind=TRANSFER_KIND, body=body).index


def get_transfer(session: Session, *, principal: Principal, transfer_id: int) -> Transfer:
    transfer = session.scalar(_visible_transfers(principal).where(Transfer.id == transfer_id))
    if transfer is None:
        raise NotFound(f"no transfer {transfer_id}")
    return transfer


def list_transfers(
    session: Session,
    *,
    principal: Principal,
    registration_id: int | None = None,
    organisation_id: int | None = None,
) -> list[Transfer]:
    """Transfers the principal sees, newest first (an enterprise's history, or one registration's)."""
    query = _visible_transfers(principal)
    if registration_id is not None:
        query = query.where(Transfer.registration_id == registration_id)
    if organisation_id is not None:
        query = query.where(Transfer.organisation_id == organisation_id)
    return list(session.scalars(query.order_by(Transfer.id.desc())))


@dataclass(frozen=True)
class DeadlineInfo:
    """A time limit counted in working days; `due_on` None when the calendar cannot count it."""

    working_days: int
    due_on: dt.date | None
    unverified: bool
    citation: str
    note: Text
    provisional: bool = False


def post_transfer_report(rules: DataflowRules, transfer: Transfer) -> DeadlineInfo:
    terms = rules.supervision.post_transfer_report
    provisional = False
    try:
        counted = _calendar_of(transfer).add_working_days(
            transfer.transferred_on, terms.working_days
        )
        due: dt.date | None = counted.day
        provisional = counted.provisional
    except CalendarNotCovered:
        due = None
    flag = (
        Text(zh="（可信度低，未经核实）", en=" (Low confidence, unverified)")
        if terms.unverified
        else Text(zh="", en="")
    )
    return DeadlineInfo(
        working_days=terms.working_days,
        due_on=due,
        unverified=terms.unverified,
        citation=str(terms.citation),
        note=Text(
            zh=f"出境后{terms.working_days}个工作日内向当地数据出境服务中心报告{flag.zh}",
            en=f"Report to the local data export service centre within {terms.working_days} "
            f"working days after the transfer{flag.en}",
        ),
        provisional=provisional,
    )


@dataclass(frozen=True)
class TransferView:
    transfer: Transfer
    registration: Registration
    report: DeadlineInfo


def transfer_view(
    session: Session, *, principal: Principal, rules: DataflowRules, transfer_id: int
) -> TransferView:
    transfer = get_transfer(session, principal=principal, transfer_id=transfer_id)
    registration = session.get(Registration, transfer.registration_id)
    assert registration is not None
    return TransferView(transfer, registration, post_transfer_report(rules, transfer))


def transfer_receipt(session: Session, *, principal: Principal, transfer_id: int) -> dict[str, Any]:
    """The ledger's offline receipt of a transfer: Conflict until a signed checkpoint covers it."""
    from ftzlink.ledger.receipts import build_receipt

    transfer = get_transfer(session, principal=principal, transfer_id=transfer_id)
    if transfer.ledger_index is None:
        raise Conflict(f"transfer {transfer.id} is not on the ledger")
    return build_receipt(session, transfer.ledger_index).as_dict()


# --- spot checks -------------------------------------------------------------------------------


def _checkpoint(session: Session, checkpoint_id: int | None) -> LedgerCheckpoint:
    query = select(LedgerCheckpoint)
    if checkpoint_id is not None:
        row = session.scalar(query.where(LedgerCheckpoint.id == checkpoint_id))
        if row is None:
            raise NotFound(f"no signed checkpoint {checkpoint_id}")
        return row
    row = session.scalar(
        query.order_by(LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc()).limit(1)
    )
    if row is None:
        raise NoSignedCheckpoint()
    return row


def _inspector_ids(session: Session) -> list[int]:
    return sorted(
        set(
            session.scalars(
                select(RoleAssignment.user_id)
                .join(User, User.id == RoleAssignment.user_id)
                .where(RoleAssignment.role == Role.INSPECTOR, User.active)
            )
        )
    )


def draw_spot_checks(
    session: Session,
    *,
    principal: Principal,
    count: int,
    today: dt.date,
    checkpoint_id: int | None = None,
) -> Draw:
    """Draw `count` registrations valid today and an inspector for each, seeded from a signed
    checkpoint the ledger published (the latest, unless one is named): see `dataflow.draw`."""
    actor = _as_regulator(principal, "draws spot checks")
    if problems := draw_count_problems(count):
        raise InvalidInput("cannot draw", problems)
    checkpoint = _checkpoint(session, checkpoint_id)
    seed = seed_from_checkpoint(checkpoint.note)
    candidates = sorted(
        session.scalars(
            select(Registration.id).where(
                Registration.valid_from <= today,
                or_(Registration.valid_until.is_(None), Registration.valid_until >= today),
            )
        )
    )
    inspectors = _inspector_ids(session)
    if not candidates:
        raise NothingToDraw(on=today)
    picks = draw(seed=seed.seed, candidates=candidates, inspectors=inspectors, count=count)
    row = Draw(
        drawn_on=today,
        requested=count,
        checkpoint=checkpoint.note,
        checkpoint_size=seed.size,
        checkpoint_root=seed.root_hash.hex(),
        seed=seed.seed.hex(),
        candidates=candidates,
        inspectors=inspectors,
        drawn_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    organisations: dict[int, int] = {}
    for registration_id, organisation_id in session.execute(
        select(Registration.id, Registration.organisation_id).where(
            Registration.id.in_([p.registration_id for p in picks])
        )
    ):
        organisations[registration_id] = organisation_id
    for pick in picks:
        session.add(
            Inspection(
                draw_id=row.id,
                rank=pick.rank,
                registration_id=pick.registration_id,
                organisation_id=organisations[pick.registration_id],
                inspector_id=pick.inspector_id,
                status=InspectionStatus.ASSIGNED,
            )
        )
    session.flush()
    append(
        session,
        actor=actor,
        action="dataflow_draw.create",
        object_type="dataflow_draw",
        object_id=row.id,
        after={
            "checkpoint_size": row.checkpoint_size,
            "checkpoint_root": row.checkpoint_root,
            "seed": row.seed,
            "requested": count,
            "candidates": candidates,
            "inspectors": inspectors,
            "picks": [[p.registration_id, p.inspector_id] for p in picks],
        },
    )
    return row


def recompute_draw(draw_row: Draw) -> tuple[CheckpointSeed, list[Pick]]:
    """The draw again from what it stored (the checkpoint, the candidates, the inspectors)."""
    seed = seed_from_checkpoint(draw_row.checkpoint)
    picks = draw(
        seed=seed.seed,
        candidates=draw_row.candidates,
        inspectors=draw_row.inspectors,
        count=draw_row.requested,
    )
    return seed, picks


def get_draw(session: Session, *, principal: Principal, draw_id: int) -> Draw:
    row = session.get(Draw, draw_id) if _sees_draws(principal) else None
    if row is None:
        raise NotFound(f"no draw {draw_id}")
    return row


def list_draws(session: Session, *, principal: Principal) -> list[Draw]:
    if not _sees_draws(principal):
        return []
    return list(session.scalars(select(Draw).order_by(Draw.id.desc())))


def get_inspection(
    session: Session, *, principal: Principal, inspection_id: int, lock: bool = False
) -> Inspection:
    query = _visible_inspections(principal).where(Inspection.id == inspection_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"no inspection {inspection_id}")
    return row


def list_inspections(
    session: Session,
    *,
    principal: Principal,
    draw_id: int | None = None,
    status: InspectionStatus | None = None,
) -> list[Inspection]:
    query = _visible_inspections(principal)
    if draw_id is not None:
        query = query.where(Inspection.draw_id == draw_id)
    if status is not None:
        query = query.where(Inspection.status == status)
    return list(session.scalars(query.order_by(Inspection.draw_id.desc(), Inspection.rank)))


def _as_drawn_inspector(p: Principal, inspection: Inspection) -> Actor:
    if not perm.is_drawn_inspector(p, inspection):
        raise Forbidden("only the inspector drawn for this inspection records it")
    return Actor(p.user_id, p.username, None)


def _inspection_event(
    session: Session, inspection: Inspection, *, actor: Actor, action: str, before: dict[str, Any]
) -> None:
    session.flush()
    append(
        session,
        actor=actor,
        action=f"dataflow_inspection.{action}",
        object_type="dataflow_inspection",
        object_id=inspection.id,
        before=before,
        after=inspection_snapshot(inspection),
    )


def record_findings(
    session: Session,
    *,
    principal: Principal,
    inspection_id: int,
    findings: Sequence[str],
    rectification_working_days: int,
    today: dt.date,
) -> Inspection:
    """The drawn inspector's findings and the rectification deadline, counted in working days
    from today (refused, nothing changed, when the calendar cannot count that far)."""
    inspection = get_inspection(
        session, principal=principal, inspection_id=inspection_id, lock=True
    )
    actor = _as_drawn_inspector(principal, inspection)
    rectifying = INSPECTIONS.step(InspectionAction.RECORD_FINDINGS, inspection.status)
    cleaned = lines(findings)
    if problems := findings_problems(cleaned, rectification_working_days):
        raise InvalidInput("the findings are invalid", problems)
    counted = current_calendar(session).add_working_days(today, rectification_working_days)
    due = counted.day
    before = inspection_snapshot(inspection)
    inspection.status = rectifying
    inspection.findings = cleaned
    inspection.findings_on = today
    inspection.rectification_days = rectification_working_days
    inspection.rectification_due_on = due
    inspection.rectification_provisional = counted.provisional
    inspection.version += 1
    _inspection_event(session, inspection, actor=actor, action="findings", before=before)
    return inspection


def close_inspection(
    session: Session, *, principal: Principal, inspection_id: int, note: str, today: dt.date
) -> Inspection:
    """Close an inspection: with nothing found, or once the rectification is done."""
    inspection = get_inspection(
        session, principal=principal, inspection_id=inspection_id, lock=True
    )
    actor = _as_drawn_inspector(principal, inspection)
    closed = INSPECTIONS.step(InspectionAction.CLOSE, inspection.status)
    if problems := note_problems(note):
        raise InvalidInput("cannot close", problems)
    before = inspection_snapshot(inspection)
    inspection.status = closed
    inspection.closed_on = today
    inspection.closure_note = note.strip()
    inspection.version += 1
    _inspection_event(session, inspection, actor=actor, action="close", before=before)
    return inspection


# --- what the pages show beside an object: names and numbers, within the reader's scope ----------


def _organisation_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(ids) or [0]))
    )
    return {int(org_id): str(name) for org_id, name in rows}


def _people(session: Session, user_ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(
        select(User.id, User.display_name).where(User.id.in_(list(user_ids) or [0]))
    )
    return {int(user_id): str(name) for user_id, name in rows}


def _registrations_by_id(session: Session, ids: Sequence[int]) -> dict[int, Registration]:
    rows = session.scalars(select(Registration).where(Registration.id.in_(list(ids) or [0])))
    return {r.id: r for r in rows}


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
    organisations: dict[int, str]


def filing_queue(session: Session, *, principal: Principal) -> FilingQueue:
    if not perm.reads_queue(principal):
        raise Forbidden("the queue is for data regulators")
    filings = [
        f for f in list_filings(session, principal=principal) if f.status != FilingStatus.DRAFT
    ]
    return FilingQueue(filings, _organisation_names(session, [f.organisation_id for f in filings]))


@dataclass(frozen=True)
class InspectionList:
    inspections: list[Inspection]
    registrations: dict[int, Registration]
    organisations: dict[int, str]
    inspectors: dict[int, str]


def inspection_list(session: Session, *, principal: Principal) -> InspectionList:
    """The inspections the principal sees, with what they are about and who inspects."""
    rows = list_inspections(session, principal=principal)
    return InspectionList(
        rows,
        _registrations_by_id(session, [i.registration_id for i in rows]),
        _organisation_names(session, [i.organisation_id for i in rows]),
        _people(session, [i.inspector_id for i in rows]),
    )


@dataclass(frozen=True)
class InspectionView:
    inspection: Inspection
    registration: Registration
    organisation: Organisation
    inspector: str


def inspection_view(
    session: Session, *, principal: Principal, inspection_id: int
) -> InspectionView:
    inspection = get_inspection(session, principal=principal, inspection_id=inspection_id)
    registration = session.get(Registration, inspection.registration_id)
    organisation = session.get(Organisation, inspection.organisation_id)
    assert registration is not None and organisation is not None
    names = _people(session, [inspection.inspector_id])
    return InspectionView(
        inspection, registration, organisation, names.get(inspection.inspector_id, "")
    )


@dataclass(frozen=True)
class DrawView:
    """A draw as anyone who may see draws reads it: recomputed from what it stored, beside the
    inspections it created (`visible`: those the reader may open)."""

    draw: Draw
    seed: CheckpointSeed
    picks: list[Pick]
    inspections: dict[int, Inspection]  # by registration
    registrations: dict[int, Registration]
    organisations: dict[int, str]
    inspectors: dict[int, str]
    visible: set[int]

    @property
    def same(self) -> bool:
        """The recomputed picks are the stored ones, in order."""
        stored = sorted(self.inspections.values(), key=lambda i: i.rank)
        return [(p.registration_id, p.inspector_id) for p in self.picks] == [
            (i.registration_id, i.inspector_id) for i in stored
        ]


def draw_view(session: Session, *, principal: Principal, draw_id: int) -> DrawView:
    row = get_draw(session, principal=principal, draw_id=draw_id)
    seed, picks = recompute_draw(row)
    # Part of the draw: whoever may see the draw sees whom it picked (not the inspections' work).
    inspections = {
        i.registration_id: i
        for i in session.scalars(select(Inspection).where(Inspection.draw_id == row.id))
    }
    registrations = _registrations_by_id(session, list(row.candidates))
    return DrawView(
        row,
        seed,
        picks,
        inspections,
        registrations,
        _organisation_names(session, [r.organisation_id for r in registrations.values()]),
        _people(session, list(row.inspectors)),
        {i.id for i in list_inspections(session, principal=principal, draw_id=row.id)},
    )
