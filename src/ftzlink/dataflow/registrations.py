"""Registrations and their validity: the extension window of a security assessment (counted in working
days, recounted when a year's schedule is loaded), the year's running totals, and the reminders of
windows about to open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, extract, func, select
from sqlalchemy.orm import Session, object_session

from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow.common import (
    PLATFORM,
    Page,
    _regulator,
    _visible_registrations,
    inspection_snapshot,
    page_of,
    registration_snapshot,
)
from ftzlink.dataflow.models import DataflowRules, Route
from ftzlink.dataflow.tables import (
    Filing,
    Inspection,
    InspectionStatus,
    Registration,
    Reminder,
    Transfer,
)
from ftzlink.errors import (
    CalendarNotCovered,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.workdays import WorkCalendar, bundled_calendar
from ftzlink.workdays.service import changes_of, current_calendar, record_change

if TYPE_CHECKING:
    pass


__all__ = [
    "ExtensionWindow",
    "RegistrationView",
    "RemindRun",
    "count_extension_window",
    "extension_window",
    "get_registration",
    "list_registrations",
    "list_reminders",
    "recount_deadlines",
    "registration_view",
    "remind",
    "running_totals",
    "valid_on",
]

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
    return list(session.scalars(_registrations(principal, organisation_id)))


def page_registrations(
    session: Session, *, principal: Principal, offset: int, limit: int
) -> Page[Registration]:
    return page_of(session, _registrations(principal, None), offset=offset, limit=limit)


def _registrations(principal: Principal, organisation_id: int | None) -> Select[Any]:
    query = _visible_registrations(principal)
    if organisation_id is not None:
        query = query.where(Registration.organisation_id == organisation_id)
    return query.order_by(Registration.id.desc())


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
    return list(session.scalars(_reminders(principal)))


def page_reminders(
    session: Session, *, principal: Principal, offset: int, limit: int
) -> Page[Reminder]:
    return page_of(session, _reminders(principal), offset=offset, limit=limit)


def _reminders(principal: Principal) -> Select[Any]:
    query = select(Reminder)
    if not (permissions.reads_everything(principal) or _regulator(principal)):
        query = query.where(Reminder.organisation_id.in_(principal.member_of() or {0}))
    return query.order_by(Reminder.id.desc())
