"""Routes of the foreign-investment services under /api/v1/foreign/: representative-office filings
and their decisions, offices with their certificate facts, correction cases and reminders, the
materials a parent's place needs (public), and YRD recognition records with their public
verification. Thin: every rule is in `foreign.rules`, `foreign.service` and `foreign.records`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from ftzlink.api.deps import Auth, IdempotencyKey, Page, Public
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Strict
from ftzlink.foreign import records, service
from ftzlink.foreign import rules as r
from ftzlink.foreign.models import FilingKind, ForeignRules, bundled_foreign_rules
from ftzlink.foreign.tables import (
    Correction,
    FilingStatus,
    ForeignFiling,
    Office,
    OfficeReminder,
    RecognitionRecord,
)
from ftzlink.ledger.keys import configured_signer, configured_verifier

__all__ = ["router"]

router = APIRouter(prefix="/foreign", tags=["foreign"])

Name = Annotated[SafeText, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,39}$")]
Place = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2, or HK/MO/TW")]
Reason = Annotated[SafeText, Field(min_length=1, max_length=2000)]


def _rules() -> ForeignRules:
    return bundled_foreign_rules()


def _listing(items: list[Any], page: Any) -> Listing[Any]:
    return Listing(
        items=items[page.offset : page.offset + page.limit],
        total=len(items),
        offset=page.offset,
        limit=page.limit,
    )


# --- shapes ------------------------------------------------------------------------------------


class PersonIn(Strict):
    name: Name
    document: Annotated[SafeText, Field(min_length=1, max_length=64)]
    sentenced_for_security: bool = False
    revoked_office_on: Day | None = None


class ParticularsIn(Strict):
    """The registered items of Art. 9 and what the rules ask about the parent and the people."""

    name: Name
    parent_name: Name
    parent_nationality: Annotated[SafeText, Field(min_length=1, max_length=40)]
    parent_jurisdiction: Place
    parent_established_on: Day
    parent_existence_until: Day | None = None
    city: Annotated[SafeText, Field(min_length=1, max_length=40)]
    premises: Name
    scope: list[Code] = Field(min_length=1, max_length=10)
    profit_making: bool = False
    chief: PersonIn
    representatives: list[PersonIn] = Field(default_factory=list, max_length=20)
    term_until: Day | None = None


class EstablishmentIn(Strict):
    organisation_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    particulars: ParticularsIn
    materials: list[Code] = Field(default_factory=list, max_length=30)


class OfficeFilingIn(Strict):
    kind: Literal["change", "filing", "annual_report", "extension", "deregistration"]
    changes: dict[str, Any] = Field(default_factory=dict)
    materials: list[Code] = Field(default_factory=list, max_length=30)
    event_on: Day | None = None
    approval_on: Day | None = None
    report_year: Annotated[int, Field(ge=2000, le=2100)] | None = None


class ReturnIn(Strict):
    reasons: list[Reason] = Field(default_factory=list, max_length=20)
    missing: list[Code] = Field(default_factory=list, max_length=30)


class AnswerIn(Strict):
    materials: list[Code] = Field(min_length=1, max_length=30)


class RejectIn(Strict):
    reason: Reason


class FilingOut(Strict):
    id: int
    reference: str
    kind: FilingKind
    status: FilingStatus
    organisation_id: int
    office_id: int | None
    particulars: dict[str, Any]
    materials: list[str]
    report_year: int | None
    submitted_on: dt.date
    decision_due: dt.date | None
    return_reasons: list[str] | None
    decided_on: dt.date | None
    reject_reason: str | None
    version: int


def filing_out(f: ForeignFiling) -> FilingOut:
    return FilingOut(
        id=f.id,
        reference=f.reference,
        kind=FilingKind(f.kind),
        status=FilingStatus(f.status),
        organisation_id=f.organisation_id,
        office_id=f.office_id,
        particulars=f.particulars,
        materials=f.materials,
        report_year=f.report_year,
        submitted_on=f.submitted_on,
        decision_due=f.decision_due,
        return_reasons=f.return_reasons,
        decided_on=f.decided_on,
        reject_reason=f.reject_reason,
        version=f.version,
    )


class MaterialOut(Strict):
    code: str
    zh: str
    en: str
    required: bool
    foreign_document: bool
    authentication: str | None
    authentication_zh: str | None
    authentication_en: str | None
    note: str | None
    source: str
    clause: str
    confidence: str


def material_out(m: r.MaterialRequirement, rules: ForeignRules) -> MaterialOut:
    route = rules.authentication.routes.get(m.authentication) if m.authentication else None
    return MaterialOut(
        code=m.material.code,
        zh=m.material.zh,
        en=m.material.en,
        required=m.material.required,
        foreign_document=m.material.foreign_document,
        authentication=m.authentication,
        authentication_zh=route.zh if route else None,
        authentication_en=route.en if route else None,
        note=m.note,
        source=m.material.source,
        clause=m.material.clause,
        confidence=m.material.confidence,
    )


class FilingDetailOut(Strict):
    filing: FilingOut
    place: str
    materials: list[MaterialOut]
    missing: list[str]
    decision_due_working: dt.date | None


class OfficeOut(Strict):
    id: int
    reference: str
    name: str
    organisation_id: int
    status: str
    registered_on: dt.date
    term_until: dt.date | None
    particulars: dict[str, Any]
    certificate: dict[str, Any]
    cards: list[dict[str, Any]]


def office_out(o: Office) -> OfficeOut:
    return OfficeOut(
        id=o.id,
        reference=o.reference,
        name=o.name,
        organisation_id=o.organisation_id,
        status=o.status,
        registered_on=o.registered_on,
        term_until=o.term_until,
        particulars=o.particulars,
        certificate=service.registration_certificate_facts(o, _rules()),
        cards=service.representative_card_facts(o),
    )


class CorrectionOut(Strict):
    id: int
    office_id: int
    year: int
    opened_on: dt.date
    due_on: dt.date
    status: str
    article: str = "Reg-2024 Art. 38"


class ReminderOut(Strict):
    id: int
    office_id: int
    kind: str
    year: int
    due_on: dt.date
    created_on: dt.date


class CycleOut(Strict):
    today: dt.date
    reminders: list[ReminderOut]
    corrections: list[CorrectionOut]


def correction_out(c: Correction) -> CorrectionOut:
    return CorrectionOut(
        id=c.id,
        office_id=c.office_id,
        year=c.year,
        opened_on=c.opened_on,
        due_on=c.due_on,
        status=c.status,
    )


def reminder_out(x: OfficeReminder) -> ReminderOut:
    return ReminderOut(
        id=x.id,
        office_id=x.office_id,
        kind=x.kind,
        year=x.year,
        due_on=x.due_on,
        created_on=x.created_on,
    )


class RecordIn(Strict):
    investor_name: Name
    investor_kind: Literal["enterprise", "organisation", "natural_person"]
    jurisdiction: Place
    document: Name
    notarised_on: Day
    authentication: Literal["apostille", "legalisation", "hong_kong", "macao", "taiwan"]
    authentication_reference: Annotated[SafeText, Field(min_length=1, max_length=100)]
    authority: Code = "shanghai_amr"


class RecordOut(Strict):
    reference: str
    status: str
    payload: dict[str, Any]
    payload_sha256: str
    signature: str | None
    key_id: str | None
    ledger_index: int
    valid_until: dt.date
    revoked_on: dt.date | None
    revoked_reason: str | None


def record_out(x: RecognitionRecord) -> RecordOut:
    return RecordOut(
        reference=x.reference,
        status=x.status,
        payload=x.payload,
        payload_sha256=x.payload_sha256,
        signature=x.signature,
        key_id=x.key_id,
        ledger_index=x.ledger_index,
        valid_until=x.valid_until,
        revoked_on=x.revoked_on,
        revoked_reason=x.revoked_reason,
    )


class RevokeIn(Strict):
    reason: Reason


class VerificationOut(Strict):
    """A record another authority may rely on; refusals come back as problem+json 409 with
    `code` record_refused and `reason` (expired, revoked, outside_scheme, bad_signature)."""

    accepted: bool
    authority: str
    record: RecordOut
    signature_valid: bool
    ledger_index: int
    warnings: list[str]


# --- materials (public) ------------------------------------------------------------------------


@router.get("/materials", response_model=list[MaterialOut])
def materials(
    ctx: Public, kind: FilingKind = FilingKind.ESTABLISHMENT, jurisdiction: Place = "FR"
) -> list[MaterialOut]:
    """The materials a filing needs for a parent of `jurisdiction`: each foreign document with
    the apostille, consular legalisation or regional route it needs on today's date, cited."""
    rules = _rules()
    found = r.materials_for(kind, jurisdiction, rules, on=ctx.today)
    return [material_out(m, rules) for m in found]


