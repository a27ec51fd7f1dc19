"""The talent API's request and response shapes, and the mappers from the domain's rows to them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt
from sqlalchemy.orm import Session

from ftzlink.api.deps import Context
from ftzlink.api.schemas import Day, SafeText, Slug, Strict, Yuan
from ftzlink.errors import CalendarNotCovered
from ftzlink.talent import cases
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.models import TalentRules
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.rules import PointsAssessment
from ftzlink.talent.tables import (
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

__all__ = [
    "Answer",
    "Approval",
    "CaseChanges",
    "CaseFamilyOut",
    "CaseIn",
    "CaseOut",
    "CaseSummaryOut",
    "Category",
    "DocumentKind",
    "DocumentOut",
    "EmployerOut",
    "EventOut",
    "FamilyIn",
    "FamilyOut",
    "Id",
    "Name",
    "Nationality",
    "Note",
    "Passport",
    "ProfessionalIn",
    "ProfessionalOut",
    "Questions",
    "RecognitionIn",
    "RecognitionOut",
    "Refusal",
    "TrackOut",
    "TrackPath",
    "TrackSummary",
    "case_out",
    "document_out",
    "family_out",
    "professional_out",
]

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
