"""Electronic port visa invitations: the registry of inviting units, the invitations they issue,
and the public check of an invitation by its verification code.

An organisation of the platform applies to be an inviting unit; an exit-entry officer approves it
for a period (approved_on to valid_until, inclusive), refuses it, or later revokes it. Members of
an approved unit invite a named foreign national for a stated activity with a visa type. An
unregistered, pending, revoked or expired inviter is refused with the reason
(`InviterNotApproved`, one stable code per reason). An issued invitation states single entry,
entry within 15 days of issue and a stay of at most 30 days (catalogue/data/talent/port_visa.yaml,
citing shared/sources/talent.md) and carries a verification code, shown once and stored only as
its SHA-256 digest.

Checking a code needs no sign-in. A forged and an unknown code get the same answer. An invitation
issued before its inviter's registration was revoked stays genuine — it was valid when issued and
its holder may already be travelling on it — and the check says that the inviter was revoked, and
since when, so that the border officer can decide.

Passport numbers are shown in full only to the inviting organisation's members and to exit-entry
officers; everyone else, the audit log and the public check get the masked form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from pydantic import BaseModel, ConfigDict, TypeAdapter
from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.models import Role
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.loader import _parse as parse_file  # the same file:line reporting
from ftzlink.errors import CatalogueError, Conflict, Forbidden, InvalidInput, NotFound, Problem
from ftzlink.organisations.models import Organisation
from ftzlink.ratelimit import FailureWindow
from ftzlink.talent.invitation_tables import Invitation, InvitingUnit, InvitingUnitEvent, UnitStatus
from ftzlink.talent.loader import TALENT_DIR
from ftzlink.talent.models import Choice, TalentCitation, TalentSource
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.workflow import UNIT_WORKFLOW, UnitAction
from ftzlink.text import Lang

__all__ = [
    "Check",
    "InviterNotApproved",
    "IssuedInvitation",
    "PortVisaRules",
    "apply",
    "approve",
    "bundled_port_visa_rules",
    "can_see_passport",
    "countries",
    "country_name",
    "get_invitation",
    "get_unit",
    "inviter_standing",
    "issue",
    "list_invitations",
    "list_units",
    "load_port_visa_rules",
    "normalise_code",
    "refuse",
    "revoke",
    "unit_history",
    "verify",
]

# --- the rules, as data -------------------------------------------------------------------------


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Data):
    citation: TalentCitation


class Terms(_Data):
    """What every invitation states: entries, days to enter after issue, longest stay."""

    entries: int
    enter_within_days: int
    max_stay_days: int
    citation: TalentCitation


class Choices(_Data):
    citation: TalentCitation
    choices: list[Choice]

    def ids(self) -> list[str]:
        return [c.id for c in self.choices]

    def label(self, value: str, lang: Lang) -> str:
        choice = next((c for c in self.choices if c.id == value), None)
        return choice.label.get(lang) if choice else value


class PortVisaRules(_Data):
    sources: list[TalentSource]
    inviters: Cited
    terms: Terms
    visa_types: Choices
    activities: Choices

    def source(self, source_id: str) -> TalentSource:
        return next(s for s in self.sources if s.id == source_id)


PORT_VISA_FILE = TALENT_DIR / "port_visa.yaml"


def load_port_visa_rules(path: Path = PORT_VISA_FILE) -> PortVisaRules:
    """Load the port-visa facts; raise CatalogueError naming file:line: field of every problem."""
    problems: list[Problem] = []
    parsed = parse_file(path, TypeAdapter(PortVisaRules), problems)
    if parsed is None:
        raise CatalogueError(f"the port visa rules in {path} are invalid", problems)
    rules, document = parsed
    known = {s.id for s in rules.sources}
    cited: list[tuple[tuple[str, ...], TalentCitation]] = [
        (("inviters", "citation"), rules.inviters.citation),
        (("terms", "citation"), rules.terms.citation),
        (("visa_types", "citation"), rules.visa_types.citation),
        (("activities", "citation"), rules.activities.citation),
    ]
    for loc, citation in cited:
        if citation.source not in known:
            problems.append(document.problem(loc, f"{citation.source!r} is not a source here"))
    for name in ("entries", "enter_within_days", "max_stay_days"):
        if getattr(rules.terms, name) < 1:
            problems.append(document.problem(("terms", name), "must be at least 1"))
    for name, choices in (("visa_types", rules.visa_types), ("activities", rules.activities)):
        ids = choices.ids()
        if not ids:
            problems.append(document.problem((name, "choices"), "name at least one"))
        for i, choice_id in enumerate(ids):
            if choice_id in ids[:i]:
                problems.append(document.problem((name, "choices", i), f"{choice_id!r} twice"))
    if problems:
        raise CatalogueError(f"the port visa rules in {path} are invalid", problems)
    return rules


@cache
def bundled_port_visa_rules() -> PortVisaRules:
    return load_port_visa_rules()


# --- nationality: ISO 3166-1 alpha-2 ------------------------------------------------------------

# CLDR lists a few codes besides ISO 3166-1's assigned ones: reserved (AC, CP, DG, EA, IC, TA),
# user-assigned (CQ, EZ, QO, XA, XB, XK, ZZ) and groupings (EU, UN). A passport's country is one
# of the assigned 249.
_NOT_COUNTRIES = frozenset(
    "AC CP CQ DG EA EU EZ IC QO TA UN XA XB XK ZZ".split()  # noqa: SIM905
)
_BABEL = {"zh": "zh_CN", "en": "en"}


@cache
def _territories(lang: Lang) -> dict[str, str]:
    names = Locale.parse(_BABEL[lang]).territories
    return {
        code: str(name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def countries(lang: Lang) -> list[tuple[str, str]]:
    """(alpha-2 code, name) for every country, sorted by name in the reader's language."""
    return sorted(_territories(lang).items(), key=lambda item: item[1])


