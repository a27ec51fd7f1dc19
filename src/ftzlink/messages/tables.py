"""Tables of the message centre: messages (one per recipient), the outbox of deliveries, and each
user's choice of which kinds of message also come by e-mail."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow

__all__ = [
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "Message",
    "MessageKind",
    "Preference",
]


class MessageKind(StrEnum):
    APPLICATION_RETURNED = "application_returned"
    APPLICATION_APPROVED = "application_approved"
    APPLICATION_REJECTED = "application_rejected"
    OFFER = "offer"  # 免申即享: a pre-filled application awaits consent, or support was granted
    TALENT_RETURNED = "talent_returned"
    TALENT_DECIDED = "talent_decided"
    FILING_RETURNED = "filing_returned"
    DATAFLOW_REMINDER = "dataflow_reminder"
    PERMIT_EXPIRING = "permit_expiring"  # a foreign professional's permit ends soon
    FOREIGN_FILING_SUBMITTED = "foreign_filing_submitted"  # to the registrar: filed or answered
    FOREIGN_FILING_RETURNED = "foreign_filing_returned"
    FOREIGN_FILING_DECIDED = "foreign_filing_decided"  # approved or rejected
    FOREIGN_REMINDER = "foreign_reminder"  # annual report window, term's end
    FOREIGN_CORRECTION = "foreign_correction"  # Art. 38 case opened or closed


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker until claimed_until
    SENT = "sent"  # accepted by the SMTP server or the webhook
    FAILED = "failed"  # refused for good, or out of attempts: an operator looks


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Message(Base):
    """One message to one user, written in their language when it was created.

    `dedupe_key` is unique: an audit entry or a reminder makes at most one message per recipient,
    however often it is looked at."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(_in("kind", MessageKind), name="known_kind"),
        CheckConstraint("lang IN ('zh', 'en')", name="known_lang"),
        CheckConstraint("read_at IS NULL OR read_at >= created_at", name="read_after_created"),
        Index("ix_messages_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int | None] = mapped_column(Integer)  # the audit entry it came from
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    lang: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))  # a path of the site: where to act
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    # When the worker turned it into deliveries (once; None: not yet).
    fanned_out_at: Mapped[dt.datetime | None] = mapped_column(Timestamp(), index=True)


class Delivery(Base):
    """The outbox: one message to one address on one channel, sent at most once by design
    (unique per message, channel and address; `message_key` is its Message-ID / idempotency key)."""

    __tablename__ = "message_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "channel", "address"),
        CheckConstraint(_in("channel", Channel), name="known_channel"),
        CheckConstraint(_in("status", DeliveryStatus), name="known_status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_at"),
        CheckConstraint(
            "(status = 'sending') = (claimed_by IS NOT NULL AND claimed_until IS NOT NULL)",
            name="claimed_while_sending",
        ),
        CheckConstraint("length(address) > 0", name="address"),
        Index("ix_message_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    message_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    sent_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)


class Preference(Base):
    """Whether one kind of message also comes to one user by e-mail (no row: yes)."""

    __tablename__ = "message_preferences"
    __table_args__ = (CheckConstraint(_in("kind", MessageKind), name="known_kind"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
