"""Append to the hash-chained audit log, and verify it.

Each entry's hash covers its own fields and the previous entry's hash, so altering, deleting,
inserting or reordering an entry breaks the chain from that point on. The head row records the
last sequence number and hash, so that cutting entries off the end is detected too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.audit.models import AuditEntry, AuditHead
from ftzlink.db import utcnow

__all__ = ["GENESIS", "Actor", "Verification", "append", "digest", "entry_hash", "verify"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something (None for the platform itself) and for which organisation."""

    user_id: int | None
    name: str
    acted_for_id: int | None = None


def _canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def digest(state: Mapping[str, Any] | None) -> str | None:
    """SHA-256 of an object's state as canonical JSON; None when there is no state."""
    return None if state is None else hashlib.sha256(_canonical(dict(state))).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    fields = [
        entry.seq,
        entry.at,
        entry.actor_id,
        entry.actor,
        entry.acted_for_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.before_digest,
        entry.after_digest,
        entry.detail,
        entry.prev_hash,
    ]
    return hashlib.sha256(_canonical(fields)).hexdigest()


def append(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: str = "",
) -> AuditEntry:
    """Add one entry at the end of the chain. Call inside a write transaction (see Database)."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow().isoformat(timespec="microseconds"),
        actor_id=actor.user_id,
        actor=actor.name,
        acted_for_id=actor.acted_for_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before_digest=digest(before),
        after_digest=digest(after),
        detail=detail[:2000],
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    at: dt.datetime | None = None


def verify(session: Session, *, batch: int = 5000) -> Verification:
    """Walk the chain from the start; report the first entry that does not fit, and why."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    expected_seq, prev, count = 1, GENESIS, 0
    last_seq: int | None = None  # None: from the very first row, whatever its number
    while True:
        query = select(AuditEntry).order_by(AuditEntry.seq).limit(batch)
        if last_seq is not None:
            query = query.where(AuditEntry.seq > last_seq)
        rows = session.scalars(query).all()
        if not rows:
            break
        for entry in rows:
            count += 1
            if entry.seq < expected_seq:
                return Verification(
                    False, count, entry.seq, f"entry {entry.seq} comes before the start of the log"
                )
            if entry.seq > expected_seq:
                return Verification(False, count, expected_seq, f"entry {expected_seq} is missing")
            if entry.prev_hash != prev:
                return Verification(
                    False,
                    count,
                    entry.seq,
                    f"entry {entry.seq} does not follow entry {entry.seq - 1}: "
                    "an entry was deleted, inserted, reordered or altered",
                )
            if entry_hash(entry) != entry.hash:
                return Verification(
                    False,
                    count,
                    entry.seq,
                    f"entry {entry.seq} was altered: its hash does not match",
                )
            prev, expected_seq, last_seq = entry.hash, entry.seq + 1, entry.seq
        session.expunge_all()
    end = last_seq or 0
    if head.seq != end or head.hash != prev:
        total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        if end > head.seq:
            bad, problem = (
                head.seq + 1,
                f"the log goes on to entry {end} but its head records entry {head.seq}: "
                "entries were added after the end, or the head was altered",
            )
        elif end < head.seq:
            bad, problem = (
                end + 1,
                f"the log ends at entry {end} but its head records entry {head.seq}: "
                "entries were removed from the end, or the head was altered",
            )
        else:
            bad, problem = (
                end,
                f"entry {end} is not the last entry its head records: "
                "it was replaced, or the head was altered",
            )
        return Verification(False, total, bad, problem)
    return Verification(True, count)
