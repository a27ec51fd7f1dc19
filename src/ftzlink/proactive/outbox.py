"""免申即享 notifications: who sees which, and delivering the unsent ones to a sink (at least once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from ftzlink.applications.permissions import official_districts
from ftzlink.applications.tables import Application
from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.db import utcnow
from ftzlink.errors import (
    Forbidden,
)
from ftzlink.ops import metrics
from ftzlink.organisations.service import delegations_to
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive.tables import (
    Notification,
)

__all__ = ["Message", "Sink", "deliver", "deliver_as", "list_notifications", "message_of"]


# --- notifications -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A notification as a sink sends it."""

    id: int
    organisation_id: int
    organisation_name: str
    uscc: str
    kind: str
    subject: Mapping[str, str]
    body: Mapping[str, str]
    application_reference: str | None
    created_at: dt.datetime


class Sink(Protocol):
    """Where notifications go: a file, the console, or (not built in) e-mail or SMS."""

    name: str

    def send(self, message: Message) -> None: ...


def list_notifications(
    session: Session,
    *,
    principal: Principal,
    on: dt.date,
    unsent: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Notification], int]:
    """Members see their organisation's; officials their districts'; admins and auditors all."""
    query = select(Notification).join(Organisation, Organisation.id == Notification.organisation_id)
    if not permissions.reads_everything(principal):
        own = set(principal.member_of()) | set(delegations_to(session, principal, on=on))
        clauses: list[ColumnElement[bool]] = [Notification.organisation_id.in_(own)]
        if districts := official_districts(principal):
            clauses.append(Organisation.district.in_(districts))
        query = query.where(or_(false(), *clauses))
    if unsent:
        query = query.where(Notification.sent_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Notification.id).offset(offset).limit(limit))
    return list(rows), total


def message_of(session: Session, note: Notification) -> Message:
    org = session.get(Organisation, note.organisation_id)
    assert org is not None
    app = session.get(Application, note.application_id) if note.application_id else None
    return Message(
        id=note.id,
        organisation_id=org.id,
        organisation_name=org.name,
        uscc=org.uscc,
        kind=note.kind,
        subject=note.subject,
        body=note.body,
        application_reference=app.reference if app else None,
        created_at=note.created_at,
    )


def deliver(
    session: Session, *, actor: Actor, sink: Sink, limit: int | None = None
) -> list[Notification]:
    """Send the notifications not yet sent, oldest first, and mark them sent. Idempotent: what
    was sent is not sent again. A message is handed to the sink before the transaction commits,
    so a crash in between may send it twice (at least once); receivers dedupe by its id."""
    query = (
        select(Notification)
        .where(Notification.sent_at.is_(None))
        .order_by(Notification.id)
        .with_for_update()
    )
    if limit is not None:
        query = query.limit(limit)
    sent = []
    for note in session.scalars(query):
        try:
            sink.send(message_of(session, note))
        except Exception:
            metrics.OUTBOX_FAILURES.labels(sink.name).inc()
            raise
        metrics.OUTBOX_DELIVERED.labels(sink.name).inc()
        note.sent_at, note.channel = utcnow(), sink.name
        append(
            session,
            actor=actor,
            action="notification.send",
            object_type="notification",
            object_id=note.id,
            after={"sent_at": note.sent_at, "channel": note.channel},
        )
        sent.append(note)
    return sent


def deliver_as(
    session: Session, *, principal: Principal, sink: Sink, limit: int | None = None
) -> list[Notification]:
    """`deliver` for a signed-in operator: a platform admin."""
    if not principal.is_platform_admin:
        raise Forbidden("only a platform admin delivers notifications")
    return deliver(
        session, actor=Actor(principal.user_id, principal.username, None), sink=sink, limit=limit
    )