# --- filings -----------------------------------------------------------------------------------


@router.post("/filings", response_model=FilingOut, status_code=201)
def file_establishment(
    ctx: Auth, body: EstablishmentIn, key: IdempotencyKey = None
) -> JSONResponse:
    """File an establishment as the foreign enterprise or its agent; a rule broken is refused
    (409) with `rule`, `source` and `article`."""
    return ctx.change(
        lambda s: filing_out(
            service.file_establishment(
                s,
                principal=ctx.principal,
                rules=_rules(),
                organisation_id=body.organisation_id,
                particulars=body.particulars.model_dump(mode="json"),
                materials=body.materials,
                today=ctx.today,
            )
        ),
        status_code=201,
        key=key,
    )


@router.get("/filings", response_model=Listing[FilingOut])
def list_filings(ctx: Auth, page: Page, status: FilingStatus | None = None) -> Listing[Any]:
    with ctx.read() as s:
        found = service.list_filings(s, principal=ctx.principal, status=status)
        return _listing([filing_out(f) for f in found], page)


@router.get("/filings/{filing_id}", response_model=FilingDetailOut)
def show_filing(ctx: Auth, filing_id: DbId) -> FilingDetailOut:
    rules = _rules()
    with ctx.read() as s:
        view = service.filing_view(
            s, principal=ctx.principal, rules=rules, filing_id=filing_id, lang=ctx.lang
        )
        return FilingDetailOut(
            filing=filing_out(view.filing),
            place=view.place,
            materials=[material_out(m, rules) for m in view.materials],
            missing=view.missing,
            decision_due_working=view.decision_due_working,
        )


