"""Tables of the 免申即享 pipeline: match runs, the candidates they found, and the outbox of
notifications to enterprises."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, Yuan, utcnow

__all__ = [
    "Candidate",
    "CandidateKind",
    "CandidateStatus",
    "MatchRun",
    "Notification",
    "NotificationKind",
    "RunSource",
]


class RunSource(StrEnum):
    ORGANISATIONS = "organisations"  # the stored profiles of the platform's organisations
    REGISTRY = "registry"  # a registry file whose rows link to organisations by USCC
    BOTH = "both"


class CandidateKind(StrEnum):
    ELIGIBLE = "eligible"  # the engine found the organisation eligible
    ONE_ANSWER = "one_answer"  # one more answer (`question`) could make it eligible


class CandidateStatus(StrEnum):
    PENDING = "pending"  # waiting for an official
    CONFIRMED = "confirmed"  # notified; a pre-filled draft waits for the enterprise's consent
    STRUCK = "struck"  # an official struck it: nothing is offered
    CONSENTED = "consented"  # the enterprise submitted the draft: the normal workflow decides
    DECLINED = "declined"  # the enterprise declined: the draft was withdrawn
    GRANTED = "granted"  # granted without application: approved when it was confirmed


class NotificationKind(StrEnum):
    OFFER = "offer"  # a pre-filled application awaits consent
    GRANTED = "granted"  # support was granted without an application


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class MatchRun(Base):
    """One evaluation of the catalogue over organisations: who ran it, as of when, against which
    catalogue and registry, and what it found."""

    __tablename__ = "match_runs"
    __table_args__ = (
        CheckConstraint(_in("source", RunSource), name="known_source"),
        CheckConstraint(
            "(source IN ('registry', 'both')) = (registry_name IS NOT NULL AND registry_sha256 IS NOT NULL)",
            name="registry_named",
        ),
        CheckConstraint(
            "organisations >= 0 AND registry_rows >= 0 AND unlinked_rows >= 0 "
            "AND eligible >= 0 AND one_answer >= 0 AND new_candidates >= 0 "
            "AND already_proposed >= 0",
            name="counts",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    as_of: Mapped[dt.date] = mapped_column(Date)
    catalogue_version: Mapped[str] = mapped_column(String(40))
    catalogue_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    registry_name: Mapped[str | None] = mapped_column(String(300))
    registry_sha256: Mapped[str | None] = mapped_column(String(64))
    districts: Mapped[list[str] | None] = mapped_column(JSON)  # the run's scope; None: all
    organisations: Mapped[int] = mapped_column(Integer, default=0)  # organisations evaluated
    registry_rows: Mapped[int] = mapped_column(Integer, default=0)
    unlinked_rows: Mapped[int] = mapped_column(Integer, default=0)
    unlinked: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the first 1000
    eligible: Mapped[int] = mapped_column(Integer, default=0)  # (organisation, measure) pairs
    one_answer: Mapped[int] = mapped_column(Integer, default=0)
    new_candidates: Mapped[int] = mapped_column(Integer, default=0)
    already_proposed: Mapped[int] = mapped_column(Integer, default=0)


class Candidate(Base):
    """An organisation found for a measure (and project, where the cap is per project) in a year.

    `dedupe_key` is unique: an organisation is proposed for a measure and project once a year,
    whatever became of it, so re-running a match never duplicates a candidate."""

    __tablename__ = "match_candidates"
    __table_args__ = (
        CheckConstraint(_in("status", CandidateStatus), name="known_status"),
        CheckConstraint(_in("kind", CandidateKind), name="known_kind"),
        CheckConstraint("(kind = 'one_answer') = (question IS NOT NULL)", name="question"),
        CheckConstraint("kind = 'eligible' OR status IN ('pending', 'struck')", name="one_answer"),
        CheckConstraint(
            "status IN ('pending', 'struck') OR application_id IS NOT NULL", name="application"
        ),
        CheckConstraint(
            "(max_amount IS NULL OR max_amount >= 0) AND (amount IS NULL OR amount >= 0)",
            name="amounts",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    policy_id: Mapped[str] = mapped_column(String(80))
    measure_id: Mapped[str] = mapped_column(String(80), index=True)
    year: Mapped[int] = mapped_column(Integer)
    project_name: Mapped[str | None] = mapped_column(String(200))
    project_kind: Mapped[str | None] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    question: Mapped[str | None] = mapped_column(String(200))
    max_amount: Mapped[int | None] = mapped_column(Yuan)  # the measure's cap
    amount: Mapped[int | None] = mapped_column(Yuan)  # what the draft requests (or is granted)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the registry's facts
    without_application: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    strike_reason: Mapped[str | None] = mapped_column(Text)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Notification(Base):
    """The outbox: a message to an organisation, sent by a sink (`ftzlink.proactive.sinks`)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in("kind", NotificationKind), name="known_kind"),
        CheckConstraint("(sent_at IS NULL) = (channel IS NULL)", name="sent_on_a_channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("match_candidates.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[dict[str, str]] = mapped_column(JSON)  # {zh, en}
    body: Mapped[dict[str, str]] = mapped_column(JSON)  # {zh, en}
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(Timestamp(), index=True)
    channel: Mapped[str | None] = mapped_column(String(32))
