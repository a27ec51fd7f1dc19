"""The spot-check draw ("双随机": random targets, random inspectors), as a pure function anyone can
recompute from a published signed checkpoint.

The algorithm (version 1), given the checkpoint note and the candidates and inspectors by id:

1. body = the checkpoint's text up to its blank line (the lines origin, tree size, base64 root
   hash, as C2SP tlog-checkpoint writes them, each ending in a line feed);
   seed = SHA-256("ftzlink/spot-check-draw/v1\\n" ‖ body).
2. candidates and inspectors are sorted by id, duplicates dropped.
3. Targets: each candidate c gets the key SHA-256(seed ‖ "target:" ‖ decimal c); the `count`
   candidates with the smallest keys (ties, never seen in practice, by id) are drawn, in key order.
4. Inspector of a target t: the inspector at position
   int(SHA-256(seed ‖ "inspector:" ‖ decimal t), big-endian) mod len(inspectors).

The checkpoint fixes the seed before anyone knows it (its root hash commits to every entry logged),
and the platform cannot choose another without publishing a second checkpoint; so a draw that was
steered would show as a mismatch when anyone recomputes it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ftzlink.errors import InvalidInput, Problem

__all__ = ["DOMAIN", "CheckpointSeed", "Pick", "draw", "seed_from_checkpoint"]

DOMAIN = b"ftzlink/spot-check-draw/v1\n"


@dataclass(frozen=True)
class CheckpointSeed:
    """What a draw takes from a checkpoint: the note as published, its size and root, the seed."""

    note: str
    origin: str
    size: int
    root_hash: bytes
    seed: bytes


@dataclass(frozen=True)
class Pick:
    rank: int  # 0 for the first target drawn
    registration_id: int
    inspector_id: int


def _bad(message: str) -> InvalidInput:
    return InvalidInput("not a checkpoint", [Problem(message, field="checkpoint")])


def seed_from_checkpoint(note: str) -> CheckpointSeed:
    """The draw's seed from a signed checkpoint (its signatures are the ledger's to check)."""
    body, sep, _ = note.partition("\n\n")
    if not sep and not note.endswith("\n"):
        raise _bad("a checkpoint's body ends with a line feed")
    body = body if body.endswith("\n") else body + "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise _bad("a checkpoint has an origin, a tree size and a root hash line")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin or not size_text.isdigit():
        raise _bad("the origin line is empty, or the size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("the root hash is not base64") from None
    if len(root) != 32:
        raise _bad("the root hash is not 32 bytes")
    seed = hashlib.sha256(DOMAIN + body.encode("utf-8")).digest()
    return CheckpointSeed(note=note, origin=origin, size=int(size_text), root_hash=root, seed=seed)


def _key(seed: bytes, label: bytes, item: int) -> bytes:
    return hashlib.sha256(seed + label + str(item).encode("ascii")).digest()


def draw(
    *, seed: bytes, candidates: Sequence[int], inspectors: Sequence[int], count: int
) -> list[Pick]:
    """Draw up to `count` targets among `candidates` and an inspector for each (see above)."""
    if count < 1:
        raise InvalidInput("cannot draw", [Problem("draw at least one", field="count")])
    people = sorted(set(inspectors))
    if not people:
        raise InvalidInput("cannot draw", [Problem("there is no inspector", field="inspectors")])
    ranked = sorted(set(candidates), key=lambda c: (_key(seed, b"target:", c), c))
    return [
        Pick(
            rank=rank,
            registration_id=target,
            inspector_id=people[
                int.from_bytes(_key(seed, b"inspector:", target), "big") % len(people)
            ],
        )
        for rank, target in enumerate(ranked[:count])
    ]
