"""`verify_log`: recompute the whole ledger from its entries and compare with everything stored.

Checked, in order, stopping at the first problem:

1. indices run 0, 1, 2, … with no gap; each entry's kind is its tag; its stored leaf hash is
   SHA-256(0x00 ‖ entry);
2. every stored subtree hash equals the one recomputed from the entries, and none is extra;
3. every signed checkpoint (stored ones, and any given from outside, e.g. a copy a witness or a
   user kept) verifies with the log's public key, is not larger than the log, and its root
   equals the root recomputed at its size.

Step 3 is what catches an attacker who rewrote entries and recomputed every stored hash: the
checkpoints' roots are signed, and the key is not in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.ledger import log
from ftzlink.ledger.tables import LedgerCheckpoint, LedgerNode
from ftzlink.ledger.verifier import (
    EMPTY_ROOT,
    VerificationError,
    VerifierKey,
    leaf_hash,
    node_hash,
    open_checkpoint,
)

__all__ = ["LedgerCheck", "verify_log"]


@dataclass
class LedgerCheck:
    ok: bool
    size: int
    checkpoints: int = 0
    signed_size: int = 0  # the largest checkpointed size
    first_bad_index: int | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)

    def fail(self, problem: str, index: int | None = None) -> LedgerCheck:
        self.ok, self.problem, self.first_bad_index = False, problem, index
        return self


def _root(levels: list[list[bytes]], size: int) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    hashes = [levels[level][idx] for level, idx in log._subtrees(0, size)]
    return log._fold(hashes)


def verify_log(
    session: Session, key: VerifierKey | None, *, outside_checkpoints: Sequence[str] = ()
) -> LedgerCheck:
    leaves: list[bytes] = []
    check = LedgerCheck(ok=True, size=0)
    for entry in log.entries(session):
        expected = len(leaves)
        if entry.index != expected:
            check.size = expected
            return check.fail(
                f"entry {expected} is missing (the next stored is {entry.index})", expected
            )
        if entry.kind != log.kind_of(entry.data):
            return check.fail(f"entry {expected}'s kind {entry.kind!r} is not its tag", expected)
        recomputed = leaf_hash(entry.data)
        if entry.leaf_hash != recomputed:
            return check.fail(f"entry {expected} does not match its stored leaf hash", expected)
        leaves.append(recomputed)
    n = check.size = len(leaves)

    levels = [leaves]
    level = 1
    while len(levels[-1]) >= 2:
        below = levels[-1]
        expected_level = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        stored = session.execute(
            select(LedgerNode.idx, LedgerNode.hash)
            .where(LedgerNode.level == level)
            .order_by(LedgerNode.idx)
        ).all()
        for position, want in enumerate(expected_level):
            first = position << level
            span = f"entries {first}–{first + (1 << level) - 1}"
            if position >= len(stored) or stored[position].idx != position:
                return check.fail(f"the stored hash of {span} (level {level}) is missing", first)
            if bytes(stored[position].hash) != want:
                return check.fail(f"the stored hash of {span} (level {level}) is wrong", first)
        if len(stored) > len(expected_level):
            extra = stored[len(expected_level)].idx
            return check.fail(
                f"a subtree hash is stored beyond the log's {n} entries (level {level}, "
                f"index {extra}): entries were removed",
                n,
            )
        levels.append(expected_level)
        level += 1
    above = session.scalar(select(func.count()).where(LedgerNode.level >= level))
    if above:
        return check.fail(f"subtree hashes are stored above the tree of {n} entries", n)

    rows = session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id)).all()
    notes: list[tuple[str, str, LedgerCheckpoint | None]]
    notes = [(f"checkpoint #{row.id}", row.note, row) for row in rows]
    notes += [
        (f"outside checkpoint {i + 1}", text, None) for i, text in enumerate(outside_checkpoints)
    ]
    if key is None:
        # Without the public key only the stored sizes and roots can be compared; they are not
        # proof against an attacker who rewrote them too, and outside checkpoints cannot be read.
        notes = [n for n in notes if n[2] is not None]
        if notes:
            check.notes.append(
                "the log's public key was not given: the checkpoints' signatures were not "
                "checked, only their stored roots"
            )
    check.checkpoints = len(notes)
    good: list[int] = []
    bad: list[tuple[int, str]] = []
    for label, text, row in notes:
        if key is None:
            assert row is not None
            size, root_hash = int(row.size), bytes(row.root_hash)
        else:
            try:
                checkpoint = open_checkpoint(text, key, origin=key.name)
            except VerificationError as error:
                return check.fail(f"{label} does not verify: {error}")
            if row is not None and (row.size, bytes(row.root_hash)) != (
                checkpoint.size,
                checkpoint.root_hash,
            ):
                return check.fail(f"{label}'s stored size or root differs from its signed note")
            size, root_hash = checkpoint.size, checkpoint.root_hash
        check.signed_size = max(check.signed_size, size)
        if size > n:
            bad.append((size, label))
        elif _root(levels, size) == root_hash:
            good.append(size)
        else:
            bad.append((size, label))
    if bad:
        size, label = min(bad)
        since = max((s for s in good if s < size), default=0)
        if size > n:  # every checkpoint within the log holds: the log was cut short
            return check.fail(
                f"{label} was signed at size {size} but the log has {n} entries: "
                f"entries from {n} on were removed",
                n,
            )
        return check.fail(
            f"the entries do not give the root {label} signed at size {size}: an entry "
            f"between {since} and {min(size, n) - 1} was changed, removed, inserted or moved "
            "(and the stored hashes recomputed)",
            since,
        )
    if n > check.signed_size:
        check.notes.append(
            f"entries {check.signed_size}–{n - 1} are not yet covered by a signed checkpoint"
        )
    return check
