"""Pages: the documents of an enterprise's application, filed under the measure's document slots;
uploading one to a draft or a returned application, and downloading it again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ftzlink.applications import documents
from ftzlink.applications import permissions as app_permissions
from ftzlink.auth.principal import Principal
from ftzlink.errors import InvalidInput, NotFound
from ftzlink.web.context import Web, WebPage
from ftzlink.web.enterprise.common import PAGES, _load, _page_values
from ftzlink.web.errors import message_for
from ftzlink.web.forms import Form, change

__all__ = ["document_values", "router"]

router = APIRouter(include_in_schema=False)


def document_values(
    web: Web, session: Session, principal: Principal, application_id: int
) -> dict[str, Any]:
    """What an application's pages show of its documents: the checklist by slot."""
    return {
        "checklist": documents.checklist(
            session,
            principal=principal,
            catalogue=web.catalogue,
            application_id=application_id,
            today=web.today,
        )
    }


def _documents_page(
    web: Web, principal: Principal, application_id: int, *, form: Form | None = None
) -> Response:
    with web.read() as session:
        loaded = _load(web, session, principal, application_id)
        return web.page(
            PAGES + "documents.html",
            status_code=400 if form is not None else 200,
            errors=form.errors if form else [],
            values=form.values if form else {},
            editable=app_permissions.can_add_documents(loaded.app),
            max_bytes=web.settings.max_upload_bytes,
            uploaded=web.request.query_params.get("done") == "uploaded",
            **document_values(web, session, principal, application_id),
            **_page_values(web, loaded),
        )


@router.get("/applications/{application_id}/documents")
def documents_page(web: WebPage, application_id: int) -> Response:
    return _documents_page(web, web.require(), application_id)


@router.post("/applications/{application_id}/documents")
async def upload(web: WebPage, application_id: int) -> Response:
    principal = web.require()
    posted = await web.form()
    form = Form(posted)
    requirement = form.get("requirement")
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
        _, refusal = change(
            web,
            lambda session: documents.add_document(
                session,
                principal=principal,
                catalogue=web.catalogue,
                application_id=application_id,
                requirement=requirement or None,
                filename=upload_file.filename or "",
                content_type=upload_file.content_type or "",
                data=data,
                root=settings.documents_dir,
                max_bytes=settings.max_upload_bytes,
                today=web.today,
            ),
        )
        if refusal is None:
            return web.redirect(f"/applications/{application_id}/documents?done=uploaded")
        slot_problem = isinstance(refusal, InvalidInput) and any(
            p.field == "requirement" for p in refusal.problems
        )
        if slot_problem:
            form.error("requirement", web._("Select which document this is"))
        else:
            form.error("file", message_for(web, refusal))
    return _documents_page(web, principal, application_id, form=form)


@router.get("/applications/{application_id}/documents/{document_id}")
def download(web: WebPage, application_id: int, document_id: int) -> Response:
    principal = web.require()
    with web.read() as session:
        _load(web, session, principal, application_id)  # the applicant's own pages only
        doc = documents.get_document(
            session, principal=principal, document_id=document_id, today=web.today
        )
        if doc.application_id != application_id:
            raise NotFound(f"no document {document_id} on application {application_id}")
    return FileResponse(
        documents.document_path(web.settings.documents_dir, doc.sha256),
        media_type=doc.content_type,
        filename=doc.filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )
