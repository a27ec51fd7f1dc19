"""Routes: the pilot-case registry. Anyone reads it; platform administrators and data regulators
record cases, move them on one stage at a time and add the figures reported about them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt
from sqlalchemy.orm import Session

from ftzlink.api.deps import Auth, IdempotencyKey, Page, Public
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Slug, Strict
from ftzlink.pilots import service
from ftzlink.pilots.tables import (
    PilotCase,
    PilotFigure,
    PilotQualifier,
    PilotStage,
    PilotStep,
    PilotUnit,
)

__all__ = ["router"]

router = APIRouter(tags=["pilots"])

Line = Annotated[SafeText, Field(min_length=1, max_length=200)]
Note = Annotated[SafeText, Field(min_length=1, max_length=2000)]
Number = Annotated[str, Field(pattern=r"^\d{1,30}(\.\d{1,8})?$", description="e.g. 15 or 0.5")]
Source = Annotated[
    SafeText,
    Field(min_length=1, max_length=300, description="a seed file name, a document title, a URL"),
]


class PilotStageFilter(StrEnum):
    case_pilot = PilotStage.CASE_PILOT.value
    innovative_supervision = PilotStage.INNOVATIVE_SUPERVISION.value
    regulatory_solidification = PilotStage.REGULATORY_SOLIDIFICATION.value
    not_stated = service.NOT_STATED


class PilotStepOut(Strict):
    stage: PilotStage
    reached_on: dt.date | None = Field(description="null: the source does not give the day")
    note: str
    source: str | None
    source_line: int | None
    quote: str | None = Field(description="the source's own words")
    recorded_at: dt.datetime


class PilotFigureOut(Strict):
    id: int
    label_zh: str
    label_en: str
    value: str = Field(description="a decimal number as text")
    value_max: str | None = Field(description="the top of a range (1–2 billion: 2000000000)")
    unit: PilotUnit
    qualifier: PilotQualifier
    as_of: dt.date | None = Field(description="null: the source gives no day")
    as_of_note: str | None = Field(description="the source's words for when, e.g. 'last year'")
    source: str
    source_line: int | None
    quote: str | None
    recorded_at: dt.datetime


class PilotCaseOut(Strict):
    id: int
    slug: str
    zone: str
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    progress_zh: str | None = Field(description="what the source says when it names no stage")
    progress_en: str | None
    stage: PilotStage | None = Field(description="null: the source does not state the stage")
    stage_on: dt.date | None = Field(description="null: the day is not stated")
    next_stages: list[PilotStage] = Field(description="where the case may be moved next")
    version: int


class PilotCaseDetail(PilotCaseOut):
    steps: list[PilotStepOut]
    figures: list[PilotFigureOut]


def case_out(c: PilotCase) -> PilotCaseOut:
    return PilotCaseOut(
        id=c.id,
        slug=c.slug,
        zone=c.zone,
        title_zh=c.title_zh,
        title_en=c.title_en,
        summary_zh=c.summary_zh,
        summary_en=c.summary_en,
        progress_zh=c.progress_zh,
        progress_en=c.progress_en,
        stage=PilotStage(c.stage) if c.stage else None,
        stage_on=c.stage_on,
        next_stages=service.next_stages(c.stage),
        version=c.version,
    )


def step_out(s: PilotStep) -> PilotStepOut:
    return PilotStepOut(
        stage=PilotStage(s.stage),
        reached_on=s.reached_on,
        note=s.note,
        source=s.source,
        source_line=s.source_line,
        quote=s.quote,
        recorded_at=s.recorded_at,
    )


def figure_out(f: PilotFigure) -> PilotFigureOut:
    return PilotFigureOut(
        id=f.id,
        label_zh=f.label_zh,
        label_en=f.label_en,
        value=f.value,
        value_max=f.value_max,
        unit=PilotUnit(f.unit),
        qualifier=PilotQualifier(f.qualifier),
        as_of=f.as_of,
        as_of_note=f.as_of_note,
        source=f.source,
        source_line=f.source_line,
        quote=f.quote,
        recorded_at=f.recorded_at,
    )


def case_detail(session: Session, c: PilotCase) -> PilotCaseDetail:
    return PilotCaseDetail(
        **case_out(c).model_dump(),
        steps=[step_out(s) for s in service.steps_of(session, c)],
        figures=[figure_out(f) for f in service.figures_of(session, c)],
    )


@router.get("/pilots", response_model=Listing[PilotCaseOut])
def list_cases(
    ctx: Public,
    page: Page,
    stage: Annotated[PilotStageFilter | None, Query()] = None,
    zone: Annotated[Slug | None, Query()] = None,
) -> Listing[PilotCaseOut]:
    """The registry, furthest stage first; `stage=not_stated` lists the cases whose source does
    not say. Public."""
    with ctx.read() as session:
        rows, total = service.list_cases(
            session,
            stage=stage.value if stage else None,
            zone=zone,
            offset=page.offset,
            limit=page.limit,
        )
        return Listing(
            items=[case_out(c) for c in rows], total=total, offset=page.offset, limit=page.limit
        )


@router.get("/pilots/{case_id}", response_model=PilotCaseDetail)
def get_case(ctx: Public, case_id: DbId) -> PilotCaseDetail:
    """A case with its history of stages and the figures reported about it. Public."""
    with ctx.read() as session:
        return case_detail(session, service.get_case(session, case_id))


class NewPilotCase(Strict):
    slug: Slug
    zone: Slug = Field(description="a zone of the catalogue, e.g. lingang")
    title_zh: Line
    title_en: Line
    summary_zh: Note
    summary_en: Note
    stage: PilotStage | None = Field(default=None, description="the stage reached, if known")
    stage_on: Day | None = Field(default=None, description="the day it was reached, if known")
    note: Annotated[SafeText, Field(max_length=2000)] = ""
    source: Source | None = None


@router.post("/pilots", response_model=PilotCaseDetail, status_code=201)
def create_case(ctx: Auth, body: NewPilotCase, key: IdempotencyKey = None) -> JSONResponse:
    """Record a new case (platform administrators and data regulators)."""

    def produce(session: Session) -> PilotCaseDetail:
        case = service.create_case(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            today=ctx.today,
            **body.model_dump(),
        )
        return case_detail(session, case)

    return ctx.change(produce, status_code=201, key=key)


class PilotAdvance(Strict):
    to: PilotStage = Field(description="the next stage: one step forward, never back")
    on: Day = Field(description="the day it was reached: not before the last step, not after today")
    note: Note
    source: Source | None = None


@router.post("/pilots/{case_id}/advance", response_model=PilotCaseDetail)
def advance(
    ctx: Auth, case_id: DbId, body: PilotAdvance, key: IdempotencyKey = None
) -> JSONResponse:
    """Move a case to its next stage (platform administrators and data regulators). A skip or a
    step back is a 409 `stage_out_of_order`; a day out of order a 422."""

    def produce(session: Session) -> PilotCaseDetail:
        case = service.advance(
            session, principal=ctx.principal, case_id=case_id, today=ctx.today, **body.model_dump()
        )
        return case_detail(session, case)

    return ctx.change(produce, key=key)


class NewPilotFigure(Strict):
    label_zh: Line
    label_en: Line
    value: Number
    value_max: Number | None = None
    unit: PilotUnit
    qualifier: PilotQualifier = PilotQualifier.EXACT
    as_of: Day | None = Field(default=None, description="null when the source gives no day")
    as_of_note: Annotated[SafeText, Field(max_length=200)] | None = None
    source: Source
    source_line: Annotated[StrictInt, Field(ge=1, le=10**6)] | None = None
    quote: Annotated[SafeText, Field(max_length=1000)] | None = None


@router.post("/pilots/{case_id}/figures", response_model=PilotFigureOut, status_code=201)
def add_figure(
    ctx: Auth, case_id: DbId, body: NewPilotFigure, key: IdempotencyKey = None
) -> JSONResponse:
    """Record a figure reported about a case (platform administrators and data regulators)."""
    return ctx.change(
        lambda s: figure_out(
            service.add_figure(
                s, principal=ctx.principal, case_id=case_id, today=ctx.today, **body.model_dump()
            )
        ),
        status_code=201,
        key=key,
    )
