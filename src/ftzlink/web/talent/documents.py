"""Documents uploaded once for both tracks; check answers, submit, confirmation, withdraw."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from starlette.datastructures import UploadFile

from ftzlink.applications.documents import document_path
from ftzlink.errors import (
    InvalidInput,
    NotFound,
)
from ftzlink.talent import cases
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.tables import (
    CaseStatus,
)
from ftzlink.web import forms
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form
from ftzlink.web.talent.common import (
    DOCUMENT_NAMES,
    PAGES,
    DbId,
    _fact_value,
    _own_case,
    _refusal,
    _rules,
)
from ftzlink.web.talent.drafts import (
    Draft,
    _draft,
    _draft_values,
    _next,
    _post_questions,
    _require_draft,
)

router = APIRouter(include_in_schema=False)

__all__ = ["router"]

# --- documents: uploaded once, shared by both tracks --------------------------------------------


def _documents_page(
    web: Web, draft: Draft, *, status_code: int = 200, form: Form | None = None
) -> Response:
    return web.page(
        PAGES + "documents.html",
        status_code=status_code,
        errors=form.errors if form else [],
        values=form.values if form else {},
        **_draft_values(web, draft),
    )


def _documents_allowed(draft: Draft) -> bool:
    view = draft.view
    return talent_permissions.documents_open(
        view.case.status, (t.state for t in view.tracks.values())
    )


@router.get("/talent/cases/{case_id}/documents")
def documents_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if not _documents_allowed(draft):
        return web.redirect(f"/talent/cases/{case_id}")
    return _documents_page(web, draft)


@router.post("/talent/cases/{case_id}/documents")
async def upload(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    posted = await web.form()
    form = Form(posted)
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if not _documents_allowed(draft):
        return web.redirect(f"/talent/cases/{case_id}")
    if form.get("action") in ("later", "done"):
        return _next(web, form, case_id)
    kind = form.get("kind")
    upload_file = posted.get("file")
    settings = web.settings
    data = b""
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        form.error("file", web._("Select a file to upload"))
    else:
        data = await upload_file.read(settings.max_upload_bytes + 1)
        if not data:
            form.error("file", web._("The selected file is empty"))
    if form.ok and isinstance(upload_file, UploadFile):
        _, refusal = forms.change(
            web,
            lambda session: cases.add_document(
                session,
                principal=principal,
                case_id=case_id,
                kind=kind,
                filename=upload_file.filename or "",
                content_type=upload_file.content_type or "",
                data=data,
                root=settings.documents_dir,
                max_bytes=settings.max_upload_bytes,
                today=web.today,
            ),
        )
        for problem in refusal.problems if isinstance(refusal, InvalidInput) else []:
            if problem.field == "kind":
                form.error(
                    "kind",
                    web._("This document is already uploaded: each is uploaded once")
                    if problem.code == "duplicate"
                    else web._("Select the kind of document"),
                )
        if refusal is not None and form.ok:
            form.error("file", _refusal(web, refusal))
    if not form.ok:
        return _documents_page(web, draft, status_code=400, form=form)
    return web.redirect(f"/talent/cases/{case_id}/documents")


@router.get("/talent/cases/{case_id}/documents/{document_id}")
def download(web: WebPage, case_id: DbId, document_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        doc = cases.get_document(session, principal=principal, document_id=document_id)
        if doc.case_id != case_id:
            raise NotFound(f"no document {document_id}")
    return FileResponse(
        document_path(web.settings.documents_dir, doc.sha256),
        media_type=doc.media_type,
        filename=doc.filename,
        headers={"X-Content-Type-Options": "nosniff"},
    )


# --- check answers, submit, confirmation --------------------------------------------------------


def _facts_shown(web: Web, facts: dict[str, Any]) -> list[tuple[str, str]]:
    shown = []
    for q in _post_questions(web):
        value = _fact_value(facts, q["fact"])
        if value is None:
            text = web._("Not answered")
        elif isinstance(value, bool):
            text = web._("Yes") if value else web._("No")
        elif q["options"]:
            text = dict(q["options"]).get(str(value), str(value))
        else:
            text = str(value)
        shown.append((q["label"], text))
    return shown


@router.get("/talent/cases/{case_id}/check")
def check_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    return web.page(
        PAGES + "check.html",
        facts=_facts_shown(web, draft.view.case.facts or {}),
        **_draft_values(web, draft),
    )


SUBMIT_PROBLEMS = {
    "work_permit_category": N_("Choose the work-permit category applied for"),
    "passport_expiry": N_("The professional's passport has expired"),
    "family_member_ids": N_("A child included is no longer under 18"),
}


@router.post("/talent/cases/{case_id}/submit")
async def submit(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        _own_case(web, session, principal, case_id)
    _, refusal = forms.change(
        web,
        lambda session: cases.submit(
            session, principal=principal, rules=_rules(), case_id=case_id, today=web.today
        ),
    )
    if refusal is None:
        return web.redirect(f"/talent/cases/{case_id}/confirmation")
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if (moved := _require_draft(web, draft)) is not None:
        return moved
    for problem in getattr(refusal, "problems", []) or []:
        field = problem.field or ""
        if field.startswith("documents."):
            kind = field.removeprefix("documents.")
            form.error(
                f"submit-{kind}",
                web._(
                    "Upload the document: %(document)s",
                    document=web._(DOCUMENT_NAMES.get(kind, kind)),
                ),
            )
        elif field in SUBMIT_PROBLEMS:
            form.error(f"submit-{field}", web._(SUBMIT_PROBLEMS[field]))
    if form.ok:
        form.error("submit", _refusal(web, refusal))
    return web.page(
        PAGES + "check.html",
        status_code=400,
        errors=form.errors,
        facts=_facts_shown(web, draft.view.case.facts or {}),
        **_draft_values(web, draft),
    )


@router.get("/talent/cases/{case_id}/confirmation")
def confirmation(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        draft = _draft(web, session, principal, case_id)
    if draft.view.case.status != CaseStatus.FILED:
        return web.redirect(f"/talent/cases/{case_id}")
    return web.page(
        PAGES + "confirmation.html",
        facts=_facts_shown(web, draft.view.case.facts or {}),
        **_draft_values(web, draft),
    )


@router.post("/talent/cases/{case_id}/withdraw")
async def withdraw(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    await web.form()
    with web.write() as session:
        _own_case(web, session, principal, case_id)
        cases.withdraw(session, principal=principal, case_id=case_id, today=web.today)
    return web.redirect("/talent")
