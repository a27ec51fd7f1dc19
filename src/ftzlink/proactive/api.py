"""Routes: 免申即享 — match runs, candidates, the officials' confirm-or-strike batch, the
enterprise's consent or decline, notifications and their delivery."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy.orm import Session

from ftzlink.api.deps import Auth, IdempotencyKey, Page
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Slug, Strict, Yuan
from ftzlink.errors import InvalidInput, Problem, TooLarge
from ftzlink.proactive import decisions, outbox, runs, service
from ftzlink.proactive.sinks import FileSink, default_outbox
from ftzlink.proactive.tables import (
    Candidate,
    CandidateKind,
    CandidateStatus,
    MatchRun,
    Notification,
    NotificationKind,
    RunSource,
)

__all__ = ["router"]

router = APIRouter(prefix="/proactive", tags=["proactive"])

Reason = Annotated[SafeText, Field(min_length=1, max_length=2000)]


class UnlinkedRow(Strict):
    source: str
    row: int | None = None
    uscc: str | None
    name: str | None
    reason: str = Field(description="not_registered, no_uscc, profile_invalid")
    detail: str | None = None


class RunOut(Strict):
    id: int
    started_by: int
    started_at: dt.datetime
    as_of: dt.date
    catalogue_version: str
    catalogue_sha256: str
    source: RunSource
    registry_name: str | None
    registry_sha256: str | None
    districts: list[str] | None = Field(description="the run's scope; null: every district")
    organisations: int = Field(description="organisations evaluated from their stored profiles")
    registry_rows: int
    unlinked_rows: int = Field(description="rows matched to no organisation (all counted)")
    unlinked: list[UnlinkedRow] = Field(description="the first 1000 of them")
    eligible: int = Field(description="(organisation, measure) pairs found eligible")
    one_answer: int = Field(description="pairs one more answer could make eligible")
    new_candidates: int
    already_proposed: int = Field(description="found again: proposed earlier this year")


def run_out(r: MatchRun) -> RunOut:
    return RunOut(
        id=r.id,
        started_by=r.started_by,
        started_at=r.started_at,
        as_of=r.as_of,
        catalogue_version=r.catalogue_version,
        catalogue_sha256=r.catalogue_sha256,
        source=RunSource(r.source),
        registry_name=r.registry_name,
        registry_sha256=r.registry_sha256,
        districts=r.districts,
        organisations=r.organisations,
        registry_rows=r.registry_rows,
        unlinked_rows=r.unlinked_rows,
        unlinked=[UnlinkedRow(**u) for u in r.unlinked or []],
        eligible=r.eligible,
        one_answer=r.one_answer,
        new_candidates=r.new_candidates,
        already_proposed=r.already_proposed,
    )


class CandidateOut(Strict):
    id: int
    run_id: int
    organisation_id: int
    policy_id: str
    measure_id: str
    year: int
    project_name: str | None
    project_kind: str | None
    kind: CandidateKind
    question: str | None = Field(description="one_answer: the field to answer")
    max_amount: int | None
    amount: int | None = Field(description="what the draft requests, or what was granted")
    answers: dict[str, Any] = Field(description="the registry's facts the draft is pre-filled with")
    without_application: bool
    status: CandidateStatus
    decided_by: int | None
    decided_at: dt.datetime | None
    strike_reason: str | None
    application_id: int | None
    version: int


def candidate_out(c: Candidate) -> CandidateOut:
    return CandidateOut(
        id=c.id,
        run_id=c.run_id,
        organisation_id=c.organisation_id,
        policy_id=c.policy_id,
        measure_id=c.measure_id,
        year=c.year,
        project_name=c.project_name,
        project_kind=c.project_kind,
        kind=CandidateKind(c.kind),
        question=c.question,
        max_amount=c.max_amount,
        amount=c.amount,
        answers=c.answers or {},
        without_application=c.without_application,
        status=CandidateStatus(c.status),
        decided_by=c.decided_by,
        decided_at=c.decided_at,
        strike_reason=c.strike_reason,
        application_id=c.application_id,
        version=c.version,
    )


class NewRun(Strict):
    as_of: Day | None = Field(default=None, description="default: today")


@router.post("/runs", response_model=RunOut, status_code=201)
def run_organisations(ctx: Auth, body: NewRun, key: IdempotencyKey = None) -> JSONResponse:
    """Match the catalogue over the organisations in the caller's scope, from their stored
    profiles (a reviewer: the districts reviewed; a platform admin: all)."""

    def produce(session: Session) -> RunOut:
        run = runs.run_match(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            as_of=body.as_of or ctx.today,
        )
        return run_out(run)

    return ctx.change(produce, status_code=201, key=key)


@router.post("/runs/registry", response_model=RunOut, status_code=201)
def run_registry(
    ctx: Auth,
    file: Annotated[UploadFile, File(description="a .csv or .parquet registry with a uscc column")],
    as_of: Annotated[Day | None, Form()] = None,
    organisations: Annotated[
        bool, Form(description="also match the organisations' stored profiles")
    ] = False,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Match a registry whose rows link to registered organisations by USCC; rows that link to
    none are counted and listed on the run."""
    name = Path(file.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InvalidInput(
            "unknown registry format",
            [
                Problem(
                    f"{name or 'the file'}: a registry is a .csv or a .parquet file", field="file"
                )
            ],
        )
    limit = ctx.services.settings.max_upload_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the file is larger than the limit of {limit} bytes")
    with tempfile.TemporaryDirectory(prefix="ftzlink-registry-") as tmp:
        path = Path(tmp) / f"registry{suffix}"
        path.write_bytes(data)

        def produce(session: Session) -> RunOut:
            run = runs.run_match(
                session,
                principal=ctx.principal,
                catalogue=ctx.catalogue,
                as_of=as_of or ctx.today,
                organisations=organisations,
                registry=path,
                registry_name=name,
            )
            return run_out(run)

        return ctx.change(produce, status_code=201, key=key)


@router.get("/runs", response_model=Listing[RunOut])
def list_runs(ctx: Auth, page: Page) -> Listing[RunOut]:
    """The runs the caller started (everyone's for an admin or auditor), newest first."""
    with ctx.read() as session:
        rows, total = service.list_runs(
            session, principal=ctx.principal, offset=page.offset, limit=page.limit
        )
        return Listing(
            items=[run_out(r) for r in rows], total=total, offset=page.offset, limit=page.limit
        )


@router.get("/runs/{run_id:int}", response_model=RunOut)
def get_run(ctx: Auth, run_id: DbId) -> RunOut:
    with ctx.read() as session:
        return run_out(service.get_run(session, principal=ctx.principal, run_id=run_id))


@router.get("/candidates", response_model=Listing[CandidateOut])
def list_candidates(
    ctx: Auth,
    page: Page,
    run_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status: Annotated[CandidateStatus | None, Query()] = None,
    kind: Annotated[
        CandidateKind | None, Query(description="eligible, or one_answer (with the question)")
    ] = None,
    measure_id: Annotated[Slug | None, Query()] = None,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    district: Annotated[Slug | None, Query()] = None,
) -> Listing[CandidateOut]:
    """Officials: their districts' candidates; an enterprise: its own once confirmed."""
    filters = service.CandidateFilters(
        run_id=run_id,
        status=status.value if status else None,
        kind=kind.value if kind else None,
        measure_id=measure_id,
        organisation_id=organisation_id,
        district=district,
    )
    with ctx.read() as session:
        rows, total = service.list_candidates(
            session,
            principal=ctx.principal,
            on=ctx.today,
            filters=filters,
            offset=page.offset,
            limit=page.limit,
        )
        return Listing(
            items=[candidate_out(c) for c in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


@router.get("/candidates/{candidate_id}", response_model=CandidateOut)
def get_candidate(ctx: Auth, candidate_id: DbId) -> CandidateOut:
    with ctx.read() as session:
        return candidate_out(
            service.get_candidate(
                session, principal=ctx.principal, candidate_id=candidate_id, on=ctx.today
            )
        )


class DecisionIn(Strict):
    candidate_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    decision: Literal["confirm", "strike"]
    reason: Reason | None = Field(default=None, description="strike: why (required)")
    amount: Yuan | None = Field(
        default=None, description="confirm: the amount to request or grant; default the matched"
    )
    project_name: Annotated[SafeText, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="confirm: the project, where the cap is per project"
    )


class DecisionsRequest(Strict):
    items: list[DecisionIn] = Field(min_length=1, max_length=500)


Outcome = Literal[
    "confirmed", "granted", "struck", "wrong_state", "forbidden", "not_found", "refused"
]


class DecisionOut(Strict):
    candidate_id: int
    outcome: Outcome
    code: str | None = None
    limit: str | None = Field(
        default=None, description="cap_exceeded: measure_cap, clause_allowance, budget, ..."
    )
    remaining: int | None = None
    detail: str | None = None
    application_id: int | None = None


class DecisionsResult(Strict):
    results: list[DecisionOut]
    confirmed: int
    granted: int
    struck: int
    refused: int = Field(description="items not done: wrong state, forbidden, not found, refused")


@router.post("/decisions", response_model=DecisionsResult)
def decide(ctx: Auth, body: DecisionsRequest, key: IdempotencyKey = None) -> JSONResponse:
    """Confirm or strike many candidates at once (a reviewer of each organisation's district).
    Confirming pre-fills a draft and notifies the enterprise; for a measure granted without
    application it approves at once within caps and budget. Each item has its own result."""
    items = [
        decisions.Decision(i.candidate_id, i.decision, i.reason, i.amount, i.project_name)
        for i in body.items
    ]

    def produce(session: Session) -> DecisionsResult:
        results = decisions.decide(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            items=items,
            today=ctx.today,
            lang=ctx.lang,
        )
        outs = [
            DecisionOut(
                candidate_id=r.candidate_id,
                outcome=r.outcome,
                code=r.code,
                limit=r.limit,
                remaining=r.remaining,
                detail=r.detail,
                application_id=r.application_id,
            )
            for r in results
        ]
        done = ("confirmed", "granted", "struck")
        return DecisionsResult(
            results=outs,
            confirmed=sum(r.outcome == "confirmed" for r in results),
            granted=sum(r.outcome == "granted" for r in results),
            struck=sum(r.outcome == "struck" for r in results),
            refused=sum(r.outcome not in done for r in results),
        )

    return ctx.change(produce, key=key)


@router.post("/candidates/{candidate_id}/consent", response_model=CandidateOut)
def consent(ctx: Auth, candidate_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    """The enterprise consents: its pre-filled draft is submitted (re-checked by the engine)."""
    return ctx.change(
        lambda s: candidate_out(
            decisions.consent(
                s,
                principal=ctx.principal,
                catalogue=ctx.catalogue,
                candidate_id=candidate_id,
                today=ctx.today,
                lang=ctx.lang,
            )
        ),
        key=key,
    )


@router.post("/candidates/{candidate_id}/decline", response_model=CandidateOut)
def decline(ctx: Auth, candidate_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    """The enterprise declines: the pre-filled draft is withdrawn."""
    return ctx.change(
        lambda s: candidate_out(
            decisions.decline(
                s, principal=ctx.principal, candidate_id=candidate_id, today=ctx.today
            )
        ),
        key=key,
    )


class NotificationOut(Strict):
    id: int
    organisation_id: int
    candidate_id: int
    application_id: int | None
    kind: NotificationKind
    subject: dict[str, str]
    body: dict[str, str]
    created_at: dt.datetime
    sent_at: dt.datetime | None
    channel: str | None


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        organisation_id=n.organisation_id,
        candidate_id=n.candidate_id,
        application_id=n.application_id,
        kind=NotificationKind(n.kind),
        subject=n.subject,
        body=n.body,
        created_at=n.created_at,
        sent_at=n.sent_at,
        channel=n.channel,
    )


@router.get("/notifications", response_model=Listing[NotificationOut])
def list_notifications(
    ctx: Auth, page: Page, unsent: Annotated[bool, Query()] = False
) -> Listing[NotificationOut]:
    with ctx.read() as session:
        rows, total = outbox.list_notifications(
            session,
            principal=ctx.principal,
            on=ctx.today,
            unsent=unsent,
            offset=page.offset,
            limit=page.limit,
        )
        return Listing(
            items=[notification_out(n) for n in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


class DeliveryOut(Strict):
    sent: list[int] = Field(description="the notifications sent now; none twice")
    channel: str


@router.post("/notifications/deliver", response_model=DeliveryOut)
def deliver(ctx: Auth, key: IdempotencyKey = None) -> JSONResponse:
    """Send what is not yet sent through the file sink (JSON lines under the data directory);
    a platform admin. Sending again sends nothing twice."""
    sink = FileSink(default_outbox(ctx.services.settings.data_dir))

    def produce(session: Session) -> DeliveryOut:
        sent = outbox.deliver_as(session, principal=ctx.principal, sink=sink)
        return DeliveryOut(sent=[n.id for n in sent], channel=sink.name)

    return ctx.change(produce, key=key)
