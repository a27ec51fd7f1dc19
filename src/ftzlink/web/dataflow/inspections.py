"""Spot checks (signing a checkpoint, drawing, recomputing a draw) and the inspections drawn: findings
with a rectification deadline, and closure.
"""

from __future__ import annotations

import base64
import json

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.dataflow import draws as draw_service
from ftzlink.dataflow import inspections as inspection_service
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow import validation as limits
from ftzlink.errors import (
    CalendarNotCovered,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from ftzlink.ledger import checkpoints
from ftzlink.ledger import log as ledger_log
from ftzlink.web import forms
from ftzlink.web.context import Web, WebPage
from ftzlink.web.dataflow.common import (
    DRAW_REFUSALS,
    INSPECTION_STATUSES,
    PAGES,
    REFUSALS,
    DbId,
    _label,
    _text,
)
from ftzlink.web.forms import Form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# --- spot checks --------------------------------------------------------------------------------


def _draws_page(
    web: Web, form: Form | None = None, *, status: int = 200, signed: bool = False
) -> Response:
    principal = web.require()
    if not perm.sees_draws(principal):
        raise Forbidden("the spot checks are for data regulators and inspectors")
    form = form or Form()
    with web.read() as session:
        latest = checkpoints.latest(session)
        size = ledger_log.head(session).size
        draws = draw_service.list_draws(session, principal=principal)
    return web.page(
        PAGES + "draws.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        latest=latest,
        log_size=size,
        draws=draws,
        regulator=perm.is_regulator(principal),
        signed=signed,
    )


@router.get("/dataflow/draws")
def draws(web: WebPage, signed: int = 0) -> Response:
    return _draws_page(web, signed=bool(signed))


@router.post("/dataflow/checkpoints")
async def sign_checkpoint(web: WebPage) -> Response:
    principal = web.require()
    if not perm.can_sign_checkpoint(principal):
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
    if not perm.can_draw_spot_checks(principal):
        raise Forbidden("only a data regulator draws spot checks")
    form = Form(await web.form())
    count = forms.parse_int(form.get("count"), limits.DRAW_MAX)
    if count is None or limits.draw_count_problems(count):
        form.error(
            "count",
            web._(
                "Enter how many to draw, a whole number from 1 to %(most)s",
                most=f"{limits.DRAW_MAX:,}",
            ),
        )
    drawn, refused = None, False
    if form.ok:
        assert count is not None
        drawn, refusal = forms.change(
            web,
            lambda session: draw_service.draw_spot_checks(
                session, principal=principal, count=count, today=web.today
            ),
            refusals=REFUSALS,
        )
        refused = refusal is not None
        if refusal is not None:
            form.error("count", web._(DRAW_REFUSALS.get(refusal.code, DRAW_REFUSALS["conflict"])))
    if drawn is None:
        return _draws_page(web, form, status=409 if refused else 400)
    return web.redirect(f"/dataflow/draws/{drawn.id}")


@router.get("/dataflow/draws/{draw_id}")
def draw_page(web: WebPage, draw_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = draw_service.draw_view(session, principal=principal, draw_id=draw_id)
    row, seed, picks, same, visible = view.draw, view.seed, view.picks, view.same, view.visible
    inspections, registrations = view.inspections, view.registrations
    organisations, names = view.organisations, view.inspectors
    return web.page(
        PAGES + "draw.html",
        draw=row,
        seed=seed,
        same=same,
        picks=[
            {
                "pick": p,
                "registration": registrations.get(p.registration_id),
                "organisation": _text(
                    web, organisations.get(registrations[p.registration_id].organisation_id)
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
        listed = inspection_service.inspection_list(session, principal=principal)
    rows, registrations = listed.inspections, listed.registrations
    organisations, names = listed.organisations, listed.inspectors
    return web.page(
        PAGES + "inspections.html",
        rows=[
            {
                "inspection": i,
                "registration": registrations.get(i.registration_id),
                "organisation": _text(web, organisations.get(i.organisation_id)),
                "inspector": names.get(i.inspector_id, ""),
                "status": _label(web, INSPECTION_STATUSES, i.status),
                "mine": i.inspector_id == principal.user_id,
            }
            for i in rows
        ],
        sees_draws=perm.sees_draws(principal),
    )


def _inspection_page(
    web: Web, inspection_id: int, form: Form | None = None, *, status: int = 200, which: str = ""
) -> Response:
    principal = web.require()
    form = form or Form()
    with web.read() as session:
        view = inspection_service.inspection_view(
            session, principal=principal, inspection_id=inspection_id
        )
    inspection = view.inspection
    return web.page(
        PAGES + "inspection.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        inspection=inspection,
        registration=view.registration,
        organisation=view.organisation,
        inspector=view.inspector,
        status=_label(web, INSPECTION_STATUSES, inspection.status),
        records=perm.can_record_findings(principal, inspection),
        closes=perm.can_close_inspection(principal, inspection),
        which=which,
    )


@router.get("/dataflow/inspections/{inspection_id}")
def inspection_page(web: WebPage, inspection_id: DbId) -> Response:
    return _inspection_page(web, inspection_id)


def _drawn_inspector(web: Web, session: Session, inspection_id: int) -> Principal:
    principal = web.require()
    inspection = inspection_service.get_inspection(
        session, principal=principal, inspection_id=inspection_id
    )
    if not perm.is_drawn_inspector(principal, inspection):
        raise Forbidden("only the inspector drawn for this inspection records it")
    return principal


@router.post("/dataflow/inspections/{inspection_id}/findings")
async def record_findings(web: WebPage, inspection_id: DbId) -> Response:
    with web.read() as session:
        principal = _drawn_inspector(web, session, inspection_id)
    form = Form(await web.form())
    findings = limits.lines(form.get("findings").splitlines())
    days = forms.parse_int(form.get("rectification_working_days"), limits.RECTIFICATION_DAYS_MAX)
    problems = {p.field for p in limits.findings_problems(findings, days or 0)}
    if not findings:
        form.error("findings", web._("Enter at least one finding, one a line"))
    elif "findings" in problems:
        form.error(
            "findings",
            web._(
                "Enter up to %(most)s findings, each %(chars)s characters or fewer",
                most=limits.FINDINGS_MAX,
                chars=f"{limits.FINDING_CHARS:,}",
            ),
        )
    if days is None or "rectification_working_days" in problems:
        form.error(
            "rectification_working_days",
            web._("Enter the working days allowed to rectify, a whole number from 1 to 250"),
        )
    if form.ok:
        assert days is not None
        _, refusal = forms.change(
            web,
            lambda session: inspection_service.record_findings(
                session,
                principal=principal,
                inspection_id=inspection_id,
                findings=findings,
                rectification_working_days=days,
                today=web.today,
            ),
            refusals=REFUSALS,
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
    elif limits.note_problems(note):
        form.error(
            "note",
            web._(
                "The note must be %(chars)s characters or fewer",
                chars=f"{limits.NOTE_CHARS:,}",
            ),
        )
    if form.ok:
        _, refusal = forms.change(
            web,
            lambda session: inspection_service.close_inspection(
                session,
                principal=principal,
                inspection_id=inspection_id,
                note=note,
                today=web.today,
            ),
            refusals=REFUSALS,
        )
        if refusal is not None:
            return web.redirect(f"/dataflow/inspections/{inspection_id}")
    if not form.ok:
        return _inspection_page(web, inspection_id, form, status=400, which="close")
    return web.redirect(f"/dataflow/inspections/{inspection_id}")
