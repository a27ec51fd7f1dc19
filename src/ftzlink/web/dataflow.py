"""Pages of the cross-border data service and of the public ledger.

- Enterprise members: their filings, registrations (validity, extension window) and reminders;
  pre-filing as a task list with save and resume, the route explanation (each reason with its
  citation, questions for what is not known yet), check answers, submit, confirmation; the
  transfer history of a registration with each transfer's downloadable receipt; reporting a
  transfer, refused in words when it would need a stricter route.
- Data regulators: the queue of filings to register or return; the spot-check draw from the
  latest signed checkpoint (signing one first if need be) and how anyone recomputes it.
- Inspectors: the inspections drawn for them; findings with a rectification deadline in working
  days, and closure.
- Anyone: `/ledger` (the latest signed checkpoint and how to verify) and `/ledger/verify`, which
  checks an uploaded or pasted receipt against the platform's public key.

Thin adapters over `ftzlink.dataflow.service` (the same permission checks as the API): an object
the reader may not see is "page not found".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from babel.numbers import format_decimal
from fastapi import APIRouter, Path
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ftzlink import countries
from ftzlink.applications.models import IdempotencyRecord
from ftzlink.auth import permissions
from ftzlink.auth.models import Role, User
from ftzlink.auth.principal import Principal
from ftzlink.dataflow import service
from ftzlink.dataflow.loader import bundled_dataflow_rules
from ftzlink.dataflow.models import DataflowCitation, DataflowRules, Route
from ftzlink.dataflow.rules import RouteResult, route_scenario
from ftzlink.dataflow.tables import (
    Filing,
    FilingStatus,
    Inspection,
    InspectionStatus,
    Registration,
)
from ftzlink.errors import (
    CalendarNotCovered,
    Conflict,
    Forbidden,
    FtzlinkError,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from ftzlink.ledger import checkpoints
from ftzlink.ledger import log as ledger_log
from ftzlink.ledger.keys import configured_signer, configured_verifier
from ftzlink.ledger.verifier import ReceiptCheck, VerifierKey, verify_receipt
from ftzlink.organisations.models import Organisation
from ftzlink.talent.rules import add_years
from ftzlink.text import Text
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form
from ftzlink.web.render import BABEL_LOCALE

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
T = TypeVar("T")

PAGES = "pages/dataflow/"
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RECEIPT_MAX = 1_000_000  # bytes: a receipt is a few kilobytes
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

ROUTES = {
    "exempt": N_("Exempt"),
    "standard_contract": N_("Standard contract or certification"),
    "security_assessment": N_("Security assessment"),
}
ROUTE_CSS = {
    "exempt": "approved",
    "standard_contract": "needs_info",
    "security_assessment": "ineligible",
}
# What a transfer "would need", in a sentence.
ROUTE_NEEDS = {
    "exempt": N_("no filing"),
    "standard_contract": N_("a standard contract or certification"),
    "security_assessment": N_("a security assessment"),
}
MECHANISMS = {
    "standard_contract": N_("Standard contract, filed with the cyberspace office"),
    "certification": N_("Personal-information protection certification"),
    "security_assessment": N_("Security assessment"),
}
FILING_STATUSES = {
    "draft": (N_("Draft"), "draft"),
    "submitted": (N_("Submitted"), "not_yet_effective"),
    "returned": (N_("Returned"), "returned"),
    "registered": (N_("Registered"), "approved"),
}
INSPECTION_STATUSES = {
    "assigned": (N_("Assigned"), "not_yet_effective"),
    "rectifying": (N_("Rectification due"), "returned"),
    "closed": (N_("Closed"), "approved"),
}
TASK_STATES = {
    "not_started": (N_("Not started"), "draft"),
    "in_progress": (N_("In progress"), "returned"),
    "completed": (N_("Completed"), "approved"),
    "optional": (N_("Optional"), "draft"),
    "cannot_start": (N_("Cannot start yet"), "withdrawn"),
    "nothing_to_file": (N_("Nothing to file"), "withdrawn"),
}
CONFIDENCE = {
    "High": N_("high confidence"),
    "Med": N_("medium confidence"),
    "Low": N_("low confidence"),
}
YES_NO = {"yes": True, "no": False, "unknown": None}
# What the pages call the facts the routing rules do not describe themselves.
DESCRIBED = {
    "data_categories": N_("Categories of data sent"),
    "recipient": N_("Recipient abroad"),
    "recipient_country": N_("Recipient's country or region"),
}
# Why a receipt does not verify, by what the verifier said (its own words are shown too).
RECEIPT_PROBLEMS = (
    (
        re.compile(r"the receipt's \w+ field differs from what was signed: (?P<field>\w+) says"),
        N_(
            "The receipt's field %(field)s is not what the platform signed: the readable part "
            "of the receipt was changed."
        ),
    ),
    (
        re.compile(r"the receipt's body differs from what was signed at (?P<field>\S+):"),
        N_(
            "The receipt's field %(field)s is not what the platform signed: the readable part "
            "of the receipt was changed."
        ),
    ),
    (
        re.compile(r"carries a field that was not signed: (?P<field>.+)$|shows a body, but"),
        N_(
            "The receipt shows something the platform did not sign (%(field)s): the receipt was "
            "changed."
        ),
    ),
    (
        re.compile(r"appears twice"),
        N_("The receipt gives a field twice, so it could be read two ways: it was changed."),
    ),
    (
        re.compile(r"signature|no signature"),
        N_(
            "The checkpoint in the receipt is not signed by this platform's key: the checkpoint "
            "was changed, or the receipt comes from another log."
        ),
    ),
    (
        re.compile(r"lead to a root"),
        N_(
            "The entry and its proof do not lead to the root hash the platform signed: the entry "
            "or the proof was changed."
        ),
    ),
    (
        re.compile(r"not a receipt|lacks its entry|not readable"),
        N_("This is not a ledger receipt: a receipt is a JSON file downloaded from this platform."),
    ),
    (
        re.compile(r"base64"),
        N_("Part of the receipt is not valid base64: it was changed."),
    ),
    (
        re.compile(r"index"),
        N_("The receipt's entry number does not match its proof: it was changed."),
    ),
    (
        re.compile(r"checkpoint|signed note|origin"),
        N_("The checkpoint in the receipt is malformed or from another log: it was changed."),
    ),
    (
        re.compile(r"proof"),
        N_("The proof in the receipt is malformed: it was changed."),
    ),
)


@dataclass(frozen=True)
class Section:
    slug: str
    name: str  # a message id
    facts: tuple[str, ...]
    hint: str = ""  # a message id
    optional: bool = False


SECTIONS = (
    Section(
        "transfer",
        N_("What is sent, and to whom"),
        ("data_categories", "recipient", "recipient_country", "purpose"),
    ),
    Section("exporter", N_("About your organisation"), ("ciio", "in_ftz")),
    Section(
        "data",
        N_("About the data"),
        ("important_data", "foreign_pi_returned"),
        N_("Only data a department or region has notified or published as important data counts."),
    ),
    Section(
        "people",
        N_("People since 1 January"),
        ("non_sensitive_people", "sensitive_people"),
        N_(
            "Count people, not records: everyone whose personal information has left or will "
            "leave the country since 1 January of this year, this transfer included. Enter 0 "
            "if none."
        ),
    ),
    Section(
        "lists",
        N_("Free trade zone data lists"),
        ("negative_list_scenario", "on_negative_list", "on_lingang_general_list"),
        N_(
            "Only for an exporter registered in, and exporting from, the Shanghai FTZ or the "
            "Lingang Special Area: these lists can exempt a transfer. The route page says which "
            "answers it still needs."
        ),
        optional=True,
    ),
)
SECTION_BY_SLUG = {s.slug: s for s in SECTIONS}
SECTION_OF = {fact: s for s in SECTIONS for fact in s.facts}


def _rules() -> DataflowRules:
    return bundled_dataflow_rules()


def _label(web: Web, table: dict[str, tuple[str, str]], key: str) -> dict[str, str]:
    text, css = table.get(key, (key, "draft"))
    return {"text": web._(text), "css": css}


def _route(web: Web, route: str | None) -> dict[str, str]:
    if route is None:
        return {"text": web._("Not decided yet"), "css": "needs_info"}
    return {"text": web._(ROUTES[route]), "css": ROUTE_CSS[route]}


def _int(text: str, maximum: int) -> int | None:
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    if not cleaned.isdigit() or len(cleaned) > 16:
        return None
    value = int(cleaned)
    return value if value <= maximum else None


def _parse_day(text: str) -> dt.date | None:
    if not _DAY.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _change(web: Web, produce: Callable[[Session], T]) -> tuple[T | None, FtzlinkError | None]:
    """Run a change in its own transaction; a refusal rolls it back and is handed back to show."""
    try:
        with web.write() as session:
            return produce(session), None
    except (InvalidInput, Conflict, CalendarNotCovered) as error:
        return None, error


def _names(session: Session, user_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids or [0])))
    return {int(user_id): str(name) for user_id, name in rows}


def _organisations(session: Session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids or [0]))
    )
    return {int(org_id): str(name) for org_id, name in rows}


def _numbers(session: Session, ids: list[int]) -> dict[int, Registration]:
    rows = session.scalars(select(Registration).where(Registration.id.in_(ids or [0])))
    return {r.id: r for r in rows}


def _verifier(web: Web) -> VerifierKey | None:
    """The platform's public key (from its configured signing key), None if none is configured."""
    try:
        return configured_verifier(web.settings)
    except (Conflict, InvalidInput, OSError):  # a key configured wrongly: the page says none
        return None


