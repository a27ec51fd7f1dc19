"""Routes: the registry of inviting units, electronic port visa invitations, and the public check
of an invitation by its verification code (sent in the body, never in the address)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt
from sqlalchemy.orm import Session

from ftzlink.api.deps import Auth, IdempotencyKey, Page, Public, client_of
from ftzlink.api.schemas import Day, DbId, Listing, SafeText, Strict
from ftzlink.auth.principal import Principal
from ftzlink.talent import invitations as service
from ftzlink.talent.invitation_tables import Invitation, InvitingUnit, UnitStatus
from ftzlink.talent.privacy import mask_passport

__all__ = ["router"]

router = APIRouter(tags=["talent"])

OrganisationId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
Line = Annotated[SafeText, Field(min_length=1, max_length=200)]
Note = Annotated[SafeText, Field(min_length=1, max_length=2000)]


# --- inviting units ------------------------------------------------------------------------------


class InvitingUnitOut(Strict):
    id: int
    organisation_id: int
    status: UnitStatus
    contact_name: str
    contact_phone: str
    statement: str
    applied_at: dt.datetime
    decided_at: dt.datetime | None
    approved_on: dt.date | None
    valid_until: dt.date | None = Field(description="the last day it may invite (inclusive)")
    refusal_reason: str | None
    revoked_on: dt.date | None
    revocation_reason: str | None
    version: int


def unit_out(u: InvitingUnit) -> InvitingUnitOut:
    return InvitingUnitOut(
        id=u.id,
        organisation_id=u.organisation_id,
        status=UnitStatus(u.status),
        contact_name=u.contact_name,
        contact_phone=u.contact_phone,
        statement=u.statement,
        applied_at=u.applied_at,
        decided_at=u.decided_at,
        approved_on=u.approved_on,
        valid_until=u.valid_until,
        refusal_reason=u.refusal_reason,
        revoked_on=u.revoked_on,
        revocation_reason=u.revocation_reason,
        version=u.version,
    )


class NewInvitingUnit(Strict):
    organisation_id: OrganisationId
    contact_name: Line
    contact_phone: Annotated[SafeText, Field(min_length=1, max_length=40)]
    statement: Note


@router.get("/talent/inviting-units", response_model=Listing[InvitingUnitOut])
def list_units(
    ctx: Auth,
    page: Page,
    status: Annotated[UnitStatus | None, Query()] = None,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[InvitingUnitOut]:
    """Registrations you may see: your organisation's; every one for exit-entry officers and
    readers of everything."""
    with ctx.read() as session:
        rows, total = service.list_units(
            session,
            principal=ctx.principal,
            status=status.value if status else None,
            organisation_id=organisation_id,
            offset=page.offset,
            limit=page.limit,
        )
        return Listing(
            items=[unit_out(u) for u in rows], total=total, offset=page.offset, limit=page.limit
        )


@router.post("/talent/inviting-units", response_model=InvitingUnitOut, status_code=201)
def apply(ctx: Auth, body: NewInvitingUnit, key: IdempotencyKey = None) -> JSONResponse:
    """Apply for your organisation to become an inviting unit (one pending or approved at a time)."""
    return ctx.change(
        lambda s: unit_out(
            service.apply(s, principal=ctx.principal, today=ctx.today, **body.model_dump())
        ),
        status_code=201,
        key=key,
    )


@router.get("/talent/inviting-units/{unit_id}", response_model=InvitingUnitOut)
def get_unit(ctx: Auth, unit_id: DbId) -> InvitingUnitOut:
    with ctx.read() as session:
        return unit_out(service.get_unit(session, principal=ctx.principal, unit_id=unit_id))


class Approval(Strict):
    valid_until: Day = Field(description="the last day the unit may invite (inclusive)")
    approved_on: Day | None = Field(default=None, description="default: today")


class Refusal(Strict):
    reason: Note


class Revocation(Strict):
    reason: Note
    revoked_on: Day | None = Field(default=None, description="default: today")


@router.post("/talent/inviting-units/{unit_id}/approve", response_model=InvitingUnitOut)
def approve(ctx: Auth, unit_id: DbId, body: Approval, key: IdempotencyKey = None) -> JSONResponse:
    """An exit-entry officer approves a pending registration for a period."""
    return ctx.change(
        lambda s: unit_out(
            service.approve(
                s, principal=ctx.principal, unit_id=unit_id, today=ctx.today, **body.model_dump()
            )
        ),
        key=key,
    )


@router.post("/talent/inviting-units/{unit_id}/refuse", response_model=InvitingUnitOut)
def refuse(ctx: Auth, unit_id: DbId, body: Refusal, key: IdempotencyKey = None) -> JSONResponse:
    return ctx.change(
        lambda s: unit_out(
            service.refuse(
                s, principal=ctx.principal, unit_id=unit_id, today=ctx.today, reason=body.reason
            )
        ),
        key=key,
    )


@router.post("/talent/inviting-units/{unit_id}/revoke", response_model=InvitingUnitOut)
def revoke(ctx: Auth, unit_id: DbId, body: Revocation, key: IdempotencyKey = None) -> JSONResponse:
    """Revoke an approved registration: it invites no one from the revocation on; invitations
    issued before stay genuine and their check says the inviter was revoked."""
    return ctx.change(
        lambda s: unit_out(
            service.revoke(
                s, principal=ctx.principal, unit_id=unit_id, today=ctx.today, **body.model_dump()
            )
        ),
        key=key,
    )


# --- invitations ---------------------------------------------------------------------------------


class InvitationOut(Strict):
    id: int
    reference: str
    unit_id: int
    organisation_id: int
    invitee_name: str
    nationality: str = Field(description="ISO 3166-1 alpha-2")
    passport_number: str = Field(
        description="in full for the inviting organisation's members and exit-entry officers; "
        "masked for everyone else"
    )
    passport_masked: bool
    date_of_birth: dt.date
    activity: str
    purpose: str
    visa_type: str
    planned_entry_on: dt.date
    issued_on: dt.date
    enter_by: dt.date = Field(description="the last day to enter (issue day + 15 calendar days)")
    entries: int
    max_stay_days: int
    created_at: dt.datetime


def invitation_out(i: Invitation, principal: Principal | None) -> InvitationOut:
    full = service.can_see_passport(principal, i)
    return InvitationOut(
        id=i.id,
        reference=i.reference,
        unit_id=i.unit_id,
        organisation_id=i.organisation_id,
        invitee_name=i.invitee_name,
        nationality=i.nationality,
        passport_number=i.passport_number if full else mask_passport(i.passport_number),
        passport_masked=not full,
        date_of_birth=i.date_of_birth,
        activity=i.activity,
        purpose=i.purpose,
        visa_type=i.visa_type,
        planned_entry_on=i.planned_entry_on,
        issued_on=i.issued_on,
        enter_by=i.enter_by,
        entries=i.entries,
        max_stay_days=i.max_stay_days,
        created_at=i.created_at,
    )


class IssuedInvitationOut(InvitationOut):
    verification_code: str | None = Field(
        description="shown once, here: only its digest is stored (null on an idempotent replay)"
    )


class NewInvitation(Strict):
    organisation_id: OrganisationId
    invitee_name: Line
    nationality: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2")]
    passport_number: Annotated[str, Field(pattern=r"^[A-Za-z0-9 ]{1,40}$")]
    date_of_birth: Day
    activity: Annotated[
        str, Field(pattern=r"^[a-z_]{1,32}$", description="research, exchange, commercial")
    ]
    purpose: Note
    visa_type: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,8}$", description="F, M, R, Z or S2")]
    planned_entry_on: Day


@router.get("/talent/invitations", response_model=Listing[InvitationOut])
def list_invitations(
    ctx: Auth,
    page: Page,
    organisation_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[InvitationOut]:
    with ctx.read() as session:
        rows, total = service.list_invitations(
            session,
            principal=ctx.principal,
            organisation_id=organisation_id,
            offset=page.offset,
            limit=page.limit,
        )
        return Listing(
            items=[invitation_out(i, ctx.principal) for i in rows],
            total=total,
            offset=page.offset,
            limit=page.limit,
        )


@router.post("/talent/invitations", response_model=IssuedInvitationOut, status_code=201)
def issue(ctx: Auth, body: NewInvitation, key: IdempotencyKey = None) -> JSONResponse:
    """Invite a foreign national. Refused with 409 and a code naming the reason when the
    organisation is not an approved inviting unit today: inviter_not_registered,
    inviter_pending, inviter_revoked, inviter_expired."""

    def produce(session: Session) -> IssuedInvitationOut:
        issued = service.issue(
            session, principal=ctx.principal, today=ctx.today, **body.model_dump()
        )
        out = invitation_out(issued.invitation, ctx.principal)
        return IssuedInvitationOut(
            **out.model_dump(), verification_code=service.format_code(issued.code)
        )

    return ctx.change(produce, status_code=201, key=key, secret_fields=("verification_code",))


@router.get("/talent/invitations/{invitation_id:int}", response_model=InvitationOut)
def get_invitation(ctx: Auth, invitation_id: DbId) -> InvitationOut:
    with ctx.read() as session:
        return invitation_out(
            service.get_invitation(session, principal=ctx.principal, invitation_id=invitation_id),
            ctx.principal,
        )


class VerifyRequest(Strict):
    code: Annotated[SafeText, Field(min_length=1, max_length=64)]


class VerifiedInvitation(Strict):
    reference: str
    inviter: str = Field(description="the inviting organisation's name")
    invitee_name: str
    nationality: str
    passport_number: str = Field(description="always masked")
    visa_type: str
    activity: str
    issued_on: dt.date
    enter_by: dt.date
    entries: int
    max_stay_days: int
    within_entry_period: bool = Field(description="today is on or before enter_by")
    inviter_revoked_on: dt.date | None = Field(
        description="set when the inviter's registration was revoked after the invitation was "
        "issued: the invitation stays genuine, and the border decides"
    )


class Verification(Strict):
    genuine: bool = Field(description="false for a forged or unknown code alike")
    invitation: VerifiedInvitation | None


@router.post("/talent/invitations/verify", response_model=Verification)
def verify(ctx: Public, body: VerifyRequest) -> Verification:
    """Anyone may check an invitation by its verification code; no sign-in needed. A client
    whose codes keep matching nothing is refused for a while (429, with Retry-After)."""
    with ctx.read() as session:
        check = service.check_for_anyone(
            session,
            code=body.code,
            today=ctx.today,
            client=client_of(ctx.request, ctx.services.settings),
            guesses=ctx.services.invitation_checks,
        )
        if check is None:
            return Verification(genuine=False, invitation=None)
        i = check.invitation
        return Verification(
            genuine=True,
            invitation=VerifiedInvitation(
                reference=i.reference,
                inviter=check.organisation.name,
                invitee_name=i.invitee_name,
                nationality=i.nationality,
                passport_number=mask_passport(i.passport_number),
                visa_type=i.visa_type,
                activity=i.activity,
                issued_on=i.issued_on,
                enter_by=i.enter_by,
                entries=i.entries,
                max_stay_days=i.max_stay_days,
                within_entry_period=check.within_entry_period,
                inviter_revoked_on=check.inviter_revoked_on,
            ),
        )
