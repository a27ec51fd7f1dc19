"""A witness (the regulator's role): it keeps every checkpoint it accepted, per origin, and
accepts a new one only if its signature verifies and it is consistent with what it saw before.

Refusals are `Conflict`s that say why: a different root at a size already seen (a fork), an
older tree than the one already seen, or a missing or failing consistency proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.errors import Conflict, InvalidInput, Problem
from ftzlink.ledger.tables import WitnessedCheckpoint
from ftzlink.ledger.verifier import (
    Checkpoint,
    VerificationError,
    VerifierKey,
    open_checkpoint,
    verify_consistency,
)

__all__ = ["Seen", "Witness"]


@dataclass(frozen=True)
class Seen:
    origin: str
    size: int
    root_hash: bytes
    note: str


class Witness:
    """Checkpoints of the logs whose keys it is given, kept in `ledger_witnessed`."""

    def __init__(self, session: Session, keys: Sequence[VerifierKey]) -> None:
        self.session = session
        self.keys = {key.name: key for key in keys}

    def latest(self, origin: str) -> Seen | None:
        row = self.session.scalars(
            select(WitnessedCheckpoint)
            .where(WitnessedCheckpoint.origin == origin)
            .order_by(WitnessedCheckpoint.size.desc(), WitnessedCheckpoint.id.desc())
            .limit(1)
        ).first()
        return None if row is None else Seen(row.origin, row.size, bytes(row.root_hash), row.note)

    def seen(self, origin: str) -> list[Seen]:
        rows = self.session.scalars(
            select(WitnessedCheckpoint)
            .where(WitnessedCheckpoint.origin == origin)
            .order_by(WitnessedCheckpoint.id)
        )
        return [Seen(r.origin, r.size, bytes(r.root_hash), r.note) for r in rows]

    def _open(self, note: str) -> Checkpoint:
        origin = note.partition("\n")[0]
        key = self.keys.get(origin)
        if key is None:
            raise InvalidInput(
                f"the witness holds no key for the log {origin!r}",
                [Problem("give the log's verifier key", field="key")],
            )
        try:
            return open_checkpoint(note, key, origin=origin)
        except VerificationError as error:
            raise InvalidInput("the checkpoint does not verify", [Problem(str(error))]) from None

    def observe(self, note: str, proof: Sequence[bytes] | None = None) -> Seen:
        """Accept a signed checkpoint, given a consistency proof from the latest one seen.

        The first checkpoint of an origin is accepted on its signature alone (trust on first use).
        """
        checkpoint = self._open(note)
        previous = self.latest(checkpoint.origin)
        if previous is not None:
            if checkpoint.size < previous.size:
                raise Conflict(
                    f"refused: size {checkpoint.size} is older than the checkpoint of size "
                    f"{previous.size} already seen for {checkpoint.origin}"
                )
            if checkpoint.size == previous.size:
                if checkpoint.root_hash != previous.root_hash:
                    raise Conflict(
                        f"refused: a different root at size {checkpoint.size}, already seen for "
                        f"{checkpoint.origin} — the log forked"
                    )
                return previous
            if previous.size > 0 and proof is None:
                raise Conflict(f"refused: a consistency proof from size {previous.size} is needed")
            if not verify_consistency(
                previous.size,
                checkpoint.size,
                previous.root_hash,
                checkpoint.root_hash,
                proof or [],
            ):
                raise Conflict(
                    f"refused: the checkpoint of size {checkpoint.size} is not consistent with the "
                    f"one of size {previous.size} already seen for {checkpoint.origin}"
                )
        row = WitnessedCheckpoint(
            origin=checkpoint.origin,
            size=checkpoint.size,
            root_hash=checkpoint.root_hash,
            note=note,
        )
        self.session.add(row)
        self.session.flush()
        return Seen(row.origin, row.size, checkpoint.root_hash, note)
