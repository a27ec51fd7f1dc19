"""Pages: electronic port visa invitations. Members of an organisation see its registration as an
inviting unit and apply for one, issue invitations and print the letter; exit-entry officers
approve, refuse and revoke registrations; anyone checks an invitation by its code.

The verification code is shown once: issuing redirects to the letter with the code in a short-
lived cookie scoped to that letter's address, so that the letter can be printed (or reloaded)
right away; afterwards the letter says the code was shown at issue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.api.deps import client_of
from ftzlink.auth.principal import Principal
from ftzlink.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import invitations as service
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.invitation_tables import Invitation, UnitStatus
from ftzlink.talent.privacy import mask_passport
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGES = "pages/invitations/"
CODE_COOKIE = "ftzlink_invitation_code"
CODE_SECONDS = 15 * 60

STATUSES = {
    UnitStatus.PENDING.value: (N_("Pending"), "returned"),
    UnitStatus.APPROVED.value: (N_("Approved"), "approved"),
    UnitStatus.REFUSED.value: (N_("Refused"), "refused"),
    UnitStatus.REVOKED.value: (N_("Revoked"), "rejected"),
}

REASONS = {
    "inviter_not_registered": N_(
        "Your organisation is not registered as an inviting unit. Apply to register it first."
    ),
    "inviter_pending": N_(
        "Your organisation's registration as an inviting unit has not been approved yet."
    ),
    "inviter_revoked": N_("Your organisation's registration as an inviting unit was revoked."),
    "inviter_expired": N_("Your organisation's registration as an inviting unit has expired."),
}

# Where a domain problem's field is shown on the page.
INVITE_FIELDS = {
    "invitee_name": "invitee_name",
    "nationality": "nationality",
    "passport_number": "passport_number",
    "date_of_birth": "date_of_birth",
    "activity": "activity",
    "visa_type": "visa_type",
    "purpose": "purpose",
    "planned_entry_on": "planned_entry_on",
}


def _status(web: Web, status: str) -> dict[str, str]:
    label, css = STATUSES.get(status, (status, "draft"))
    return {"label": web._(label), "css": css}


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _organisations(session: Session, principal: Principal) -> list[Organisation]:
    return service.member_organisations(session, principal=principal)


_is_officer = talent_permissions.decides_inviting_units


def _rules_values(web: Web) -> dict[str, Any]:
    rules = service.bundled_port_visa_rules()
    return {
        "rules": rules,
        "visa_types": [(c.id, c.label.get(web.lang)) for c in rules.visa_types.choices],
        "activities": [(c.id, c.label.get(web.lang)) for c in rules.activities.choices],
        "citation": rules.source(rules.terms.citation.source),
    }


# --- members: the registration and the invitations ---------------------------------------------


@router.get("/invitations")
def dashboard(web: WebPage) -> Response:
    principal = web.require()
    if talent_permissions.filing_employer(principal) is None:
        if _is_officer(principal):
            return web.redirect("/invitations/units")
        raise NotFound("port visa invitations are for members of an organisation")
    with web.read() as session:
        orgs = _organisations(session, principal)
        units, _ = service.list_units(session, principal=principal, limit=200)
        standing: list[dict[str, Any]] = []
        for org in orgs:
            latest = next((u for u in units if u.organisation_id == org.id), None)
            try:
                service.inviter_standing(session, organisation_id=org.id, on=web.today)
                may_invite, reason = True, None
            except service.InviterNotApproved as refusal:
                may_invite, reason = False, web._(REASONS[refusal.code])
            standing.append(
                {
                    "org": org,
                    "unit": latest,
                    "status": _status(web, latest.status) if latest else None,
                    "may_invite": may_invite,
                    "reason": reason,
                    "may_apply": latest is None
                    or latest.status in (UnitStatus.REFUSED.value, UnitStatus.REVOKED.value)
                    or (latest.valid_until is not None and latest.valid_until < web.today),
                }
            )
        rows, total = service.list_invitations(session, principal=principal, limit=200)
        names = {o.id: o.name_in(web.lang) for o in orgs}
    return web.page(
        PAGES + "dashboard.html",
        standing=standing,
        invitations=rows,
        total=total,
        names=names,
        mask=mask_passport,
    )


def _apply_page(web: Web, orgs: list[Organisation], form: Form, status: int = 200) -> Response:
    return web.page(
        PAGES + "apply.html",
        status_code=status,
        orgs=[(str(o.id), o.name_in(web.lang)) for o in orgs],
        errors=form.errors,
        values=form.values,
    )


@router.get("/invitations/apply")
def apply_page(web: WebPage) -> Response:
    principal = web.require()
    with web.read() as session:
        orgs = _organisations(session, principal)
    if not orgs:
        raise NotFound("only members of an organisation apply")
    return _apply_page(web, orgs, Form())


@router.post("/invitations/apply")
async def apply(web: WebPage) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        orgs = _organisations(session, principal)
    if not orgs:
        raise NotFound("only members of an organisation apply")
    chosen = form.get("organisation_id") or str(orgs[0].id)
    if chosen not in {str(o.id) for o in orgs}:
        form.error("organisation_id", web._("Select the organisation"))
    checks = (
        ("contact_name", 200, N_("Enter the name of a contact person")),
        ("contact_phone", 40, N_("Enter a contact phone number")),
        ("statement", 2000, N_("Say why the organisation invites foreign guests")),
    )
    for name, limit, message in checks:
        if not form.get(name) or len(form.get(name)) > limit:
            form.error(name, web._(message))
    if form.ok:
        try:
            with web.write() as session:
                service.apply(
                    session,
                    principal=principal,
                    organisation_id=int(chosen),
                    contact_name=form.get("contact_name"),
                    contact_phone=form.get("contact_phone"),
                    statement=form.get("statement"),
                    today=web.today,
                )
            return web.redirect("/invitations")
        except InvalidInput as error:
            for problem in error.problems:
                form.error(problem.field or "contact_name", web._("Check this answer"))
        except Conflict:
            form.error(
                "organisation_id",
                web._("The organisation already has a registration that is pending or approved"),
            )
    return _apply_page(web, orgs, form, status=400)


def _new_page(web: Web, orgs: list[Organisation], form: Form, status: int = 200) -> Response:
    return web.page(
        PAGES + "new.html",
        status_code=status,
        orgs=[(str(o.id), o.name_in(web.lang)) for o in orgs],
        errors=form.errors,
        values=form.values,
        latest_entry=web.today
        + dt.timedelta(days=service.bundled_port_visa_rules().terms.enter_within_days),
        **_rules_values(web),
    )


@router.get("/invitations/new")
def new_page(web: WebPage) -> Response:
    principal = web.require()
    with web.read() as session:
        orgs = _organisations(session, principal)
    if not orgs:
        raise NotFound("only members of an organisation invite")
    return _new_page(web, orgs, Form())


@router.post("/invitations/new")
async def issue(web: WebPage) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        orgs = _organisations(session, principal)
    if not orgs:
        raise NotFound("only members of an organisation invite")
    chosen = form.get("organisation_id") or str(orgs[0].id)
    if chosen not in {str(o.id) for o in orgs}:
        form.error("organisation_id", web._("Select the organisation"))
    messages = {
        "invitee_name": N_("Enter the invitee's name as in the passport"),
        "nationality": N_("Select the invitee's nationality"),
        "passport_number": N_("Enter the passport number: 5 to 20 letters and digits"),
        "date_of_birth": N_("Enter the date of birth as a date in the past, like 1980-04-02"),
        "activity": N_("Select the activity"),
        "visa_type": N_("Select the visa type"),
        "purpose": N_("Describe the purpose of the visit"),
        "planned_entry_on": N_("Enter a planned entry date from today to the latest entry date"),
    }
    born, entry = _day(form.get("date_of_birth")), _day(form.get("planned_entry_on"))
    for name in messages:
        if not form.get(name):
            form.error(name, web._(messages[name]))
    for name, parsed in (("date_of_birth", born), ("planned_entry_on", entry)):
        if parsed is None:
            message = messages[name]
            form.error(name, web._(message))
    if form.ok and born is not None and entry is not None:
        try:
            with web.write() as session:
                issued = service.issue(
                    session,
                    principal=principal,
                    organisation_id=int(chosen),
                    invitee_name=form.get("invitee_name"),
                    nationality=form.get("nationality"),
                    passport_number=form.get("passport_number"),
                    date_of_birth=born,
                    activity=form.get("activity"),
                    purpose=form.get("purpose"),
                    visa_type=form.get("visa_type"),
                    planned_entry_on=entry,
                    today=web.today,
                )
                invitation_id, code = issued.invitation.id, issued.code
            response = web.redirect(f"/invitations/{invitation_id}")
            response.set_cookie(
                CODE_COOKIE,
                f"{invitation_id}.{code}",
                max_age=CODE_SECONDS,
                httponly=True,
                secure=web.secure_cookie(),
                samesite="strict",
                path=f"/invitations/{invitation_id}",
            )
            return response
        except InvalidInput as error:
            for problem in error.problems:
                name = INVITE_FIELDS.get(problem.field or "", "invitee_name")
                message = messages[name]
                form.error(name, web._(message))
        except service.InviterNotApproved as refusal:
            form.error("organisation_id", web._(REASONS[refusal.code]))
    return _new_page(web, orgs, form, status=400)


@router.get("/invitations/{invitation_id:int}")
def letter(web: WebPage, invitation_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        shown = service.letter(session, principal=principal, invitation_id=invitation_id)
    invitation, organisation, unit = shown.invitation, shown.organisation, shown.unit
    code = None
    remembered = web.request.cookies.get(CODE_COOKIE, "")
    owner, _, secret = remembered.partition(".")
    if owner == str(invitation.id) and secret:
        code = service.format_code(secret)
    full = shown.full_passport
    return web.page(
        PAGES + "letter.html",
        invitation=invitation,
        organisation=organisation,
        unit=unit,
        code=code,
        passport=invitation.passport_number if full else mask_passport(invitation.passport_number),
        nationality=service.country_name(invitation.nationality, web.lang),
        **_rules_values(web),
    )


# --- exit-entry officers: the registry ----------------------------------------------------------


def _require_officer(web: Web) -> Principal:
    principal = web.require()
    if not _is_officer(principal):
        raise NotFound("the registry is for exit-entry officers")
    return principal


@router.get("/invitations/units")
def units(web: WebPage, status: str = "") -> Response:
    principal = _require_officer(web)
    if status not in STATUSES:
        status = ""
    with web.read() as session:
        rows, total = service.list_units(
            session, principal=principal, status=status or None, limit=200
        )
        names = service.organisation_names(
            session, principal=principal, ids={u.organisation_id for u in rows}, lang=web.lang
        )
    rows.sort(key=lambda u: (u.status != UnitStatus.PENDING.value, -u.id))
    return web.page(
        PAGES + "units.html",
        rows=[
            {"unit": u, "name": names.get(u.organisation_id, ""), "status": _status(web, u.status)}
            for u in rows
        ],
        total=total,
        statuses=[("", web._("All"))] + [(k, web._(v[0])) for k, v in STATUSES.items()],
        values={"status": status},
    )


def _unit_page(
    web: Web, principal: Principal, unit_id: int, form: Form | None = None, status: int = 200
) -> Response:
    form = form or Form()
    with web.read() as session:
        view = service.unit_view(session, principal=principal, unit_id=unit_id)
    unit, organisation, events, count = view.unit, view.organisation, view.events, view.invitations
    return web.page(
        PAGES + "unit.html",
        status_code=status,
        unit=unit,
        organisation=organisation,
        events=events,
        invitations=count,
        status=_status(web, unit.status),
        errors=form.errors,
        values=form.values,
        actions={
            "apply": web._("Applied"),
            "approve": web._("Approved"),
            "refuse": web._("Refused"),
            "revoke": web._("Revoked"),
        },
    )


@router.get("/invitations/units/{unit_id:int}")
def unit_page(web: WebPage, unit_id: int) -> Response:
    principal = _require_officer(web)
    return _unit_page(web, principal, unit_id)


@router.post("/invitations/units/{unit_id:int}/{action}")
async def decide(web: WebPage, unit_id: int, action: str) -> Response:
    principal = _require_officer(web)
    if action not in ("approve", "refuse", "revoke"):
        raise NotFound(f"no action {action}")
    form = Form(await web.form())
    field = "valid_until" if action == "approve" else f"{action}_reason"
    until = _day(form.get("valid_until")) if action == "approve" else None
    if action == "approve" and until is None:
        form.error(field, web._("Enter the last day of validity as a date, like 2026-12-31"))
    elif action != "approve" and not form.get(field):
        form.error(field, web._("Enter the reason"))
    if form.ok:
        try:
            with web.write() as session:
                if action == "approve":
                    assert until is not None
                    service.approve(
                        session,
                        principal=principal,
                        unit_id=unit_id,
                        valid_until=until,
                        today=web.today,
                    )
                elif action == "refuse":
                    service.refuse(
                        session,
                        principal=principal,
                        unit_id=unit_id,
                        reason=form.get(field),
                        today=web.today,
                    )
                else:
                    service.revoke(
                        session,
                        principal=principal,
                        unit_id=unit_id,
                        reason=form.get(field),
                        today=web.today,
                    )
            return web.redirect(f"/invitations/units/{unit_id}")
        except InvalidInput:
            form.error(
                field,
                web._("The last day of validity must be today or later")
                if action == "approve"
                else web._("Enter the reason"),
            )
        except (Conflict, Forbidden):
            form.error(field, web._("This cannot be done in the registration's current state."))
    return _unit_page(web, principal, unit_id, form, status=400)


# --- anyone: checking an invitation by its code -------------------------------------------------


@router.get("/invitations/check")
def check_page(web: WebPage) -> Response:
    return web.page(PAGES + "check.html", result=None, checked=False)


@router.post("/invitations/check")
async def check(web: WebPage) -> Response:
    form = Form(await web.form())
    code = form.get("code")
    if not code:
        form.error("code", web._("Enter the verification code from the invitation letter"))
        return web.page(
            PAGES + "check.html", status_code=400, errors=form.errors, result=None, checked=False
        )
    web.replay = True  # a check: shown again in the other language
    with web.read() as session:
        try:
            found = service.check_for_anyone(
                session,
                code=code,
                today=web.today,
                client=client_of(web.request, web.settings),
                guesses=web.services.invitation_checks,
            )
        except RateLimited as refused:
            form.error(
                "code",
                web._(
                    "Too many codes from here matched no invitation. Try again in %(minutes)s "
                    "minutes.",
                    minutes=max(1, -(-refused.retry_after // 60)),
                ),
            )
            return web.page(
                PAGES + "check.html",
                status_code=429,
                errors=form.errors,
                values=form.values,
                result=None,
                checked=False,
            )
        result: dict[str, Any] | None = None
        if found is not None:
            i: Invitation = found.invitation
            result = {
                "invitation": i,
                "inviter": found.organisation.name_in(web.lang),
                "passport": mask_passport(i.passport_number),
                "nationality": service.country_name(i.nationality, web.lang),
                "visa_type": service.bundled_port_visa_rules().visa_types.label(
                    i.visa_type, web.lang
                ),
                "activity": service.bundled_port_visa_rules().activities.label(
                    i.activity, web.lang
                ),
                "within": found.within_entry_period,
                "revoked_on": found.inviter_revoked_on,
            }
    return web.page(PAGES + "check.html", result=result, checked=True, values={})
