"""Shared by the data service's modules: who may act, what each reader sees, the audit snapshots, the
errors they raise, and the names and numbers shown beside an object.

Who does what:
- an enterprise's members declare a transfer scenario (a filing: draft, save and resume), see the
  route the engine gives it, submit it, and report each transfer under its registration;
- a data regulator (`Role.DATA_REGULATOR`) registers a submitted filing or returns it with
  reasons, runs the reminders and draws the spot checks;
- the inspector drawn for a registration records the findings, a rectification deadline in
  working days, and closes the inspection;
- the auditor and platform admins read everything. An enterprise sees only its own; an inspector
  sees the inspections drawn for it and what they are about. Nobody else sees any of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import User
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow.models import DataflowRules, Route
from ftzlink.dataflow.rules import (
    RouteResult,
    route_scenario,
)
from ftzlink.dataflow.tables import (
    Filing,
    FilingStatus,
    Inspection,
    Registration,
    Transfer,
)
from ftzlink.dataflow.validation import (
    HEX64,
)
from ftzlink.errors import (
    Conflict,
    Forbidden,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Text, names

if TYPE_CHECKING:
    pass


T = TypeVar("T")

__all__ = [
    "CHINA",
    "PLATFORM",
    "TRANSFER_KIND",
    "Page",
    "RegistrationNotValid",
    "RouteExceeded",
    "explain",
    "filing_snapshot",
    "inspection_snapshot",
    "page_of",
    "registration_snapshot",
    "transfer_snapshot",
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


# --- lists, a page at a time ------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list the reader sees, and how many the whole list holds."""

    items: list[T]
    total: int


def page_of(session: Session, query: Select[Any], *, offset: int, limit: int) -> Page[Any]:
    """A page of `query` (already scoped to the reader and ordered), counted by the database."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return Page(list(session.scalars(query.offset(offset).limit(limit))), int(total or 0))


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


# --- what the pages show beside an object: names and numbers, within the reader's scope ----------


def _organisation_names(session: Session, ids: Sequence[int]) -> dict[int, Text]:
    """Organisation names by id, in Chinese and (where given) in English."""
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.name_en).where(
            Organisation.id.in_(list(ids) or [0])
        )
    )
    return {int(org_id): names(name, name_en) for org_id, name, name_en in rows}


def _people(session: Session, user_ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(
        select(User.id, User.display_name).where(User.id.in_(list(user_ids) or [0]))
    )
    return {int(user_id): str(name) for user_id, name in rows}


def _registrations_by_id(session: Session, ids: Sequence[int]) -> dict[int, Registration]:
    rows = session.scalars(select(Registration).where(Registration.id.in_(list(ids) or [0])))
    return {r.id: r for r in rows}