# --- who --------------------------------------------------------------------------------------


def _member(web: Web) -> tuple[Principal, int]:
    """An enterprise member and the organisation it files for."""
    principal = web.require()
    own = sorted(principal.member_of())
    if not own:
        raise Forbidden("these pages are for an enterprise's members")
    return principal, own[0]


def _is_regulator(p: Principal) -> bool:
    return p.has(Role.DATA_REGULATOR)


def _reads_queue(web: Web) -> Principal:
    principal = web.require()
    if not (_is_regulator(principal) or permissions.reads_everything(principal)):
        raise Forbidden("the queue is for data regulators")
    return principal


def _sees_draws(p: Principal) -> bool:
    return _is_regulator(p) or p.has(Role.INSPECTOR) or permissions.reads_everything(p)


# --- explaining a route -----------------------------------------------------------------------


def _cite(web: Web, citation: DataflowCitation, article: Text | None = None) -> str:
    """Source, article and confidence; a CAC Order No. 16 article in the reader's language."""
    source = _rules().source(citation.source)
    title = source.title.get(web.lang) if source else citation.source
    section = citation.section
    if section and article is not None and citation.source == "cac-order-16" and web.lang == "zh":
        section = article.zh
    where = f"{title} {section}" if section else title
    return f"{where} ({web._(CONFIDENCE[citation.confidence])})"


def _headline(web: Web, result: RouteResult) -> str:
    if result.route is None:
        return web._("The route cannot be decided yet")
    if result.route is Route.EXEMPT:
        article = result.article.get(web.lang) if result.article else ""
        return web._("Exempt: nothing to file (%(article)s)", article=article)
    if result.route is Route.STANDARD_CONTRACT:
        return web._("A standard contract or certification is needed (art. 8)")
    return web._("A security assessment is needed (art. 7)")


def _question_href(filing_id: int | None, field: str) -> str | None:
    section = SECTION_OF.get(field)
    if filing_id is None or section is None:
        return None
    return f"/dataflow/filings/{filing_id}/{section.slug}#{field}"


def explained(web: Web, result: RouteResult, *, filing_id: int | None = None) -> dict[str, Any]:
    """A route result as the pages show it: the verdict, each reason with its citation, the
    questions still open (linked to where they are answered), and every rule's outcome."""
    lang = web.lang
    reasons = [
        {
            "text": f"{c.article.get(lang)}: {c.label.get(lang)}",
            "citation": _cite(web, c.citation, c.article),
            "unverified": c.unverified,
        }
        for c in result.checks
        if result.route is not None and c.outcome.value == "passed" and c.route is result.route
    ]
    return {
        "decided": result.decided,
        "value": result.route.value if result.route else None,
        "route": _route(web, result.route.value if result.route else None),
        "headline": _headline(web, result),
        "verdict": result.reasons[0].get(lang) if result.decided and result.reasons else "",
        "reasons": reasons,
        "possible": [web._(ROUTES[r.value]) for r in result.possible_routes],
        "open": result.reasons[0].get(lang) if not result.decided and result.reasons else "",
        "questions": [
            {"label": q.label.get(lang), "href": _question_href(filing_id, q.field)}
            for q in result.questions
        ],
        "checks": [
            {
                "article": c.article.get(lang),
                "label": c.label.get(lang),
                "route": web._(ROUTES[c.route.value]),
                "outcome": c.outcome.value,
                "citation": _cite(web, c.citation, c.article),
                "unverified": c.unverified,
            }
            for c in result.checks
        ],
        "notes": [n.get(lang) for n in result.notes],
        "mechanisms": [(m, web._(MECHANISMS[m])) for m in result.mechanisms],
    }


# --- the facts of a scenario, as questions and answers ------------------------------------------


