"""Offline receipts: an entry, its index, its inclusion proof and a signed checkpoint.

The file is JSON (see `ftzlink.ledger.verifier` for the format); its `tlog_proof` field is a
C2SP tlog-proof@v1 text, so the proof part can be checked by other tools too.
"""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ftzlink.errors import Conflict
from ftzlink.ledger import checkpoints, log
from ftzlink.ledger.checkpoints import IssuedCheckpoint
from ftzlink.ledger.verifier import RECEIPT_FORMAT, TLOG_PROOF_HEADER

__all__ = ["Receipt", "build_receipt", "tlog_proof"]


def tlog_proof(index: int, proof: list[bytes], note: str) -> str:
    lines = [TLOG_PROOF_HEADER, f"index {index}", *(base64.b64encode(h).decode() for h in proof)]
    return "\n".join(lines) + "\n\n" + note


@dataclass(frozen=True)
class Receipt:
    entry: log.Entry
    proof: list[bytes]
    checkpoint: IssuedCheckpoint

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": RECEIPT_FORMAT,
            "origin": self.checkpoint.origin,
            "index": self.entry.index,
            "kind": self.entry.kind,
        }
        if self.entry.kind != log.RAW:
            with contextlib.suppress(ValueError):
                data["body"] = self.entry.body
        data["entry"] = base64.b64encode(self.entry.data).decode()
        data["tlog_proof"] = tlog_proof(self.entry.index, self.proof, self.checkpoint.note)
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"


def build_receipt(
    session: Session, index: int, *, checkpoint: IssuedCheckpoint | None = None
) -> Receipt:
    """A receipt for entry `index` against `checkpoint` (default: the latest signed one).

    Conflict if no signed checkpoint covers the entry yet: sign one first
    (`checkpoints.sign(session, settings)`, in the same transaction if need be).
    """
    entry = log.get_entry(session, index)
    signed = checkpoint or checkpoints.latest(session)
    if signed is None or signed.size <= index:
        raise Conflict(
            f"no signed checkpoint covers ledger entry {index} yet; sign one "
            "(`ftzlink ledger checkpoint`) first"
        )
    return Receipt(entry, log.inclusion_proof(session, index, signed.size), signed)
