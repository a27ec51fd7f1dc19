"""Checkpoints outside the database: every signed checkpoint is also written, once, as a file of
an append-only directory (`FTZLINK_LEDGER_CHECKPOINT_DIR`, default `<data dir>/checkpoints/`).

An attacker who can write the database but not that directory cannot make the log forget a
checkpoint: `ftzlink ledger verify` and `ftzlink audit verify` read the directory and fail when
a checkpoint there is missing from, or disagrees with, the database; and the log signs nothing
that does not extend the largest checkpoint there. The files are served at
`/api/v1/ledger/checkpoints` for witnesses and monitors (docs/ledger.md).

A file is named after the tree size it signs (`000000001234.checkpoint`), holds the signed note
exactly as issued, is created with a hard link from a finished temporary file (so it is whole
or absent) and is never replaced: a second, different checkpoint of the same size is refused.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from ftzlink.errors import Conflict

__all__ = [
    "Published",
    "PublishedCheckpoint",
    "file_name",
    "publish",
    "publish_on_commit",
    "read",
    "read_published",
]

SUFFIX = ".checkpoint"
_NAME = re.compile(r"[0-9]{1,20}\.checkpoint")
_PENDING = "ftzlink.ledger.published"  # session.info key: checkpoints to write once committed
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """A checkpoint file: its path, the size its name gives, and its text (None: not UTF-8)."""

    path: Path
    size: int
    text: str | None


def file_name(size: int) -> str:
    return f"{size:012d}{SUFFIX}"


def publish(directory: Path, size: int, note: str) -> Path:
    """Write a checkpoint's file, or leave the identical one there; Conflict if it differs."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(size)
    data = note.encode("utf-8")
    if path.exists():
        if path.read_bytes() == data:
            return path
        raise Conflict(
            f"{path} already holds a different checkpoint of size {size}; it is never replaced"
        )
    temporary = directory / f".{file_name(size)}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # atomic, and refuses to replace a file another wrote
        except FileExistsError:
            if path.read_bytes() != data:
                raise Conflict(
                    f"{path} already holds a different checkpoint of size {size}; "
                    "it is never replaced"
                ) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
    with contextlib.suppress(OSError):  # make the new name durable too (POSIX)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def _sizes(directory: Path) -> list[tuple[int, Path]]:
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if _NAME.fullmatch(path.name):
            found.append((int(path.name.removesuffix(SUFFIX)), path))
    return sorted(found)


def read(directory: Path) -> list[Published]:
    """Every checkpoint file in the directory, smallest size first (none if it does not exist)."""
    files = []
    for size, path in _sizes(directory):
        try:
            text: str | None = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = None
        files.append(Published(path, size, text))
    return files


def publish_on_commit(session: Session, directory: Path, size: int, note: str) -> None:
    """Write the checkpoint's file once the session's transaction commits (never on rollback:
    a file for a checkpoint the database never kept would read as a deleted checkpoint)."""
    pending: list[tuple[Path, int, str]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _write_pending)
        event.listen(session, "after_rollback", _drop_pending)
    pending.append((directory, size, note))


def _write_pending(session: Session) -> None:
    for directory, size, note in session.info.get(_PENDING, []):
        try:
            publish(directory, size, note)
        except (OSError, Conflict):
            # Committed already: the next signing writes it (it publishes the latest one it
            # finds missing), and `ftzlink ledger checkpoint` says so at once.
            logger.exception(
                "writing the ledger checkpoint of size %s to %s failed", size, directory
            )
    session.info[_PENDING] = []


def _drop_pending(session: Session) -> None:
    if _PENDING in session.info:
        session.info[_PENDING] = []


@dataclass(frozen=True)
class PublishedCheckpoint:
    """A checkpoint file read as a checkpoint: origin, tree size and root (signature unchecked)."""

    path: Path
    origin: str
    size: int
    root_hash: bytes
    note: str


def read_published(directory: Path) -> list[PublishedCheckpoint]:
    """The checkpoint files of `directory` that parse as checkpoints, smallest tree first
    (what a restore compares itself with); signatures are checked by the verifiers."""
    from ftzlink.ledger.verifier import VerificationError, parse_checkpoint_body

    found = []
    for item in read(directory):
        if item.text is None:
            continue
        note = item.text.rstrip("\n") + "\n"
        try:
            body = parse_checkpoint_body(note.partition("\n\n")[0] + "\n")
        except VerificationError:
            continue
        found.append(PublishedCheckpoint(item.path, body.origin, body.size, body.root_hash, note))
    return sorted(found, key=lambda c: c.size)
