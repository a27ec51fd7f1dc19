"""Routes of the cross-border data service under /api/v1/dataflow/: the route of a scenario
(public), filings and their registration, transfers with ledger receipts, reminders, spot-check
draws and inspections. Thin: every rule is in the service modules
(`dataflow.filings`, `registrations`, `transfers`, `draws`, `inspections`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy.orm import Session

from ftzlink.api import problems
from ftzlink.api.deps import Auth, IdempotencyKey, Page, Public
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Strict
from ftzlink.dataflow import common as dataflow_common
from ftzlink.dataflow import draws as draw_service
from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow import inspections as inspection_service
from ftzlink.dataflow import registrations as registration_service
from ftzlink.dataflow import transfers as transfer_service
from ftzlink.dataflow.common import Page as PageOf
from ftzlink.dataflow.draw import Pick
from ftzlink.dataflow.loader import bundled_dataflow_rules
from ftzlink.dataflow.models import DataflowRules, Route
from ftzlink.dataflow.rules import RouteResult
from ftzlink.dataflow.tables import (
    Draw,
    Filing,
    FilingStatus,
    Inspection,
    InspectionStatus,
    Mechanism,
    Registration,
    Reminder,
    Transfer,
)
from ftzlink.ledger.keys import configured_signer
from ftzlink.numbers import WHOLE_NUMBER

__all__ = ["router"]

router = APIRouter(prefix="/dataflow", tags=["dataflow"])

Id = Annotated[int, Field(ge=1, le=2**31 - 1), WHOLE_NUMBER]
Title = Annotated[SafeText, Field(min_length=1, max_length=200)]
Note = Annotated[SafeText, Field(min_length=1, max_length=2000)]
Count = Annotated[int, Field(ge=0, le=10**15), WHOLE_NUMBER]
People = Annotated[int, Field(ge=0, le=2_000_000_000), WHOLE_NUMBER]


def _rules() -> DataflowRules:
    return bundled_dataflow_rules()


def _rows(page: PageOf[Any]) -> tuple[list[Any], int]:
    return page.items, page.total


# --- the route of a scenario -------------------------------------------------------------------


class Scenario(Strict):
    """What an enterprise declares; a fact left out is unknown and comes back as a question."""

    data_categories: list[Annotated[SafeText, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=50
    )
    recipient: Title | None = None
    recipient_country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    ciio: bool | None = None
    important_data: bool | None = None
    non_sensitive_people: People | None = None
    sensitive_people: People | None = None
    purpose: str | None = Field(default=None, max_length=64)
    foreign_pi_returned: bool | None = None
    in_ftz: bool | None = None
    negative_list_scenario: bool | None = None
    on_negative_list: bool | None = None
    on_lingang_general_list: bool | None = None

    def facts(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


@router.post("/route", response_model=RouteResult)
def route(ctx: Public, body: Scenario) -> RouteResult:
    """The route a scenario needs (exempt naming the article, standard contract or certification,
    security assessment), the reasons with their citations, and the questions still open."""
    return dataflow_common.explain(_rules(), body.facts())


# --- filings -----------------------------------------------------------------------------------


class FilingOut(Strict):
    id: int
    reference: str
    organisation_id: int
    title: str
    scenario: dict[str, Any]
    status: FilingStatus
    route: Route | None
    rule: str | None
    mechanism: Mechanism | None
    contract_effective_on: dt.date | None
    submitted_on: dt.date | None
    return_reasons: list[str] | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def filing_out(f: Filing) -> FilingOut:
    return FilingOut(
        id=f.id,
        reference=f.reference,
        organisation_id=f.organisation_id,
        title=f.title,
        scenario=f.scenario,
        status=FilingStatus(f.status),
        route=Route(f.route) if f.route else None,
        rule=f.rule,
        mechanism=Mechanism(f.mechanism) if f.mechanism else None,
        contract_effective_on=f.contract_effective_on,
        submitted_on=f.submitted_on,
        return_reasons=f.return_reasons,
        version=f.version,
        created_at=f.created_at,
        updated_at=f.updated_at,
    )


class FilingDetail(FilingOut):
    explanation: RouteResult = Field(description="the route of the scenario as it stands now")
    registration_id: int | None


class NewFiling(Strict):
    organisation_id: Id
    title: Title
    scenario: Scenario = Field(default_factory=Scenario)


class FilingChanges(Strict):
    title: Title | None = None
    scenario: Scenario | None = Field(default=None, description="merged into the saved one")
    expected_version: Id | None = None


class Submission(Strict):
    mechanism: Mechanism | None = Field(
        default=None, description="for art. 8: standard_contract (default) or certification"
    )
    contract_effective_on: Day | None = None


class ReturnRequest(Strict):
    reasons: list[Note] = Field(min_length=1, max_length=50)


@router.get("/filings", response_model=Listing[FilingOut])
def list_filings(
    ctx: Auth,
    page: Page,
    status: Annotated[FilingStatus | None, Query()] = None,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[FilingOut]:
    """Filings the caller sees: an enterprise its own; the regulator's queue with status=submitted."""
    with ctx.read() as session:
        rows, total = _rows(
            filing_service.page_filings(
                session,
                principal=ctx.principal,
                status=status,
                organisation_id=organisation_id,
                offset=page.offset,
                limit=page.limit,
            )
        )
        return Listing(
            items=[filing_out(f) for f in rows], total=total, offset=page.offset, limit=page.limit
        )