def country_name(code: str, lang: Lang) -> str:
    return _territories(lang).get(code, code)


# --- errors and results -------------------------------------------------------------------------

Reason = Literal["not_registered", "pending", "revoked", "expired"]


class InviterNotApproved(Conflict):
    """An invitation refused because the organisation is not an approved inviting unit today.

    `code` names the reason: inviter_not_registered, inviter_pending, inviter_revoked,
    inviter_expired.
    """

    def __init__(self, reason: Reason, message: str, *, since: dt.date | None = None) -> None:
        self.reason = reason
        self.since = since
        self.code = f"inviter_{reason}"
        super().__init__(message)


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    code: str  # shown once; only its digest is stored


@dataclass(frozen=True)
class Check:
    """The answer to a check by code: None when the code is not genuine (forged or unknown)."""

    invitation: Invitation
    unit: InvitingUnit
    organisation: Organisation
    within_entry_period: bool  # today is on or before the enter-by date
    inviter_revoked_on: dt.date | None  # the inviter's registration was revoked later


# --- the verification code ----------------------------------------------------------------------

# 30 symbols without 0/O, 1/I/L or U: easy to read aloud and to type from a printed letter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 20  # 20 symbols of 30: about 98 bits, far beyond guessing
_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """`ABCDEFGHJK…` → `ABCDE-FGHJK-…`, as printed on the letter."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def normalise_code(text: str) -> str:
    """The code as typed (any case, with spaces or hyphens) in its stored form."""
    return re.sub(r"[\s\-‐-―]", "", text).upper()


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- who sees what ------------------------------------------------------------------------------


def _reads_all(principal: Principal) -> bool:
    return permissions.reads_everything(principal) or principal.has(Role.EXIT_ENTRY_OFFICER)


def can_see_passport(principal: Principal | None, invitation: Invitation) -> bool:
    """The inviting organisation's members and exit-entry officers; nobody else."""
    if principal is None:
        return False
    return invitation.organisation_id in principal.member_of() or principal.has(
        Role.EXIT_ENTRY_OFFICER
    )


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
    if not principal.has(Role.EXIT_ENTRY_OFFICER):
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
    if nationality not in _territories("en"):
        problems.append(
            Problem(
                "enter the nationality as an ISO 3166-1 two-letter country code",
                field="nationality",
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
