"""Routes of the foreign-talent one-stop service: professionals and their family, key-enterprise
recognitions, and the combined application whose work-permit and residence tracks two authorities
decide side by side.

Passport numbers: in full only where `cases.sees_passports` allows (the employer's members, the
deciding officials) and never in a listing of professionals or cases; masked everywhere else.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import Field, StrictInt
from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.api.deps import Auth, Context, IdempotencyKey, Page
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Slug, Strict, Yuan
from ftzlink.applications.documents import ALLOWED_TYPES, document_path
from ftzlink.errors import CalendarNotCovered, Conflict, NotFound, TooLarge
from ftzlink.organisations import service as organisations
from ftzlink.organisations.models import Organisation
from ftzlink.talent import cases
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.models import TalentRules
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.rules import PointsAssessment, ResidenceLimit
from ftzlink.talent.tables import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseStatus,
    FamilyMember,
    Professional,
    Relation,
    Track,
    TrackKind,
    TrackState,
)

__all__ = ["router"]

router = APIRouter(tags=["talent"])

Id = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
Name = Annotated[SafeText, Field(min_length=1, max_length=200)]
Note = Annotated[SafeText, Field(min_length=1, max_length=2000)]
Nationality = Annotated[
    str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3, in capitals: DEU")
]
Passport = Annotated[
    str, Field(pattern=r"^[A-Z0-9]{5,20}$", description="5 to 20 capital letters and digits")
]
Category = Literal["A", "B", "C"]


def _rules() -> TalentRules:
    return bundled_talent_rules()


# --- professionals and family ------------------------------------------------------------------


class ProfessionalIn(Strict):
    employer_id: Id
    full_name: Name
    nationality: Nationality
    passport_number: Passport
    passport_expiry: Day
    birth_date: Day
    education: Slug = Field(description="a level of the points table: bachelor, master, ...")
    experience_years: Annotated[StrictInt, Field(ge=0, le=80)]
    annual_salary_yuan: Yuan
    chinese_level: Slug = Field(description="a level of the points table: hsk3, ...")
    post: Name


class ProfessionalOut(Strict):
    id: int
    employer_id: int
    full_name: str
    nationality: str
    passport_number: str = Field(
        description="in full for the employer's members and the deciding officials on a single "
        "professional; masked in listings and for everyone else"
    )
    passport_masked: bool
    passport_expiry: dt.date
    birth_date: dt.date
    education: str
    experience_years: int
    annual_salary_yuan: int
    chinese_level: str
    post: str
    version: int
    created_at: dt.datetime


def professional_out(p: Professional, *, full: bool) -> ProfessionalOut:
    return ProfessionalOut(
        id=p.id,
        employer_id=p.employer_id,
        full_name=p.full_name,
        nationality=p.nationality,
        passport_number=p.passport_number if full else mask_passport(p.passport_number),
        passport_masked=not full,
        passport_expiry=p.passport_expiry,
        birth_date=p.birth_date,
        education=p.education,
        experience_years=p.experience_years,
        annual_salary_yuan=p.annual_salary_yuan,
        chinese_level=p.chinese_level,
        post=p.post,
        version=p.version,
        created_at=p.created_at,
    )


class FamilyIn(Strict):
    relation: Relation
    full_name: Name
    nationality: Nationality
    passport_number: Passport
    passport_expiry: Day
    birth_date: Day


class FamilyOut(Strict):
    id: int
    professional_id: int
    relation: Relation
    full_name: str
    nationality: str
    passport_number: str
    passport_masked: bool
    passport_expiry: dt.date
    birth_date: dt.date


class CaseFamilyOut(FamilyOut):
    permit_end: dt.date | None = Field(
        description="the last day of the relative's residence permit, set when the residence "
        "track is approved: the principal's"
    )


def family_out(m: FamilyMember, *, full: bool) -> FamilyOut:
    return FamilyOut(
        id=m.id,
        professional_id=m.professional_id,
        relation=Relation(m.relation),
        full_name=m.full_name,
        nationality=m.nationality,
        passport_number=m.passport_number if full else mask_passport(m.passport_number),
        passport_masked=not full,
        passport_expiry=m.passport_expiry,
        birth_date=m.birth_date,
    )


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


class RecognitionIn(Strict):
    organisation_id: Id
    recognised_by: Name = Field(description="the recognising authority, in its own words")
    valid_from: Day
    valid_until: Day = Field(description="inclusive")


class RecognitionOut(Strict):
    organisation_id: int
    on: dt.date
    recognised: bool = Field(description="whether a recognition is in force on `on`")
    recognised_by: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None


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


class TrackPath(StrEnum):
    WORK_PERMIT = "work-permit"
    RESIDENCE = "residence"

    @property
    def kind(self) -> TrackKind:
        return TrackKind.WORK_PERMIT if self is TrackPath.WORK_PERMIT else TrackKind.RESIDENCE


class TrackOut(Strict):
    kind: TrackKind
    state: TrackState
    received_on: dt.date
    accepted_on: dt.date | None
    due_on: dt.date | None = Field(description="accepted_on plus the time limit, in working days")
    provisional: bool = Field(
        description="due_on was counted through a year whose official holiday schedule is not "
        "loaded yet (from the statutory holidays alone); it is counted again when it is"
    )
    provisional_years: list[int] = Field(description="those years; empty when not provisional")
    working_days_left: int | None = Field(
        description="Chinese working days from today to due_on (negative: overdue); null unless "
        "accepted, or when today is outside the calendar"
    )
    valid_from: dt.date | None
    valid_until: dt.date | None = Field(description="inclusive")
    category: str | None = Field(description="the work permit's category, once approved")
    note: list[str] | None = Field(description="the open questions, or the reasons refused")
    decided_on: dt.date | None
    version: int


class TrackSummary(Strict):
    kind: TrackKind
    state: TrackState
    due_on: dt.date | None


class DocumentOut(Strict):
    id: int
    case_id: int
    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime


class EventOut(Strict):
    id: int
    track: TrackKind | None
    action: str
    from_state: str | None
    to_state: str
    actor_id: int
    acted_for_id: int | None
    note: list[str] | None
    valid_from: dt.date | None = Field(description="an approval's first valid day")
    valid_until: dt.date | None = Field(description="an approval's last valid day (inclusive)")
    on: dt.date
    at: dt.datetime


class EmployerOut(Strict):
    id: int
    name: str
    district: str | None


class CaseSummaryOut(Strict):
    id: int
    reference: str
    employer_id: int
    professional_id: int
    work_permit_category: str | None
    status: CaseStatus
    submitted_on: dt.date | None
    tracks: list[TrackSummary]
    version: int
    updated_at: dt.datetime


class CaseOut(Strict):
    """The status page of a case: both tracks, the family, the documents, the pre-assessment."""

    id: int
    reference: str
    employer: EmployerOut
    professional: ProfessionalOut
    work_permit_category: str | None = Field(description="the category applied for")
    requested_residence_end: dt.date | None
    facts: dict[str, Any]
    status: CaseStatus
    submitted_on: dt.date | None
    tracks: list[TrackOut] = Field(description="empty until submitted; then the two tracks")
    family: list[CaseFamilyOut]
    documents: list[DocumentOut]
    points: PointsAssessment | None = Field(
        description="the indicative points pre-assessment, each factor with its band, points "
        "and citation: not a decision"
    )
    history: list[EventOut]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def document_out(d: CaseDocument) -> DocumentOut:
    return DocumentOut(
        id=d.id,
        case_id=d.case_id,
        kind=d.kind,
        filename=d.filename,
        media_type=d.media_type,
        size=d.size,
        sha256=d.sha256,
        uploaded_at=d.uploaded_at,
    )


def _event_out(e: CaseEvent) -> EventOut:
    return EventOut(
        id=e.id,
        track=TrackKind(e.track) if e.track else None,
        action=e.action,
        from_state=e.from_state,
        to_state=e.to_state,
        actor_id=e.actor_id,
        acted_for_id=e.acted_for_id,
        note=e.note,
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        on=e.on,
        at=e.at,
    )


def _left(view: cases.CaseView, kind: TrackKind, today: dt.date) -> int | None:
    try:
        return view.working_days_left(kind, today)
    except CalendarNotCovered:
        return None


def _track_out(view: cases.CaseView, t: Track, today: dt.date) -> TrackOut:
    kind = TrackKind(t.kind)
    return TrackOut(
        kind=kind,
        state=TrackState(t.state),
        received_on=t.received_on,
        accepted_on=t.accepted_on,
        due_on=t.due_on,
        provisional=t.due_provisional and t.state == TrackState.ACCEPTED,
        provisional_years=view.provisional_years(kind),
        working_days_left=_left(view, kind, today),
        valid_from=t.valid_from,
        valid_until=t.valid_until,
        category=t.category,
        note=t.note,
        decided_on=t.decided_on,
        version=t.version,
    )


def case_out(session: Session, ctx: Context, case_id: int) -> CaseOut:
    view = cases.case_view(
        session, principal=ctx.principal, rules=_rules(), case_id=case_id, today=ctx.today
    )
    c, full = view.case, view.full_passports
    return CaseOut(
        id=c.id,
        reference=c.reference,
        employer=EmployerOut(
            id=view.employer.id, name=view.employer.name, district=view.employer.district
        ),
        professional=professional_out(view.professional, full=full),
        work_permit_category=c.work_permit_category,
        requested_residence_end=c.requested_residence_end,
        facts=c.facts or {},
        status=CaseStatus(c.status),
        submitted_on=c.submitted_on,
        tracks=[
            _track_out(view, view.tracks[kind], ctx.today)
            for kind in TrackKind
            if kind in view.tracks
        ],
        family=[
            CaseFamilyOut(**family_out(m, full=full).model_dump(), permit_end=end)
            for m, end in view.family
        ],
        documents=[document_out(d) for d in view.documents],
        points=view.points,
        history=[_event_out(e) for e in view.events],
        version=c.version,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


class CaseIn(Strict):
    professional_id: Id
    work_permit_category: Category | None = None
    requested_residence_end: Day | None = Field(
        default=None, description="the last day of the residence permit asked for"
    )
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="answers for the 5-year routes and the points table (see the talent rules)",
    )
    family_member_ids: list[Id] = Field(default_factory=list, max_length=20)


class CaseChanges(Strict):
    version: Id | None = Field(
        default=None, description="the version read: refused with 409 if the case changed since"
    )
    work_permit_category: Category | None = None
    requested_residence_end: Day | None = None
    facts: dict[str, Any] | None = Field(default=None, description="merged into the saved facts")
    family_member_ids: list[Id] | None = Field(default=None, max_length=20)


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


DocumentKind = Literal[
    "passport",
    "photo",
    "health_certificate",
    "employer_letter",
    "business_licence",
    "degree",
    "experience",
    "other",
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


class Questions(Strict):
    questions: list[Note] = Field(min_length=1, max_length=50)


class Answer(Strict):
    response: Note


class Approval(Strict):
    valid_from: Day
    valid_until: Day = Field(description="the last valid day, inclusive")
    category: Category | None = Field(
        default=None, description="the work permit only: default, the category applied for"
    )


class Refusal(Strict):
    reasons: list[Note] = Field(min_length=1, max_length=50)


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
