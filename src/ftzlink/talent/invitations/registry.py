"""The registry of inviting units: an organisation applies, an exit-entry officer approves,
refuses or revokes it (steps checked through `ftzlink.talent.workflow.UNIT_WORKFLOW`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.invitation_tables import InvitingUnit, InvitingUnitEvent, UnitStatus
from ftzlink.talent.invitations.common import InviterNotApproved
from ftzlink.talent.invitations.queries import _reads_all, get_unit
from ftzlink.talent.workflow import UNIT_WORKFLOW, UnitAction

__all__ = ["apply", "approve", "inviter_standing", "refuse", "revoke", "unit_snapshot"]

# --- the registry -------------------------------------------------------------------------------


def unit_snapshot(unit: InvitingUnit) -> dict[str, Any]:
    return {
        "organisation_id": unit.organisation_id,
        "status": unit.status,
        "contact_name": unit.contact_name,
        "approved_on": unit.approved_on,
        "valid_until": unit.valid_until,
        "refusal_reason": unit.refusal_reason,
        "revoked_on": unit.revoked_on,
        "revocation_reason": unit.revocation_reason,
        "version": unit.version,
    }


def _record(
    session: Session,
    unit: InvitingUnit,
    *,
    action: str,
    actor: Actor,
    before: dict[str, Any] | None,
    from_status: str | None,
    note: str | None = None,
) -> None:
    session.flush()
    session.add(
        InvitingUnitEvent(
            unit_id=unit.id,
            action=action,
            from_status=from_status,
            to_status=unit.status,
            actor_id=actor.user_id,
            acted_for_id=actor.acted_for_id,
            note=note,
        )
    )
    append(
        session,
        actor=actor,
        action=f"inviting_unit.{action}",
        object_type="inviting_unit",
        object_id=unit.id,
        before=before,
        after=unit_snapshot(unit),
        detail=note or "",
    )


def _text(value: str, field: str, problems: list[Problem], *, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not value:
        problems.append(Problem(f"enter {what}", field=field))
    elif len(value) > limit:
        problems.append(Problem(f"{what} must be {limit} characters or fewer", field=field))
    return value


def _live(session: Session, organisation_id: int, today: dt.date) -> InvitingUnit | None:
    """The organisation's registration that is pending, or approved and not yet expired."""
    rows = session.scalars(
        select(InvitingUnit).where(
            InvitingUnit.organisation_id == organisation_id,
            InvitingUnit.status.in_([UnitStatus.PENDING.value, UnitStatus.APPROVED.value]),
        )
    )
    for unit in rows:
        if unit.status == UnitStatus.PENDING.value or (
            unit.valid_until is not None and unit.valid_until >= today
        ):
            return unit
    return None


def apply(
    session: Session,
    *,
    principal: Principal,
    organisation_id: int,
    contact_name: str,
    contact_phone: str,
    statement: str,
    today: dt.date,
) -> InvitingUnit:
    """A member of the organisation applies for it to become an inviting unit."""
    if organisation_id not in principal.member_of():
        if _reads_all(principal) and session.get(Organisation, organisation_id) is not None:
            raise Forbidden("only a member of the organisation applies for it")
        raise NotFound(f"no organisation {organisation_id}")
    problems: list[Problem] = []
    contact_name = _text(contact_name, "contact_name", problems, limit=200, what="a contact name")
    contact_phone = _text(
        contact_phone, "contact_phone", problems, limit=40, what="a contact phone number"
    )
    if contact_phone and not re.fullmatch(r"\+?[0-9][0-9 \-]{4,38}", contact_phone):
        problems.append(Problem("enter a phone number in digits", field="contact_phone"))
    statement = _text(
        statement, "statement", problems, limit=2000, what="why the organisation invites guests"
    )
    if problems:
        raise InvalidInput("cannot apply to be an inviting unit", problems)
    live = _live(session, organisation_id, today)
    if live is not None:
        raise Conflict(
            f"organisation {organisation_id} already has a registration that is {live.status} "
            f"(inviting unit {live.id})"
        )
    unit = InvitingUnit(
        organisation_id=organisation_id,
        status=UNIT_WORKFLOW.initial,
        contact_name=contact_name,
        contact_phone=contact_phone,
        statement=statement,
        applied_by=principal.user_id,
    )
    session.add(unit)
    session.flush()
    _record(
        session,
        unit,
        action="apply",
        actor=Actor(principal.user_id, principal.username, organisation_id),
        before=None,
        from_status=None,
    )
    return unit


def _as_officer(session: Session, principal: Principal, unit_id: int) -> tuple[InvitingUnit, Actor]:
    unit = get_unit(session, principal=principal, unit_id=unit_id)
    if not talent_permissions.decides_inviting_units(principal):
        raise Forbidden("only an exit-entry officer decides inviting units")
    # Locked for the decision: two officers deciding at once take turns.
    session.refresh(unit, with_for_update=True)
    return unit, Actor(principal.user_id, principal.username, None)