def _definitions() -> dict[str, Any]:
    return {f.id: f for f in _rules().routing.fields}


def _question(web: Web, fact: str) -> str:
    if fact in DESCRIBED:
        return web._(DESCRIBED[fact])
    return str(_definitions()[fact].label.get(web.lang))


def _answered(scenario: dict[str, Any], fact: str) -> bool:
    value = scenario.get(fact)
    return value not in (None, "", [])


def _shown(web: Web, fact: str, value: Any) -> str:
    if value is None or value == [] or value == "":
        return web._("Not known yet")
    if isinstance(value, bool):
        return web._("Yes") if value else web._("No")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if fact == "recipient_country":
        return countries.country_name(str(value), web.lang)
    if isinstance(value, int):
        shown = format_decimal(value, locale=BABEL_LOCALE[web.lang])
        return web.ngettext("%(count)s person", "%(count)s people", value, count=shown)
    definition = _definitions().get(fact)
    if definition is not None and definition.choices:
        choice = next((c for c in definition.choices if c.id == value), None)
        if choice is not None:
            return str(choice.label.get(web.lang))
    return str(value)


def _form_values(scenario: dict[str, Any]) -> dict[str, str]:
    """The saved answers as the forms show them."""
    values: dict[str, str] = {}
    for fact, value in scenario.items():
        if isinstance(value, bool):
            values[fact] = "yes" if value else "no"
        elif isinstance(value, list):
            values[fact] = "\n".join(str(v) for v in value)
        elif value is not None:
            values[fact] = str(value)
    return values


def _fields(web: Web, section: Section) -> list[dict[str, Any]]:
    """What the section's form asks, field by field."""
    out: list[dict[str, Any]] = []
    definitions = _definitions()
    for fact in section.facts:
        if fact == "data_categories":
            out.append(
                {
                    "name": fact,
                    "kind": "textarea",
                    "label": _question(web, fact),
                    "hint": web._("One category a line, like: customer contact details"),
                }
            )
        elif fact == "recipient":
            out.append({"name": fact, "kind": "text", "label": _question(web, fact), "hint": ""})
        elif fact == "recipient_country":
            out.append(
                {
                    "name": fact,
                    "kind": "country",
                    "label": _question(web, fact),
                    "hint": "",
                }
            )
        else:
            d = definitions[fact]
            if d.type == "bool":
                out.append(
                    {
                        "name": fact,
                        "kind": "radios",
                        "label": d.label.get(web.lang),
                        "options": [
                            ("yes", web._("Yes")),
                            ("no", web._("No")),
                            ("unknown", web._("Not known yet")),
                        ],
                    }
                )
            elif d.type == "int":
                out.append(
                    {
                        "name": fact,
                        "kind": "number",
                        "label": d.label.get(web.lang),
                        "hint": web._("A whole number, like 120000"),
                    }
                )
            else:
                out.append(
                    {
                        "name": fact,
                        "kind": "radios",
                        "label": d.label.get(web.lang),
                        "options": [(c.id, c.label.get(web.lang)) for c in d.choices or []],
                    }
                )
    return out


def _read_section(web: Web, form: Form, section: Section) -> dict[str, Any]:
    """The section's answers as facts, each checked; an answer "not known yet" is None."""
    changes: dict[str, Any] = {}
    definitions = _definitions()
    for fact in section.facts:
        raw = form.get(fact)
        if fact == "data_categories":
            lines = [line.strip() for line in raw.splitlines() if line.strip()]
            if not lines:
                form.error(fact, web._("Enter the categories of data sent, one a line"))
            elif len(lines) > 50 or any(len(line) > 100 for line in lines):
                form.error(fact, web._("Enter up to 50 categories, each 100 characters or fewer"))
            changes[fact] = lines
        elif fact == "recipient":
            if not raw:
                form.error(fact, web._("Enter the name of the recipient abroad"))
            elif len(raw) > 200:
                form.error(fact, web._("The recipient's name must be 200 characters or fewer"))
            changes[fact] = raw
        elif fact == "recipient_country":
            code = raw.upper()
            if not _COUNTRY.match(code) or countries.country(code) is None:
                form.error(fact, web._("Select the recipient's country or region from the list"))
            changes[fact] = code
        else:
            d = definitions[fact]
            if d.type == "bool":
                if raw not in YES_NO:
                    if not section.optional:
                        form.error(fact, web._("Select yes, no or not known yet"))
                    changes[fact] = None
                else:
                    changes[fact] = YES_NO[raw]
            elif d.type == "int":
                value = _int(raw, service.PEOPLE_MAX)
                if value is None:
                    form.error(
                        fact, web._("Enter the number of people as a whole number, like 120000")
                    )
                changes[fact] = value
            else:
                if raw not in {c.id for c in d.choices or []}:
                    form.error(fact, web._("Select the purpose of the transfer"))
                changes[fact] = raw or None
    return changes


def _tasks(web: Web, filing: Filing, result: RouteResult) -> list[dict[str, Any]]:
    scenario = filing.scenario or {}
    base = f"/dataflow/filings/{filing.id}"
    tasks: list[dict[str, Any]] = []
    for section in SECTIONS:
        answered = [f for f in section.facts if _answered(scenario, f)]
        if len(answered) == len(section.facts):
            state = "completed"
        elif answered:
            state = "in_progress"
        else:
            state = "optional" if section.optional else "not_started"
        tasks.append(
            {
                "id": section.slug,
                "name": web._(section.name),
                "href": f"{base}/{section.slug}",
                "tag": _label(web, TASK_STATES, state),
                "state": state,
            }
        )
    tasks.append(
        {
            "id": "route",
            "name": web._("The route and why"),
            "href": f"{base}/route",
            "tag": _route(web, result.route.value if result.route else None),
            "state": "route",
        }
    )
    described = all(_answered(scenario, f) for f in DESCRIBED)
    if result.route is Route.EXEMPT:
        check = "nothing_to_file"
    elif result.decided and described:
        check = "not_started"
    else:
        check = "cannot_start"
    tasks.append(
        {
            "id": "check",
            "name": web._("Check your answers and submit"),
            "href": f"{base}/check",
            "tag": _label(web, TASK_STATES, check),
            "state": check,
        }
    )
    return tasks


# --- the enterprise's overview ------------------------------------------------------------------


def _window(
    web: Web, registration: Registration, window: service.ExtensionWindow | None = None
) -> dict[str, Any] | None:
    window = window or service.extension_window(_rules(), registration)
    if window is None:
        return None
    return {
        "expires_on": window.expires_on,
        "opens_on": window.opens_on,
        "working_days": window.working_days,
        "open": window.is_open(web.today),
        "provisional": window.provisional,
        "provisional_years": window.provisional_years,
    }


