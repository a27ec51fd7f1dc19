"""Organisations, their HQ/branch links, and delegations for authorized handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import contains_text, utcnow
from ftzlink.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from ftzlink.organisations.tables import Delegation, Organisation
from ftzlink.profiles.loader import profile_from_data
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.profiles.uscc import uscc_problem
from ftzlink.text import Lang, name_in

__all__ = [
    "actor",
    "create_delegation",
    "create_organisation",
    "delegations_to",
    "english_name",
    "enterprise_profile",
    "get_organisation",
    "list_delegations",
    "list_organisations",
    "names_of",
    "organisations_of",
    "revoke_delegation",
    "snapshot",
    "update_organisation",
]

# Fields kept in their own columns; the rest of the profile is stored as data.
_COLUMNS = ("name", "name_en", "uscc", "district", "zone", "sector")
NAME_MAX = 200


def english_name(value: str | None, *, field: str = "name_en") -> str | None:
    """An optional English name as stored: stripped, None when blank; too long is refused."""
    text = (value or "").strip()
    if len(text) > NAME_MAX:
        raise InvalidInput(
            "the English name is too long",
            [Problem(f"at most {NAME_MAX} characters", field=field)],
        )
    return text or None


def actor(principal: Principal, acted_for_id: int | None = None) -> Actor:
    return Actor(principal.user_id, principal.username, acted_for_id)


def snapshot(org: Organisation) -> dict[str, Any]:
    return {
        "uscc": org.uscc,
        "name": org.name,
        "name_en": org.name_en,
        "district": org.district,
        "zone": org.zone,
        "sector": org.sector,
        "headquarters_id": org.headquarters_id,
        "profile": org.profile,
    }


def enterprise_profile(
    org: Organisation, catalogue: Catalogue, extra: dict[str, Any] | None = None
) -> EnterpriseProfile:
    """What the engine sees: the stored profile, the organisation's columns, then `extra`."""
    data: dict[str, Any] = dict(org.profile or {})
    data.update(
        name=org.name,
        uscc=org.uscc,
        registered_district=org.district,
        zone=org.zone,
        sector=org.sector,
    )
    data.update(extra or {})
    return profile_from_data({k: v for k, v in data.items() if v is not None}, catalogue)


def _check_values(
    catalogue: Catalogue,
    *,
    uscc: str | None,
    district: str | None,
    zone: str | None,
    sector: str | None,
) -> list[Problem]:
    problems = []
    if uscc is not None and (problem := uscc_problem(uscc)):
        problems.append(Problem(f"not a valid unified social credit code: {problem}", field="uscc"))
    for name, vocabulary, value in (
        ("district", "districts", district),
        ("sector", "sectors", sector),
    ):
        if value is not None and value not in catalogue.known_terms(vocabulary):
            problems.append(Problem(f"{value!r} is not a known {vocabulary} value", field=name))
    if zone is not None and catalogue.zone(zone) is None:
        problems.append(Problem(f"{zone!r} is not a known zone", field="zone"))
    return problems


def _check_profile(catalogue: Catalogue, org: Organisation) -> None:
    # Raises ProfileError naming the fields; `enterprise_profile` is the one place that merges.
    enterprise_profile(org, catalogue)


def create_organisation(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    uscc: str,
    name: str,
    name_en: str | None = None,
    district: str | None = None,
    zone: str | None = None,
    sector: str | None = None,
    headquarters_id: int | None = None,
    profile: dict[str, Any] | None = None,
) -> Organisation:
    if not principal.is_platform_admin:
        raise Forbidden("only a platform admin registers organisations")
    problems = _check_values(catalogue, uscc=uscc, district=district, zone=zone, sector=sector)
    if problems:
        raise InvalidInput("cannot register the organisation", problems)
    if session.scalar(select(Organisation.id).where(Organisation.uscc == uscc)) is not None:
        raise Conflict(f"an organisation with code {uscc} is already registered")
    if headquarters_id is not None and session.get(Organisation, headquarters_id) is None:
        raise InvalidInput(
            "cannot register the organisation",
            [Problem(f"no organisation {headquarters_id}", field="headquarters_id")],
        )
    org = Organisation(
        uscc=uscc,
        name=name,
        name_en=english_name(name_en),
        district=district,
        zone=zone,
        sector=sector,
        headquarters_id=headquarters_id,
        profile={k: v for k, v in (profile or {}).items() if k not in _COLUMNS},
    )
    _check_profile(catalogue, org)
    session.add(org)
    session.flush()
    append(
        session,
        actor=actor(principal),
        action="organisation.create",
        object_type="organisation",
        object_id=org.id,
        after=snapshot(org),
    )
    return org