@router.post("/filings", response_model=FilingOut, status_code=201)
def create_filing(ctx: Auth, body: NewFiling, key: IdempotencyKey = None) -> JSONResponse:
    """Start a draft: the scenario may be partial; save and resume with PATCH."""
    return ctx.change(
        lambda s: filing_out(
            filing_service.create_filing(
                s,
                principal=ctx.principal,
                rules=_rules(),
                organisation_id=body.organisation_id,
                title=body.title,
                scenario=body.scenario.facts(),
                today=ctx.today,
            )
        ),
        status_code=201,
        key=key,
    )


@router.get("/filings/{filing_id}", response_model=FilingDetail)
def get_filing(ctx: Auth, filing_id: DbId) -> FilingDetail:
    with ctx.read() as session:
        view = filing_service.filing_view(
            session, principal=ctx.principal, rules=_rules(), filing_id=filing_id
        )
        return FilingDetail(
            **filing_out(view.filing).model_dump(),
            explanation=view.route,
            registration_id=view.registration.id if view.registration else None,
        )


@router.patch("/filings/{filing_id}", response_model=FilingOut)
def update_filing(ctx: Auth, filing_id: DbId, body: FilingChanges) -> JSONResponse:
    scenario = body.scenario.model_dump(exclude_unset=True) if body.scenario else None
    return ctx.change(
        lambda s: filing_out(
            filing_service.update_filing(
                s,
                principal=ctx.principal,
                rules=_rules(),
                filing_id=filing_id,
                title=body.title,
                scenario=scenario,
                expected_version=body.expected_version,
                today=ctx.today,
            )
        )
    )


@router.post("/filings/{filing_id}/submit", response_model=FilingOut)
def submit_filing(
    ctx: Auth, filing_id: DbId, body: Submission | None = None, key: IdempotencyKey = None
) -> JSONResponse:
    """Submit: routed as of today; refused with the questions while the route is undecided."""
    choice = body or Submission()
    return ctx.change(
        lambda s: filing_out(
            filing_service.submit_filing(
                s,
                principal=ctx.principal,
                rules=_rules(),
                filing_id=filing_id,
                mechanism=choice.mechanism.value if choice.mechanism else None,
                contract_effective_on=choice.contract_effective_on,
                today=ctx.today,
            )
        ),
        key=key,
    )


class RegistrationOut(Strict):
    id: int
    number: str
    filing_id: int
    organisation_id: int
    route: Route
    mechanism: Mechanism
    registered_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None = Field(description="the last valid day; null: no term")
    extension_opens_on: dt.date | None = Field(
        description="a security assessment's extension window opens (60 working days before "
        "expiry); null when the calendar cannot count it yet, or for other routes"
    )
    extension_note: str | None
    extension_provisional: bool = Field(
        description="the window was counted through a year whose official holiday schedule is "
        "not loaded yet; it is counted again when it is"
    )


def registration_out(r: Registration) -> RegistrationOut:
    window = registration_service.extension_window(_rules(), r)
    return RegistrationOut(
        id=r.id,
        number=r.number,
        filing_id=r.filing_id,
        organisation_id=r.organisation_id,
        route=Route(r.route),
        mechanism=Mechanism(r.mechanism),
        registered_on=r.registered_on,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        extension_opens_on=window.opens_on if window else None,
        extension_note=window.not_computable if window else None,
        extension_provisional=bool(window and window.provisional),
    )


