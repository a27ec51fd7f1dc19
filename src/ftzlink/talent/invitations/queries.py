"""Who sees which inviting units and invitations, and the reads the pages and the API make."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.errors import NotFound
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.invitation_tables import Invitation, InvitingUnit, InvitingUnitEvent
from ftzlink.text import Lang

__all__ = [
    "Letter",
    "UnitView",
    "can_see_passport",
    "get_invitation",
    "get_unit",
    "letter",
    "list_invitations",
    "list_units",
    "member_organisations",
    "organisation_names",
    "unit_history",
    "unit_view",
]

# --- who sees what ------------------------------------------------------------------------------


_reads_all = talent_permissions.reads_all_invitations


def can_see_passport(principal: Principal | None, invitation: Invitation) -> bool:
    """The inviting organisation's members and exit-entry officers; nobody else."""
    return talent_permissions.sees_invitation_passport(principal, invitation.organisation_id)


def _mine(principal: Principal, column: Any) -> ColumnElement[bool]:
    if _reads_all(principal):
        return true()
    return or_(false(), column.in_(principal.member_of()))


def get_unit(session: Session, *, principal: Principal, unit_id: int) -> InvitingUnit:
    unit = session.scalar(
        select(InvitingUnit).where(
            InvitingUnit.id == unit_id, _mine(principal, InvitingUnit.organisation_id)
        )
    )
    if unit is None:
        raise NotFound(f"no inviting unit {unit_id}")
    return unit


def list_units(
    session: Session,
    *,
    principal: Principal,
    status: str | None = None,
    organisation_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[InvitingUnit], int]:
    """Registrations the principal may see, newest first (pending first for the officers' queue)."""
    query = select(InvitingUnit).where(_mine(principal, InvitingUnit.organisation_id))
    if status:
        query = query.where(InvitingUnit.status == status)
    if organisation_id:
        query = query.where(InvitingUnit.organisation_id == organisation_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(InvitingUnit.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def unit_history(
    session: Session, *, principal: Principal, unit_id: int
) -> list[InvitingUnitEvent]:
    get_unit(session, principal=principal, unit_id=unit_id)
    return list(
        session.scalars(
            select(InvitingUnitEvent)
            .where(InvitingUnitEvent.unit_id == unit_id)
            .order_by(InvitingUnitEvent.id)
        )
    )


def get_invitation(session: Session, *, principal: Principal, invitation_id: int) -> Invitation:
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, _mine(principal, Invitation.organisation_id)
        )
    )
    if invitation is None:
        raise NotFound(f"no invitation {invitation_id}")
    return invitation


def list_invitations(
    session: Session,
    *,
    principal: Principal,
    organisation_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Invitation], int]:
    query = select(Invitation).where(_mine(principal, Invitation.organisation_id))
    if organisation_id:
        query = query.where(Invitation.organisation_id == organisation_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Invitation.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def member_organisations(session: Session, *, principal: Principal) -> list[Organisation]:
    """The organisations the principal is a member of: those it may apply and invite for."""
    ids = sorted(principal.member_of())
    if not ids:
        return []
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(ids))))


def organisation_names(
    session: Session, *, principal: Principal, ids: set[int], lang: Lang = "zh"
) -> dict[int, str]:
    """Names (as a reader of `lang` sees them) of the organisations among `ids` whose
    registrations the principal may see."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Organisation).where(Organisation.id.in_(ids), _mine(principal, Organisation.id))
    )
    return {o.id: o.name_in(lang) for o in rows}


@dataclass(frozen=True)
class UnitView:
    unit: InvitingUnit
    organisation: Organisation
    events: list[InvitingUnitEvent]
    invitations: int  # how many the organisation has issued


def unit_view(session: Session, *, principal: Principal, unit_id: int) -> UnitView:
    unit = get_unit(session, principal=principal, unit_id=unit_id)
    organisation = session.get(Organisation, unit.organisation_id)
    assert organisation is not None
    count = list_invitations(
        session, principal=principal, organisation_id=unit.organisation_id, limit=1
    )[1]
    return UnitView(
        unit, organisation, unit_history(session, principal=principal, unit_id=unit_id), count
    )


@dataclass(frozen=True)
class Letter:
    invitation: Invitation
    organisation: Organisation
    unit: InvitingUnit
    full_passport: bool


def letter(session: Session, *, principal: Principal, invitation_id: int) -> Letter:
    """An invitation with its inviter, as its letter shows it."""
    invitation = get_invitation(session, principal=principal, invitation_id=invitation_id)
    organisation = session.get(Organisation, invitation.organisation_id)
    unit = session.get(InvitingUnit, invitation.unit_id)
    assert organisation is not None and unit is not None
    return Letter(invitation, organisation, unit, can_see_passport(principal, invitation))
