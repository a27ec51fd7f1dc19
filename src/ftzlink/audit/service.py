"""Reading the audit log: filtered, paged entries for auditors and platform admins, the names an
entry refers to, and the values the log's filters can offer. Writing is `audit.log.append`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ftzlink.applications.tables import Application
from ftzlink.audit.tables import AuditEntry
from ftzlink.auth.permissions import can_read_audit
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import User
from ftzlink.errors import Forbidden, NotFound
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Text, names

__all__ = [
    "Choices",
    "EntryFilters",
    "Names",
    "entries_in_order",
    "entry_exists",
    "filter_choices",
    "get_entry",
    "list_entries",
    "names_of",
]

SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # the platform's day; no daylight saving


@dataclass(frozen=True)
class EntryFilters:
    actor: str = ""
    acted_for: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: dt.date | None = None  # Shanghai days, inclusive
    end: dt.date | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.actor:
            query = query.where(func.lower(AuditEntry.actor) == self.actor.lower())
        if self.acted_for:
            query = query.where(AuditEntry.acted_for_id == self.acted_for)
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.object_type:
            query = query.where(AuditEntry.object_type == self.object_type)
        if self.object_id:
            query = query.where(AuditEntry.object_id == self.object_id)
        # Entries record their moment in UTC as ISO 8601 text; days are Shanghai days.
        if self.start:
            query = query.where(AuditEntry.at >= _utc_text(self.start))
        if self.end:
            query = query.where(AuditEntry.at < _utc_text(self.end + dt.timedelta(days=1)))
        return query


def _utc_text(day: dt.date) -> str:
    moment = dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)
    return moment.isoformat(timespec="microseconds")


def _require(principal: Principal) -> None:
    if not can_read_audit(principal):
        raise Forbidden("the audit log is for auditors and platform admins")


def list_entries(
    session: Session,
    *,
    principal: Principal,
    filters: EntryFilters = EntryFilters(),
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[AuditEntry], int, int]:
    """Entries newest first, one page of them; the total and the page actually shown (a page
    past the last shows the last)."""
    _require(principal)
    query = filters.apply(select(AuditEntry))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, -(-total // page_size)))
    entries = session.scalars(
        query.order_by(AuditEntry.seq.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return list(entries), total, page


def entries_in_order(
    session: Session,
    *,
    principal: Principal,
    filters: EntryFilters = EntryFilters(),
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEntry], int]:
    """Entries in the chain's order (oldest first) from `offset`, and how many match in all."""
    _require(principal)
    query = filters.apply(select(AuditEntry))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.seq).offset(offset).limit(limit))
    return list(rows), total


def get_entry(session: Session, *, principal: Principal, seq: int) -> AuditEntry:
    _require(principal)
    entry = session.get(AuditEntry, seq)
    if entry is None:
        raise NotFound(f"no audit entry {seq}")
    return entry


def entry_exists(session: Session, *, principal: Principal, seq: int | None) -> bool:
    _require(principal)
    return seq is not None and session.get(AuditEntry, seq) is not None


@dataclass(frozen=True)
class Names:
    """What the entries refer to by id, by name: users, organisations, application references."""

    users: dict[int, str]
    organisations: dict[int, Text]
    references: dict[int, str]


def names_of(session: Session, *, principal: Principal, entries: Iterable[AuditEntry]) -> Names:
    _require(principal)
    entries = list(entries)
    user_ids = {e.actor_id for e in entries if e.actor_id}
    org_ids = {e.acted_for_id for e in entries if e.acted_for_id}
    app_ids = {
        int(e.object_id)
        for e in entries
        if e.object_type == "application" and e.object_id.isdigit()
    }
    users = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    orgs = session.execute(
        select(Organisation.id, Organisation.name, Organisation.name_en).where(
            Organisation.id.in_(org_ids)
        )
    )
    refs = session.execute(
        select(Application.id, Application.reference).where(Application.id.in_(app_ids))
    )
    return Names(
        users=dict(users.all()),
        organisations={org_id: names(name, name_en) for org_id, name, name_en in orgs},
        references=dict(refs.all()),
    )


@dataclass(frozen=True)
class Choices:
    """The values present in the log, for its filters."""

    actions: list[str]
    object_types: list[str]
    organisations: list[tuple[int, Text]]  # acted for, by (Chinese) name


def filter_choices(session: Session, *, principal: Principal) -> Choices:
    _require(principal)
    actions = session.scalars(select(AuditEntry.action).distinct()).all()
    types = session.scalars(select(AuditEntry.object_type).distinct()).all()
    acted_for = session.scalars(
        select(AuditEntry.acted_for_id).distinct().where(AuditEntry.acted_for_id.is_not(None))
    ).all()
    orgs = session.execute(
        select(Organisation.id, Organisation.name, Organisation.name_en)
        .where(Organisation.id.in_(list(acted_for)))
        .order_by(Organisation.name)
    )
    return Choices(
        list(actions), list(types), [(i, names(name, name_en)) for i, name, name_en in orgs]
    )