def _step(unit: InvitingUnit, action: UnitAction) -> str:
    """The status the step leads to, or InvalidTransition from the declared table."""
    return UNIT_WORKFLOW.step(action, unit.status)


def approve(
    session: Session,
    *,
    principal: Principal,
    unit_id: int,
    valid_until: dt.date,
    today: dt.date,
    approved_on: dt.date | None = None,
) -> InvitingUnit:
    """Approve a pending registration for approved_on (default today) to valid_until inclusive."""
    unit, who = _as_officer(session, principal, unit_id)
    target = _step(unit, UnitAction.APPROVE)
    approved_on = approved_on or today
    problems = []
    if approved_on > today:
        problems.append(Problem("the approval cannot be dated in the future", field="approved_on"))
    if valid_until < max(approved_on, today):
        problems.append(
            Problem("the registration must be valid until today or later", field="valid_until")
        )
    if problems:
        raise InvalidInput("cannot approve the inviting unit", problems)
    before = unit_snapshot(unit)
    was, unit.status = unit.status, target
    unit.approved_on, unit.valid_until = approved_on, valid_until
    unit.decided_by, unit.decided_at = principal.user_id, dt.datetime.now(dt.UTC)
    unit.version += 1
    _record(
        session,
        unit,
        action="approve",
        actor=who,
        before=before,
        from_status=was,
        note=f"valid {approved_on.isoformat()} to {valid_until.isoformat()}",
    )
    return unit


def _reason(text: str, action: str) -> str:
    problems: list[Problem] = []
    text = _text(text, "reason", problems, limit=2000, what="the reason")
    if problems:
        raise InvalidInput(f"cannot {action} the inviting unit", problems)
    return text


def refuse(
    session: Session, *, principal: Principal, unit_id: int, reason: str, today: dt.date
) -> InvitingUnit:
    unit, who = _as_officer(session, principal, unit_id)
    target = _step(unit, UnitAction.REFUSE)
    reason = _reason(reason, "refuse")
    before = unit_snapshot(unit)
    was, unit.status = unit.status, target
    unit.refusal_reason = reason
    unit.decided_by, unit.decided_at = principal.user_id, dt.datetime.now(dt.UTC)
    unit.version += 1
    _record(session, unit, action="refuse", actor=who, before=before, from_status=was, note=reason)
    return unit


def revoke(
    session: Session,
    *,
    principal: Principal,
    unit_id: int,
    reason: str,
    today: dt.date,
    revoked_on: dt.date | None = None,
) -> InvitingUnit:
    """Revoke an approved registration from revoked_on (default today): no invitation after it."""
    unit, who = _as_officer(session, principal, unit_id)
    target = _step(unit, UnitAction.REVOKE)
    reason = _reason(reason, "revoke")
    revoked_on = revoked_on or today
    assert unit.approved_on is not None
    if revoked_on > today or revoked_on < unit.approved_on:
        raise InvalidInput(
            "cannot revoke the inviting unit",
            [
                Problem(
                    f"the revocation takes effect between the approval "
                    f"({unit.approved_on.isoformat()}) and today",
                    field="revoked_on",
                )
            ],
        )
    before = unit_snapshot(unit)
    was, unit.status = unit.status, target
    unit.revoked_on, unit.revoked_by, unit.revocation_reason = (
        revoked_on,
        principal.user_id,
        reason,
    )
    unit.version += 1
    _record(
        session,
        unit,
        action="revoke",
        actor=who,
        before=before,
        from_status=was,
        note=reason,
    )
    return unit


def inviter_standing(session: Session, *, organisation_id: int, on: dt.date) -> InvitingUnit:
    """The registration under which the organisation may invite on `on`, or the refusal why not."""
    units = list(
        session.scalars(
            select(InvitingUnit)
            .where(InvitingUnit.organisation_id == organisation_id)
            .order_by(InvitingUnit.id.desc())
        )
    )
    for unit in units:
        if (
            unit.status == UnitStatus.APPROVED.value
            and unit.approved_on is not None
            and unit.valid_until is not None
            and unit.approved_on <= on <= unit.valid_until
        ):
            return unit
    latest = units[0] if units else None
    if latest is None or latest.status == UnitStatus.REFUSED.value:
        raise InviterNotApproved(
            "not_registered",
            "the organisation is not registered as an inviting unit"
            + (" (its application was refused)" if latest is not None else ""),
        )
    if latest.status == UnitStatus.PENDING.value:
        raise InviterNotApproved(
            "pending",
            "the organisation's registration as an inviting unit has not been approved yet",
        )
    if latest.status == UnitStatus.REVOKED.value:
        raise InviterNotApproved(
            "revoked",
            f"the organisation's registration as an inviting unit was revoked on "
            f"{latest.revoked_on}",
            since=latest.revoked_on,
        )
    assert latest.valid_until is not None
    raise InviterNotApproved(
        "expired",
        f"the organisation's registration as an inviting unit expired after {latest.valid_until}",
        since=latest.valid_until,
    )
