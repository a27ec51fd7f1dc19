"""Registrations, reporting a transfer (once per form), each transfer and its receipt."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ftzlink import idempotency
from ftzlink.auth.principal import Principal
from ftzlink.dataflow import common as dataflow_common
from ftzlink.dataflow import registrations as registration_service
from ftzlink.dataflow import transfers as transfer_service
from ftzlink.dataflow import validation as limits
from ftzlink.dataflow.tables import (
    Registration,
)
from ftzlink.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)
from ftzlink.ledger import checkpoints
from ftzlink.ledger.keys import configured_signer
from ftzlink.web import forms
from ftzlink.web.context import Web, WebPage
from ftzlink.web.dataflow.common import (
    _TIME,
    _TOKEN,
    MECHANISMS,
    PAGES,
    ROUTE_NEEDS,
    DbId,
    _route,
    _rules,
    _window,
)
from ftzlink.web.dataflow.scenario import explained
from ftzlink.web.forms import N_, Form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# --- registrations, transfers and receipts ----------------------------------------------------


def _receipt_ready(session: Session, ledger_index: int | None) -> bool:
    latest = checkpoints.latest(session)
    return ledger_index is not None and latest is not None and latest.size > ledger_index


@router.get("/dataflow/registrations/{registration_id}")
def registration_page(web: WebPage, registration_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        view = registration_service.registration_view(
            session,
            principal=principal,
            rules=_rules(),
            registration_id=registration_id,
            today=web.today,
        )
        transfers = transfer_service.list_transfers(
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
        valid=registration_service.valid_on(r, web.today),
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
    registration = registration_service.get_registration(
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


def _exceeded(web: Web, error: dataflow_common.RouteExceeded) -> dict[str, Any]:
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
    data = await web.form()
    form = Form(data)
    with web.read() as session:
        registration = _own_registration(session, principal, registration_id)
    # The manifest's fingerprint: the platform hashes the file sent (without JavaScript); a
    # browser that hashed it itself sends only the fingerprint, and the file stays with it.
    upload = data.get("manifest")
    if isinstance(upload, UploadFile) and upload.filename:
        manifest = await run_in_threadpool(transfer_service.manifest_fingerprint, upload.file)
    else:
        manifest = form.get("manifest_sha256").lower()
    if limits.HEX64.match(manifest):
        form.values["manifest_sha256"] = manifest  # kept: the form shown again needs no file
    else:
        form.values.pop("manifest_sha256", None)
        form.error("manifest", web._("Choose the manifest of the data sent"))
    counts: dict[str, int] = {}
    for name, message in (
        ("record_count", N_("Enter the number of records as a whole number, like 48210")),
        ("non_sensitive_people", N_("Enter the number of people as a whole number, like 120000")),
        ("sensitive_people", N_("Enter the number of people as a whole number, like 120000")),
    ):
        value = forms.parse_int(
            form.get(name), limits.RECORDS_MAX if name == "record_count" else limits.PEOPLE_MAX
        )
        if value is None:
            form.error(name, web._(message))
        else:
            counts[name] = value
    day = forms.parse_day(form.get("transferred_on"))
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
        at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dataflow_common.CHINA)
        if day > web.today:
            form.error("transferred_on", web._("The day of the transfer must be today or earlier"))
    exceeded = None
    transfer = None
    if form.ok:
        assert at is not None
        token = form.get("idempotency_key")
        key = f"web:dataflow-transfer:{token}"
        once = _TOKEN.match(token) is not None
        fingerprint = idempotency.fingerprint(key)
        try:
            with web.write() as session:
                # One report per form: a second click, or the form sent again, finds the first.
                first = (
                    idempotency.find(
                        session, user_id=principal.user_id, key=key, request_hash=fingerprint
                    )
                    if once
                    else None
                )
                if first is not None:
                    return web.redirect(f"/dataflow/transfers/{first.body['transfer']}")
                transfer = transfer_service.report_transfer(
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
                if once:
                    idempotency.remember(
                        session,
                        user_id=principal.user_id,
                        key=key,
                        request_hash=fingerprint,
                        status_code=303,
                        body={"transfer": transfer_id},
                    )
        except dataflow_common.RouteExceeded as error:
            exceeded = _exceeded(web, error)
            form.error("non_sensitive_people", exceeded["short"])
        except dataflow_common.RegistrationNotValid:
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
                elif problem.field == "manifest_sha256":
                    form.error("manifest", web._("Choose the manifest of the data sent"))
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
        view = transfer_service.transfer_view(
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
        transfer = transfer_service.get_transfer(
            session, principal=principal, transfer_id=transfer_id
        )
        try:
            data = transfer_service.transfer_receipt(
                session, principal=principal, transfer_id=transfer_id
            )
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
