"""Routes of the foreign-talent one-stop service: professionals and their family, key-enterprise
recognitions, and the combined application whose work-permit and residence tracks two authorities
decide side by side.

Passport numbers: in full only where `cases.sees_passports` allows (the employer's members, the
deciding officials) and never in a listing of professionals or cases; masked everywhere else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.api.deps import Auth, Context, IdempotencyKey, Page
from ftzlink.api.schemas import Day, DbId, Listing
from ftzlink.applications.documents import ALLOWED_TYPES, document_path
from ftzlink.errors import Conflict, NotFound, TooLarge
from ftzlink.organisations import service as organisations
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import cases
from ftzlink.talent.rules import ResidenceLimit
from ftzlink.talent.schemas import (
    Answer,
    Approval,
    CaseChanges,
    CaseIn,
    CaseOut,
    CaseSummaryOut,
    DocumentKind,
    DocumentOut,
    FamilyIn,
    FamilyOut,
    ProfessionalIn,
    ProfessionalOut,
    Questions,
    RecognitionIn,
    RecognitionOut,
    Refusal,
    TrackPath,
    TrackSummary,
    _rules,
    case_out,
    document_out,
    family_out,
    professional_out,
)
from ftzlink.talent.tables import (
    Case,
    CaseStatus,
    Track,
    TrackKind,
    TrackState,
)

__all__ = ["router"]

router = APIRouter(tags=["talent"])


@router.get("/talent/professionals", response_model=Listing[ProfessionalOut])
def list_professionals(
    ctx: Auth,
    page: Page,
    employer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[ProfessionalOut]:
    """The professionals you may see (your organisation's; officials: those with a filed case).
    Passport numbers are always masked here: read one professional for the full number."""
    with ctx.read() as session:
        rows = cases.list_professionals(session, principal=ctx.principal, employer_id=employer_id)
        shown = rows[page.offset : page.offset + page.limit]
        return Listing(
            items=[professional_out(p, full=False) for p in shown],
            total=len(rows),
            offset=page.offset,
            limit=page.limit,
        )


@router.post("/talent/professionals", response_model=ProfessionalOut, status_code=201)
def add_professional(ctx: Auth, body: ProfessionalIn, key: IdempotencyKey = None) -> JSONResponse:
    """Record a professional your organisation files for."""
    data = body.model_dump(exclude={"employer_id"})

    def produce(session: Session) -> ProfessionalOut:
        person = cases.add_professional(
            session,
            principal=ctx.principal,
            rules=_rules(),
            employer_id=body.employer_id,
            data=cases.ProfessionalInput(**data),
            today=ctx.today,
        )
        return professional_out(person, full=True)

    return ctx.change(produce, status_code=201, key=key)


@router.get("/talent/professionals/{professional_id}", response_model=ProfessionalOut)
def get_professional(ctx: Auth, professional_id: DbId) -> ProfessionalOut:
    with ctx.read() as session:
        person = cases.get_professional(
            session, principal=ctx.principal, professional_id=professional_id
        )
        return professional_out(
            person, full=cases.sees_passports(ctx.principal, person.employer_id)
        )


@router.get("/talent/professionals/{professional_id}/family", response_model=list[FamilyOut])
def list_family(ctx: Auth, professional_id: DbId) -> list[FamilyOut]:
    with ctx.read() as session:
        person = cases.get_professional(
            session, principal=ctx.principal, professional_id=professional_id
        )
        full = cases.sees_passports(ctx.principal, person.employer_id)
        return [family_out(m, full=full) for m in cases.family_of(session, person.id)]


@router.post(
    "/talent/professionals/{professional_id}/family", response_model=FamilyOut, status_code=201
)
def add_family_member(
    ctx: Auth, professional_id: DbId, body: FamilyIn, key: IdempotencyKey = None
) -> JSONResponse:
    """A spouse (one) or a child under 18, whose residence permit a case may ask for."""

    def produce(session: Session) -> FamilyOut:
        member = cases.add_family_member(
            session,
            principal=ctx.principal,
            professional_id=professional_id,
            data=cases.FamilyInput(**body.model_dump()),
            today=ctx.today,
        )
        return family_out(member, full=True)

    return ctx.change(produce, status_code=201, key=key)


# --- key enterprises ---------------------------------------------------------------------------


@router.post("/talent/key-enterprises", response_model=RecognitionOut, status_code=201)
def recognise(ctx: Auth, body: RecognitionIn, key: IdempotencyKey = None) -> JSONResponse:
    """Record a key-enterprise recognition (a reviewer of the organisation's district, or an admin)."""

    def produce(session: Session) -> RecognitionOut:
        row = cases.recognise_key_enterprise(session, principal=ctx.principal, **body.model_dump())
        return RecognitionOut(
            organisation_id=row.organisation_id,
            on=ctx.today,
            recognised=row.valid_from <= ctx.today <= row.valid_until,
            recognised_by=row.recognised_by,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )

    return ctx.change(produce, status_code=201, key=key)


def _officials_see(ctx: Context) -> bool:
    return any(cases.decides(ctx.principal, kind) for kind in TrackKind)


@router.get("/talent/key-enterprises/{organisation_id}", response_model=RecognitionOut)
def key_enterprise(
    ctx: Auth,
    organisation_id: DbId,
    on: Annotated[Day | None, Query(description="default: today")] = None,
) -> RecognitionOut:
    """Whether the organisation is recognised as a key enterprise on a day (default today).
    Readable by whoever may read the organisation, and by the deciding officials."""
    day = on or ctx.today
    with ctx.read() as session:
        try:
            organisations.get_organisation(
                session, principal=ctx.principal, organisation_id=organisation_id, on=ctx.today
            )
        except NotFound:
            if not _officials_see(ctx) or session.get(Organisation, organisation_id) is None:
                raise
        row = cases.key_enterprise_on(session, organisation_id, day)
        return RecognitionOut(
            organisation_id=organisation_id,
            on=day,
            recognised=row is not None,
            recognised_by=row.recognised_by if row else None,
            valid_from=row.valid_from if row else None,
            valid_until=row.valid_until if row else None,
        )


# --- cases -------------------------------------------------------------------------------------


@router.get("/talent/cases", response_model=Listing[CaseSummaryOut])
def list_cases(
    ctx: Auth,
    page: Page,
    track: Annotated[
        TrackKind | None, Query(description="with `state`: an official's queue")
    ] = None,
    state: Annotated[TrackState | None, Query()] = None,
    status: Annotated[CaseStatus | None, Query()] = None,
    employer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[CaseSummaryOut]:
    """Cases you may see, newest first. `track=work_permit&state=received` is the work-permit
    office's queue; `track=residence&state=accepted` the exit-entry office's, and so on."""
    with ctx.read() as session:
        rows = cases.list_cases(
            session,
            principal=ctx.principal,
            employer_id=employer_id,
            track=track,
            state=state,
            status=status,
        )
        shown = rows[page.offset : page.offset + page.limit]
        tracks: dict[int, list[TrackSummary]] = {c.id: [] for c in shown}
        if shown:
            for t in session.scalars(
                select(Track).where(Track.case_id.in_(tracks)).order_by(Track.kind.desc())
            ):
                tracks[t.case_id].append(
                    TrackSummary(kind=TrackKind(t.kind), state=TrackState(t.state), due_on=t.due_on)
                )
        return Listing(
            items=[_summary(c, tracks[c.id]) for c in shown],
            total=len(rows),
            offset=page.offset,
            limit=page.limit,
        )


def _summary(c: Case, tracks: list[TrackSummary]) -> CaseSummaryOut:
    return CaseSummaryOut(
        id=c.id,
        reference=c.reference,
        employer_id=c.employer_id,
        professional_id=c.professional_id,
        work_permit_category=c.work_permit_category,
        status=CaseStatus(c.status),
        submitted_on=c.submitted_on,
        tracks=tracks,
        version=c.version,
        updated_at=c.updated_at,
    )


@router.post("/talent/cases", response_model=CaseOut, status_code=201)
def create_case(ctx: Auth, body: CaseIn, key: IdempotencyKey = None) -> JSONResponse:
    """Start a draft application for a professional (and the family members it names)."""

    def produce(session: Session) -> CaseOut:
        case = cases.create_case(
            session,
            principal=ctx.principal,
            rules=_rules(),
            today=ctx.today,
            **body.model_dump(),
        )
        return case_out(session, ctx, case.id)

    return ctx.change(produce, status_code=201, key=key)


@router.get("/talent/cases/{case_id}", response_model=CaseOut)
def get_case(ctx: Auth, case_id: DbId) -> CaseOut:
    """The status page: both tracks, with their deadlines and decisions, and everything filed."""
    with ctx.read() as session:
        return case_out(session, ctx, case_id)


@router.patch("/talent/cases/{case_id}", response_model=CaseOut)
def update_case(ctx: Auth, case_id: DbId, body: CaseChanges) -> JSONResponse:
    """Save a draft: only the fields sent change; send `version` to refuse a stale write."""
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version", None)

    def produce(session: Session) -> CaseOut:
        cases.update_case(
            session,
            principal=ctx.principal,
            rules=_rules(),
            case_id=case_id,
            today=ctx.today,
            expected_version=version,
            **changes,
        )
        return case_out(session, ctx, case_id)

    return ctx.change(produce)


@router.post("/talent/cases/{case_id}/submit", response_model=CaseOut)
def submit(ctx: Auth, case_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    """File the draft: both tracks open as received, on the same day, with the same documents."""

    def produce(session: Session) -> CaseOut:
        cases.submit(
            session, principal=ctx.principal, rules=_rules(), case_id=case_id, today=ctx.today
        )
        return case_out(session, ctx, case_id)

    return ctx.change(produce, key=key)


@router.post("/talent/cases/{case_id}/withdraw", response_model=CaseOut)
def withdraw(ctx: Auth, case_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    def produce(session: Session) -> CaseOut:
        cases.withdraw(session, principal=ctx.principal, case_id=case_id, today=ctx.today)
        return case_out(session, ctx, case_id)

    return ctx.change(produce, key=key)


# --- documents ---------------------------------------------------------------------------------


@router.get("/talent/cases/{case_id}/documents", response_model=list[DocumentOut])
def list_documents(ctx: Auth, case_id: DbId) -> list[DocumentOut]:
    with ctx.read() as session:
        return [
            document_out(d)
            for d in cases.list_documents(session, principal=ctx.principal, case_id=case_id)
        ]


@router.post("/talent/cases/{case_id}/documents", response_model=DocumentOut, status_code=201)
def add_document(
    ctx: Auth,
    case_id: DbId,
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File()],
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Upload a document once for both tracks (PDF, PNG or JPEG), to a draft or a returned case."""
    settings = ctx.services.settings
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise TooLarge(f"the file is larger than the limit of {settings.max_upload_bytes} bytes")

    def produce(session: Session) -> DocumentOut:
        doc = cases.add_document(
            session,
            principal=ctx.principal,
            case_id=case_id,
            kind=kind,
            filename=file.filename or "",
            content_type=file.content_type or "",
            data=data,
            root=settings.documents_dir,
            max_bytes=settings.max_upload_bytes,
            today=ctx.today,
        )
        return document_out(doc)

    return ctx.change(produce, status_code=201, key=key)


@router.get(
    "/talent/documents/{document_id}/content",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in ALLOWED_TYPES}, "description": "the file"}},
)
def document_content(ctx: Auth, document_id: DbId) -> FileResponse:
    with ctx.read() as session:
        doc = cases.get_document(session, principal=ctx.principal, document_id=document_id)
    return FileResponse(
        document_path(ctx.services.settings.documents_dir, doc.sha256),
        media_type=doc.media_type,
        filename=doc.filename,
        headers={"X-Content-Type-Options": "nosniff"},
    )


# --- the two tracks ----------------------------------------------------------------------------


@router.post("/talent/cases/{case_id}/tracks/{track}/accept", response_model=CaseOut)
def accept(ctx: Auth, case_id: DbId, track: TrackPath, key: IdempotencyKey = None) -> JSONResponse:
    """Accept a track (its officer only): the deadline runs from today in Chinese working days."""

    def produce(session: Session) -> CaseOut:
        cases.accept(
            session,
            principal=ctx.principal,
            rules=_rules(),
            case_id=case_id,
            kind=track.kind,
            today=ctx.today,
        )
        return case_out(session, ctx, case_id)

    return ctx.change(produce, key=key)


@router.post("/talent/cases/{case_id}/tracks/{track}/return", response_model=CaseOut)
def return_track(
    ctx: Auth, case_id: DbId, track: TrackPath, body: Questions, key: IdempotencyKey = None
) -> JSONResponse:
    """Return a track for material, saying what is missing."""

    def produce(session: Session) -> CaseOut:
        cases.return_track(
            session,
            principal=ctx.principal,
            case_id=case_id,
            kind=track.kind,
            questions=body.questions,
            today=ctx.today,
        )
        return case_out(session, ctx, case_id)

    return ctx.change(produce, key=key)


@router.post("/talent/cases/{case_id}/tracks/{track}/respond", response_model=CaseOut)
def respond(
    ctx: Auth, case_id: DbId, track: TrackPath, body: Answer, key: IdempotencyKey = None
) -> JSONResponse:
    """The employer answers a returned track (upload first); the track is received again."""

    def produce(session: Session) -> CaseOut:
        cases.respond(
            session,
            principal=ctx.principal,
            case_id=case_id,
            kind=track.kind,
            response=body.response,
            today=ctx.today,
        )
        return case_out(session, ctx, case_id)

    return ctx.change(produce, key=key)


@router.post("/talent/cases/{case_id}/tracks/{track}/approve", response_model=CaseOut)
def approve(
    ctx: Auth, case_id: DbId, track: TrackPath, body: Approval, key: IdempotencyKey = None
) -> JSONResponse:
    """Approve with a validity. The residence track: after the work permit, never beyond it nor
    beyond the residence rules (see residence-limit); the family's permits end the same day."""

    def produce(session: Session) -> CaseOut:
        cases.approve(
            session,
            principal=ctx.principal,
            rules=_rules(),
            case_id=case_id,
            kind=track.kind,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            category=body.category,
            today=ctx.today,
        )
        return case_out(session, ctx, case_id)

    return ctx.change(produce, key=key)


@router.post("/talent/cases/{case_id}/tracks/{track}/refuse", response_model=CaseOut)
def refuse(
    ctx: Auth, case_id: DbId, track: TrackPath, body: Refusal, key: IdempotencyKey = None
) -> JSONResponse:
    def produce(session: Session) -> CaseOut:
        cases.refuse(
            session,
            principal=ctx.principal,
            case_id=case_id,
            kind=track.kind,
            reasons=body.reasons,
            today=ctx.today,
        )
        return case_out(session, ctx, case_id)

    return ctx.change(produce, key=key)


@router.get("/talent/cases/{case_id}/residence-limit", response_model=ResidenceLimit)
def residence_limit(
    ctx: Auth,
    case_id: DbId,
    start: Annotated[Day | None, Query(description="the permit's first day; default today")] = None,
) -> ResidenceLimit:
    """The longest residence permit the case allows from `start`, with the reasons and their
    citations. `end` is the last valid day, inclusive: what an approval's `valid_until` may be at
    the latest. 409 until the work permit is approved."""
    with ctx.read() as session:
        case = cases.get_case(session, principal=ctx.principal, case_id=case_id)
        if case.status != CaseStatus.FILED:
            raise Conflict(f"{case.reference} has not been submitted: its tracks have not opened")
        return cases.residence_limit(
            session, _rules(), case, start=start or ctx.today, on=ctx.today
        )