@router.post("/filings/{filing_id}/return", response_model=FilingOut)
def return_filing(
    ctx: Auth, filing_id: DbId, body: ReturnIn, key: IdempotencyKey = None
) -> JSONResponse:
    """Return a filing with reasons and the materials missing (e.g. `bank_letter`)."""
    return ctx.change(
        lambda s: filing_out(
            service.return_filing(
                s,
                principal=ctx.principal,
                rules=_rules(),
                filing_id=filing_id,
                reasons=body.reasons,
                missing=body.missing,
                today=ctx.today,
            )
        ),
        key=key,
    )


@router.post("/filings/{filing_id}/answer", response_model=FilingOut)
def answer_filing(
    ctx: Auth, filing_id: DbId, body: AnswerIn, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: filing_out(
            service.answer_filing(
                s,
                principal=ctx.principal,
                rules=_rules(),
                filing_id=filing_id,
                materials=body.materials,
                today=ctx.today,
            )
        ),
        key=key,
    )


@router.post("/filings/{filing_id}/approve", response_model=FilingOut)
def approve_filing(ctx: Auth, filing_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    return ctx.change(
        lambda s: filing_out(
            service.approve_filing(
                s,
                principal=ctx.principal,
                rules=_rules(),
                filing_id=filing_id,
                today=ctx.today,
                signer=configured_signer(ctx.services.settings),
            )
        ),
        key=key,
    )


@router.post("/filings/{filing_id}/reject", response_model=FilingOut)
def reject_filing(
    ctx: Auth, filing_id: DbId, body: RejectIn, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: filing_out(
            service.reject_filing(
                s, principal=ctx.principal, filing_id=filing_id, reason=body.reason, today=ctx.today
            )
        ),
        key=key,
    )


# --- offices -----------------------------------------------------------------------------------


@router.get("/offices", response_model=Listing[OfficeOut])
def list_offices(ctx: Auth, page: Page) -> Listing[Any]:
    with ctx.read() as s:
        return _listing(
            [office_out(o) for o in service.list_offices(s, principal=ctx.principal)], page
        )


@router.get("/offices/{office_id}", response_model=OfficeOut)
def show_office(ctx: Auth, office_id: DbId) -> OfficeOut:
    with ctx.read() as s:
        return office_out(service.get_office(s, principal=ctx.principal, office_id=office_id))


@router.post("/offices/{office_id}/filings", response_model=FilingOut, status_code=201)
def file_for_office(
    ctx: Auth, office_id: DbId, body: OfficeFilingIn, key: IdempotencyKey = None
) -> JSONResponse:
    """A change, 备案, annual report, extension or deregistration; a late one is refused (409)
    citing Art. 27, 28, 31 or 32 (with `last_day`), a report on a year not ended or already
    reported citing Art. 6."""
    return ctx.change(
        lambda s: filing_out(
            service.file_for_office(
                s,
                principal=ctx.principal,
                rules=_rules(),
                office_id=office_id,
                kind=FilingKind(body.kind),
                changes=body.changes,
                materials=body.materials,
                event_on=body.event_on,
                approval_on=body.approval_on,
                report_year=body.report_year,
                today=ctx.today,
            )
        ),
        status_code=201,
        key=key,
    )


@router.get("/corrections", response_model=Listing[CorrectionOut])
def list_corrections(ctx: Auth, page: Page) -> Listing[Any]:
    """Art. 38 correction cases with their deadlines: the registrar's, or an office's own."""
    with ctx.read() as s:
        found = service.list_corrections(s, principal=ctx.principal)
        return _listing([correction_out(c) for c in found], page)


@router.get("/reminders", response_model=Listing[ReminderOut])
def list_reminders(ctx: Auth, page: Page) -> Listing[Any]:
    with ctx.read() as s:
        found = service.list_reminders(s, principal=ctx.principal)
        return _listing([reminder_out(x) for x in found], page)


# --- recognition records -----------------------------------------------------------------------


@router.post("/records", response_model=RecordOut, status_code=201)
def issue_record(ctx: Auth, body: RecordIn, key: IdempotencyKey = None) -> JSONResponse:
    """The registrar's verification of an investor's qualification certificate, signed and on
    the log. A natural person is refused (409 record_not_needed): the visaed passport suffices."""
    signer = configured_signer(ctx.services.settings)
    return ctx.change(
        lambda s: record_out(
            records.issue_record(
                s,
                principal=ctx.principal,
                rules=_rules(),
                signer=signer,
                today=ctx.today,
                **body.model_dump(),
            )
        ),
        status_code=201,
        key=key,
    )


@router.post("/records/{reference}/revoke", response_model=RecordOut)
def revoke_record(
    ctx: Auth, reference: str, body: RevokeIn, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: record_out(
            records.revoke_record(
                s, principal=ctx.principal, reference=reference, reason=body.reason, today=ctx.today
            )
        ),
        key=key,
    )


@router.get("/records/{reference}/verify", response_model=VerificationOut)
def verify_record(ctx: Public, reference: str, authority: Code) -> VerificationOut:
    """Public, no account: a participating authority checks a record in place of an
    archive-stamped copy. Refused (409 record_refused, with `reason`) when expired, revoked,
    asked by an authority outside the scheme, or not matching its signature or log entry."""
    verifier = configured_verifier(ctx.services.settings)
    with ctx.read() as s:
        check = records.verify_record(
            s,
            rules=_rules(),
            verifier=verifier,
            reference=reference,
            authority=authority,
            today=ctx.today,
        )
        return VerificationOut(
            accepted=True,
            authority=check.authority,
            record=record_out(check.record),
            signature_valid=check.signature_valid,
            ledger_index=check.ledger_index,
            warnings=check.warnings,
        )
