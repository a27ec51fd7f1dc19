"""Routes: organisations, what is left of their allowances, and delegations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy.orm import Session

from ftzlink.api.deps import Auth, IdempotencyKey, Page
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Slug, Strict
from ftzlink.applications import service as applications
from ftzlink.organisations import service
from ftzlink.organisations.tables import Delegation, Organisation

router = APIRouter(tags=["organisations"])

Uscc = Annotated[
    str, Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="unified social credit code")
]


class OrganisationOut(Strict):
    id: int
    uscc: str
    name: str
    name_en: str | None = Field(description="the English name, where given")
    district: str | None
    zone: str | None
    sector: str | None
    headquarters_id: int | None
    profile: dict[str, Any]
    version: int


def organisation_out(org: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=org.id,
        uscc=org.uscc,
        name=org.name,
        name_en=org.name_en,
        district=org.district,
        zone=org.zone,
        sector=org.sector,
        headquarters_id=org.headquarters_id,
        profile=org.profile or {},
        version=org.version,
    )


class NewOrganisation(Strict):
    uscc: Uscc
    name: Annotated[SafeText, Field(min_length=1, max_length=200)]
    name_en: Annotated[SafeText, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="optional; the Chinese name stays authoritative"
    )
    district: Slug | None = None
    zone: Slug | None = None
    sector: Slug | None = None
    headquarters_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    profile: dict[str, Any] = Field(default_factory=dict, description="further profile fields")


@router.get("/organisations", response_model=Listing[OrganisationOut])
def list_organisations(
    ctx: Auth,
    page: Page,
    district: Annotated[Slug | None, Query()] = None,
    zone: Annotated[Slug | None, Query()] = None,
    q: Annotated[SafeText | None, Query(max_length=100)] = None,
) -> Listing[OrganisationOut]:
    with ctx.read() as session:
        rows, total = service.list_organisations(
            session,
            principal=ctx.principal,
            on=ctx.today,
            district=district,
            zone=zone,
            q=q,
            offset=page.offset,
            limit=page.limit,
        )
        return Listing(
            items=[organisation_out(o) for o in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(
    ctx: Auth, body: NewOrganisation, key: IdempotencyKey = None
) -> JSONResponse:
    def produce(session: Session) -> OrganisationOut:
        org = service.create_organisation(
            session, principal=ctx.principal, catalogue=ctx.catalogue, **body.model_dump()
        )
        return organisation_out(org)

    return ctx.change(produce, status_code=201, key=key)


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut)
def get_organisation(ctx: Auth, organisation_id: DbId) -> OrganisationOut:
    with ctx.read() as session:
        return organisation_out(
            service.get_organisation(
                session, principal=ctx.principal, organisation_id=organisation_id, on=ctx.today
            )
        )


class OrganisationChanges(Strict):
    name: Annotated[SafeText, Field(min_length=1, max_length=200)] | None = None
    name_en: Annotated[SafeText, Field(min_length=1, max_length=200)] | None = None
    district: Slug | None = None
    zone: Slug | None = None
    sector: Slug | None = None
    profile: dict[str, Any] | None = Field(
        default=None, description="profile fields to set; null removes one"
    )


@router.patch("/organisations/{organisation_id}", response_model=OrganisationOut)
def update_organisation(
    ctx: Auth, organisation_id: DbId, body: OrganisationChanges
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True, exclude={"profile"})
    changes.update(body.profile or {})

    def produce(session: Session) -> OrganisationOut:
        org = service.update_organisation(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            organisation_id=organisation_id,
            on=ctx.today,
            changes=changes,
        )
        return organisation_out(org)

    return ctx.change(produce)


class LimitOut(Strict):
    kind: str = Field(description="measure_cap, clause_allowance or budget")
    amount: int | None = Field(description="the limit in yuan; null: no budget set yet")
    used: int
    remaining: int
    basis: str


@router.get("/organisations/{organisation_id}/allowances", response_model=list[LimitOut])
def allowances(
    ctx: Auth,
    organisation_id: DbId,
    measure_id: Annotated[Slug, Query()],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    project: Annotated[SafeText | None, Query(max_length=200)] = None,
) -> list[LimitOut]:
    """What the organisation could still be granted under a measure in a year, limit by limit."""
    with ctx.read() as session:
        found = applications.remaining(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            organisation_id=organisation_id,
            measure_id=measure_id,
            year=year or ctx.today.year,
            project=project,
            today=ctx.today,
        )
        return [
            LimitOut(
                kind=limit.kind,
                amount=limit.amount,
                used=limit.used,
                remaining=limit.remaining,
                basis=limit.basis,
            )
            for limit in found
        ]


class DelegationOut(Strict):
    id: int
    headquarters_id: int
    branch_id: int
    measures: list[str] | None = Field(description="null: every measure")
    valid_from: dt.date
    valid_to: dt.date | None
    revoked_at: dt.datetime | None
    in_force: bool


def delegation_out(d: Delegation, today: dt.date) -> DelegationOut:
    return DelegationOut(
        id=d.id,
        headquarters_id=d.headquarters_id,
        branch_id=d.branch_id,
        measures=d.measures,
        valid_from=d.valid_from,
        valid_to=d.valid_to,
        revoked_at=d.revoked_at,
        in_force=d.covers(measure_id=None, on=today),
    )


class NewDelegation(Strict):
    headquarters_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    branch_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    measures: list[Slug] | None = Field(
        default=None, max_length=100, description="omit for every measure"
    )
    valid_from: Day
    valid_to: Day | None = None


@router.get("/delegations", response_model=Listing[DelegationOut])
def list_delegations(ctx: Auth, page: Page) -> Listing[DelegationOut]:
    with ctx.read() as session:
        rows, total = service.list_delegations(
            session, principal=ctx.principal, offset=page.offset, limit=page.limit
        )
        return Listing(
            items=[delegation_out(d, ctx.today) for d in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


@router.post("/delegations", response_model=DelegationOut, status_code=201)
def create_delegation(ctx: Auth, body: NewDelegation, key: IdempotencyKey = None) -> JSONResponse:
    def produce(session: Session) -> DelegationOut:
        d = service.create_delegation(
            session,
            principal=ctx.principal,
            catalogue=ctx.catalogue,
            on=ctx.today,
            **body.model_dump(),
        )
        return delegation_out(d, ctx.today)

    return ctx.change(produce, status_code=201, key=key)


@router.get("/delegations/{delegation_id}", response_model=DelegationOut)
def get_delegation(ctx: Auth, delegation_id: DbId) -> DelegationOut:
    with ctx.read() as session:
        return delegation_out(
            service.get_delegation(session, principal=ctx.principal, delegation_id=delegation_id),
            ctx.today,
        )


@router.post("/delegations/{delegation_id}/revoke", response_model=DelegationOut)
def revoke_delegation(ctx: Auth, delegation_id: DbId, key: IdempotencyKey = None) -> JSONResponse:
    def produce(session: Session) -> DelegationOut:
        return delegation_out(
            service.revoke_delegation(
                session, principal=ctx.principal, delegation_id=delegation_id
            ),
            ctx.today,
        )

    return ctx.change(produce, key=key)
