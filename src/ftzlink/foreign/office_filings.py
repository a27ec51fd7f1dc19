"""A registered office's own filings: change (变更), 备案, annual report, extension and
deregistration. What the office may file today (`office_actions`: the pages offer only what is
open, and say why the rest is not) and the checks a filing passes before it is stored
(`check_office_filing`, called by `service.file_for_office`), each refusal citing its article.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.errors import AnnualReportRefused, InvalidInput, Problem
from ftzlink.foreign import rules as r
from ftzlink.foreign.models import FilingKind, ForeignRules, TimeLimit
from ftzlink.foreign.particulars import particulars_from, stored
from ftzlink.foreign.tables import FilingStatus, ForeignFiling, Office, OfficeStatus
from ftzlink.workdays import WorkCalendar

__all__ = [
    "OFFICE_KINDS",
    "OfficeAction",
    "check_office_filing",
    "office_actions",
    "reported",
    "years_to_report",
]

OFFICE_KINDS = (
    FilingKind.CHANGE,
    FilingKind.FILING,
    FilingKind.ANNUAL_REPORT,
    FilingKind.EXTENSION,
    FilingKind.DEREGISTRATION,
)
# The time limit each kind is filed within (counted from the event, or the window before the
# term ends); an annual report has its yearly window instead.
_LIMITS = {
    FilingKind.CHANGE: "change",
    FilingKind.FILING: "filing",
    FilingKind.EXTENSION: "extension_window",
    FilingKind.DEREGISTRATION: "deregistration",
}


@dataclass(frozen=True)
class OfficeAction:
    """One kind of filing for an office, as of a day: open, or closed with the reason's code
    (`no_year_to_report`, `extension_not_open`, `no_term`) and the days it opens and closes."""

    kind: FilingKind
    open: bool
    limit: TimeLimit | None = None
    reason: str | None = None
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    years: tuple[int, ...] = ()


def reported(session: Session, office_id: int, year: int) -> bool:
    """Whether the office has filed its report on `year` (a rejected one does not count)."""
    found = session.scalar(
        select(ForeignFiling.id).where(
            ForeignFiling.office_id == office_id,
            ForeignFiling.kind == FilingKind.ANNUAL_REPORT,
            ForeignFiling.report_year == year,
            ForeignFiling.status != FilingStatus.REJECTED,
        )
    )
    return found is not None


def years_to_report(session: Session, office: Office, today: dt.date) -> list[int]:
    """The ended years since the office's registration it has not reported on (Art. 6)."""
    return [
        year
        for year in range(office.registered_on.year, today.year)
        if not reported(session, office.id, year)
    ]


def office_actions(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    office: Office,
    today: dt.date,
) -> list[OfficeAction]:
    """What the principal may file for the office today. None for a reader who does not file
    for it (the registrar, an auditor) or an office no longer registered."""
    if office.organisation_id not in principal.member_of():
        return []
    if office.status != OfficeStatus.REGISTERED:
        return []
    limits = rules.time_limits
    actions = [
        OfficeAction(FilingKind.CHANGE, True, limits[_LIMITS[FilingKind.CHANGE]]),
        OfficeAction(FilingKind.FILING, True, limits[_LIMITS[FilingKind.FILING]]),
    ]
    years = tuple(years_to_report(session, office, today))
    opens, closes = rules.annual_report.window(today.year)
    if today > closes:  # this year's window has passed: the next one
        opens, closes = rules.annual_report.window(today.year + 1)
    actions.append(
        OfficeAction(
            FilingKind.ANNUAL_REPORT,
            bool(years),
            reason=None if years else "no_year_to_report",
            opens_on=opens,
            closes_on=closes,
            years=years,
        )
    )
    window = limits[_LIMITS[FilingKind.EXTENSION]]
    if office.term_until is None:
        actions.append(OfficeAction(FilingKind.EXTENSION, False, window, reason="no_term"))
    else:
        first = office.term_until - dt.timedelta(days=window.days)
        inside = first <= today <= office.term_until
        actions.append(
            OfficeAction(
                FilingKind.EXTENSION,
                inside,
                window,
                reason=None if inside else "extension_not_open",
                opens_on=first,
                closes_on=office.term_until,
            )
        )
    actions.append(
        OfficeAction(FilingKind.DEREGISTRATION, True, limits[_LIMITS[FilingKind.DEREGISTRATION]])
    )
    return actions


def _check_report_year(
    session: Session, rules: ForeignRules, office: Office, year: int | None, today: dt.date
) -> None:
    if year is None or year < 2000:
        raise InvalidInput(
            "an annual report names the year it reports on",
            [Problem(str(year), field="report_year")],
        )
    art6 = rules.annual_report.window_start
    if year >= today.year:
        raise AnnualReportRefused(
            f"an annual report is filed on a year that has ended; {year} has not",
            rule="report_year_not_ended",
            source=art6.source,
            article=art6.clause,
            year=year,
        )
    if reported(session, office.id, year):
        raise AnnualReportRefused(
            f"the office has already reported on {year}",
            rule="report_year_reported",
            source=art6.source,
            article=art6.clause,
            year=year,
        )


def check_office_filing(
    session: Session,
    *,
    rules: ForeignRules,
    calendar: WorkCalendar,
    office: Office,
    kind: FilingKind,
    changes: dict[str, Any],
    today: dt.date,
    event_on: dt.date | None = None,
    approval_on: dt.date | None = None,
    report_year: int | None = None,
) -> None:
    """Refuse a filing the regulation does not allow, citing the article: late (Art. 27, 28, 31,
    32), a report on a year not ended or already reported (Art. 6), people or a scope the
    office may not have (Art. 11–14), a term beyond the parent's existence (Art. 16)."""
    if kind not in OFFICE_KINDS:
        raise InvalidInput("an establishment is filed without an office", [])
    if office.status != OfficeStatus.REGISTERED:
        raise InvalidInput(
            "the office is not registered", [Problem(office.status, field="office_id")]
        )
    r.check_in_time(
        kind,
        rules=rules,
        calendar=calendar,
        filed_on=today,
        event_on=event_on,
        approval_on=approval_on,
        term_until=office.term_until,
    )
    if kind is FilingKind.ANNUAL_REPORT:
        _check_report_year(session, rules, office, report_year, today)
    if kind not in (FilingKind.CHANGE, FilingKind.FILING, FilingKind.EXTENSION):
        return
    current = particulars_from(office.particulars)
    merged = particulars_from(stored(current) | changes)
    if kind is FilingKind.CHANGE and merged == current:
        raise InvalidInput(
            "a change alters at least one registered item",
            [Problem("nothing changes", field="changes")],
        )
    if kind is FilingKind.EXTENSION and (
        merged.term_until is None
        or (current.term_until is not None and merged.term_until <= current.term_until)
    ):
        raise InvalidInput(
            "an extension sets a later last day of the term",
            [Problem(str(merged.term_until), field="term_until")],
        )
    if kind is not FilingKind.EXTENSION:
        r.check_people(merged.chief, merged.representatives, rules, today)
        r.check_scope(merged.scope, merged.profit_making, rules)
    r.check_term(merged.term_until, merged.parent_existence_until, rules)
