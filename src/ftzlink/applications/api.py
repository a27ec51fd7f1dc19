"""Routes: applications and their workflow, documents, batch signing, budgets and allowances."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import Field
from sqlalchemy.orm import Session

from ftzlink.api.deps import Auth, IdempotencyKey, Page
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Slug, Strict, Year, Yuan
from ftzlink.applications import budgets, documents, service
from ftzlink.applications.tables import Application, ApplicationEvent, Budget, Document, State
from ftzlink.errors import TooLarge

router = APIRouter(tags=["applications"])

ProjectName = Annotated[SafeText, Field(min_length=1, max_length=200)]
Note = Annotated[SafeText, Field(min_length=1, max_length=2000)]


class ApplicationOut(Strict):
    id: int
    reference: str
    organisation_id: int
    delegation_id: int | None = Field(description="set when filed by a headquarters for a branch")
    policy_id: str
    measure_id: str
    clause: str
    project_name: str | None
    project_name_en: str | None = Field(description="the project's English name, where given")
    project_kind: str | None
    requested_amount: int | None
    answers: dict[str, Any]
    status: State
    submitted_on: dt.date | None
    approved_amount: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def application_out(a: Application) -> ApplicationOut:
    return ApplicationOut(
        id=a.id,
        reference=a.reference,
        organisation_id=a.organisation_id,
        delegation_id=a.delegation_id,
        policy_id=a.policy_id,
        measure_id=a.measure_id,
        clause=a.clause,
        project_name=a.project_name,
        project_name_en=a.project_name_en,
        project_kind=a.project_kind,
        requested_amount=a.requested_amount,
        answers=a.answers or {},
        status=State(a.status),
        submitted_on=a.submitted_on,
        approved_amount=a.approved_amount,
        version=a.version,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


class NewApplication(Strict):
    organisation_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    measure_id: Slug
    project_name: ProjectName | None = None
    project_name_en: ProjectName | None = Field(
        default=None, description="optional; the Chinese name stays authoritative"
    )
    project_kind: Slug | None = None
    requested_amount: Yuan | None = None
    answers: dict[str, Any] = Field(
        default_factory=dict, description="profile fields for this application"
    )


@router.get("/applications", response_model=Listing[ApplicationOut])
def list_applications(
    ctx: Auth,
    page: Page,
    status: Annotated[State | None, Query()] = None,
    measure_id: Annotated[Slug | None, Query()] = None,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    district: Annotated[Slug | None, Query()] = None,
    zone: Annotated[Slug | None, Query()] = None,
    submitted_from: Annotated[Day | None, Query()] = None,
    submitted_to: Annotated[Day | None, Query()] = None,
    q: Annotated[
        SafeText | None,
        Query(max_length=100, description="reference, project or organisation name"),
    ] = None,
) -> Listing[ApplicationOut]:
    filters = service.Filters(
        status=status.value if status else None,
        measure_id=measure_id,
        organisation_id=organisation_id,
        district=district,
        zone=zone,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        q=q,
    )
    with ctx.read() as session:
        rows, total = service.list_applications(
            session,
            principal=ctx.principal,
            on=ctx.today,
            filters=filters,
            offset=page.offset,
            limit=page.limit,
        )
        return Listing(
            items=[application_out(a) for a in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


@router.post("/applications", response_model=ApplicationOut, status_code=201)
def create_application(ctx: Auth, body: NewApplication, key: IdempotencyKey = None) -> JSONResponse:
    """Start a draft for the organisation (its own, or a branch under a delegation)."""

    def produce(session: Session) -> ApplicationOut:
        app = service.create_application(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            today=ctx.today,
            **body.model_dump(),
        )
        return application_out(app)

    return ctx.change(produce, status_code=201, key=key)


@router.get("/applications/{application_id}", response_model=ApplicationOut)
def get_application(ctx: Auth, application_id: DbId) -> ApplicationOut:
    with ctx.read() as session:
        return application_out(
            service.get_application(
                session, principal=ctx.principal, application_id=application_id, on=ctx.today
            )
        )


class DraftChanges(Strict):
    project_name: ProjectName | None = None
    project_name_en: ProjectName | None = None
    project_kind: Slug | None = None
    requested_amount: Yuan | None = None
    answers: dict[str, Any] | None = Field(
        default=None, description="merged; null removes an answer"
    )


@router.patch("/applications/{application_id}", response_model=ApplicationOut)
def update_draft(ctx: Auth, application_id: DbId, body: DraftChanges) -> JSONResponse:
    def produce(session: Session) -> ApplicationOut:
        app = service.update_draft(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            application_id=application_id,
            changes=body.model_dump(exclude_unset=True),
            today=ctx.today,
        )
        return application_out(app)

    return ctx.change(produce)


@router.post("/applications/{application_id}/submit", response_model=ApplicationOut)
def submit(ctx: Auth, application_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    """Submit a draft; the engine re-checks eligibility as of today and refuses with the reason."""
    return ctx.change(
        lambda s: application_out(
            service.submit(
                s,
                principal=ctx.principal,
                catalogue=ctx.catalogue,
                application_id=application_id,
                today=ctx.today,
                lang=ctx.lang,
            )
        ),
        key=key,
    )


class ReturnRequest(Strict):
    questions: list[Note] = Field(min_length=1, max_length=50)


@router.post("/applications/{application_id}/return", response_model=ApplicationOut)
def return_application(
    ctx: Auth, application_id: DbId, body: ReturnRequest, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: application_out(
            service.return_application(
                s,
                principal=ctx.principal,
                application_id=application_id,
                questions=body.questions,
                today=ctx.today,
            )
        ),
        key=key,
    )


class ResubmitRequest(Strict):
    answers: dict[str, Any] = Field(default_factory=dict)
    response: Note | None = None


@router.post("/applications/{application_id}/resubmit", response_model=ApplicationOut)
def resubmit(
    ctx: Auth, application_id: DbId, body: ResubmitRequest, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: application_out(
            service.resubmit(
                s,
                principal=ctx.principal,
                catalogue=ctx.catalogue,
                application_id=application_id,
                answers=body.answers,
                response=body.response,
                today=ctx.today,
                lang=ctx.lang,
            )
        ),
        key=key,
    )


class ApproveRequest(Strict):
    amount: Yuan | None = Field(
        default=None, description="integer yuan; omit for a service measure"
    )


@router.post("/applications/{application_id}/approve", response_model=ApplicationOut)
def approve(
    ctx: Auth, application_id: DbId, body: ApproveRequest, key: IdempotencyKey = None
) -> JSONResponse:
    """Approve within the measure's cap, the clause allowance and the budget (else 409 saying which)."""
    return ctx.change(
        lambda s: application_out(
            service.approve(
                s,
                principal=ctx.principal,
                catalogue=ctx.catalogue,
                application_id=application_id,
                amount=body.amount,
                today=ctx.today,
            )
        ),
        key=key,
    )


