"""A registered office's own filings as pages, for the foreign enterprise's agent: a change
(变更), a filing of record (备案), the annual report, an extension and the deregistration, each
as form → check answers → confirmation, at `/foreign/offices/{id}/filings/{kind}`.

Thin: what the office may file today (`office_filings.office_actions`), every rule and every
refusal (`service.check_for_office`, `service.file_for_office`) are the domain's; a refusal is
shown beside its field with the article it cites, chosen by the error's type and rule code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Response

from ftzlink.api.schemas import DbId
from ftzlink.errors import (
    AnnualReportRefused,
    FtzlinkError,
    InvalidInput,
    LateFiling,
    NotFound,
    RuleRefused,
)
from ftzlink.foreign import office_filings, service
from ftzlink.foreign.models import FilingKind, TimeLimit, bundled_foreign_rules
from ftzlink.foreign.tables import ForeignFiling, Office
from ftzlink.i18n import error_message
from ftzlink.web.context import Web, WebPage
from ftzlink.web.errors import message_for
from ftzlink.web.foreign import REFUSALS, material_rows
from ftzlink.web.forms import N_, Form, parse_day
from ftzlink.web.forms import REFUSALS as FORM_REFUSALS
from ftzlink.web.render import format_day

__all__ = ["ACTION_LINKS", "action_hint", "filed_items", "router"]

router = APIRouter(include_in_schema=False)
PAGES = "pages/foreign/"

TITLES = {
    FilingKind.CHANGE: N_("Change the office's registration"),
    FilingKind.FILING: N_("File a change of representatives on record"),
    FilingKind.ANNUAL_REPORT: N_("File the annual report"),
    FilingKind.EXTENSION: N_("Extend the residence term"),
    FilingKind.DEREGISTRATION: N_("Deregister the office"),
}
# The office page's links, one per kind the office may file.
ACTION_LINKS = {
    "change": N_("File a change"),
    "filing": N_("File a change of representatives on record"),
    "annual_report": N_("File the annual report"),
    "extension": N_("Apply to extend the residence term"),
    "deregistration": N_("Apply to deregister the office"),
}
FILE_BUTTONS = {
    FilingKind.CHANGE: N_("File the change"),
    FilingKind.FILING: N_("File it on record"),
    FilingKind.ANNUAL_REPORT: N_("File the annual report"),
    FilingKind.EXTENSION: N_("Apply for the extension"),
    FilingKind.DEREGISTRATION: N_("Apply for deregistration"),
}
EVENT_LABELS = {
    FilingKind.CHANGE: N_("Day the change took effect"),
    FilingKind.FILING: N_("Day the representatives changed"),
    FilingKind.DEREGISTRATION: N_("Day the closure was decided or the term ended"),
}
REPORT_REFUSALS = {
    "report_year_not_ended": N_("%(year)s has not ended: a report is on a year that has ended."),
    "report_year_reported": N_("The office has already reported on %(year)s."),
}
# Where a refusal of the regulation is shown on each form, by the rule's code.
_PEOPLE_FIELD = {FilingKind.CHANGE: "chief_name", FilingKind.FILING: "rep_1_name"}
_FIELDS = {
    "max_representatives": "rep_1_name",
    "no_profit_making": "scope",
    "scope_art_14": "scope",
    "term_within_parent_existence": "term_until",
}
_DAY_HINT = N_("For example 2026-03-02.")


def _cite(limit: TimeLimit) -> str:
    return f"{limit.source} {limit.clause}"


def action_hint(web: Web, action: office_filings.OfficeAction) -> str:
    """What the office page says beside a kind of filing: its time limit, or why it is closed."""

    def day(d: dt.date | None) -> str:
        return format_day(d, web.lang)

    limit = action.limit
    rules = bundled_foreign_rules()
    if action.kind is FilingKind.CHANGE and limit is not None:
        after = rules.time_limits["change_after_approval"]
        return web._(
            "The premises, the business scope or the chief representative: within %(days)s days "
            "of the change, or %(after)s days of its approval (%(cite)s).",
            days=limit.days,
            after=after.days,
            cite=_cite(limit),
        )
    if action.kind is FilingKind.FILING and limit is not None:
        return web._(
            "The representatives: within %(days)s days of the change (%(cite)s).",
            days=limit.days,
            cite=_cite(limit),
        )
    if action.kind is FilingKind.DEREGISTRATION and limit is not None:
        return web._(
            "Within %(days)s days of the closure being decided or the term ending (%(cite)s).",
            days=limit.days,
            cite=_cite(limit),
        )
    if action.kind is FilingKind.ANNUAL_REPORT:
        cite = rules.annual_report.window_start.cite
        if action.open:
            return web._(
                "Years to report on: %(years)s. Each year's report is due from 1 March to 30 June "
                "(%(cite)s).",
                years=", ".join(str(y) for y in action.years),
                cite=cite,
            )
        assert action.opens_on is not None and action.closes_on is not None
        return web._(
            "The report on %(year)s is due from %(opens)s to %(closes)s (%(cite)s).",
            year=action.opens_on.year - 1,
            opens=day(action.opens_on),
            closes=day(action.closes_on),
            cite=cite,
        )
    assert limit is not None  # an extension
    if action.reason == "no_term":
        return web._("The residence term has no last day: there is nothing to extend.")
    return web._(
        "You can apply from %(first)s to %(last)s, the last day of the term (%(cite)s).",
        first=day(action.opens_on),
        last=day(action.closes_on),
        cite=_cite(limit),
    )


def _kind(kind: str) -> FilingKind:
    if kind not in {k.value for k in office_filings.OFFICE_KINDS}:
        raise NotFound(f"no filing kind {kind}")
    return FilingKind(kind)


def _action(
    web: Web, office_id: int, kind: FilingKind
) -> tuple[Office, office_filings.OfficeAction | None]:
    """The office and what it may file of `kind` today (None: the reader does not file for it)."""
    principal = web.require()
    with web.read() as session:
        office = service.get_office(session, principal=principal, office_id=office_id)
        actions = office_filings.office_actions(
            session,
            principal=principal,
            rules=bundled_foreign_rules(),
            office=office,
            today=web.today,
        )
    return office, next((a for a in actions if a.kind is kind), None)


def _defaults(office: Office, action: office_filings.OfficeAction) -> dict[str, Any]:
    """The form as it opens: the office's registered items, to edit."""
    p = office.particulars
    values: dict[str, Any] = {
        "premises": p.get("premises", ""),
        "chief_name": p["chief"]["name"],
        "chief_document": p["chief"]["document"],
    }
    for i, person in enumerate(p.get("representatives", []), 1):
        values[f"rep_{i}_name"], values[f"rep_{i}_document"] = person["name"], person["document"]
    if action.years:
        values["report_year"] = str(action.years[0])
    return values


def _form_page(
    web: Web,
    office: Office,
    kind: FilingKind,
    action: office_filings.OfficeAction | None,
    form: Form,
    status: int = 200,
) -> Response:
    rules = bundled_foreign_rules()
    posted = "csrf_token" in form.values
    years = list(action.years) if action else []
    chosen = form.get("report_year")
    if posted and chosen.isdigit() and int(chosen) not in years:
        years.append(int(chosen))  # the answer refused, shown with its reason
    scope = form.lists.get("scope", []) if posted else list(office.particulars.get("scope", []))
    return web.page(
        PAGES + "office_filing.html",
        status_code=status,
        office=office,
        kind=kind.value,
        title=web._(TITLES[kind]),
        action=action,
        hint=action_hint(web, action) if action else "",
        event_label=web._(EVENT_LABELS[kind]) if kind in EVENT_LABELS else "",
        day_hint=web._(_DAY_HINT),
        errors=form.errors,
        values=form.values,
        scope=scope,
        activities=[(a.code, a.zh if web.lang == "zh" else a.en) for a in rules.activities],
        years=[(str(y), str(y)) for y in years],
    )


@router.get("/foreign/offices/{office_id}/filings/{kind}")
def new_office_filing(web: WebPage, office_id: DbId, kind: str) -> Response:
    which = _kind(kind)
    office, action = _action(web, office_id, which)
    form = Form({k: str(v) for k, v in _defaults(office, action).items()} if action else {})
    return _form_page(web, office, which, action, form)


def _required_day(web: Web, form: Form, name: str) -> dt.date | None:
    text = form.get(name)
    if not text:
        form.error(name, web._("Enter the day"))
        return None
    day = parse_day(text)
    if day is None:
        form.error(name, web._("Enter a date like 2026-03-02"))
    return day


def _text_field(web: Web, form: Form, name: str) -> str:
    value = form.get(name)
    if not value:
        form.error(name, web._("Answer this question"))
    elif len(value) > 200:
        form.error(name, web._("Enter 200 characters or fewer"))
    return value[:200]


