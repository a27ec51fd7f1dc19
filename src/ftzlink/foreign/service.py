"""Representative offices of foreign enterprises: filings from establishment to deregistration,
the annual-report cycle (reminders, Art. 38 correction cases), and the facts the registration
certificate and representative cards certify.

Who does what: the foreign enterprise or its agent (members of the filing organisation) files;
the municipal registrar (`Role.REGISTRAR`) returns, approves or rejects; the auditor and platform
admins read everything. Every change is in the audit log. Plug-in points for the message centre
and certificates (not in this package): reminders and corrections are `OfficeReminder` /
`Correction` rows and audit entries with the actions in `EVENTS`; `registration_certificate_facts`
and `representative_card_facts` return what a certificate certifies.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.errors import CalendarNotCovered, Forbidden, InvalidInput, NotFound, Problem
from ftzlink.foreign import rules as r
from ftzlink.foreign.models import FilingKind, ForeignRules
from ftzlink.foreign.office_filings import check_office_filing, reported
from ftzlink.foreign.particulars import day as _day
from ftzlink.foreign.particulars import jsonable as _jsonable
from ftzlink.foreign.particulars import particulars_from
from ftzlink.foreign.particulars import stored as _stored
from ftzlink.foreign.tables import (
    Correction,
    FilingStatus,
    ForeignFiling,
    Office,
    OfficeReminder,
    OfficeStatus,
)
from ftzlink.foreign.workflow import WORKFLOW, Action
from ftzlink.ledger.keys import Signer
from ftzlink.workdays.service import current_calendar

__all__ = [
    "EVENTS",
    "PLATFORM",
    "CycleRun",
    "FilingView",
    "answer_filing",
    "approve_filing",
    "check_for_office",
    "file_establishment",
    "file_for_office",
    "filing_view",
    "get_filing",
    "get_office",
    "list_corrections",
    "list_filings",
    "list_offices",
    "particulars_from",
    "registration_certificate_facts",
    "reject_filing",
    "representative_card_facts",
    "return_filing",
    "run_annual_report_cycle",
]

PLATFORM = Actor(None, "platform")  # the annual-report cycle

# Audit actions the message centre maps to messages (object_type "foreign_office").
EVENTS = {
    "annual_report_reminder": "foreign.annual_report.reminded",
    "term_end_reminder": "foreign.term_end.reminded",
    "correction_opened": "foreign.correction.opened",
    "correction_closed": "foreign.correction.corrected",
}


# --- who may do what ---------------------------------------------------------------------------


def can_decide(p: Principal) -> bool:
    return p.has(Role.REGISTRAR)


def _as_filer(p: Principal, organisation_id: int) -> Actor:
    if organisation_id not in p.member_of():
        raise Forbidden("only the foreign enterprise or its agent files for the office")
    return Actor(p.user_id, p.username, organisation_id)


def _as_registrar(p: Principal, what: str) -> Actor:
    if not can_decide(p):
        raise Forbidden(f"only the registrar {what}")
    return Actor(p.user_id, p.username, None)


def _reads_all(p: Principal) -> bool:
    return permissions.reads_everything(p) or can_decide(p)


# --- particulars and materials ------------------------------------------------------------


def _check_materials(materials: Sequence[str], rules: ForeignRules, kind: FilingKind) -> list[str]:
    known = {m.code for m in rules.materials if kind in m.kinds}
    unknown = [m for m in materials if m not in known]
    if unknown:
        raise InvalidInput(
            f"not a material of a {kind.value} filing",
            [Problem(code, field="materials") for code in unknown],
        )
    return sorted(set(materials))


def _reference(prefix: str, today: dt.date) -> str:
    return f"{prefix}{today:%Y%m%d}{secrets.token_hex(3).upper()}"


def _snapshot(f: ForeignFiling) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "status": f.status,
        "materials": f.materials,
        "version": f.version,
        "office_id": f.office_id,
    }


# --- filing ------------------------------------------------------------------------------------


def _decision_due(
    session: Session, rules: ForeignRules, kind: FilingKind, today: dt.date
) -> dt.date | None:
    """The decision's statutory last day (Art. 24, 30, 34); None where the sources set none (a
    备案 or an annual report is recorded, not decided within a time limit)."""
    key = {
        FilingKind.ESTABLISHMENT: "decision",
        FilingKind.CHANGE: "change_decision",
        FilingKind.EXTENSION: "change_decision",
        FilingKind.DEREGISTRATION: "deregistration_decision",
    }.get(kind)
    if key is None:
        return None
    return r.count(rules.time_limits[key], today, current_calendar(session)).day


def file_establishment(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    organisation_id: int,
    particulars: dict[str, Any],
    materials: Sequence[str],
    today: dt.date,
) -> ForeignFiling:
    """File an establishment; refused with the article when a rule of the regulation is broken."""
    actor = _as_filer(principal, organisation_id)
    parsed = particulars_from(particulars)
    r.check_establishment(parsed, rules, on=today)
    filing = ForeignFiling(
        reference=_reference("RO", today),
        organisation_id=organisation_id,
        office_id=None,
        kind=FilingKind.ESTABLISHMENT,
        status=FilingStatus.SUBMITTED,
        particulars=_stored(parsed),
        materials=_check_materials(materials, rules, FilingKind.ESTABLISHMENT),
        submitted_on=today,
        decision_due=_decision_due(session, rules, FilingKind.ESTABLISHMENT, today),
    )
    session.add(filing)
    session.flush()
    append(
        session,
        actor=actor,
        action="foreign.filing.file",
        object_type="foreign_filing",
        object_id=filing.id,
        after=_snapshot(filing),
        detail=parsed.name,
    )
    return filing


def check_for_office(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    office_id: int,
    kind: FilingKind,
    changes: dict[str, Any],
    materials: Sequence[str],
    today: dt.date,
    event_on: dt.date | None = None,
    approval_on: dt.date | None = None,
    report_year: int | None = None,
) -> Office:
    """Everything `file_for_office` checks, without filing (a check-answers page applies the
    rules before anything is filed); the office."""
    office = get_office(session, principal=principal, office_id=office_id)
    _as_filer(principal, office.organisation_id)
    check_office_filing(
        session,
        rules=rules,
        calendar=current_calendar(session),
        office=office,
        kind=kind,
        changes=changes,
        today=today,
        event_on=event_on,
        approval_on=approval_on,
        report_year=report_year,
    )
    _check_materials(materials, rules, kind)
    return office


def file_for_office(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    office_id: int,
    kind: FilingKind,
    changes: dict[str, Any],
    materials: Sequence[str],
    today: dt.date,
    event_on: dt.date | None = None,
    approval_on: dt.date | None = None,
    report_year: int | None = None,
) -> ForeignFiling:
    """File a change, 备案, annual report, extension or deregistration for a registered office.
    What the regulation refuses is refused citing its article (`check_office_filing`)."""
    office = check_for_office(
        session,
        principal=principal,
        rules=rules,
        office_id=office_id,
        kind=kind,
        changes=changes,
        materials=materials,
        today=today,
        event_on=event_on,
        approval_on=approval_on,
        report_year=report_year,
    )
    actor = _as_filer(principal, office.organisation_id)
    if kind is not FilingKind.ANNUAL_REPORT:
        report_year = None
    filing = ForeignFiling(
        reference=_reference("RF", today),
        organisation_id=office.organisation_id,
        office_id=office.id,
        kind=kind,
        status=FilingStatus.SUBMITTED,
        particulars=_jsonable(changes),
        materials=_check_materials(materials, rules, kind),
        report_year=report_year,
        event_on=event_on,
        approval_on=approval_on,
        submitted_on=today,
        decision_due=_decision_due(session, rules, kind, today),
    )
    session.add(filing)
    session.flush()
    append(
        session,
        actor=actor,
        action="foreign.filing.file",
        object_type="foreign_filing",
        object_id=filing.id,
        after=_snapshot(filing),
        detail=f"{kind.value} {office.reference}",
    )
    return filing


def _visible_filings(p: Principal) -> Select[ForeignFiling]:
    query = select(ForeignFiling)
    if _reads_all(p):
        return query
    return query.where(ForeignFiling.organisation_id.in_(p.member_of()))


def get_filing(
    session: Session, *, principal: Principal, filing_id: int, lock: bool = False
) -> ForeignFiling:
    query = _visible_filings(principal).where(ForeignFiling.id == filing_id)
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"no filing {filing_id}")
    return found


def list_filings(
    session: Session, *, principal: Principal, status: FilingStatus | None = None
) -> list[ForeignFiling]:
    query = _visible_filings(principal).order_by(ForeignFiling.id)
    if status is not None:
        query = query.where(ForeignFiling.status == status)
    return list(session.scalars(query))


def _step(
    session: Session,
    filing: ForeignFiling,
    action: Action,
    actor: Actor,
    *,
    detail: str = "",
) -> None:
    before = _snapshot(filing)
    filing.status = WORKFLOW.step(action, filing.status)
    filing.version += 1
    append(
        session,
        actor=actor,
        action=f"foreign.filing.{action.value}",
        object_type="foreign_filing",
        object_id=filing.id,
        before=before,
        after=_snapshot(filing),
        detail=detail,
    )


def return_filing(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    filing_id: int,
    reasons: Sequence[str],
    missing: Sequence[str] = (),
    today: dt.date,
) -> ForeignFiling:
    """Send a filing back with reasons and the materials missing (e.g. the bank letter)."""
    actor = _as_registrar(principal, "returns a filing")
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    kind = FilingKind(filing.kind)
    missing_codes = _check_materials(missing, rules, kind)
    cleaned = [x.strip() for x in reasons if x.strip()]
    cleaned += [f"missing:{code}" for code in missing_codes]
    if not cleaned:
        raise InvalidInput("cannot return", [Problem("give at least one reason", field="reasons")])
    filing.return_reasons = cleaned
    filing.materials = [m for m in filing.materials if m not in missing_codes]
    _step(session, filing, Action.RETURN, actor, detail="; ".join(cleaned))
    return filing


def answer_filing(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    filing_id: int,
    materials: Sequence[str],
    today: dt.date,
) -> ForeignFiling:
    """The filer answers a return with the materials asked for; the filing is under review again."""
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    actor = _as_filer(principal, filing.organisation_id)
    added = _check_materials(materials, rules, FilingKind(filing.kind))
    filing.materials = sorted(set(filing.materials) | set(added))
    filing.submitted_on = today
    filing.decision_due = _decision_due(session, rules, FilingKind(filing.kind), today)
    _step(session, filing, Action.ANSWER, actor, detail=", ".join(added))
    return filing


def missing_materials(filing: ForeignFiling, rules: ForeignRules) -> list[str]:
    kind = FilingKind(filing.kind)
    return [
        m.code
        for m in rules.materials
        if kind in m.kinds and m.required and m.code not in filing.materials
    ]


def approve_filing(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    filing_id: int,
    today: dt.date,
    signer: Signer | None = None,
) -> ForeignFiling:
    """Approve: an establishment registers the office (the 登记证's date is its establishment
    date, Art. 24); a change or extension updates it; a deregistration ends it; an annual report
    closes the year's correction case. With the platform's `signer`, the registration
    certificate and the representatives' cards are issued (or, after a change, replaced; after a
    deregistration, voided) in the same transaction, through `ftzlink.certificates`."""
    actor = _as_registrar(principal, "approves a filing")
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    WORKFLOW.step(Action.APPROVE, filing.status)  # refused in another state before anything
    missing = missing_materials(filing, rules)
    if missing:
        raise InvalidInput(
            "materials are missing; return the filing for them",
            [Problem(code, field="materials") for code in missing],
        )
    kind = FilingKind(filing.kind)
    if kind is FilingKind.ESTABLISHMENT:
        parsed = particulars_from(filing.particulars)
        r.check_establishment(parsed, rules, on=today)
        office = Office(
            reference=_reference("FRO", today),
            organisation_id=filing.organisation_id,
            name=parsed.name,
            particulars=filing.particulars,
            parent_jurisdiction=parsed.parent_jurisdiction,
            term_until=parsed.term_until,
            status=OfficeStatus.REGISTERED,
            registered_on=today,
        )
        session.add(office)
        session.flush()
        filing.office_id = office.id
    else:
        assert filing.office_id is not None
        office = session.get(Office, filing.office_id, with_for_update=True)  # type: ignore[assignment]
        assert office is not None
        if kind in (FilingKind.CHANGE, FilingKind.FILING, FilingKind.EXTENSION):
            merged = _stored(particulars_from(office.particulars | filing.particulars))
            office.particulars = merged
            office.name = merged["name"]
            office.term_until = _day(merged.get("term_until"))
        elif kind is FilingKind.DEREGISTRATION:
            office.status = OfficeStatus.DEREGISTERED
            office.deregistered_on = today
        elif kind is FilingKind.ANNUAL_REPORT:
            _close_correction(session, office, filing.report_year, today)
    filing.decided_on, filing.decided_by = today, principal.user_id
    _step(session, filing, Action.APPROVE, actor, detail=office.reference)
    if kind is not FilingKind.ANNUAL_REPORT and (
        signer is not None or kind is FilingKind.DEREGISTRATION
    ):
        from ftzlink.certificates.foreign import issue_office_certificates

        issue_office_certificates(
            session, principal=principal, office_id=office.id, signer=signer, today=today
        )
    return filing


def reject_filing(
    session: Session,
    *,
    principal: Principal,
    filing_id: int,
    reason: str,
    today: dt.date,
) -> ForeignFiling:
    actor = _as_registrar(principal, "rejects a filing")
    if not reason.strip():
        raise InvalidInput("cannot reject", [Problem("give the reason", field="reason")])
    filing = get_filing(session, principal=principal, filing_id=filing_id, lock=True)
    filing.reject_reason = reason.strip()
    filing.decided_on, filing.decided_by = today, principal.user_id
    _step(session, filing, Action.REJECT, actor, detail=reason.strip())
    return filing


@dataclass(frozen=True)
class FilingView:
    """A filing as its pages and the API show it: the materials asked for, with the
    authentication each foreign document needs, and the time limits."""

    filing: ForeignFiling
    materials: list[r.MaterialRequirement]
    missing: list[str]
    place: str
    decision_due_working: dt.date | None


def filing_view(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    filing_id: int,
    lang: str = "zh",
) -> FilingView:
    filing = get_filing(session, principal=principal, filing_id=filing_id)
    jurisdiction = filing.particulars.get("parent_jurisdiction")
    if jurisdiction is None and filing.office_id is not None:
        office = session.get(Office, filing.office_id)
        assert office is not None
        jurisdiction = office.parent_jurisdiction
    code = str(jurisdiction or "")
    standard = rules.time_limits["decision_shanghai_standard"]
    working: dt.date | None
    try:
        working = r.count(standard, filing.submitted_on, current_calendar(session)).day
    except CalendarNotCovered:  # before the calendar's first year: not guessed
        working = None
    return FilingView(
        filing=filing,
        materials=r.materials_for(FilingKind(filing.kind), code, rules, on=filing.submitted_on),
        missing=missing_materials(filing, rules),
        place=r.place_label(code, rules, lang),
        decision_due_working=working if filing.kind == FilingKind.ESTABLISHMENT else None,
    )


# --- offices -----------------------------------------------------------------------------------


def _visible_offices(p: Principal) -> Select[Office]:
    query = select(Office)
    if _reads_all(p):
        return query
    return query.where(Office.organisation_id.in_(p.member_of()))


def get_office(session: Session, *, principal: Principal, office_id: int) -> Office:
    found = session.scalar(_visible_offices(principal).where(Office.id == office_id))
    if found is None:
        raise NotFound(f"no office {office_id}")
    return found


def list_offices(session: Session, *, principal: Principal) -> list[Office]:
    return list(session.scalars(_visible_offices(principal).order_by(Office.id)))


def registration_certificate_facts(office: Office, rules: ForeignRules) -> dict[str, Any]:
    """What the registration certificate (登记证, Art. 18) certifies, for `ftzlink.certificates`:
    its establishment date is the issue date (Art. 24); a replacement voids the old one (Art. 19)."""
    p = particulars_from(office.particulars)
    return {
        "kind": "foreign-office-registration/v1",
        "reference": office.reference,
        "name": office.name,
        "parent_name": p.parent_name,
        "parent_place": r.place_label(p.parent_jurisdiction, rules, "zh"),
        "chief_representative": p.chief.name,
        "scope": [a.zh for code in p.scope if (a := rules.activity(code)) is not None],
        "premises": p.premises,
        "term_until": p.term_until.isoformat() if p.term_until else None,
        "established_on": office.registered_on.isoformat(),
        "status": office.status,
        "cites": ["Reg-2024 Art. 9", "Reg-2024 Art. 18", "Reg-2024 Art. 24"],
    }


def representative_card_facts(office: Office) -> list[dict[str, Any]]:
    """One card (代表证) per chief representative and representative (Art. 24)."""
    p = particulars_from(office.particulars)
    people = [("chief_representative", p.chief)] + [
        ("representative", x) for x in p.representatives
    ]
    return [
        {
            "kind": "foreign-office-representative/v1",
            "office_reference": office.reference,
            "office_name": office.name,
            "role": role,
            "name": person.name,
            "document": person.document,
            "term_until": p.term_until.isoformat() if p.term_until else None,
        }
        for role, person in people
    ]


# --- the annual-report cycle (Art. 6, Art. 38) ------------------------------------------------


@dataclass
class CycleRun:
    today: dt.date
    reminders: list[OfficeReminder] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)


def _remind(
    session: Session, office: Office, kind: str, year: int, due_on: dt.date, today: dt.date
) -> OfficeReminder | None:
    exists = session.scalar(
        select(OfficeReminder.id).where(
            OfficeReminder.office_id == office.id,
            OfficeReminder.kind == kind,
            OfficeReminder.year == year,
        )
    )
    if exists is not None:
        return None
    reminder = OfficeReminder(
        office_id=office.id, kind=kind, year=year, due_on=due_on, created_on=today
    )
    session.add(reminder)
    session.flush()
    append(
        session,
        actor=PLATFORM,
        action=EVENTS[f"{kind}_reminder"],
        object_type="foreign_office",
        object_id=office.id,
        after={
            "year": year,
            "due_on": due_on.isoformat(),
            "organisation_id": office.organisation_id,
        },
    )
    return reminder


def run_annual_report_cycle(session: Session, *, rules: ForeignRules, today: dt.date) -> CycleRun:
    """Idempotent, run daily by the worker or `ftzlink foreign annual-cycle`: from 1 March to
    30 June, remind each office registered by the end of last year that has not reported on it;
    from 1 July, open a correction case (Art. 38) for each that still has not, with its deadline;
    and remind an office when its term's extension window (Art. 28) opens."""
    run = CycleRun(today)
    year = today.year - 1  # the year reported on
    opens, closes = rules.annual_report.window(today.year)
    offices = list(
        session.scalars(
            select(Office)
            .where(
                Office.status == OfficeStatus.REGISTERED,
                Office.registered_on <= dt.date(year, 12, 31),
            )
            .order_by(Office.id)
        )
    )
    for office in offices:
        if reported(session, office.id, year):
            continue
        if opens <= today <= closes:
            made = _remind(session, office, "annual_report", year, closes, today)
            if made:
                run.reminders.append(made)
        elif today > closes:
            case = _open_correction(session, rules, office, year, today)
            if case:
                run.corrections.append(case)
    window = rules.time_limits["extension_window"]
    for office in session.scalars(
        select(Office).where(
            Office.status == OfficeStatus.REGISTERED, Office.term_until.is_not(None)
        )
    ):
        assert office.term_until is not None
        if office.term_until - dt.timedelta(days=window.days) <= today <= office.term_until:
            made = _remind(
                session, office, "term_end", office.term_until.year, office.term_until, today
            )
            if made:
                run.reminders.append(made)
    return run