class RejectRequest(Strict):
    reasons: list[Note] = Field(min_length=1, max_length=50)


@router.post("/applications/{application_id}/reject", response_model=ApplicationOut)
def reject(
    ctx: Auth, application_id: DbId, body: RejectRequest, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: application_out(
            service.reject(
                s,
                principal=ctx.principal,
                application_id=application_id,
                reasons=body.reasons,
                today=ctx.today,
            )
        ),
        key=key,
    )


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationOut)
def withdraw(ctx: Auth, application_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    return ctx.change(
        lambda s: application_out(
            service.withdraw(
                s, principal=ctx.principal, application_id=application_id, today=ctx.today
            )
        ),
        key=key,
    )


class EventOut(Strict):
    id: int
    action: str
    from_status: str | None
    to_status: str
    actor_id: int
    acted_for_id: int | None
    amount: int | None
    note: list[str] | None
    at: dt.datetime


@router.get("/applications/{application_id}/history", response_model=list[EventOut])
def history(ctx: Auth, application_id: DbId) -> list[EventOut]:
    with ctx.read() as session:
        events: list[ApplicationEvent] = service.history(
            session, principal=ctx.principal, application_id=application_id, today=ctx.today
        )
        return [
            EventOut(
                id=e.id,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                actor_id=e.actor_id,
                acted_for_id=e.acted_for_id,
                amount=e.amount,
                note=e.note,
                at=e.at,
            )
            for e in events
        ]


# --- documents ---------------------------------------------------------------------------------


class DocumentOut(Strict):
    id: int
    application_id: int | None
    filename: str
    content_type: str
    size: int
    sha256: str
    at: dt.datetime
    requirement: str | None = Field(
        description="the measure's document slot it fills (a `documents` vocabulary id)"
    )


def document_out(d: Document) -> DocumentOut:
    return DocumentOut(
        id=d.id,
        application_id=d.application_id,
        requirement=d.requirement,
        filename=d.filename,
        content_type=d.content_type,
        size=d.size,
        sha256=d.sha256,
        at=d.at,
    )


@router.get("/applications/{application_id}/documents", response_model=list[DocumentOut])
def list_documents(ctx: Auth, application_id: DbId) -> list[DocumentOut]:
    with ctx.read() as session:
        return [
            document_out(d)
            for d in documents.list_documents(
                session, principal=ctx.principal, application_id=application_id, today=ctx.today
            )
        ]


@router.post(
    "/applications/{application_id}/documents", response_model=DocumentOut, status_code=201
)
def add_document(
    ctx: Auth,
    application_id: DbId,
    file: Annotated[UploadFile, File()],
    requirement: Annotated[Slug | None, Form()] = None,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Attach a PDF, PNG or JPEG (up to the configured size) to a draft or returned application,
    under one of the measure's document slots (`requirement`; optional when there is one slot)."""
    settings = ctx.services.settings
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise TooLarge(f"the file is larger than the limit of {settings.max_upload_bytes} bytes")

    def produce(session: Session) -> DocumentOut:
        doc = documents.add_document(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            application_id=application_id,
            requirement=requirement,
            filename=file.filename or "",
            content_type=file.content_type or "",
            data=data,
            root=settings.documents_dir,
            max_bytes=settings.max_upload_bytes,
            today=ctx.today,
        )
        return document_out(doc)

    return ctx.change(produce, status_code=201, key=key)


class DocumentSlotOut(Strict):
    kind: str = Field(description="a `documents` vocabulary id; upload with it as `requirement`")
    label_zh: str
    label_en: str
    required: bool = Field(description="true only where a source requires it (none does today)")
    missing: bool
    documents: list[DocumentOut]


class DocumentChecklistOut(Strict):
    slots: list[DocumentSlotOut]
    unfiled: list[DocumentOut] = Field(description="documents uploaded before slots existed")


@router.get(
    "/applications/{application_id}/documents/checklist", response_model=DocumentChecklistOut
)
def document_checklist(ctx: Auth, application_id: DbId) -> DocumentChecklistOut:
    """The measure's document slots, each with the documents uploaded for it and whether a
    required one is missing (a missing document does not block submission)."""
    with ctx.read() as session:
        found = documents.checklist(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            application_id=application_id,
            today=ctx.today,
        )
        return DocumentChecklistOut(
            slots=[
                DocumentSlotOut(
                    kind=s.slot.kind,
                    label_zh=s.label.zh,
                    label_en=s.label.en,
                    required=s.slot.required,
                    missing=s.missing,
                    documents=[document_out(d) for d in s.documents],
                )
                for s in found.slots
            ],
            unfiled=[document_out(d) for d in found.unfiled],
        )


@router.get("/documents/{document_id}", response_model=DocumentOut)
def get_document(ctx: Auth, document_id: DbId) -> DocumentOut:
    with ctx.read() as session:
        return document_out(
            documents.get_document(
                session, principal=ctx.principal, document_id=document_id, today=ctx.today
            )
        )


@router.get(
    "/documents/{document_id}/content",
    response_class=FileResponse,
    responses={
        200: {"content": {t: {} for t in documents.ALLOWED_TYPES}, "description": "the file"}
    },
)
def document_content(ctx: Auth, document_id: DbId) -> FileResponse:
    with ctx.read() as session:
        doc = documents.get_document(
            session, principal=ctx.principal, document_id=document_id, today=ctx.today
        )
    return FileResponse(
        documents.document_path(ctx.services.settings.documents_dir, doc.sha256),
        media_type=doc.content_type,
        filename=doc.filename,
        headers={"X-Content-Type-Options": "nosniff"},
    )


# --- batch signing -----------------------------------------------------------------------------


class BatchItemIn(Strict):
    application_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    decision: Literal["approve", "reject"]
    amount: Yuan | None = None
    reasons: list[Note] = Field(default_factory=list, max_length=50)


class BatchRequest(Strict):
    items: list[BatchItemIn] = Field(min_length=1, max_length=500)
    all_or_nothing: bool = Field(default=False, description="refuse every item if any is refused")


class ItemResultOut(Strict):
    application_id: int
    outcome: Literal["approved", "rejected", "refused"]
    code: str | None = Field(
        default=None, description="why refused: cap_exceeded, invalid_transition, not_found, ..."
    )
    limit: str | None = Field(
        default=None,
        description="which limit: measure_cap, clause_allowance, budget, no_budget, requested",
    )
    remaining: int | None = None
    detail: str | None = None


class BatchResult(Strict):
    results: list[ItemResultOut]
    approved: int
    rejected: int
    refused: int


@router.post("/batch-signing", response_model=BatchResult)
def sign_batch(ctx: Auth, body: BatchRequest, key: IdempotencyKey = None) -> JSONResponse:
    """Approve or reject many applications in one request; each item has its own result."""
    items = [
        service.BatchItem(i.application_id, i.decision, i.amount, tuple(i.reasons))
        for i in body.items
    ]

    def produce(session: Session) -> BatchResult:
        results = service.sign_batch(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            items=items,
            all_or_nothing=body.all_or_nothing,
            today=ctx.today,
        )
        out = [
            ItemResultOut(
                application_id=r.application_id,
                outcome=r.outcome,
                code=r.code,
                limit=r.limit,
                remaining=r.remaining,
                detail=r.detail,
            )
            for r in results
        ]
        return BatchResult(
            results=out,
            approved=sum(r.outcome == "approved" for r in out),
            rejected=sum(r.outcome == "rejected" for r in out),
            refused=sum(r.outcome == "refused" for r in out),
        )

    return ctx.change(produce, key=key)


# --- budgets -----------------------------------------------------------------------------------


class BudgetOut(Strict):
    measure_id: str
    year: int
    amount: int
    granted: int
    remaining: int


def budget_out(b: Budget) -> BudgetOut:
    return BudgetOut(
        measure_id=b.measure_id,
        year=b.year,
        amount=b.amount,
        granted=b.granted,
        remaining=b.amount - b.granted,
    )


class Amount(Strict):
    amount: Yuan


@router.get("/budgets", response_model=list[BudgetOut])
def list_budgets(
    ctx: Auth,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    measure_id: Annotated[Slug | None, Query()] = None,
) -> list[BudgetOut]:
    with ctx.read() as session:
        return [
            budget_out(b)
            for b in budgets.list_budgets(
                session,
                principal=ctx.principal,
                catalogue=ctx.catalogue,
                year=year,
                measure_id=measure_id,
            )
        ]


@router.put("/budgets/{measure_id}/{year}", response_model=BudgetOut)
def set_budget(ctx: Auth, measure_id: Slug, year: Year, body: Amount) -> JSONResponse:
    """Set a measure's budget for a year (budget officers of the policy's district)."""
    return ctx.change(
        lambda s: budget_out(
            budgets.set_budget(
                s,
                principal=ctx.principal,
                catalogue=ctx.catalogue,
                measure_id=measure_id,
                year=year,
                amount=body.amount,
            )
        )
    )


class AllowanceOut(Strict):
    clause: str
    year: int
    amount: int


@router.put("/allowances/{measure_id}/{year}", response_model=AllowanceOut)
def set_allowance(ctx: Auth, measure_id: Slug, year: Year, body: Amount) -> JSONResponse:
    """Set the district's annual allowance per organisation for the clause of a measure."""

    def produce(session: Session) -> AllowanceOut:
        row = budgets.set_clause_allowance(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            measure_id=measure_id,
            year=year,
            amount=body.amount,
        )
        return AllowanceOut(clause=row.clause, year=row.year, amount=row.amount)

    return ctx.change(produce)
