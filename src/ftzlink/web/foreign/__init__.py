"""Pages of the foreign-investment services.

- Anyone: `/foreign/materials` (the materials a parent's place needs, as a task list with the
  authentication of each foreign document) and `/foreign/records/verify` (another authority
  checks a YRD recognition record, no account).
- The foreign enterprise's agent (an organisation member): `/foreign` (its offices, filings and
  correction cases), `/foreign/new` → check answers → confirmation, answering a return.
- The registrar: `/foreign` lists every filing; a filing's page returns it (with the materials
  missing), approves or rejects it.
Thin: every rule is in `ftzlink.foreign`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Response

from ftzlink.api.schemas import DbId
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    RecordRefused,
    RuleRefused,
)
from ftzlink.foreign import office_filings, records, service
from ftzlink.foreign import rules as r
from ftzlink.foreign.models import FilingKind, ForeignRules, bundled_foreign_rules
from ftzlink.ledger.keys import configured_signer, configured_verifier
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form

__all__ = ["REFUSALS", "material_rows", "router"]

router = APIRouter(include_in_schema=False)
PAGES = "pages/foreign/"
_PLACE = re.compile(r"^[A-Z]{2}$")
_REFERENCE = re.compile(r"^[A-Z0-9]{6,32}$")

# Why a filing was refused, by the rule's stable code (the article comes from the error).
REFUSALS = {
    "max_representatives": N_(
        "An office has one chief representative and at most 3 representatives."
    ),
    "barred_sentenced": N_(
        "A person sentenced for harming national security or the public interest may not be a representative."
    ),
    "barred_after_revocation": N_(
        "A representative of an office revoked or closed less than 5 years ago may not serve again."
    ),
    "parent_min_years": N_("The foreign enterprise must have existed for 2 years or more."),
    "no_profit_making": N_("A representative office may not carry on profit-making activity."),
    "scope_art_14": N_("The business scope may only contain the activities of Art. 14."),
    "name_form": N_(
        "The name must read: nationality + the enterprise's Chinese name + city + 代表处."
    ),
    "term_within_parent_existence": N_(
        "The residence term may not go beyond the foreign enterprise's existence."
    ),
}
# Where each refusal is shown on the form.
REFUSAL_FIELDS = {
    "max_representatives": "rep_1_name",
    "barred_sentenced": "chief_name",
    "barred_after_revocation": "chief_name",
    "parent_min_years": "parent_established_on",
    "no_profit_making": "scope",
    "scope_art_14": "scope",
    "name_form": "name",
    "term_within_parent_existence": "term_until",
}
RECORD_REASONS = {
    "outside_scheme": N_("The authority is not a participating authority of the scheme."),
    "revoked": N_("The record was revoked."),
    "expired": N_("The record has expired."),
    "bad_signature": N_("The record does not match its signature or its entry on the log."),
    "scheme_ended": N_("The scheme has ended."),
}
ROUTES = {
    "apostille": N_("Notarised and apostilled in the parent's state; no consular legalisation"),
    "legalisation": N_("Notarised, then legalised by the Chinese embassy or consulate"),
    "hong_kong": N_(
        "Notarised by a China-Appointed Attesting Officer, transmitted by China Legal Services (HK)"
    ),
    "macao": N_("Notarised in Macao under the current special arrangements"),
    "taiwan": N_("Notarised in Taiwan under the current special arrangements"),
}
FILED = {
    "establishment": N_("Establishment filed"),
    "change": N_("Change filed"),
    "filing": N_("Filed on record"),
    "annual_report": N_("Annual report filed"),
    "extension": N_("Extension applied for"),
    "deregistration": N_("Deregistration applied for"),
}
STATUSES = {
    "submitted": N_("Submitted"),
    "returned": N_("Returned"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}
KINDS = {
    "establishment": N_("Establishment"),
    "change": N_("Change"),
    "filing": N_("Filing"),
    "annual_report": N_("Annual report"),
    "extension": N_("Extension"),
    "deregistration": N_("Deregistration"),
}


def _rules() -> ForeignRules:
    return bundled_foreign_rules()


def _text(web: Web, item: Any) -> str:
    return str(item.zh if web.lang == "zh" else item.en)


def material_rows(
    web: Web, kind: FilingKind, place: str, on: dt.date, provided: list[str] | None = None
) -> list[dict[str, Any]]:
    rules = _rules()
    rows = []
    for m in r.materials_for(kind, place, rules, on=on):
        rows.append(
            {
                "code": m.material.code,
                "name": _text(web, m.material),
                "required": m.material.required,
                "route": web._(ROUTES[m.authentication]) if m.authentication else None,
                "incomplete": m.note == "apostille_list_incomplete",
                "cite": f"{m.material.source} {m.material.clause}",
                "provided": provided is not None and m.material.code in provided,
            }
        )
    return rows


def _places(web: Web) -> list[tuple[str, str]]:
    rules = _rules()
    listed = [(s.code, _text(web, s)) for s in rules.authentication.states_parties]
    regions = [(x.code, _text(web, x)) for x in rules.regions]
    return listed + regions


# --- public pages ------------------------------------------------------------------------------


@router.get("/foreign/materials")
def materials(web: WebPage, place: str = "") -> Response:
    code = place.strip().upper()
    form = Form({"place": code})
    rows: list[dict[str, Any]] = []
    if code and not _PLACE.match(code):
        form.error("place", web._("Enter a two-letter country code, for example FR, or HK, MO, TW"))
    elif code:
        rows = material_rows(web, FilingKind.ESTABLISHMENT, code, web.today)
    return web.page(
        PAGES + "materials.html",
        status_code=200 if form.ok else 400,
        errors=form.errors,
        values=form.values,
        place=code,
        place_label=r.place_label(code, _rules(), web.lang) if code and form.ok else "",
        rows=rows,
        places=_places(web),
    )


@router.get("/foreign/records/verify")
def verify_record(web: WebPage, reference: str = "", authority: str = "") -> Response:
    rules = _rules()
    form = Form({"reference": reference.strip().upper(), "authority": authority})
    result: dict[str, Any] | None = None
    if reference or authority:
        if not _REFERENCE.match(form.get("reference")):
            form.error(
                "reference", web._("Enter the record's reference, for example YRD20260915A1B2C3D4")
            )
        if not authority:
            form.error("authority", web._("Choose the authority checking the record"))
    if form.ok and reference:
        try:
            with web.read() as session:
                check = records.verify_record(
                    session,
                    rules=rules,
                    verifier=configured_verifier(web.settings),
                    reference=form.get("reference"),
                    authority=authority,
                    today=web.today,
                )
                result = {"ok": True, "record": check.record, "check": check}
        except RecordRefused as error:
            result = {
                "ok": False,
                "reason": web._(RECORD_REASONS[error.reason]),
                "code": error.reason,
            }
        except NotFound:  # shown on the form, not as a 404 page
            form.error("reference", web._("There is no record with this reference"))
    authorities = [(a.code, _text(web, a)) for a in rules.recognition.authorities]
    authorities.append(("other", web._("Another authority")))
    return web.page(
        PAGES + "verify.html",
        status_code=200 if form.ok else 400,
        errors=form.errors,
        values=form.values,
        result=result,
        authorities=authorities,
        scheme=rules.recognition,
    )


# --- the agent's and the registrar's pages ------------------------------------------------------


@router.get("/foreign")
def dashboard(web: WebPage) -> Response:
    principal = web.require()
    with web.read() as session:
        filings = service.list_filings(session, principal=principal)
        offices = service.list_offices(session, principal=principal)
        corrections = service.list_corrections(session, principal=principal)
    return web.page(
        PAGES + "index.html",
        filings=filings,
        offices=offices,
        corrections=corrections,
        registrar=service.can_decide(principal),
        can_file=bool(principal.member_of()),
        kinds=KINDS,
        statuses=STATUSES,
        correction_statuses=CORRECTION_STATUSES,
    )


OFFICE_STATUSES = {"registered": N_("Registered"), "deregistered": N_("Deregistered")}
CORRECTION_STATUSES = {"open": N_("Open"), "corrected": N_("Corrected")}
REMINDER_KINDS = {
    "annual_report": N_("Annual report (1 March to 30 June)"),
    "term_end": N_("The residence term ends: apply for an extension"),
}


@router.get("/foreign/offices/{office_id}")
def office_page(web: WebPage, office_id: DbId) -> Response:
    """The office as its agent and the registrar see it: what the agent may file today (and
    why not the rest), its filings, its certificates (live and voided), the correction cases with
    their deadlines, the reminders sent."""
    from ftzlink.certificates.foreign import office_certificates
    from ftzlink.web.foreign.offices import ACTION_LINKS, action_hint

    principal = web.require()
    with web.read() as session:
        office = service.get_office(session, principal=principal, office_id=office_id)
        actions = office_filings.office_actions(
            session, principal=principal, rules=_rules(), office=office, today=web.today
        )
        filings = [
            f
            for f in service.list_filings(session, principal=principal)
            if f.office_id == office.id
        ]
        certificates = office_certificates(session, office.id)
        corrections = [
            c
            for c in service.list_corrections(session, principal=principal)
            if c.office_id == office.id
        ]
        reminders = [
            m
            for m in service.list_reminders(session, principal=principal)
            if m.office_id == office.id
        ]
    return web.page(
        PAGES + "office.html",
        office=office,
        actions=[(a, web._(ACTION_LINKS[a.kind]), action_hint(web, a)) for a in actions],
        filings=filings,
        kinds=KINDS,
        statuses=STATUSES,
        certificates=certificates,
        corrections=corrections,
        open_corrections=[c for c in corrections if c.status == "open"],
        reminders=reminders,
        office_statuses=OFFICE_STATUSES,
        correction_statuses=CORRECTION_STATUSES,
        reminder_kinds=REMINDER_KINDS,
    )


FIELDS = (
    "parent_name",
    "parent_nationality",
    "parent_jurisdiction",
    "parent_established_on",
    "parent_existence_until",
    "city",
    "premises",
    "name",
    "chief_name",
    "chief_document",
    "term_until",
)


def _day(form: Form, name: str, web: Web, *, optional: bool = False) -> dt.date | None:
    text = form.get(name)
    if not text and optional:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        form.error(name, web._("Enter a date like 2026-03-02"))
        return None


def _read_establishment(web: Web, form: Form) -> dict[str, Any] | None:
    """The particulars from the form, or None with the errors on the form."""
    for name in (
        "parent_name",
        "parent_nationality",
        "city",
        "premises",
        "name",
        "chief_name",
        "chief_document",
    ):
        if not form.get(name):
            form.error(name, web._("Answer this question"))
        elif len(form.get(name)) > 200:
            form.error(name, web._("Enter 200 characters or fewer"))
    place = form.get("parent_jurisdiction").upper()
    if not _PLACE.match(place):
        form.error(
            "parent_jurisdiction",
            web._("Enter a two-letter country code, for example FR, or HK, MO, TW"),
        )
    established = _day(form, "parent_established_on", web)
    until = _day(form, "parent_existence_until", web, optional=True)
    term = _day(form, "term_until", web)
    scope = form.getlist("scope")
    if not scope:
        form.error("scope", web._("Choose at least one activity"))
    representatives = []
    for i in (1, 2, 3, 4):
        name, document = form.get(f"rep_{i}_name"), form.get(f"rep_{i}_document")
        if name or document:
            if not (name and document):
                form.error(
                    f"rep_{i}_name", web._("Give the representative's name and document number")
                )
            representatives.append({"name": name[:200], "document": document[:64]})
    if not form.ok:
        return None
    return {
        "name": form.get("name"),
        "parent_name": form.get("parent_name"),
        "parent_nationality": form.get("parent_nationality"),
        "parent_jurisdiction": place,
        "parent_established_on": established.isoformat() if established else None,
        "parent_existence_until": until.isoformat() if until else None,
        "city": form.get("city"),
        "premises": form.get("premises"),
        "scope": scope,
        "profit_making": form.get("profit_making") == "yes",
        "chief": {"name": form.get("chief_name"), "document": form.get("chief_document")[:64]},
        "representatives": representatives,
        "term_until": term.isoformat() if term else None,
    }


def _new_page(web: Web, form: Form, status: int = 200) -> Response:
    web.require()
    rules = _rules()
    return web.page(
        PAGES + "new.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        lists=form.lists,
        activities=[(a.code, _text(web, a)) for a in rules.activities],
    )


def _refusal(web: Web, form: Form, error: RuleRefused) -> None:
    message = web._(REFUSALS[error.rule]) if error.rule in REFUSALS else str(error)
    form.error(
        REFUSAL_FIELDS.get(error.rule, "name"), f"{message} ({error.source} {error.article})"
    )


@router.get("/foreign/new")
def new_establishment(web: WebPage) -> Response:
    principal = web.require()
    if not principal.member_of():
        raise Forbidden("only the foreign enterprise or its agent files for an office")
    return _new_page(web, Form({"city": "上海"}))


@router.post("/foreign/new")
async def check_establishment(web: WebPage) -> Response:
    """Check answers: the rules are applied now, so a refusal comes back on the form."""
    web.require()
    form = Form(await web.form())
    particulars = _read_establishment(web, form)
    if particulars is not None:
        try:
            r.check_establishment(service.particulars_from(particulars), _rules(), on=web.today)
        except RuleRefused as error:
            _refusal(web, form, error)
    if particulars is None or not form.ok:
        return _new_page(web, form, 400)
    place = particulars["parent_jurisdiction"]
    rows = material_rows(web, FilingKind.ESTABLISHMENT, place, web.today)
    web.replay = True  # checking the answers stores nothing
    names = {a.code: _text(web, a) for a in _rules().activities}
    return web.page(
        PAGES + "check.html",
        values=form.values,
        lists=form.lists,
        particulars=particulars,
        place_label=r.place_label(place, _rules(), web.lang),
        rows=rows,
        material_options=[(row["code"], row["name"]) for row in rows],
        scope_text="; ".join(names.get(code, code) for code in particulars["scope"]),
    )


@router.post("/foreign/new/edit")
async def edit_establishment(web: WebPage) -> Response:
    """Back from check answers to the form, every answer kept."""
    form = Form(await web.form())
    web.replay = True
    return _new_page(web, form)


@router.post("/foreign/new/confirm")
async def file_establishment(web: WebPage) -> Response:
    principal = web.require()
    form = Form(await web.form())
    particulars = _read_establishment(web, form)
    if particulars is None:
        return _new_page(web, form, 400)
    try:
        with web.write() as session:
            filing = service.file_establishment(
                session,
                principal=principal,
                rules=_rules(),
                organisation_id=sorted(principal.member_of())[0],
                particulars=particulars,
                materials=form.getlist("materials"),
                today=web.today,
            )
            filing_id = filing.id
    except RuleRefused as error:
        _refusal(web, form, error)
        return _new_page(web, form, 400)
    return web.redirect(f"/foreign/filings/{filing_id}/confirmation")


@router.get("/foreign/filings/{filing_id}/confirmation")
def confirmation(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        filing = service.get_filing(session, principal=principal, filing_id=filing_id)
    return web.page(PAGES + "confirmation.html", filing=filing, filed=FILED[filing.kind])


def _filing_page(web: Web, filing_id: int, form: Form | None = None, status: int = 200) -> Response:
    from ftzlink.web.foreign.offices import filed_items

    principal = web.require()
    rules = _rules()
    with web.read() as session:
        view = service.filing_view(
            session, principal=principal, rules=rules, filing_id=filing_id, lang=web.lang
        )
        office = (
            service.get_office(session, principal=principal, office_id=view.filing.office_id)
            if view.filing.office_id
            else None
        )
    filing = view.filing
    place = filing.particulars.get("parent_jurisdiction") or (
        office.parent_jurisdiction if office else ""
    )
    rows = material_rows(
        web, FilingKind(filing.kind), str(place), filing.submitted_on, filing.materials
    )
    return web.page(
        PAGES + "filing.html",
        status_code=status,
        errors=form.errors if form else [],
        filing=filing,
        view=view,
        office=office,
        filed=filed_items(web, filing),
        rows=rows,
        material_options=[(row["code"], row["name"]) for row in rows],
        missing_options=[(row["code"], row["name"]) for row in rows if row["code"] in view.missing],
        registrar=service.can_decide(principal),
        filer=filing.organisation_id in principal.member_of(),
        kinds=KINDS,
        statuses=STATUSES,
        certificate=service.registration_certificate_facts(office, rules) if office else None,
    )


@router.get("/foreign/filings/{filing_id}")
def filing_page(web: WebPage, filing_id: DbId) -> Response:
    return _filing_page(web, filing_id)


@router.post("/foreign/filings/{filing_id}/decide")
async def decide(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    action = form.get("action")
    rules = _rules()
    try:
        with web.write() as session:
            if action == "approve":
                service.approve_filing(
                    session,
                    principal=principal,
                    rules=rules,
                    filing_id=filing_id,
                    today=web.today,
                    signer=configured_signer(web.settings),
                )
            elif action == "return":
                reasons = [x.strip() for x in form.get("reasons").splitlines() if x.strip()][:20]
                service.return_filing(
                    session,
                    principal=principal,
                    rules=rules,
                    filing_id=filing_id,
                    reasons=[x[:1000] for x in reasons],
                    missing=form.getlist("missing"),
                    today=web.today,
                )
            elif action == "reject":
                service.reject_filing(
                    session,
                    principal=principal,
                    filing_id=filing_id,
                    reason=form.get("reason")[:2000],
                    today=web.today,
                )
            else:
                form.error("action", web._("Choose a decision"))
    except InvalidTransition:
        return web.redirect(f"/foreign/filings/{filing_id}")
    except (InvalidInput, RuleRefused) as error:
        field = "missing" if action == "return" else ("reason" if action == "reject" else "action")
        if isinstance(error, RuleRefused):
            message = web._(REFUSALS.get(error.rule, str(error)))
        elif action == "approve":
            message = web._("Materials are missing: return the filing for them")
        else:
            message = web._("Give a reason or choose the materials missing")
        form.error(field, message)
    if not form.ok:
        return _filing_page(web, filing_id, form, 400)
    return web.redirect(f"/foreign/filings/{filing_id}")


@router.post("/foreign/filings/{filing_id}/answer")
async def answer(web: WebPage, filing_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    chosen = form.getlist("materials")
    if not chosen:
        form.error("materials", web._("Choose the materials you now provide"))
    else:
        try:
            with web.write() as session:
                service.answer_filing(
                    session,
                    principal=principal,
                    rules=_rules(),
                    filing_id=filing_id,
                    materials=chosen,
                    today=web.today,
                )
        except InvalidTransition:
            return web.redirect(f"/foreign/filings/{filing_id}")
        except (InvalidInput, Conflict):
            form.error("materials", web._("Choose the materials you now provide"))
    if not form.ok:
        return _filing_page(web, filing_id, form, 400)
    return web.redirect(f"/foreign/filings/{filing_id}")