def delegations_to(
    session: Session, principal: Principal, *, on: dt.date, measure_id: str | None = None
) -> dict[int, Delegation]:
    """Branches the principal's organisations may act for on `on` (for `measure_id`, if given)."""
    hq_ids = principal.member_of()
    if not hq_ids:
        return {}
    rows = session.scalars(
        select(Delegation).where(
            Delegation.headquarters_id.in_(hq_ids), Delegation.revoked_at.is_(None)
        )
    ).all()
    return {d.branch_id: d for d in rows if d.covers(measure_id=measure_id, on=on)}


def _visible(session: Session, principal: Principal, on: dt.date) -> Select[Organisation]:
    query = select(Organisation)
    if permissions.reads_everything(principal):
        return query
    ids = principal.member_of() | set(delegations_to(session, principal, on=on))
    districts = principal.districts(Role.REVIEWER) | principal.districts(Role.BUDGET_OFFICER)
    return query.where(or_(Organisation.id.in_(ids), Organisation.district.in_(districts)))


def get_organisation(
    session: Session, *, principal: Principal, organisation_id: int, on: dt.date
) -> Organisation:
    org = session.scalar(_visible(session, principal, on).where(Organisation.id == organisation_id))
    if org is None:
        raise NotFound(f"no organisation {organisation_id}")
    return org


def list_organisations(
    session: Session,
    *,
    principal: Principal,
    on: dt.date,
    district: str | None = None,
    zone: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Organisation], int]:
    from sqlalchemy import func

    query = _visible(session, principal, on)
    if district:
        query = query.where(Organisation.district == district)
    if zone:
        query = query.where(Organisation.zone == zone)
    if q:
        query = query.where(
            or_(
                contains_text(Organisation.name, q),
                contains_text(Organisation.name_en, q),
                Organisation.uscc == q,
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Organisation.id).offset(offset).limit(limit)).all()
    return list(rows), total


def update_organisation(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    organisation_id: int,
    on: dt.date,
    changes: dict[str, Any],
) -> Organisation:
    """Change the name, district, zone, sector or profile fields (None clears a profile field)."""
    org = get_organisation(session, principal=principal, organisation_id=organisation_id, on=on)
    if not permissions.can_manage_organisation(principal, organisation_id=org.id):
        raise Forbidden("only the organisation's admin or a platform admin changes it")
    before = snapshot(org)
    profile = dict(org.profile or {})
    for key, value in changes.items():
        if key == "uscc":
            raise InvalidInput(
                "cannot change the organisation",
                [
                    Problem(
                        "the credit code identifies the organisation and cannot change",
                        field="uscc",
                    )
                ],
            )
        if key == "name_en":
            org.name_en = english_name(value)
        elif key in _COLUMNS:
            setattr(org, key, value)
        elif value is None:
            profile.pop(key, None)
        else:
            profile[key] = value
    problems = _check_values(
        catalogue, uscc=None, district=org.district, zone=org.zone, sector=org.sector
    )
    if problems:
        raise InvalidInput("cannot change the organisation", problems)
    org.profile = profile
    _check_profile(catalogue, org)
    org.version += 1
    session.flush()
    append(
        session,
        actor=actor(principal),
        action="organisation.update",
        object_type="organisation",
        object_id=org.id,
        before=before,
        after=snapshot(org),
    )
    return org


def delegation_snapshot(d: Delegation) -> dict[str, Any]:
    return {
        "headquarters_id": d.headquarters_id,
        "branch_id": d.branch_id,
        "measures": d.measures,
        "valid_from": d.valid_from,
        "valid_to": d.valid_to,
        "revoked_at": d.revoked_at,
    }


