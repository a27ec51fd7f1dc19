"""Signed checkpoints published as files, one per checkpoint, named by tree size, in a directory
an operator copies off the machine (or serves): what a restore compares itself with to say how
many entries it lacks."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ftzlink.ledger.checkpoints import IssuedCheckpoint
from ftzlink.ledger.verifier import VerificationError, parse_checkpoint_body

__all__ = ["PublishedCheckpoint", "publish", "read_published"]

SUFFIX = ".checkpoint"


def publish(directory: Path, issued: IssuedCheckpoint) -> Path:
    """Write the checkpoint's signed note to `directory/<size>.checkpoint` (atomically)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{issued.size:012d}{SUFFIX}"
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(issued.note)
            out.flush()
            os.fsync(out.fileno())
        Path(temp).replace(target)
    finally:
        Path(temp).unlink(missing_ok=True)
    return target


@dataclass(frozen=True)
class PublishedCheckpoint:
    path: Path
    origin: str
    size: int
    root_hash: bytes
    note: str


def read_published(directory: Path) -> list[PublishedCheckpoint]:
    """The checkpoint files in `directory`, smallest tree first; files that are not checkpoints
    are left out. Signatures are not checked here (see `ftzlink.ledger.verifier.open_checkpoint`)."""
    found = []
    if not directory.is_dir():
        return []
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        note = path.read_text(encoding="utf-8", errors="replace").rstrip("\n") + "\n"
        try:
            body = parse_checkpoint_body(note.partition("\n\n")[0] + "\n")
        except VerificationError:
            continue
        found.append(PublishedCheckpoint(path, body.origin, body.size, body.root_hash, note))
    return sorted(found, key=lambda c: c.size)