@router.post("/filings/{filing_id}/register", response_model=RegistrationOut)
def register_filing(ctx: Auth, filing_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    """The data regulator registers a submitted filing (a security assessment: 3 years)."""
    return ctx.change(
        lambda s: registration_out(
            filing_service.register_filing(
                s, principal=ctx.principal, rules=_rules(), filing_id=filing_id, today=ctx.today
            )
        ),
        key=key,
    )


@router.post("/filings/{filing_id}/return", response_model=FilingOut)
def return_filing(
    ctx: Auth, filing_id: DbId, body: ReturnRequest, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: filing_out(
            filing_service.return_filing(
                s,
                principal=ctx.principal,
                filing_id=filing_id,
                reasons=body.reasons,
                today=ctx.today,
            )
        ),
        key=key,
    )


# --- registrations and transfers ---------------------------------------------------------------


@router.get("/registrations", response_model=Listing[RegistrationOut])
def list_registrations(ctx: Auth, page: Page) -> Listing[RegistrationOut]:
    with ctx.read() as session:
        rows, total = _rows(
            registration_service.page_registrations(
                session, principal=ctx.principal, offset=page.offset, limit=page.limit
            )
        )
        return Listing(
            items=[registration_out(r) for r in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


@router.get("/registrations/{registration_id}", response_model=RegistrationOut)
def get_registration(ctx: Auth, registration_id: DbId) -> RegistrationOut:
    with ctx.read() as session:
        return registration_out(
            registration_service.get_registration(
                session, principal=ctx.principal, registration_id=registration_id
            )
        )


class TransferIn(Strict):
    manifest_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="hex SHA-256 of the manifest of the data sent"
    )
    record_count: Count
    non_sensitive_people: People = Field(description="people not yet counted this year")
    sensitive_people: People
    transferred_at: dt.datetime = Field(description="with its offset, e.g. +08:00")


class TransferOut(Strict):
    id: int
    registration_id: int
    organisation_id: int
    manifest_sha256: str
    record_count: int
    non_sensitive_people: int
    sensitive_people: int
    transferred_at: dt.datetime
    transferred_on: dt.date
    ledger_index: int | None
    report_due_on: dt.date | None = Field(
        description="post-transfer report due (15 working days; Low confidence, unverified)"
    )
    report_due_unverified: bool


def transfer_out(t: Transfer) -> TransferOut:
    report = transfer_service.post_transfer_report(_rules(), t)
    return TransferOut(
        id=t.id,
        registration_id=t.registration_id,
        organisation_id=t.organisation_id,
        manifest_sha256=t.manifest_sha256,
        record_count=t.record_count,
        non_sensitive_people=t.non_sensitive_people,
        sensitive_people=t.sensitive_people,
        transferred_at=t.transferred_at,
        transferred_on=t.transferred_on,
        ledger_index=t.ledger_index,
        report_due_on=report.due_on,
        report_due_unverified=report.unverified,
    )


@router.post(
    "/registrations/{registration_id}/transfers", response_model=TransferOut, status_code=201
)
def report_transfer(
    ctx: Auth, registration_id: DbId, body: TransferIn, key: IdempotencyKey = None
) -> JSONResponse:
    """Report a transfer; refused (409 route_exceeded, with `required_route`) if the year's totals
    would need a stricter route than the registration's. Logged once per Idempotency-Key."""
    try:
        return ctx.change(
            lambda s: transfer_out(
                transfer_service.report_transfer(
                    s,
                    principal=ctx.principal,
                    rules=_rules(),
                    registration_id=registration_id,
                    signer=configured_signer(ctx.services.settings),
                    **body.model_dump(),
                )
            ),
            status_code=201,
            key=key,
        )
    except dataflow_common.RouteExceeded as refused:
        return problems.problem_response(
            409,
            refused.code,
            str(refused),
            registered_route=refused.registered.value,
            required_route=refused.required.value,
            year=refused.year,
            non_sensitive_people=refused.non_sensitive_people,
            sensitive_people=refused.sensitive_people,
            reasons=[r.model_dump() for r in refused.result.reasons],
        )


@router.get("/transfers", response_model=Listing[TransferOut])
def list_transfers(
    ctx: Auth,
    page: Page,
    registration_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[TransferOut]:
    with ctx.read() as session:
        rows, total = _rows(
            transfer_service.page_transfers(
                session,
                principal=ctx.principal,
                registration_id=registration_id,
                offset=page.offset,
                limit=page.limit,
            )
        )
        return Listing(
            items=[transfer_out(t) for t in rows], total=total, offset=page.offset, limit=page.limit
        )


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
def get_transfer(ctx: Auth, transfer_id: DbId) -> TransferOut:
    with ctx.read() as session:
        return transfer_out(
            transfer_service.get_transfer(session, principal=ctx.principal, transfer_id=transfer_id)
        )


@router.get("/transfers/{transfer_id}/receipt")
def transfer_receipt(ctx: Auth, transfer_id: DbId) -> dict[str, Any]:
    """The ledger's offline receipt (verify with `ftzlink ledger verify-receipt FILE --key K`);
    ready as soon as the transfer is reported when the platform has a signing key (409 until a
    signed checkpoint covers the transfer)."""
    with ctx.read() as session:
        return transfer_service.transfer_receipt(
            session, principal=ctx.principal, transfer_id=transfer_id
        )


# --- reminders ---------------------------------------------------------------------------------


class ReminderOut(Strict):
    id: int
    registration_id: int
    organisation_id: int
    window_opens_on: dt.date
    expires_on: dt.date
    created_on: dt.date


def reminder_out(r: Reminder) -> ReminderOut:
    return ReminderOut(
        id=r.id,
        registration_id=r.registration_id,
        organisation_id=r.organisation_id,
        window_opens_on=r.window_opens_on,
        expires_on=r.expires_on,
        created_on=r.created_on,
    )


class RemindRequest(Strict):
    within_days: Annotated[int, Field(ge=0, le=366), WHOLE_NUMBER] = 30


class RemindOut(Strict):
    created: list[ReminderOut]
    already: list[ReminderOut]
    not_computable: list[dict[str, Any]]


@router.post("/reminders", response_model=RemindOut)
def run_reminders(ctx: Auth, body: RemindRequest | None = None) -> JSONResponse:
    """Remind the enterprises whose extension window is open or opens within the days given."""
    within = (body or RemindRequest()).within_days

    def produce(s: Session) -> RemindOut:
        run = registration_service.remind(
            s, rules=_rules(), today=ctx.today, within_days=within, principal=ctx.principal
        )
        return RemindOut(
            created=[reminder_out(r) for r in run.created],
            already=[reminder_out(r) for r in run.already],
            not_computable=[
                {"registration_id": r.id, "reason": why} for r, why in run.not_computable
            ],
        )

    return ctx.change(produce)


@router.get("/reminders", response_model=Listing[ReminderOut])
def list_reminders(ctx: Auth, page: Page) -> Listing[ReminderOut]:
    with ctx.read() as session:
        rows, total = _rows(
            registration_service.page_reminders(
                session, principal=ctx.principal, offset=page.offset, limit=page.limit
            )
        )
        return Listing(
            items=[reminder_out(r) for r in rows], total=total, offset=page.offset, limit=page.limit
        )


# --- spot checks -------------------------------------------------------------------------------


class PickOut(Strict):
    rank: int
    registration_id: int
    inspector_id: int


class DrawOut(Strict):
    id: int
    drawn_on: dt.date
    requested: int
    checkpoint: str = Field(description="the signed checkpoint that seeded the draw")
    checkpoint_size: int
    checkpoint_root: str
    seed: str
    candidates: list[int]
    inspectors: list[int]
    picks: list[PickOut] = Field(description="recomputed from the checkpoint (see docs)")


def draw_out(d: Draw) -> DrawOut:
    _, picks = draw_service.recompute_draw(d)
    return DrawOut(
        id=d.id,
        drawn_on=d.drawn_on,
        requested=d.requested,
        checkpoint=d.checkpoint,
        checkpoint_size=d.checkpoint_size,
        checkpoint_root=d.checkpoint_root,
        seed=d.seed,
        candidates=list(d.candidates),
        inspectors=list(d.inspectors),
        picks=[_pick(p) for p in picks],
    )


def _pick(p: Pick) -> PickOut:
    return PickOut(rank=p.rank, registration_id=p.registration_id, inspector_id=p.inspector_id)


class DrawRequest(Strict):
    count: Annotated[int, Field(ge=1, le=1000), WHOLE_NUMBER]
    checkpoint_id: Id | None = Field(default=None, description="default: the latest signed")


@router.post("/draws", response_model=DrawOut, status_code=201)
def create_draw(ctx: Auth, body: DrawRequest, key: IdempotencyKey = None) -> JSONResponse:
    """The data regulator draws registrations and an inspector for each, seeded from a signed
    checkpoint: anyone holding it can recompute the draw."""
    return ctx.change(
        lambda s: draw_out(
            draw_service.draw_spot_checks(
                s,
                principal=ctx.principal,
                count=body.count,
                today=ctx.today,
                checkpoint_id=body.checkpoint_id,
            )
        ),
        status_code=201,
        key=key,
    )


@router.get("/draws", response_model=Listing[DrawOut])
def list_draws(ctx: Auth, page: Page) -> Listing[DrawOut]:
    with ctx.read() as session:
        rows, total = _rows(
            draw_service.page_draws(
                session, principal=ctx.principal, offset=page.offset, limit=page.limit
            )
        )
        return Listing(
            items=[draw_out(d) for d in rows], total=total, offset=page.offset, limit=page.limit
        )


@router.get("/draws/{draw_id}", response_model=DrawOut)
def get_draw(ctx: Auth, draw_id: DbId) -> DrawOut:
    with ctx.read() as session:
        return draw_out(draw_service.get_draw(session, principal=ctx.principal, draw_id=draw_id))


class InspectionOut(Strict):
    id: int
    draw_id: int
    rank: int
    registration_id: int
    organisation_id: int
    inspector_id: int
    status: InspectionStatus
    findings: list[str] | None
    findings_on: dt.date | None
    rectification_days: int | None
    rectification_due_on: dt.date | None
    closed_on: dt.date | None
    closure_note: str | None
    version: int


def inspection_out(i: Inspection) -> InspectionOut:
    return InspectionOut(
        id=i.id,
        draw_id=i.draw_id,
        rank=i.rank,
        registration_id=i.registration_id,
        organisation_id=i.organisation_id,
        inspector_id=i.inspector_id,
        status=InspectionStatus(i.status),
        findings=i.findings,
        findings_on=i.findings_on,
        rectification_days=i.rectification_days,
        rectification_due_on=i.rectification_due_on,
        closed_on=i.closed_on,
        closure_note=i.closure_note,
        version=i.version,
    )


class FindingsIn(Strict):
    findings: list[Note] = Field(min_length=1, max_length=50)
    rectification_working_days: Annotated[int, Field(ge=1, le=250), WHOLE_NUMBER]


class CloseIn(Strict):
    note: Note


@router.get("/inspections", response_model=Listing[InspectionOut])
def list_inspections(
    ctx: Auth,
    page: Page,
    status: Annotated[InspectionStatus | None, Query()] = None,
    draw_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[InspectionOut]:
    with ctx.read() as session:
        rows, total = _rows(
            inspection_service.page_inspections(
                session,
                principal=ctx.principal,
                draw_id=draw_id,
                status=status,
                offset=page.offset,
                limit=page.limit,
            )
        )
        return Listing(
            items=[inspection_out(i) for i in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


@router.get("/inspections/{inspection_id}", response_model=InspectionOut)
def get_inspection(ctx: Auth, inspection_id: DbId) -> InspectionOut:
    with ctx.read() as session:
        return inspection_out(
            inspection_service.get_inspection(
                session, principal=ctx.principal, inspection_id=inspection_id
            )
        )


@router.post("/inspections/{inspection_id}/findings", response_model=InspectionOut)
def record_findings(
    ctx: Auth, inspection_id: DbId, body: FindingsIn, key: IdempotencyKey = None
) -> JSONResponse:
    """The drawn inspector's findings; the rectification is due in working days from today."""
    return ctx.change(
        lambda s: inspection_out(
            inspection_service.record_findings(
                s,
                principal=ctx.principal,
                inspection_id=inspection_id,
                findings=body.findings,
                rectification_working_days=body.rectification_working_days,
                today=ctx.today,
            )
        ),
        key=key,
    )


@router.post("/inspections/{inspection_id}/close", response_model=InspectionOut)
def close_inspection(
    ctx: Auth, inspection_id: DbId, body: CloseIn, key: IdempotencyKey = None
) -> JSONResponse:
    return ctx.change(
        lambda s: inspection_out(
            inspection_service.close_inspection(
                s,
                principal=ctx.principal,
                inspection_id=inspection_id,
                note=body.note,
                today=ctx.today,
            )
        ),
        key=key,
    )
