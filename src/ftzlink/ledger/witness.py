"""A witness (the regulator's role, or anyone's): it keeps every checkpoint it accepted, per
origin, and accepts a new one only if its signature verifies and it is consistent with what it
saw before.

Refusals are `Conflict`s that say why: a different root at a size already seen (a fork), an
older tree than the one already seen, or a missing or failing consistency proof.

Where it keeps them: the platform's own database (`ledger_witnessed`, `DatabaseStore`: useful
as a record, no help against whoever can write that database), or a directory of its own
(`DirectoryStore`), for a witness that runs as its own process, on its own machine, following
the log over HTTP (`ftzlink ledger witness --state DIR --url URL`). A witness with a key of its
own cosigns each checkpoint it accepts (C2SP tlog-cosignature: `cosignature/v1`, Ed25519, the
signature line appended to the note it keeps).
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.errors import Conflict, InvalidInput, Problem
from ftzlink.ledger.keys import Signer
from ftzlink.ledger.published import publish
from ftzlink.ledger.tables import WitnessedCheckpoint
from ftzlink.ledger.verifier import (
    SIGNATURE_PREFIX,
    Checkpoint,
    VerificationError,
    VerifierKey,
    open_checkpoint,
    split_note,
    verify_consistency,
)

__all__ = [
    "COSIGNATURE_V1",
    "DatabaseStore",
    "DirectoryStore",
    "Seen",
    "Witness",
    "WitnessStore",
    "cosignature_line",
    "cosignature_vkey",
    "open_cosignature",
]

COSIGNATURE_V1 = 0x04  # C2SP signed-note signature type of a tlog-cosignature/v1


@dataclass(frozen=True)
class Seen:
    origin: str
    size: int
    root_hash: bytes
    note: str


class WitnessStore(Protocol):
    def latest(self, origin: str) -> Seen | None: ...

    def seen(self, origin: str) -> list[Seen]: ...

    def keep(self, checkpoint: Checkpoint, note: str) -> Seen: ...


class DatabaseStore:
    """The checkpoints a witness accepted, in the platform's database (`ledger_witnessed`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

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

    def keep(self, checkpoint: Checkpoint, note: str) -> Seen:
        row = WitnessedCheckpoint(
            origin=checkpoint.origin,
            size=checkpoint.size,
            root_hash=checkpoint.root_hash,
            note=note,
        )
        self.session.add(row)
        self.session.flush()
        return Seen(row.origin, row.size, checkpoint.root_hash, note)


class DirectoryStore:
    """The checkpoints a witness accepted, as files of a directory of its own: one directory per
    origin, one file per tree size (`000000001234.checkpoint`, the note as kept), never replaced.
    The checkpoints are read back unverified: the directory is the witness's own."""

    def __init__(self, state: Path) -> None:
        self.state = state

    def _dir(self, origin: str) -> Path:
        return self.state / quote(origin, safe="")

    def seen(self, origin: str) -> list[Seen]:
        directory = self._dir(origin)
        if not directory.is_dir():
            return []
        found = []
        for path in sorted(directory.glob("*.checkpoint")):
            note = path.read_text(encoding="utf-8")
            lines = split_note(note)[0].split("\n")
            found.append(Seen(origin, int(lines[1]), base64.b64decode(lines[2]), note))
        return sorted(found, key=lambda s: s.size)

    def latest(self, origin: str) -> Seen | None:
        seen = self.seen(origin)
        return seen[-1] if seen else None

    def keep(self, checkpoint: Checkpoint, note: str) -> Seen:
        publish(self._dir(checkpoint.origin), checkpoint.size, note)
        return Seen(checkpoint.origin, checkpoint.size, checkpoint.root_hash, note)


# --- C2SP tlog-cosignature ----------------------------------------------------------------------


def _cosignature_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


def _public(signer: Signer) -> bytes:
    return signer.private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def cosignature_vkey(signer: Signer) -> str:
    """The witness's verifier key: `name+<hex key ID>+<base64(0x04 ‖ public key)>`."""
    public = _public(signer)
    encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + public).decode()
    return f"{signer.name}+{_cosignature_key_id(signer.name, public).hex()}+{encoded}"


def _cosigned_message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosignature_line(signer: Signer, body: str, timestamp: int) -> str:
    """`— <name> base64(key ID ‖ timestamp (8 bytes, big-endian) ‖ Ed25519 signature)`."""
    public = _public(signer)
    signature = signer.private_key.sign(_cosigned_message(body, timestamp))
    raw = _cosignature_key_id(signer.name, public) + struct.pack(">Q", timestamp) + signature
    return f"{SIGNATURE_PREFIX}{signer.name} {base64.b64encode(raw).decode()}\n"


def open_cosignature(note: str, vkey: str) -> int:
    """The time (Unix seconds) at which the witness of `vkey` cosigned the note; raise
    VerificationError if it did not."""
    try:
        return _open_cosignature(note, vkey)
    except (ValueError, struct.error):
        raise VerificationError(
            "the note or the witness's key is malformed", reason="bad_key"
        ) from None


def _open_cosignature(note: str, vkey: str) -> int:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, hex_id, encoded = vkey.split("+", 2)
    raw_key = base64.b64decode(encoded, validate=True)
    if raw_key[:1] != bytes([COSIGNATURE_V1]) or len(raw_key) != 33:
        raise VerificationError("not a cosignature/v1 verifier key", reason="bad_key")
    public = raw_key[1:]
    key_id = _cosignature_key_id(name, public)
    if key_id.hex() != hex_id:
        raise VerificationError(
            "the verifier key's ID does not match its name and key", reason="bad_key"
        )
    body, lines = split_note(note)
    for line in lines:
        line_name, _, sig = line[len(SIGNATURE_PREFIX) :].partition(" ")
        raw = base64.b64decode(sig, validate=True)
        if line_name != name or len(raw) != 4 + 8 + 64 or raw[:4] != key_id:
            continue
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(
                raw[12:], _cosigned_message(body, timestamp)
            )
        except InvalidSignature:
            raise VerificationError(
                f"the cosignature by {name} does not verify", reason="bad_signature"
            ) from None
        return int(timestamp)
    raise VerificationError(f"the note carries no cosignature by {name}", reason="bad_signature")


class Witness:
    """Checkpoints of the logs whose keys it is given, kept in a store (the database's
    `ledger_witnessed` when given a session); cosigned with `cosigner`, if given."""

    def __init__(
        self,
        store: Session | WitnessStore,
        keys: Sequence[VerifierKey],
        *,
        cosigner: Signer | None = None,
    ) -> None:
        self.store: WitnessStore = DatabaseStore(store) if isinstance(store, Session) else store
        self.keys = {key.name: key for key in keys}
        self.cosigner = cosigner

    def latest(self, origin: str) -> Seen | None:
        return self.store.latest(origin)

    def seen(self, origin: str) -> list[Seen]:
        return self.store.seen(origin)

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
        if self.cosigner is not None:
            body = split_note(note)[0]
            note += cosignature_line(self.cosigner, body, int(time.time()))
        return self.store.keep(checkpoint, note)
