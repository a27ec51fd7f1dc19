"""Issuing invitations under an approved registration, and the public check by code."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.countries import UnknownCountry, is_foreign_nationality
from ftzlink.errors import Forbidden, InvalidInput, NotFound, Problem
from ftzlink.organisations.tables import Organisation
from ftzlink.ratelimit import FailureWindow
from ftzlink.talent.invitation_tables import Invitation, InvitingUnit
from ftzlink.talent.invitations.common import (
    _CODE,
    Check,
    IssuedInvitation,
    _digest,
    _new_code,
    normalise_code,
)
from ftzlink.talent.invitations.queries import _reads_all
from ftzlink.talent.invitations.registry import _text, inviter_standing
from ftzlink.talent.invitations.rules import PortVisaRules, bundled_port_visa_rules
from ftzlink.talent.privacy import mask_passport

__all__ = ["check_for_anyone", "invitation_snapshot", "issue", "verify"]

# --- invitations --------------------------------------------------------------------------------


def invitation_snapshot(invitation: Invitation) -> dict[str, Any]:
    """What the audit log keeps: the passport number masked."""
    return {
        "reference": invitation.reference,
        "unit_id": invitation.unit_id,
        "organisation_id": invitation.organisation_id,
        "invitee_name": invitation.invitee_name,
        "nationality": invitation.nationality,
        "passport_number": mask_passport(invitation.passport_number),
        "date_of_birth": invitation.date_of_birth,
        "activity": invitation.activity,
        "visa_type": invitation.visa_type,
        "planned_entry_on": invitation.planned_entry_on,
        "issued_on": invitation.issued_on,
        "enter_by": invitation.enter_by,
        "entries": invitation.entries,
        "max_stay_days": invitation.max_stay_days,
    }


def _reference(session: Session, today: dt.date) -> str:
    prefix = f"PV-{today.year}-"
    count = session.scalar(
        select(func.count()).where(Invitation.reference.startswith(prefix, autoescape=True))
    )
    return f"{prefix}{(count or 0) + 1:05d}"


def issue(
    session: Session,
    *,
    principal: Principal,
    organisation_id: int,
    invitee_name: str,
    nationality: str,
    passport_number: str,
    date_of_birth: dt.date,
    activity: str,
    purpose: str,
    visa_type: str,
    planned_entry_on: dt.date,
    today: dt.date,
    rules: PortVisaRules | None = None,
) -> IssuedInvitation:
    """A member of an approved inviting unit invites a foreign national; the code is returned once."""
    rules = rules or bundled_port_visa_rules()
    if organisation_id not in principal.member_of():
        if _reads_all(principal) and session.get(Organisation, organisation_id) is not None:
            raise Forbidden("only a member of the inviting organisation issues its invitations")
        raise NotFound(f"no organisation {organisation_id}")
    terms = rules.terms
    enter_by = today + dt.timedelta(days=terms.enter_within_days)
    problems: list[Problem] = []
    invitee_name = _text(invitee_name, "invitee_name", problems, limit=200, what="the name")
    nationality = (nationality or "").strip().upper()
    if len(nationality) != 2 or not is_foreign_nationality(nationality):
        problems.append(
            Problem(
                "enter the nationality as the ISO 3166-1 two-letter code of a foreign country",
                field="nationality",
                code=UnknownCountry.code,
            )
        )
    passport_number = re.sub(r"\s", "", passport_number or "").upper()
    if not re.fullmatch(r"[A-Z0-9]{5,20}", passport_number):
        problems.append(
            Problem("a passport number is 5 to 20 letters and digits", field="passport_number")
        )
    if date_of_birth >= today:
        problems.append(Problem("the date of birth must be in the past", field="date_of_birth"))
    elif date_of_birth.year < today.year - 130:
        problems.append(Problem("the date of birth is too long ago", field="date_of_birth"))
    if activity not in rules.activities.ids():
        problems.append(
            Problem(
                f"the activity is one of: {', '.join(rules.activities.ids())}", field="activity"
            )
        )
    if visa_type not in rules.visa_types.ids():
        problems.append(
            Problem(
                f"the visa type is one of: {', '.join(rules.visa_types.ids())}", field="visa_type"
            )
        )
    purpose = _text(purpose, "purpose", problems, limit=2000, what="the purpose of the visit")
    if not today <= planned_entry_on <= enter_by:
        problems.append(
            Problem(
                f"the planned entry must be between today and {enter_by.isoformat()} "
                f"(entry within {terms.enter_within_days} days of issue)",
                field="planned_entry_on",
            )
        )
    if problems:
        raise InvalidInput("cannot issue the invitation", problems)
    unit = inviter_standing(session, organisation_id=organisation_id, on=today)
    code = _new_code()
    invitation = Invitation(
        reference=_reference(session, today),
        unit_id=unit.id,
        organisation_id=organisation_id,
        invitee_name=invitee_name,
        nationality=nationality,
        passport_number=passport_number,
        date_of_birth=date_of_birth,
        activity=activity,
        purpose=purpose,
        visa_type=visa_type,
        planned_entry_on=planned_entry_on,
        issued_on=today,
        enter_by=enter_by,
        entries=terms.entries,
        max_stay_days=terms.max_stay_days,
        code_digest=_digest(code),
        issued_by=principal.user_id,
        acted_for_id=organisation_id,
    )
    session.add(invitation)
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username, organisation_id),
        action="port_visa_invitation.issue",
        object_type="port_visa_invitation",
        object_id=invitation.id,
        after=invitation_snapshot(invitation),
    )
    return IssuedInvitation(invitation, code)


def verify(session: Session, *, code: str, today: dt.date) -> Check | None:
    """Anyone's check of a code: the invitation it belongs to, or None (forged, unknown, garbled)."""
    normalised = normalise_code(code)
    if not _CODE.fullmatch(normalised):
        return None
    invitation = session.scalar(
        select(Invitation).where(Invitation.code_digest == _digest(normalised))
    )
    if invitation is None:
        return None
    unit = session.get(InvitingUnit, invitation.unit_id)
    organisation = session.get(Organisation, invitation.organisation_id)
    assert unit is not None and organisation is not None
    return Check(
        invitation=invitation,
        unit=unit,
        organisation=organisation,
        within_entry_period=today <= invitation.enter_by,
        inviter_revoked_on=unit.revoked_on,
    )


def check_for_anyone(
    session: Session, *, code: str, today: dt.date, client: str, guesses: FailureWindow
) -> Check | None:
    """The public check (API and web): `verify`, but a client whose codes keep matching nothing
    is refused (`RateLimited`, with the seconds to wait) until its window has room again."""
    guesses.check(client)
    found = verify(session, code=code, today=today)
    if found is None:
        guesses.failed(client)
    return found