def _read(web: Web, form: Form, kind: FilingKind, office: Office) -> dict[str, Any] | None:
    """The filing's answers from the form, or None with the errors on the form."""
    current = office.particulars
    changes: dict[str, Any] = {}
    answers: dict[str, Any] = {"changes": changes, "materials": form.getlist("materials")}
    if kind in EVENT_LABELS:
        answers["event_on"] = _required_day(web, form, "event_on")
    if kind is FilingKind.CHANGE:
        if form.get("approval_on"):
            answers["approval_on"] = parse_day(form.get("approval_on"))
            if answers["approval_on"] is None:
                form.error("approval_on", web._("Enter a date like 2026-03-02"))
        premises = _text_field(web, form, "premises")
        scope = form.getlist("scope")
        if not scope:
            form.error("scope", web._("Choose at least one activity"))
        chief = {
            "name": _text_field(web, form, "chief_name"),
            "document": _text_field(web, form, "chief_document")[:64],
        }
        if premises != current["premises"]:
            changes["premises"] = premises
        if sorted(scope) != sorted(current["scope"]):
            changes["scope"] = scope
        if chief != {"name": current["chief"]["name"], "document": current["chief"]["document"]}:
            changes["chief"] = chief
    elif kind is FilingKind.FILING:
        people = []
        for i in (1, 2, 3, 4):
            name, document = form.get(f"rep_{i}_name"), form.get(f"rep_{i}_document")
            if name or document:
                if not (name and document):
                    form.error(
                        f"rep_{i}_name",
                        web._("Give the representative's name and document number"),
                    )
                people.append({"name": name[:200], "document": document[:64]})
        changes["representatives"] = people
    elif kind is FilingKind.ANNUAL_REPORT:
        year = form.get("report_year")
        if not (year.isdigit() and len(year) == 4):
            form.error("report_year", web._("Choose the year the report is on"))
        else:
            answers["report_year"] = int(year)
    elif kind is FilingKind.EXTENSION:
        term = _required_day(web, form, "term_until")
        if term is not None:
            changes["term_until"] = term.isoformat()
    return answers if form.ok else None


def _refused(web: Web, form: Form, kind: FilingKind, error: FtzlinkError) -> None:
    """A domain refusal beside its field, by the error's type and rule code, with its article."""
    if isinstance(error, LateFiling):
        if error.rule == "extension_window":
            message = web._(
                "An extension is applied for from %(first)s to %(last)s.",
                first=format_day(error.first_day, web.lang),
                last=format_day(error.last_day, web.lang),
            )
            field = "term_until"
        else:
            message = web._(
                "Too late: the last day to file it was %(day)s.",
                day=format_day(error.last_day, web.lang),
            )
            late_approval = kind is FilingKind.CHANGE and form.get("approval_on")
            field = "approval_on" if late_approval else "event_on"
    elif isinstance(error, AnnualReportRefused):
        message, field = web._(REPORT_REFUSALS[error.rule], year=error.year), "report_year"
    elif isinstance(error, RuleRefused):
        known = REFUSALS.get(error.rule)
        message = web._(known) if known else error_message(error, web.lang) or ""
        people = error.rule.startswith("barred")
        field = _PEOPLE_FIELD.get(kind, "event_on") if people else _FIELDS.get(error.rule, "")
        if not field:
            field = "event_on" if kind in EVENT_LABELS else "materials"
    elif isinstance(error, InvalidInput):
        where = next((p.field for p in error.problems if p.field), None)
        if where == "changes":
            message, field = web._("Change at least one registered item"), "premises"
        elif where == "term_until":
            message = web._("Enter a day after the term's current last day")
            field = "term_until"
        elif where == "report_year":
            message, field = web._("Choose the year the report is on"), "report_year"
        elif where == "office_id":
            message, field = web._("The office is no longer registered"), "materials"
        else:
            message, field = web._("Choose the materials from the list"), "materials"
    else:
        message, field = message_for(web, error), "materials"
    if isinstance(error, RuleRefused):
        message = f"{message} ({error.source} {error.article})"
    form.error(field, message, code=error.code)


def _domain_args(kind: FilingKind, answers: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind,
        "changes": answers["changes"],
        "materials": answers["materials"],
        "event_on": answers.get("event_on"),
        "approval_on": answers.get("approval_on"),
        "report_year": answers.get("report_year"),
    }


