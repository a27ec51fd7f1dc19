"""Signed checkpoints (C2SP tlog-checkpoint on a signed note), issued only when consistent.

A checkpoint reads::

    ftzlink.example/ledger
    1234
    <base64 of the 32-byte root hash>

    — ftzlink.example/ledger <base64(key ID ‖ Ed25519 signature)>

Before signing, the log proves to itself (RFC 9162 consistency proof, checked by the standalone
verifier) that the tree it is about to sign extends the latest checkpoint it signed before, and
that checkpoint's signature is checked too: a log whose history was rewritten since cannot get
a new signature. With a signer that publishes (`Signer.publish_to`, from the settings), the same
holds for the largest checkpoint in the directory outside the database, so deleting the
database's checkpoints does not clear the way either; and each checkpoint signed is written
there once the transaction commits (`ftzlink.ledger.published`).

One signer at a time: signing holds the lock `ledger.checkpoint` for its transaction
(`ftzlink.locks`), so however many server processes sign on their timers, each reads the latest
checkpoint only after the one before it committed; a log that did not grow since is not signed
again, and no two checkpoints are made of the same tree at once.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink import locks
from ftzlink.errors import Conflict
from ftzlink.ledger import log, published
from ftzlink.ledger.keys import Signer, load_signer
from ftzlink.ledger.tables import LedgerCheckpoint
from ftzlink.ledger.verifier import (
    Checkpoint,
    VerificationError,
    VerifierKey,
    open_checkpoint,
    verify_consistency,
)
from ftzlink.settings import Settings

__all__ = [
    "IssuedCheckpoint",
    "checkpoint_body",
    "issued",
    "latest",
    "latest_published",
    "sign",
    "sign_checkpoint",
    "sign_if_grown",
]

SIGNING = "ledger.checkpoint"  # the lock every signer holds (ftzlink.locks)


@dataclass(frozen=True)
class IssuedCheckpoint:
    id: int
    origin: str
    size: int
    root_hash: bytes
    note: str  # the signed note, exactly as issued
    key_id: str
    issued_at: dt.datetime

    @property
    def root_hex(self) -> str:
        return self.root_hash.hex()


def _issued(row: LedgerCheckpoint) -> IssuedCheckpoint:
    return IssuedCheckpoint(
        row.id, row.origin, row.size, bytes(row.root_hash), row.note, row.key_id, row.issued_at
    )


def checkpoint_body(origin: str, size: int, root_hash: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root_hash).decode()}\n"


def latest(session: Session) -> IssuedCheckpoint | None:
    """The checkpoint of the largest tree signed so far (the last issued among equals)."""
    row = session.scalars(
        select(LedgerCheckpoint)
        .order_by(LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _issued(row)


def issued(session: Session) -> list[IssuedCheckpoint]:
    rows = session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id))
    return [_issued(row) for row in rows]


def _check_previous(
    session: Session, previous: IssuedCheckpoint, head: log.TreeHead, key: VerifierKey
) -> None:
    if previous.key_id == key.key_id.hex():
        try:
            seen: Checkpoint = open_checkpoint(previous.note, key, origin=previous.origin)
        except VerificationError as error:
            raise Conflict(f"the latest stored checkpoint does not verify: {error}") from None
        if (seen.size, seen.root_hash) != (previous.size, previous.root_hash):
            raise Conflict("the latest stored checkpoint's columns differ from its signed note")
    if head.size < previous.size:
        raise Conflict(
            f"the ledger has {head.size} entries but a checkpoint was signed at size "
            f"{previous.size}: entries were removed"
        )
    proof = log.consistency_proof(session, previous.size, head.size)
    if not verify_consistency(previous.size, head.size, previous.root_hash, head.root_hash, proof):
        raise Conflict(
            f"the ledger is not consistent with its checkpoint of size {previous.size}: "
            "entries before it were changed; run `ftzlink ledger verify`"
        )


def latest_published(directory: Path, key: VerifierKey) -> Checkpoint | None:
    """The largest checkpoint in the directory that verifies with the key (None: none does)."""
    for found in reversed(published.read(directory)):
        if found.text is None:
            continue
        try:
            checkpoint = open_checkpoint(found.text, key, origin=key.name)
        except VerificationError:
            continue  # not this log's: `ftzlink ledger verify` reports it
        if checkpoint.size == found.size:
            return checkpoint
    return None


def _check_published(
    session: Session, directory: Path, head: log.TreeHead, key: VerifierKey
) -> None:
    outside = latest_published(directory, key)
    if outside is None:
        return
    if head.size < outside.size:
        raise Conflict(
            f"the ledger has {head.size} entries but the checkpoint of size {outside.size} in "
            f"{directory} was signed before: entries were removed"
        )
    proof = log.consistency_proof(session, outside.size, head.size)
    if not verify_consistency(outside.size, head.size, outside.root_hash, head.root_hash, proof):
        raise Conflict(
            f"the ledger is not consistent with the checkpoint of size {outside.size} in "
            f"{directory}: entries before it were changed; run `ftzlink ledger verify`"
        )


def sign_checkpoint(session: Session, signer: Signer) -> IssuedCheckpoint:
    """Sign and store a checkpoint of the whole log (inside `Database.write()`), and with a
    publishing signer write it to the checkpoint directory once the transaction commits.

    Refuses (Conflict) if the log is not consistent with the latest checkpoint issued before,
    or with the largest one in the checkpoint directory.
    """
    locks.hold(session, SIGNING)
    head = log.head(session)
    previous = latest(session)
    if previous is not None:
        _check_previous(session, previous, head, signer.verifier)
    directory = signer.publish_to
    if directory is not None:
        _check_published(session, directory, head, signer.verifier)
        if (
            previous is not None
            and previous.key_id == signer.verifier.key_id.hex()
            and not (directory / published.file_name(previous.size)).exists()
        ):
            # One that a failed write left out (it was checked just above): written now.
            published.publish_on_commit(session, directory, previous.size, previous.note)
    origin = signer.name
    note = signer.sign_note(checkpoint_body(origin, head.size, head.root_hash))
    row = LedgerCheckpoint(
        origin=origin,
        size=head.size,
        root_hash=head.root_hash,
        note=note,
        key_id=signer.verifier.key_id.hex(),
    )
    session.add(row)
    session.flush()
    if directory is not None:
        published.publish_on_commit(session, directory, head.size, note)
    return _issued(row)


def sign(session: Session, settings: Settings) -> IssuedCheckpoint:
    """`sign_checkpoint` with the key the settings name."""
    return sign_checkpoint(session, load_signer(settings))


def sign_if_grown(session: Session, settings: Settings) -> IssuedCheckpoint | None:
    """Sign a checkpoint with the configured key if the log grew since the last one (decided
    while holding the signing lock, so two processes never both sign the same growth)."""
    locks.hold(session, SIGNING)
    last = latest(session)
    if last is not None and last.size >= log.size(session):
        return None
    return sign(session, settings)