@router.get("/dataflow")
def dashboard(web: WebPage) -> Response:
    principal = web.require()
    if not principal.member_of():
        if _is_regulator(principal) or permissions.reads_everything(principal):
            return web.redirect("/dataflow/queue")
        if principal.has(Role.INSPECTOR):
            return web.redirect("/dataflow/inspections")
    principal, organisation_id = _member(web)
    with web.read() as session:
        filings = service.list_filings(
            session, principal=principal, organisation_id=organisation_id
        )
        registrations = service.list_registrations(
            session, principal=principal, organisation_id=organisation_id
        )
        reminders = [
            r
            for r in service.list_reminders(session, principal=principal)
            if r.organisation_id == organisation_id
        ]
        organisation = session.get(Organisation, organisation_id)
    by_reg = {r.id: r for r in registrations}
    titles = {f.id: f.title for f in filings}
    groups = [
        (key, web._(label), [f for f in filings if f.status == key])
        for key, label in (
            ("returned", N_("Returned: answer the regulator")),
            ("draft", N_("Drafts")),
            ("submitted", N_("Waiting for the regulator")),
            ("registered", N_("Registered")),
        )
    ]
    return web.page(
        PAGES + "dashboard.html",
        organisation=organisation,
        groups=groups,
        registrations=[
            {
                "registration": r,
                "title": titles.get(r.filing_id, ""),
                "route": _route(web, r.route),
                "window": _window(web, r),
                "valid": service.valid_on(r, web.today),
            }
            for r in registrations
        ],
        reminders=[
            {"reminder": r, "number": by_reg[r.registration_id].number}
            for r in reminders
            if r.registration_id in by_reg
        ],
        statuses={k: _label(web, FILING_STATUSES, k) for k in FILING_STATUSES},
        routes={k: _route(web, k) for k in ROUTES},
    )


# --- a filing: the task list, its sections, the route, check answers, confirmation ---------------


@router.get("/dataflow/filings/new")
def new_filing(web: WebPage) -> Response:
    _member(web)
    return web.page(PAGES + "new.html")


@router.post("/dataflow/filings/new")
async def create_filing(web: WebPage) -> Response:
    principal, organisation_id = _member(web)
    form = Form(await web.form())
    title = form.get("title")
    if not title:
        form.error("title", web._("Enter a name for the transfer scenario"))
    elif len(title) > 200:
        form.error("title", web._("The name must be 200 characters or fewer"))
    filing = None
    if form.ok:
        filing, refusal = _change(
            web,
            lambda session: service.create_filing(
                session,
                principal=principal,
                rules=_rules(),
                organisation_id=organisation_id,
                title=title,
                today=web.today,
            ),
        )
        if refusal is not None:
            form.error("title", web._("Enter a name for the transfer scenario"))
    if filing is None:
        return web.page(PAGES + "new.html", status_code=400, errors=form.errors, values=form.values)
    return web.redirect(f"/dataflow/filings/{filing.id}")


_EDITABLE = (FilingStatus.DRAFT, FilingStatus.RETURNED)


def _own_editable(session: Session, principal: Principal, filing_id: int) -> service.FilingView:
    """A filing of the user's enterprise that it may still edit (else "not found")."""
    view = service.filing_view(session, principal=principal, rules=_rules(), filing_id=filing_id)
    if view.filing.organisation_id not in principal.member_of():
        raise NotFound(f"no filing {filing_id}")
    return view


def _filing_values(web: Web, view: service.FilingView) -> dict[str, Any]:
    filing = view.filing
    return {
        "filing": filing,
        "organisation": view.organisation,
        "status": _label(web, FILING_STATUSES, filing.status),
        "ex": explained(web, view.route, filing_id=filing.id),
    }