@router.post("/foreign/offices/{office_id}/filings/{kind}")
async def check_answers(web: WebPage, office_id: DbId, kind: str) -> Response:
    """Check answers: the rules are applied now, so a refusal comes back on the form."""
    which = _kind(kind)
    principal = web.require()
    form = Form(await web.form())
    office, action = _action(web, office_id, which)
    answers = _read(web, form, which, office) if action else None
    if answers is not None:
        try:
            with web.read() as session:
                service.check_for_office(
                    session,
                    principal=principal,
                    rules=bundled_foreign_rules(),
                    office_id=office.id,
                    today=web.today,
                    **_domain_args(which, answers),
                )
        except FORM_REFUSALS as error:
            _refused(web, form, which, error)
    if answers is None or not form.ok:
        return _form_page(web, office, which, action, form, 400)
    rows = material_rows(web, which, office.parent_jurisdiction, web.today)
    web.replay = True  # checking the answers stores nothing
    return web.page(
        PAGES + "office_check.html",
        office=office,
        kind=which.value,
        title=web._(TITLES[which]),
        button=web._(FILE_BUTTONS[which]),
        answers=_answer_rows(web, which, answers),
        values=form.values,
        lists=form.lists,
        rows=rows,
        material_options=[(row["code"], row["name"]) for row in rows],
    )


@router.post("/foreign/offices/{office_id}/filings/{kind}/edit")
async def edit_office_filing(web: WebPage, office_id: DbId, kind: str) -> Response:
    """Back from check answers to the form, every answer kept."""
    which = _kind(kind)
    form = Form(await web.form())
    office, action = _action(web, office_id, which)
    return _form_page(web, office, which, action, form)


@router.post("/foreign/offices/{office_id}/filings/{kind}/confirm")
async def file_office_filing(web: WebPage, office_id: DbId, kind: str) -> Response:
    which = _kind(kind)
    principal = web.require()
    form = Form(await web.form())
    office, action = _action(web, office_id, which)
    answers = _read(web, form, which, office) if action else None
    if answers is None:
        return _form_page(web, office, which, action, form, 400)
    try:
        with web.write() as session:
            filing = service.file_for_office(
                session,
                principal=principal,
                rules=bundled_foreign_rules(),
                office_id=office.id,
                today=web.today,
                **_domain_args(which, answers),
            )
            filing_id = filing.id
    except FORM_REFUSALS as error:
        _refused(web, form, which, error)
        return _form_page(web, office, which, action, form, 400)
    return web.redirect(f"/foreign/filings/{filing_id}/confirmation")


# --- what was filed, as the check-answers and filing pages show it ---------------------------


def _people(people: list[dict[str, Any]]) -> str:
    return "; ".join(f"{p['name']} ({p['document']})" for p in people) or "—"


def _changes_rows(web: Web, changes: dict[str, Any]) -> list[tuple[str, str]]:
    rules = bundled_foreign_rules()
    rows = []
    if "premises" in changes:
        rows.append((web._("Premises"), str(changes["premises"])))
    if "scope" in changes:
        names = [
            (a.zh if web.lang == "zh" else a.en)
            for code in changes["scope"]
            if (a := rules.activity(code)) is not None
        ]
        rows.append((web._("Business scope"), "; ".join(names)))
    if "chief" in changes:
        rows.append((web._("Chief representative"), _people([changes["chief"]])))
    if "representatives" in changes:
        rows.append((web._("Representatives"), _people(changes["representatives"])))
    if "term_until" in changes:
        rows.append(
            (
                web._("New last day of the residence term"),
                format_day(changes["term_until"], web.lang),
            )
        )
    return rows


def _answer_rows(web: Web, kind: FilingKind, answers: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if answers.get("report_year"):
        rows.append((web._("The year the report is on"), str(answers["report_year"])))
    if kind in EVENT_LABELS and answers.get("event_on"):
        rows.append((web._(EVENT_LABELS[kind]), format_day(answers["event_on"], web.lang)))
    if answers.get("approval_on"):
        rows.append(
            (web._("Day the change was approved"), format_day(answers["approval_on"], web.lang))
        )
    if kind is FilingKind.CHANGE and not answers["changes"]:
        rows.append((web._("What changes"), "—"))
    return rows + _changes_rows(web, answers["changes"])


def filed_items(web: Web, filing: ForeignFiling) -> list[tuple[str, str]]:
    """A change, 备案, report, extension or deregistration as filed (the filing page's summary)."""
    kind = FilingKind(filing.kind)
    if kind is FilingKind.ESTABLISHMENT:
        return []
    answers = {
        "changes": filing.particulars or {},
        "event_on": filing.event_on,
        "approval_on": filing.approval_on,
        "report_year": filing.report_year,
    }
    return _answer_rows(web, kind, answers)