def create_delegation(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    headquarters_id: int,
    branch_id: int,
    measures: list[str] | None,
    valid_from: dt.date,
    valid_to: dt.date | None,
    on: dt.date,
) -> Delegation:
    """Let a headquarters act for one of its registered branches."""
    # A headquarters' admin may not see its branch before a delegation exists; it may grant one
    # for an organisation registered as its branch.
    branch = session.get(Organisation, branch_id)
    if not (
        branch is not None
        and branch.headquarters_id == headquarters_id
        and permissions.can_manage_organisation(principal, organisation_id=headquarters_id)
    ):
        branch = get_organisation(session, principal=principal, organisation_id=branch_id, on=on)
    if not (
        permissions.can_manage_organisation(principal, organisation_id=branch_id)
        or permissions.can_manage_organisation(principal, organisation_id=headquarters_id)
    ):
        raise Forbidden("a delegation is granted by an admin of the branch or its headquarters")
    problems = []
    if branch.headquarters_id != headquarters_id:
        problems.append(
            Problem(
                f"organisation {branch_id} is not a registered branch of {headquarters_id}",
                field="branch_id",
            )
        )
    known = {m.id for _, m in catalogue.measures()}
    for m in measures or []:
        if m not in known:
            problems.append(Problem(f"no measure {m!r} in the catalogue", field="measures"))
    if measures is not None and not measures:
        problems.append(
            Problem("name at least one measure, or leave it out for all", field="measures")
        )
    if valid_to is not None and valid_to < valid_from:
        problems.append(
            Problem(f"valid_to {valid_to} is before valid_from {valid_from}", field="valid_to")
        )
    if problems:
        raise InvalidInput("cannot create the delegation", problems)
    d = Delegation(
        headquarters_id=headquarters_id,
        branch_id=branch_id,
        measures=sorted(set(measures)) if measures else None,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=principal.user_id,
    )
    session.add(d)
    session.flush()
    append(
        session,
        actor=actor(principal, branch_id),
        action="delegation.create",
        object_type="delegation",
        object_id=d.id,
        after=delegation_snapshot(d),
    )
    return d


def _visible_delegations(principal: Principal) -> Select[Delegation]:
    query = select(Delegation)
    if permissions.reads_everything(principal):
        return query
    mine = principal.member_of()
    return query.where(or_(Delegation.headquarters_id.in_(mine), Delegation.branch_id.in_(mine)))


def list_delegations(
    session: Session, *, principal: Principal, offset: int = 0, limit: int = 50
) -> tuple[list[Delegation], int]:
    from sqlalchemy import func

    query = _visible_delegations(principal)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(
        session.scalars(query.order_by(Delegation.id).offset(offset).limit(limit)).all()
    ), total


def get_delegation(session: Session, *, principal: Principal, delegation_id: int) -> Delegation:
    d = session.scalar(_visible_delegations(principal).where(Delegation.id == delegation_id))
    if d is None:
        raise NotFound(f"no delegation {delegation_id}")
    return d


def revoke_delegation(session: Session, *, principal: Principal, delegation_id: int) -> Delegation:
    d = get_delegation(session, principal=principal, delegation_id=delegation_id)
    if not (
        permissions.can_manage_organisation(principal, organisation_id=d.branch_id)
        or permissions.can_manage_organisation(principal, organisation_id=d.headquarters_id)
    ):
        raise Forbidden("a delegation is revoked by an admin of the branch or its headquarters")
    if d.revoked_at is not None:
        raise Conflict(f"delegation {d.id} was already revoked")
    before = delegation_snapshot(d)
    d.revoked_at, d.revoked_by = utcnow(), principal.user_id
    session.flush()
    append(
        session,
        actor=actor(principal, d.branch_id),
        action="delegation.revoke",
        object_type="delegation",
        object_id=d.id,
        before=before,
        after=delegation_snapshot(d),
    )
    return d


def organisations_of(session: Session, ids: Iterable[int]) -> dict[int, Organisation]:
    """Organisations by id, for objects the caller has already been allowed to see."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    }


def names_of(session: Session, ids: Iterable[int], *, lang: Lang = "zh") -> dict[int, str]:
    """Organisation names by id as a reader of `lang` sees them, for objects the caller has
    already been allowed to see."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(Organisation.id, Organisation.name, Organisation.name_en).where(
        Organisation.id.in_(wanted)
    )
    return {id_: name_in(name, name_en, lang) for id_, name, name_en in session.execute(query)}