def _open_correction(
    session: Session, rules: ForeignRules, office: Office, year: int, today: dt.date
) -> Correction | None:
    exists = session.scalar(
        select(Correction.id).where(Correction.office_id == office.id, Correction.year == year)
    )
    if exists is not None:
        return None
    days = rules.annual_report.correction_days.value
    case = Correction(
        office_id=office.id,
        year=year,
        opened_on=today,
        due_on=today + dt.timedelta(days=days),
        status="open",
    )
    session.add(case)
    session.flush()
    append(
        session,
        actor=PLATFORM,
        action=EVENTS["correction_opened"],
        object_type="foreign_office",
        object_id=office.id,
        after={
            "year": year,
            "due_on": case.due_on.isoformat(),
            "organisation_id": office.organisation_id,
            "article": "Reg-2024 Art. 38",
        },
    )
    return case


def _close_correction(session: Session, office: Office, year: int | None, today: dt.date) -> None:
    case = session.scalar(
        select(Correction).where(
            Correction.office_id == office.id, Correction.year == year, Correction.status == "open"
        )
    )
    if case is None:
        return
    case.status, case.corrected_on = "corrected", today
    append(
        session,
        actor=PLATFORM,
        action=EVENTS["correction_closed"],
        object_type="foreign_office",
        object_id=office.id,
        after={"year": year, "corrected_on": today.isoformat()},
    )


def list_corrections(session: Session, *, principal: Principal) -> list[Correction]:
    """Correction cases: the registrar's queue, or the office's own with their deadlines."""
    visible = _visible_offices(principal).with_only_columns(Office.id)
    return list(
        session.scalars(
            select(Correction).where(Correction.office_id.in_(visible)).order_by(Correction.id)
        )
    )


def list_reminders(session: Session, *, principal: Principal) -> list[OfficeReminder]:
    visible = _visible_offices(principal).with_only_columns(Office.id)
    return list(
        session.scalars(
            select(OfficeReminder)
            .where(OfficeReminder.office_id.in_(visible))
            .order_by(OfficeReminder.id)
        )
    )