@router.get("/dataflow/filings/{filing_id}")
def filing_page(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
        own = view.filing.organisation_id in principal.member_of()
        if own and view.filing.status in _EDITABLE:
            tasks = _tasks(web, view.filing, view.route)
            return web.page(
                PAGES + "tasks.html",
                tasks=tasks,
                completed=sum(t["state"] == "completed" for t in tasks[: len(SECTIONS)]),
                sections=len(SECTIONS),
                **_filing_values(web, view),
            )
        return _filing_page(web, session, principal, view)


def _filing_page(
    web: Web,
    session: Session,
    principal: Principal,
    view: service.FilingView,
    form: Form | None = None,
    *,
    status: int = 200,
) -> Response:
    form = form or Form()
    registration = view.registration
    decides = _is_regulator(principal) and view.filing.status == FilingStatus.SUBMITTED
    valid_until = None
    if decides and view.filing.route == Route.SECURITY_ASSESSMENT:
        years = _rules().supervision.security_assessment.validity_years
        valid_until = add_years(web.today, years) - dt.timedelta(days=1)
    return web.page(
        PAGES + "filing.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        answers=_answers(web, view.filing),
        registration=registration,
        decides=decides,
        valid_until=valid_until,
        mechanism=web._(MECHANISMS[view.filing.mechanism]) if view.filing.mechanism else "",
        filed_route=_route(web, view.filing.route) if view.filing.route else None,
        own=view.filing.organisation_id in principal.member_of(),
        **_filing_values(web, view),
    )


def _answers(web: Web, filing: Filing, *, editable: bool = False) -> list[dict[str, Any]]:
    scenario = filing.scenario or {}
    rows = []
    for section in SECTIONS:
        for fact in section.facts:
            rows.append(
                {
                    "id": "answer-" + fact,
                    "fact": fact,
                    "question": _question(web, fact),
                    "answer": _shown(web, fact, scenario.get(fact)),
                    "href": f"/dataflow/filings/{filing.id}/{section.slug}#{fact}"
                    if editable
                    else None,
                }
            )
    return rows


def _section_page(
    web: Web,
    view: service.FilingView,
    section: Section,
    form: Form | None = None,
    *,
    status: int = 200,
) -> Response:
    values = form.values if form is not None else _form_values(view.filing.scenario or {})
    return web.page(
        PAGES + "section.html",
        status_code=status,
        errors=form.errors if form is not None else [],
        values=values,
        section=section,
        section_name=web._(section.name),
        section_hint=web._(section.hint) if section.hint else "",
        fields=_fields(web, section),
        **_filing_values(web, view),
    )


def _section(slug: str) -> Section:
    section = SECTION_BY_SLUG.get(slug)
    if section is None:
        raise NotFound(f"no section {slug}")
    return section


@router.get("/dataflow/filings/{filing_id}/route")
def route_page(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
    own = view.filing.organisation_id in principal.member_of()
    return web.page(
        PAGES + "route.html",
        editable=own and view.filing.status in _EDITABLE,
        **_filing_values(web, view),
    )


@router.get("/dataflow/filings/{filing_id}/check")
def check_page(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in _EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return _check(web, view)


def _check(
    web: Web, view: service.FilingView, form: Form | None = None, *, status: int = 200
) -> Response:
    form = form or Form()
    return web.page(
        PAGES + "check.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        answers=_answers(web, view.filing, editable=True),
        **_filing_values(web, view),
    )


@router.post("/dataflow/filings/{filing_id}/submit")
async def submit(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in _EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    mechanisms = view.route.mechanisms
    mechanism = form.get("mechanism") or (mechanisms[0] if len(mechanisms) == 1 else "")
    if mechanisms and mechanism not in mechanisms:
        form.error("mechanism", web._("Select how the transfer is filed"))
    effective = None
    if form.get("contract_effective_on"):
        effective = _parse_day(form.get("contract_effective_on"))
        if effective is None:
            form.error("contract_effective_on", web._("Enter the day as a date, like 2026-02-20"))
        elif mechanism != "standard_contract":
            form.error(
                "contract_effective_on", web._("Only a standard contract has an effective date")
            )
    if form.ok:
        _, refusal = _change(
            web,
            lambda session: service.submit_filing(
                session,
                principal=principal,
                rules=_rules(),
                filing_id=filing_id,
                mechanism=mechanism or None,
                contract_effective_on=effective,
                today=web.today,
            ),
        )
        if refusal is None:
            return web.redirect(f"/dataflow/filings/{filing_id}/confirmation")
        if isinstance(refusal, InvalidInput):
            for problem in refusal.problems:
                field = problem.field or "submit"
                if field in SECTION_OF:
                    form.error(
                        "answer-" + field,
                        web._("Answer: %(question)s", question=_question(web, field)),
                    )
                elif field in ("mechanism", "contract_effective_on"):
                    form.error(field, web._("Select how the transfer is filed"))
        if isinstance(refusal, Conflict) or form.ok:
            form.error("submit", web._("This scenario is exempt: there is nothing to file"))
    return _check(web, view, form, status=400)


@router.get("/dataflow/filings/{filing_id}/confirmation")
def confirmation(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
    if view.filing.organisation_id not in principal.member_of() or view.filing.status in _EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return web.page(
        PAGES + "confirmation.html",
        answers=_answers(web, view.filing),
        mechanism=web._(MECHANISMS[view.filing.mechanism]) if view.filing.mechanism else "",
        **_filing_values(web, view),
    )


# --- the regulator: the queue, registering or returning ------------------------------------------


@router.get("/dataflow/queue")
def queue(web: WebPage) -> Response:
    principal = _reads_queue(web)
    with web.read() as session:
        filings = service.list_filings(session, principal=principal)
        names = _organisations(session, [f.organisation_id for f in filings])
    rows = []
    for f in filings:
        if f.status == FilingStatus.DRAFT:
            continue
        result = route_scenario(_rules(), f.scenario or {})
        rows.append(
            {
                "filing": f,
                "organisation": names.get(f.organisation_id, ""),
                "route": _route(web, f.route),
                "reasons": explained(web, result)["reasons"],
                "status": _label(web, FILING_STATUSES, f.status),
            }
        )
    groups = [
        (key, web._(label), [r for r in rows if r["filing"].status == key])
        for key, label in (
            ("submitted", N_("To register or return")),
            ("returned", N_("Returned to the enterprise")),
            ("registered", N_("Registered")),
        )
    ]
    return web.page(PAGES + "queue.html", groups=groups, regulator=_is_regulator(principal))


def _regulator_form(web: Web) -> Principal:
    principal = web.require()
    if not _is_regulator(principal):
        raise Forbidden("only a data regulator registers or returns a filing")
    return principal


@router.post("/dataflow/filings/{filing_id}/register")
async def register(web: WebPage, filing_id: DbId) -> Response:
    principal = _regulator_form(web)
    await web.form()
    try:
        with web.write() as session:
            registration = service.register_filing(
                session, principal=principal, rules=_rules(), filing_id=filing_id, today=web.today
            )
            registration_id = registration.id
    except InvalidTransition:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return web.redirect(f"/dataflow/registrations/{registration_id}")


@router.post("/dataflow/filings/{filing_id}/return")
async def return_filing(web: WebPage, filing_id: DbId) -> Response:
    principal = _regulator_form(web)
    form = Form(await web.form())
    reasons = [line.strip() for line in form.get("reasons").splitlines() if line.strip()]
    if not reasons:
        form.error("reasons", web._("Enter at least one reason, one a line"))
    elif any(len(r) > 1000 for r in reasons) or len(reasons) > 20:
        form.error("reasons", web._("Enter up to 20 reasons, each 1,000 characters or fewer"))
    if form.ok:
        try:
            with web.write() as session:
                service.return_filing(
                    session,
                    principal=principal,
                    filing_id=filing_id,
                    reasons=reasons,
                    today=web.today,
                )
            return web.redirect("/dataflow/queue")
        except InvalidTransition:
            return web.redirect(f"/dataflow/filings/{filing_id}")
    with web.read() as session:
        view = service.filing_view(
            session, principal=principal, rules=_rules(), filing_id=filing_id
        )
        return _filing_page(web, session, principal, view, form, status=400)


# --- registrations, transfers and receipts ----------------------------------------------------


def _receipt_ready(session: Session, ledger_index: int | None) -> bool:
    latest = checkpoints.latest(session)
    return ledger_index is not None and latest is not None and latest.size > ledger_index


@router.get("/dataflow/registrations/{registration_id}")
def registration_page(web: WebPage, registration_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = service.registration_view(
            session,
            principal=principal,
            rules=_rules(),
            registration_id=registration_id,
            today=web.today,
        )
        transfers = service.list_transfers(
            session, principal=principal, registration_id=registration_id
        )
        latest = checkpoints.latest(session)
    r = view.registration
    covered = latest.size if latest is not None else 0
    return web.page(
        PAGES + "registration.html",
        view=view,
        registration=r,
        route=_route(web, r.route),
        mechanism=web._(MECHANISMS[r.mechanism]),
        window=_window(web, r, view.window),
        valid=service.valid_on(r, web.today),
        own=r.organisation_id in principal.member_of(),
        transfers=[
            {
                "transfer": t,
                "receipt": t.ledger_index is not None and covered > t.ledger_index,
            }
            for t in transfers
        ],
    )


def _transfer_form(
    web: Web,
    registration: Registration,
    form: Form | None = None,
    *,
    status: int = 200,
    exceeded: dict[str, Any] | None = None,
) -> Response:
    form = form or Form()
    if not _TOKEN.match(form.values.get("idempotency_key", "")):
        form.values["idempotency_key"] = secrets.token_urlsafe(24)
    return web.page(
        PAGES + "transfer_new.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        registration=registration,
        route=_route(web, registration.route),
        exceeded=exceeded,
    )


def _own_registration(session: Session, principal: Principal, registration_id: int) -> Registration:
    registration = service.get_registration(
        session, principal=principal, registration_id=registration_id
    )
    if registration.organisation_id not in principal.member_of():
        raise NotFound(f"no registration {registration_id}")
    return registration


@router.get("/dataflow/registrations/{registration_id}/transfers/new")
def new_transfer(web: WebPage, registration_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        registration = _own_registration(session, principal, registration_id)
    return _transfer_form(web, registration)


def _exceeded(web: Web, error: service.RouteExceeded) -> dict[str, Any]:
    return {
        "message": web._(
            "This transfer would need %(route)s, and this registration is for %(registered)s. "
            "With it, the personal information of %(non_sensitive)s people (not sensitive) and "
            "the sensitive personal information of %(sensitive)s people would have left the "
            "country since 1 January %(year)s. File for %(route)s first: nothing was recorded.",
            route=web._(ROUTE_NEEDS[error.required.value]),
            registered=web._(ROUTE_NEEDS[error.registered.value]),
            non_sensitive=f"{error.non_sensitive_people:,}",
            sensitive=f"{error.sensitive_people:,}",
            year=error.year,
        ),
        "short": web._(
            "This transfer would need %(route)s: nothing was recorded",
            route=web._(ROUTE_NEEDS[error.required.value]),
        ),
        "ex": explained(web, error.result),
    }


@router.post("/dataflow/registrations/{registration_id}/transfers/new")
async def report_transfer(web: WebPage, registration_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        registration = _own_registration(session, principal, registration_id)
    manifest = form.get("manifest_sha256").lower()
    if not _HEX64.match(manifest):
        form.error(
            "manifest_sha256",
            web._("Enter the manifest's SHA-256 as 64 hexadecimal digits (0-9, a-f)"),
        )
    counts: dict[str, int] = {}
    for name, message in (
        ("record_count", N_("Enter the number of records as a whole number, like 48210")),
        ("non_sensitive_people", N_("Enter the number of people as a whole number, like 120000")),
        ("sensitive_people", N_("Enter the number of people as a whole number, like 120000")),
    ):
        value = _int(form.get(name), 10**15 if name == "record_count" else service.PEOPLE_MAX)
        if value is None:
            form.error(name, web._(message))
        else:
            counts[name] = value
    day = _parse_day(form.get("transferred_on"))
    if day is None:
        form.error(
            "transferred_on", web._("Enter the day of the transfer as a date, like 2026-10-30")
        )
    time_text = form.get("transferred_time")
    if not _TIME.match(time_text):
        form.error("transferred_time", web._("Enter the time in 24-hour clock, like 14:30"))
    at = None
    if day is not None and _TIME.match(time_text):
        hour, minute = (int(p) for p in time_text.split(":"))
        at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=service.CHINA)
        if day > web.today:
            form.error("transferred_on", web._("The day of the transfer must be today or earlier"))
    exceeded = None
    transfer = None
    if form.ok:
        assert at is not None
        token = form.get("idempotency_key")
        key = f"web:dataflow-transfer:{token}"
        try:
            with web.write() as session:
                # One report per form: a second click, or the form sent again, finds the first.
                first = (
                    session.scalar(
                        select(IdempotencyRecord).where(
                            IdempotencyRecord.user_id == principal.user_id,
                            IdempotencyRecord.key == key,
                        )
                    )
                    if _TOKEN.match(token)
                    else None
                )
                if first is not None:
                    return web.redirect(f"/dataflow/transfers/{first.body['transfer']}")
                transfer = service.report_transfer(
                    session,
                    principal=principal,
                    rules=_rules(),
                    registration_id=registration_id,
                    manifest_sha256=manifest,
                    record_count=counts["record_count"],
                    non_sensitive_people=counts["non_sensitive_people"],
                    sensitive_people=counts["sensitive_people"],
                    transferred_at=at,
                    signer=configured_signer(web.settings),
                )
                transfer_id = transfer.id
                if _TOKEN.match(token):
                    session.add(
                        IdempotencyRecord(
                            user_id=principal.user_id,
                            key=key,
                            request_hash=hashlib.sha256(key.encode()).hexdigest(),
                            status_code=303,
                            body={"transfer": transfer_id},
                        )
                    )
        except service.RouteExceeded as error:
            exceeded = _exceeded(web, error)
            form.error("non_sensitive_people", exceeded["short"])
        except service.RegistrationNotValid:
            form.error(
                "transferred_on",
                web._("The registration is not valid on that day: choose a day it is valid"),
            )
        except InvalidInput as error:
            for problem in error.problems:
                if problem.field == "transferred_at":
                    form.error(
                        "transferred_on",
                        web._("The time of the transfer must not be in the future"),
                    )
                elif problem.field:
                    form.error(problem.field, web._("Check this answer"))
    if transfer is None:
        return _transfer_form(
            web, registration, form, status=409 if exceeded else 400, exceeded=exceeded
        )
    return web.redirect(f"/dataflow/transfers/{transfer_id}")


@router.get("/dataflow/transfers/{transfer_id}")
def transfer_page(web: WebPage, transfer_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = service.transfer_view(
            session, principal=principal, rules=_rules(), transfer_id=transfer_id
        )
        ready = _receipt_ready(session, view.transfer.ledger_index)
        latest = checkpoints.latest(session)
    return web.page(
        PAGES + "transfer.html",
        view=view,
        transfer=view.transfer,
        registration=view.registration,
        ready=ready,
        latest=latest,
        report_note=view.report.note.get(web.lang),
    )


@router.get("/dataflow/transfers/{transfer_id}/receipt")
def receipt(web: WebPage, transfer_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        transfer = service.get_transfer(session, principal=principal, transfer_id=transfer_id)
        try:
            data = service.transfer_receipt(session, principal=principal, transfer_id=transfer_id)
        except Conflict:
            data = None
    if data is None:
        return web.page(PAGES + "receipt_pending.html", status_code=409, transfer=transfer)
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    response = Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="ftzlink-receipt-transfer-{transfer.id}.json"'
        },
    )
    web.finish(response)
    return response


# --- spot checks --------------------------------------------------------------------------------


def _draws_page(
    web: Web, form: Form | None = None, *, status: int = 200, signed: bool = False
) -> Response:
    principal = web.require()
    if not _sees_draws(principal):
        raise Forbidden("the spot checks are for data regulators and inspectors")
    form = form or Form()
    with web.read() as session:
        latest = checkpoints.latest(session)
        size = ledger_log.head(session).size
        draws = service.list_draws(session, principal=principal)
    return web.page(
        PAGES + "draws.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        latest=latest,
        log_size=size,
        draws=draws,
        regulator=_is_regulator(principal),
        signed=signed,
    )


@router.get("/dataflow/draws")
def draws(web: WebPage, signed: int = 0) -> Response:
    return _draws_page(web, signed=bool(signed))


@router.post("/dataflow/checkpoints")
async def sign_checkpoint(web: WebPage) -> Response:
    principal = web.require()
    if not _is_regulator(principal):
        raise Forbidden("only a data regulator signs a checkpoint from these pages")
    form = Form(await web.form())
    try:
        with web.write() as session:
            checkpoints.sign(session, web.settings)
    except NotFound:
        form.error(
            "sign",
            web._(
                "The platform's signing key is not configured: an operator runs "
                "`ftzlink ledger keygen` first"
            ),
        )
    except (Conflict, InvalidInput):
        form.error(
            "sign",
            web._(
                "The ledger is not consistent with its last checkpoint, so it was not signed: "
                "an operator runs `ftzlink ledger verify`"
            ),
        )
    if not form.ok:
        return _draws_page(web, form, status=409)
    return web.redirect("/dataflow/draws?signed=1#checkpoint")


@router.post("/dataflow/draws")
async def make_draw(web: WebPage) -> Response:
    principal = web.require()
    if not _is_regulator(principal):
        raise Forbidden("only a data regulator draws spot checks")
    form = Form(await web.form())
    count = _int(form.get("count"), 100)
    if count is None or count < 1:
        form.error("count", web._("Enter how many to draw, a whole number from 1 to 100"))
    drawn, refused = None, False
    if form.ok:
        assert count is not None
        drawn, refusal = _change(
            web,
            lambda session: service.draw_spot_checks(
                session, principal=principal, count=count, today=web.today
            ),
        )
        refused = refusal is not None
        refused = refusal is not None
        if isinstance(refusal, InvalidInput):
            form.error("count", web._("There is no active inspector to draw"))
        elif isinstance(refusal, Conflict):
            if "checkpoint" in str(refusal):
                form.error("count", web._("No checkpoint has been signed yet: sign one first"))
            else:
                form.error(
                    "count", web._("No registration is valid today: there is nothing to draw")
                )
    if drawn is None:
        return _draws_page(web, form, status=409 if refused else 400)
    return web.redirect(f"/dataflow/draws/{drawn.id}")


@router.get("/dataflow/draws/{draw_id}")
def draw_page(web: WebPage, draw_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        row = service.get_draw(session, principal=principal, draw_id=draw_id)
        seed, picks = service.recompute_draw(row)
        inspections = {
            i.registration_id: i
            for i in session.scalars(select(Inspection).where(Inspection.draw_id == row.id))
        }
        registrations = _numbers(session, list(row.candidates))
        organisations = _organisations(session, [r.organisation_id for r in registrations.values()])
        names = _names(session, list(row.inspectors))
        visible = {
            i.id for i in service.list_inspections(session, principal=principal, draw_id=row.id)
        }
    same = [(p.registration_id, p.inspector_id) for p in picks] == [
        (i.registration_id, i.inspector_id)
        for i in sorted(inspections.values(), key=lambda i: i.rank)
    ]
    return web.page(
        PAGES + "draw.html",
        draw=row,
        seed=seed,
        same=same,
        picks=[
            {
                "pick": p,
                "registration": registrations.get(p.registration_id),
                "organisation": organisations.get(
                    registrations[p.registration_id].organisation_id, ""
                )
                if p.registration_id in registrations
                else "",
                "inspector": names.get(p.inspector_id, str(p.inspector_id)),
                "inspection": inspections.get(p.registration_id),
                "visible": inspections.get(p.registration_id) is not None
                and inspections[p.registration_id].id in visible,
            }
            for p in picks
        ],
        candidates=[
            registrations[c].number if c in registrations else str(c) for c in row.candidates
        ],
        inspectors=[(i, names.get(i, str(i))) for i in row.inspectors],
        root_b64=base64.b64encode(bytes.fromhex(row.checkpoint_root)).decode(),
        body_literal=json.dumps(row.checkpoint.partition("\n\n")[0] + "\n"),
    )


# --- inspections ------------------------------------------------------------------------------


@router.get("/dataflow/inspections")
def inspections(web: WebPage) -> Response:
    principal = web.require()
    with web.read() as session:
        rows = service.list_inspections(session, principal=principal)
        registrations = _numbers(session, [i.registration_id for i in rows])
        organisations = _organisations(session, [i.organisation_id for i in rows])
        names = _names(session, [i.inspector_id for i in rows])
    return web.page(
        PAGES + "inspections.html",
        rows=[
            {
                "inspection": i,
                "registration": registrations.get(i.registration_id),
                "organisation": organisations.get(i.organisation_id, ""),
                "inspector": names.get(i.inspector_id, ""),
                "status": _label(web, INSPECTION_STATUSES, i.status),
                "mine": i.inspector_id == principal.user_id,
            }
            for i in rows
        ],
        sees_draws=_sees_draws(principal),
    )


def _inspection_page(
    web: Web, inspection_id: int, form: Form | None = None, *, status: int = 200, which: str = ""
) -> Response:
    principal = web.require()
    form = form or Form()
    with web.read() as session:
        inspection = service.get_inspection(
            session, principal=principal, inspection_id=inspection_id
        )
        registration = session.get(Registration, inspection.registration_id)
        organisation = session.get(Organisation, inspection.organisation_id)
        names = _names(session, [inspection.inspector_id])
    mine = inspection.inspector_id == principal.user_id
    return web.page(
        PAGES + "inspection.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        inspection=inspection,
        registration=registration,
        organisation=organisation,
        inspector=names.get(inspection.inspector_id, ""),
        status=_label(web, INSPECTION_STATUSES, inspection.status),
        records=mine and inspection.status == InspectionStatus.ASSIGNED,
        closes=mine and inspection.status != InspectionStatus.CLOSED,
        which=which,
    )


@router.get("/dataflow/inspections/{inspection_id}")
def inspection_page(web: WebPage, inspection_id: DbId) -> Response:
    return _inspection_page(web, inspection_id)


def _drawn_inspector(web: Web, session: Session, inspection_id: int) -> Principal:
    principal = web.require()
    inspection = service.get_inspection(session, principal=principal, inspection_id=inspection_id)
    if inspection.inspector_id != principal.user_id:
        raise Forbidden("only the inspector drawn for this inspection records it")
    return principal


@router.post("/dataflow/inspections/{inspection_id}/findings")
async def record_findings(web: WebPage, inspection_id: DbId) -> Response:
    with web.read() as session:
        principal = _drawn_inspector(web, session, inspection_id)
    form = Form(await web.form())
    findings = [line.strip() for line in form.get("findings").splitlines() if line.strip()]
    if not findings:
        form.error("findings", web._("Enter at least one finding, one a line"))
    elif len(findings) > 50 or any(len(f) > 2000 for f in findings):
        form.error("findings", web._("Enter up to 50 findings, each 2,000 characters or fewer"))
    days = _int(form.get("rectification_working_days"), 250)
    if days is None or days < 1:
        form.error(
            "rectification_working_days",
            web._("Enter the working days allowed to rectify, a whole number from 1 to 250"),
        )
    if form.ok:
        assert days is not None
        _, refusal = _change(
            web,
            lambda session: service.record_findings(
                session,
                principal=principal,
                inspection_id=inspection_id,
                findings=findings,
                rectification_working_days=days,
                today=web.today,
            ),
        )
        if isinstance(refusal, CalendarNotCovered):
            form.error(
                "rectification_working_days",
                web._(
                    "The working-day calendar does not cover the deadline's year yet, so the "
                    "deadline cannot be counted: nothing was changed"
                ),
            )
        elif refusal is not None:
            return web.redirect(f"/dataflow/inspections/{inspection_id}")
    if not form.ok:
        return _inspection_page(web, inspection_id, form, status=400, which="findings")
    return web.redirect(f"/dataflow/inspections/{inspection_id}")


@router.post("/dataflow/inspections/{inspection_id}/close")
async def close_inspection(web: WebPage, inspection_id: DbId) -> Response:
    with web.read() as session:
        principal = _drawn_inspector(web, session, inspection_id)
    form = Form(await web.form())
    note = form.get("note")
    if not note:
        form.error("note", web._("Say what was found or rectified"))
    elif len(note) > 4000:
        form.error("note", web._("The note must be 4,000 characters or fewer"))
    if form.ok:
        _, refusal = _change(
            web,
            lambda session: service.close_inspection(
                session,
                principal=principal,
                inspection_id=inspection_id,
                note=note,
                today=web.today,
            ),
        )
        if refusal is not None:
            return web.redirect(f"/dataflow/inspections/{inspection_id}")
    if not form.ok:
        return _inspection_page(web, inspection_id, form, status=400, which="close")
    return web.redirect(f"/dataflow/inspections/{inspection_id}")


# --- the public ledger ------------------------------------------------------------------------


@router.get("/ledger")
def ledger(web: WebPage) -> Response:
    with web.read() as session:
        latest = checkpoints.latest(session)
        size = ledger_log.head(session).size
    verifier = _verifier(web)
    return web.page(
        PAGES + "ledger.html",
        latest=latest,
        log_size=size,
        vkey=verifier.vkey if verifier else None,
        root_hex=latest.root_hex if latest else "",
    )


def _entry(check: ReceiptCheck) -> dict[str, Any]:
    """What the verified entry says: its kind and its body (now trusted: it is in the log)."""
    data = check.entry or b""
    tag, sep, payload = data.partition(b"\n")
    try:
        body = json.loads(payload) if sep else None
        text = json.dumps(body, ensure_ascii=False, indent=2) if body is not None else None
    except (ValueError, UnicodeDecodeError):
        text = None
    return {
        "kind": tag.decode("ascii", "replace") if sep else "raw",
        "body": text,
        "hex": data[:64].hex() if text is None else "",
    }


def _why(web: Web, why: str) -> str:
    for pattern, message in RECEIPT_PROBLEMS:
        if found := pattern.search(why):
            if "%(field)s" in message:
                return web._(message, field=found.groupdict().get("field") or "body")
            return web._(message)
    return web._("The receipt does not verify.")


def _verify_page(
    web: Web, form: Form | None = None, *, status: int = 200, result: dict[str, Any] | None = None
) -> Response:
    form = form or Form()
    verifier = _verifier(web)
    return web.page(
        PAGES + "verify.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        vkey=verifier.vkey if verifier else None,
        result=result,
    )


@router.get("/ledger/verify")
def verify_page(web: WebPage) -> Response:
    return _verify_page(web)


@router.post("/ledger/verify")
async def verify(web: WebPage) -> Response:
    data = await web.form()
    form = Form(data)
    raw = b""
    upload = data.get("receipt_file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(RECEIPT_MAX + 1)
        if len(raw) > RECEIPT_MAX:
            form.error("receipt_file", web._("The receipt file must be 1 MB or smaller"))
    pasted = form.lists.get("receipt_text", [""])[0]
    if not raw and pasted.strip():
        raw = pasted.strip().encode("utf-8")
        if len(raw) > RECEIPT_MAX:
            form.error("receipt_text", web._("The receipt must be 1 MB or smaller"))
    if not raw and form.ok:
        form.error("receipt_file", web._("Choose a receipt file, or paste the receipt below"))
    verifier = _verifier(web)
    if verifier is None and form.ok:
        form.error(
            "receipt_file",
            web._("This platform has no signing key configured, so no receipt can be checked here"),
        )
    if not form.ok:
        return _verify_page(web, form, status=400)
    assert verifier is not None
    check = verify_receipt(raw, verifier)
    result: dict[str, Any] = {"ok": check.ok, "why": check.why}
    if check.ok:
        result.update(index=check.index, size=check.size, origin=check.origin, entry=_entry(check))
    else:
        result["reason"] = _why(web, check.why)
    return _verify_page(web, Form(), result=result)


# --- the sections of a filing (last: their paths would catch the routes above) -------------------


@router.get("/dataflow/filings/{filing_id}/{slug}")
def section_page(web: WebPage, filing_id: DbId, slug: str) -> Response:
    section = _section(slug)
    principal = web.require()
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in _EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return _section_page(web, view, section)


@router.post("/dataflow/filings/{filing_id}/{slug}")
async def save_section(web: WebPage, filing_id: DbId, slug: str) -> Response:
    section = _section(slug)
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in _EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    changes = _read_section(web, form, section)
    if form.ok:
        _, refusal = _change(
            web,
            lambda session: service.update_filing(
                session,
                principal=principal,
                rules=_rules(),
                filing_id=filing_id,
                scenario=changes,
                today=web.today,
            ),
        )
        if refusal is not None:
            for problem in getattr(refusal, "problems", []) or []:
                if problem.field in section.facts:
                    form.error(problem.field, web._("Check this answer"))
            if form.ok:
                form.error(section.facts[0], web._("Check this answer"))
    if not form.ok:
        return _section_page(web, view, section, form, status=400)
    if form.get("action") == "later":
        return web.redirect("/dataflow")
    return web.redirect(f"/dataflow/filings/{filing_id}")
