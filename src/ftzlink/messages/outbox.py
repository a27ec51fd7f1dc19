"""The outbox of deliveries: turning messages into deliveries, claiming them under a lease,
recording the outcome.

The guarantee (docs/messages.md): a delivery is claimed ("sending", with a lease) in a committed
transaction before anything is sent, and marked "sent" in another right after the server accepted
it. A worker that dies leaves its claims; once the lease has run out another worker takes them
over and sends them (at least once: nothing is lost). A message is sent twice to one address only
if the worker dies in the instant between the server's acceptance and the commit of "sent"; the
copy carries the same Message-ID (`message_key`), by which a receiving system drops duplicates.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ftzlink.auth.tables import User
from ftzlink.db import utcnow
from ftzlink.messages.tables import Channel, Delivery, DeliveryStatus, Message, Preference

__all__ = ["Claimed", "backoff", "claim", "due_backlog", "fan_out", "mark_failed", "mark_sent"]

MAIL_DOMAIN = "ftzlink.example"


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait before attempt `attempts + 1`: 30 s doubling, at most 6 hours."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def fan_out(
    session: Session, *, email: bool, webhook_url: str | None, limit: int = 500
) -> list[Delivery]:
    """Put the deliveries of new messages in the outbox: an e-mail when mail is configured, the
    recipient has an address and has not turned that kind off; a webhook call when one is set.
    Each message is fanned out once (`fanned_out_at`); a message made while no channel was
    configured stays in-app only."""
    messages = session.scalars(
        select(Message)
        .where(Message.fanned_out_at.is_(None))
        .order_by(Message.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    made: list[Delivery] = []
    now = utcnow()
    for message in messages:
        message.fanned_out_at = now
        if email:
            user = session.get(User, message.user_id)
            off = session.scalar(
                select(Preference.email).where(
                    Preference.user_id == message.user_id, Preference.kind == message.kind
                )
            )
            if user is not None and user.email and off is not False:
                made.append(_delivery(message, Channel.EMAIL, user.email, now))
        if webhook_url:
            made.append(_delivery(message, Channel.WEBHOOK, webhook_url, now))
    session.add_all(made)
    session.flush()
    return made


def _delivery(message: Message, channel: Channel, address: str, now: dt.datetime) -> Delivery:
    return Delivery(
        message_id=message.id,
        channel=channel.value,
        address=address,
        message_key=f"<{uuid.uuid4().hex}.m{message.id}@{MAIL_DOMAIN}>",
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def _claimable(now: dt.datetime, channels: list[str]) -> ColumnElement[bool]:
    return and_(
        Delivery.channel.in_(channels),
        or_(
            and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
            # A claim whose lease ran out: its worker died (or hung) before recording an outcome.
            and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until < now),
        ),
    )


@dataclass(frozen=True)
class Claimed:
    delivery: Delivery
    message: Message
    claim: str


def claim(
    session: Session, *, worker: str, channels: list[str], lease: dt.timedelta, limit: int = 20
) -> list[Claimed]:
    """Claim up to `limit` due deliveries for `worker` until now + `lease`, and count the attempt.
    PostgreSQL: the rows are locked with SKIP LOCKED, so workers never wait on each other; both:
    the UPDATE repeats the due condition, so a row another worker claimed first is not taken."""
    now = utcnow()
    ids = list(
        session.scalars(
            select(Delivery.id)
            .where(_claimable(now, channels))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    token = f"{worker}/{uuid.uuid4().hex[:12]}"
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), _claimable(now, channels))
        .values(
            status=DeliveryStatus.SENDING.value,
            claimed_by=token,
            claimed_until=now + lease,
            attempts=Delivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(Delivery, Message)
        .join(Message, Message.id == Delivery.message_id)
        .where(Delivery.claimed_by == token)
        .order_by(Delivery.id)
        .execution_options(populate_existing=True)
    ).all()
    return [Claimed(delivery=d, message=m, claim=token) for d, m in rows]


def mark_sent(session: Session, *, delivery_id: int, claim: str) -> bool:
    """Record that the server accepted the delivery; False if the claim was lost meanwhile."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.claimed_by == claim)
        .values(
            status=DeliveryStatus.SENT.value,
            sent_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_failed(
    session: Session,
    *,
    delivery_id: int,
    claim: str,
    error: str,
    permanent: bool,
    max_attempts: int,
) -> str | None:
    """Record a failed attempt: retried after a back-off, or failed for good when the server
    refused it permanently or the attempts ran out. Returns the new status (None: claim lost)."""
    delivery = session.scalar(
        select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.claimed_by == claim)
        .execution_options(populate_existing=True)
    )
    if delivery is None:
        return None
    delivery.claimed_by = None
    delivery.claimed_until = None
    delivery.last_error = error[:500]
    if permanent or delivery.attempts >= max_attempts:
        delivery.status = DeliveryStatus.FAILED.value
    else:
        delivery.status = DeliveryStatus.PENDING.value
        delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
    session.flush()
    return delivery.status


def due_backlog(session: Session, *, now: dt.datetime) -> tuple[int, dt.datetime | None, int]:
    """Deliveries due now (pending and due, or claimed by a worker whose lease ran out), since
    when the oldest of them has waited, and how many failed for good."""
    due, oldest = session.execute(
        select(func.count(), func.min(Delivery.next_attempt_at)).where(
            _claimable(now, [c.value for c in Channel])
        )
    ).one()
    failed = session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.FAILED)
    )
    if isinstance(oldest, str):  # SQLite may hand an aggregate back as text
        oldest = dt.datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return int(due or 0), oldest, int(failed or 0)
