"""`verify_log`: recompute the whole ledger from its entries and compare with everything stored.

Checked, in order, stopping at the first problem:

1. indices run 0, 1, 2, … with no gap; each entry's kind is its tag; its stored leaf hash is
   SHA-256(0x00 ‖ entry);
2. every stored subtree hash equals the one recomputed from the entries, and none is extra;
3. every signed checkpoint (stored ones, and any given from outside, e.g. a copy a witness or a
   user kept) verifies with the log's public key, is not larger than the log, and its root
   equals the root recomputed at its size.

4. every checkpoint published outside the database (the checkpoint directory, read by the
   caller) is a checkpoint of this log, is also in the database with the same root, and holds
   like those of step 3;
5. with the key and a `max_uncovered_age`: no entry older than that (by the `at` time its body
   carries, as audit entries do) lies beyond every signed checkpoint.

Step 3 is what catches an attacker who rewrote entries and recomputed every stored hash: the
checkpoints' roots are signed, and the key is not in the database. Step 4 catches one who also
deleted the database's checkpoints; step 5 one who deleted them where none was published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.ledger import log
from ftzlink.ledger.published import Published
from ftzlink.ledger.tables import LedgerCheckpoint, LedgerNode
from ftzlink.ledger.verifier import (
    EMPTY_ROOT,
    VerificationError,
    VerifierKey,
    leaf_hash,
    node_hash,
    open_checkpoint,
    parse_checkpoint_body,
    split_note,
)

__all__ = ["LedgerCheck", "verify_log"]


@dataclass
class LedgerCheck:
    ok: bool
    size: int
    checkpoints: int = 0
    signed_size: int = 0  # the largest checkpointed size
    published: int = 0  # checkpoint files (outside the database) checked
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


def _published_checkpoint(found: Published, key: VerifierKey | None) -> tuple[int, bytes] | str:
    """(size, root) of a checkpoint file, or why it is not a checkpoint of this log."""
    if found.text is None:
        return "it is not UTF-8 text"
    try:
        if key is not None:
            checkpoint = open_checkpoint(found.text, key, origin=key.name)
        else:
            checkpoint = parse_checkpoint_body(split_note(found.text)[0])
    except VerificationError as error:
        return str(error)
    if checkpoint.size != found.size:
        return f"it signs size {checkpoint.size}, not the {found.size} its name says"
    return checkpoint.size, checkpoint.root_hash


def _logged_at(entry: log.Entry) -> dt.datetime | None:
    """The time an entry's body says it was logged (`at`, as audit entries have), if any."""
    if entry.kind == log.RAW:
        return None
    try:
        at = entry.body.get("at")
        when = dt.datetime.fromisoformat(at)
    except (ValueError, TypeError, AttributeError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _oldest_uncovered(session: Session, start: int) -> tuple[int, dt.datetime] | None:
    """The first entry from `start` on whose body tells when it was logged (entries are logged
    in order, so the oldest), looking at a bounded number of them."""
    for entry in log.entries(session, start, start + 10_000):
        when = _logged_at(entry)
        if when is not None:
            return entry.index, when
    return None


def verify_log(
    session: Session,
    key: VerifierKey | None,
    *,
    outside_checkpoints: Sequence[str] = (),
    published: Sequence[Published] = (),
    max_uncovered_age: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> LedgerCheck:
    """Recompute the log and check it against every checkpoint: those in the database, those
    given from outside, and those `published` (the checkpoint directory's files); with the key
    and `max_uncovered_age`, also that nothing older than that is left unsigned."""
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
    problem = _check_published(check, levels, rows, published, key)
    if problem is not None:
        return check.fail(problem)
    if n > check.signed_size:
        if key is not None and max_uncovered_age is not None:
            oldest = _oldest_uncovered(session, check.signed_size)
            now = now or dt.datetime.now(dt.UTC)
            if oldest is not None and now - oldest[1] > max_uncovered_age:
                index, when = oldest
                return check.fail(
                    f"no signed checkpoint covers entries {check.signed_size}–{n - 1}, yet entry "
                    f"{index} was logged at {when.isoformat(timespec='seconds')}, more than "
                    f"{int(max_uncovered_age.total_seconds())} s ago: the checkpoints were "
                    "deleted, or none was signed since (`ftzlink ledger checkpoint` signs one)",
                    check.signed_size,
                )
        check.notes.append(
            f"entries {check.signed_size}–{n - 1} are not yet covered by a signed checkpoint"
        )
    return check


def _check_published(
    check: LedgerCheck,
    levels: list[list[bytes]],
    rows: Sequence[LedgerCheckpoint],
    published: Sequence[Published],
    key: VerifierKey | None,
) -> str | None:
    """Each published checkpoint is this log's, is in the database alike, and holds."""
    stored = {(int(row.size), bytes(row.root_hash)) for row in rows}
    stored_sizes = {size for size, _ in stored}
    n = len(levels[0])
    for found in published:
        label = f"the checkpoint file {found.path}"
        opened = _published_checkpoint(found, key)
        if isinstance(opened, str):
            return f"{label} is not a signed checkpoint of this log: {opened}"
        size, root_hash = opened
        check.published += 1
        check.signed_size = max(check.signed_size, size)
        if size > n:
            return (
                f"{label} was signed at size {size} but the log has {n} entries: entries from "
                f"{n} on were removed"
            )
        if _root(levels, size) != root_hash:
            return (
                f"the entries do not give the root {label} signed at size {size}: an entry "
                f"before {size} was changed, removed, inserted or moved (and the stored hashes "
                "recomputed)"
            )
        if (size, root_hash) not in stored:
            if size in stored_sizes:
                return f"{label} disagrees with the database's checkpoint of size {size}"
            return (
                f"{label} (size {size}) is missing from the database: its checkpoints were "
                "deleted or replaced"
            )
    if published and key is None:
        check.notes.append(
            "the checkpoint files' signatures were not checked (no public key), only their roots"
        )
    return None
