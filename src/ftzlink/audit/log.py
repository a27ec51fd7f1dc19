"""Append to the hash-chained audit log, and verify it.

Each entry's hash covers its own fields and the previous entry's hash, so altering, deleting,
inserting or reordering an entry breaks the chain from that point on. The head row records the
last sequence number and hash, so that cutting entries off the end is detected too.

Every entry is also appended to the ledger (`ftzlink.ledger`, an RFC 9162 Merkle log) as an
`audit/v1` entry holding its sequence number, time, action, object and hash — no names, no
free text. The ledger's signed checkpoints are what an attacker cannot recompute: rewriting the
audit table and recomputing every chain hash leaves the ledger's entries disagreeing with it, and
rewriting the ledger too leaves its roots disagreeing with the signatures. `verify` checks all
three: the chain, the ledger's copy of it, and the ledger with its checkpoints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.audit.tables import AuditEntry, AuditHead
from ftzlink.db import utcnow
from ftzlink.ledger import log as ledger
from ftzlink.ledger.tables import LedgerEntry
from ftzlink.ops.logs import record_event

if TYPE_CHECKING:
    from ftzlink.ledger.integrity import LedgerCheck
    from ftzlink.ledger.published import Published
    from ftzlink.ledger.verifier import VerifierKey

__all__ = [
    "AUDIT_KIND",
    "GENESIS",
    "Actor",
    "Verification",
    "append",
    "catch_up",
    "digest",
    "entry_hash",
    "ledger_body",
    "verify",
]

AUDIT_KIND = "audit/v1"

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
    """Add one entry at the end of the chain. Call inside a write transaction (see Database).

    The head is the row `Database.write()` locked (on PostgreSQL it is already in the session,
    read by that lock). Entries from before the ledger are put on it by `catch_up`, which
    `Database.upgrade()` runs (`ftzlink db upgrade`, `serve`), not on every entry."""
    head = session.get_one(AuditHead, 1)
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
    ledger.append(session, kind=AUDIT_KIND, body=ledger_body(entry))
    # An event that asks something of a person becomes a message to them, in this transaction:
    # committed with the event or not at all (ftzlink.messages.events).
    from ftzlink.messages.events import record as record_messages

    record_messages(session, entry)
    # One log line per domain event, written when (and if) the transaction commits; no detail
    # and no state: they may name people.
    record_event(
        session,
        domain="audit",
        action=action,
        object_type=object_type,
        object_id=entry.object_id,
        seq=entry.seq,
        actor_id=actor.user_id,
        actor=actor.name,
        acted_for_id=actor.acted_for_id,
    )
    return entry


def ledger_body(entry: AuditEntry) -> dict[str, Any]:
    """What the ledger keeps of an audit entry: enough to pin it down, nothing personal."""
    return {
        "seq": entry.seq,
        "at": entry.at,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "hash": entry.hash,
    }


def _ledgered_seq(session: Session) -> int:
    """The sequence number of the last audit entry on the ledger (0: none)."""
    data = session.scalar(
        select(LedgerEntry.data)
        .where(LedgerEntry.kind == AUDIT_KIND)
        .order_by(LedgerEntry.idx.desc())
        .limit(1)
    )
    if data is None:
        return 0
    seq: int = json.loads(bytes(data).partition(b"\n")[2])["seq"]
    return seq


def catch_up(session: Session, *, upto: int | None = None) -> int:
    """Put on the ledger, in order, the audit entries written before it existed (a database
    upgraded from before the ledger). Returns how many were added. Call in a write transaction."""
    if upto is None:
        upto = session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar_one()
    done = _ledgered_seq(session)
    added = 0
    while done < upto:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > done, AuditEntry.seq <= upto)
            .order_by(AuditEntry.seq)
            .limit(5000)
        ).all()
        if not rows:
            break
        for row in rows:
            ledger.append(session, kind=AUDIT_KIND, body=ledger_body(row))
        done, added = rows[-1].seq, added + len(rows)
    return added


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    at: dt.datetime | None = None
    checkpoints: int = 0  # signed checkpoints checked
    signed_size: int = 0  # the largest ledger size a signature covers
    published: int = 0  # checkpoint files outside the database checked
    notes: tuple[str, ...] = ()


def verify(
    session: Session,
    *,
    batch: int = 5000,
    key: VerifierKey | None = None,
    outside_checkpoints: Sequence[str] = (),
    published: Sequence[Published] = (),
    max_uncovered_age: dt.timedelta | None = None,
) -> Verification:
    """Walk the chain from the start, then its copy on the ledger, then the ledger and its signed
    checkpoints (with `key`, the ledger's public key; without it the signatures are not checked),
    those published outside the database too (see `ftzlink.ledger.integrity.verify_log`);
    report the first entry that does not fit, and why."""
    chain = _verify_chain(session, batch=batch)
    if not chain.ok:
        return chain
    copy = _verify_ledger_copy(session, entries=chain.entries, batch=batch)
    if copy is not None:
        return copy
    return _verify_ledger(
        session,
        chain.entries,
        key,
        outside_checkpoints,
        published=published,
        max_uncovered_age=max_uncovered_age,
    )


def _verify_ledger_copy(session: Session, *, entries: int, batch: int) -> Verification | None:
    """Each audit entry against its ledger entry, in order; None if they all agree."""
    expected, position = 1, -1
    while True:
        rows = session.execute(
            select(LedgerEntry.idx, LedgerEntry.data)
            .where(LedgerEntry.kind == AUDIT_KIND, LedgerEntry.idx > position)
            .order_by(LedgerEntry.idx)
            .limit(batch)
        ).all()
        if not rows:
            break
        seqs = [json.loads(bytes(r.data).partition(b"\n")[2]).get("seq") for r in rows]
        found = {
            e.seq: e
            for e in session.scalars(
                select(AuditEntry).where(
                    AuditEntry.seq.in_([q for q in seqs if isinstance(q, int)])
                )
            )
        }
        for row, seq in zip(rows, seqs, strict=True):
            body = json.loads(bytes(row.data).partition(b"\n")[2])
            if seq != expected:
                return Verification(
                    False, entries, expected,
                    f"the ledger's copy of the audit log has entry {seq} where entry {expected} "
                    "belongs: the ledger was altered",
                )  # fmt: skip
            if expected > entries:
                return Verification(
                    False, entries, entries + 1,
                    f"the ledger records audit entry {expected} but the audit log ends at entry "
                    f"{entries}: entries were removed from the end",
                )  # fmt: skip
            entry = found.get(expected)
            if entry is None or ledger_body(entry) != body:
                return Verification(
                    False, entries, expected,
                    f"entry {expected} differs from its copy on the ledger (ledger entry "
                    f"{row.idx}): it was altered, replaced or reordered, even if its chain "
                    "hashes were recomputed",
                )  # fmt: skip
            expected += 1
        session.expunge_all()
        position = int(rows[-1].idx)
    if expected <= entries:
        return Verification(
            False, entries, expected,
            f"entry {expected} is not on the ledger: entries were inserted, or the ledger was "
            "cut short",
        )  # fmt: skip
    return None


def _verify_ledger(
    session: Session,
    entries: int,
    key: VerifierKey | None,
    outside: Sequence[str],
    *,
    published: Sequence[Published],
    max_uncovered_age: dt.timedelta | None,
) -> Verification:
    from ftzlink.ledger.integrity import verify_log

    check: LedgerCheck = verify_log(
        session,
        key,
        outside_checkpoints=outside,
        published=published,
        max_uncovered_age=max_uncovered_age,
    )
    notes = list(check.notes)
    if key is None and not check.checkpoints:
        notes.append("the ledger's public key was not given: checkpoint signatures not checked")
    if check.checkpoints == 0 and check.published == 0:
        notes.append(
            "no signed checkpoint yet: a rewrite of both logs with every hash recomputed could "
            "not be told apart (run `ftzlink ledger checkpoint`)"
        )
    if not check.ok:
        bad_seq = None
        if check.first_bad_index is not None:
            try:
                bad = ledger.get_entry(session, check.first_bad_index)
                if bad.kind == AUDIT_KIND:
                    bad_seq = bad.body.get("seq")
            except Exception:
                bad_seq = None
        return Verification(
            False,
            entries,
            bad_seq,
            f"the ledger does not verify: {check.problem}",
            checkpoints=check.checkpoints,
            signed_size=check.signed_size,
            published=check.published,
            notes=tuple(notes),
        )
    return Verification(
        True,
        entries,
        checkpoints=check.checkpoints,
        signed_size=check.signed_size,
        published=check.published,
        notes=tuple(notes),
    )


def _verify_chain(session: Session, *, batch: int) -> Verification:
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
