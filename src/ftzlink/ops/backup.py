"""Backups that restore: a consistent snapshot of the embedded database (SQLite's online backup
API, taken while the server writes), the uploaded documents and the published checkpoints, in one
tar.gz with a manifest of every file's size and SHA-256.

The database is copied first and the documents after it: documents are stored before the
transaction that names them commits and are never deleted, so every document the snapshot names
is in the archive. A restore fills an empty data directory, checks the audit log and the ledger,
and compares the ledger with checkpoints published after the backup, so that what a restore rolled
back is counted and named, never silent.

On PostgreSQL the database is dumped with `pg_dump`; the archive then holds the documents and the
checkpoints, and its manifest says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy.engine import make_url

from ftzlink.db import utcnow
from ftzlink.errors import Conflict, InvalidInput, Problem
from ftzlink.settings import Settings

__all__ = [
    "FORMAT",
    "BackupReport",
    "LedgerGap",
    "RestoreReport",
    "VerifyReport",
    "backup",
    "pg_dump_advice",
    "restore",
    "sqlite_file",
    "verify_backup",
]

FORMAT = "ftzlink-backup/1"
MANIFEST = "manifest.json"
DATABASE = "ftzlink.db"
DOCUMENTS = "documents"
CHECKPOINTS = "checkpoints"
_CHUNK = 1 << 20


def sqlite_file(url: str) -> Path | None:
    """The SQLite file of a database URL; None for another database (or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def pg_dump_advice(url: str) -> str:
    """How to dump (and later restore) a PostgreSQL database: the database's part of a backup."""
    shown = make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)
    return (
        f'pg_dump --format=custom --file ftzlink.pgdump "{shown}"  '
        f'(restore: pg_restore --clean --if-exists --dbname "{shown}" ftzlink.pgdump)'
    )


@dataclass(frozen=True)
class FileEntry:
    path: str  # inside the archive, POSIX
    size: int
    sha256: str


@dataclass(frozen=True)
class BackupReport:
    out: Path
    dialect: str
    files: int
    bytes: int
    documents: int
    checkpoints: int
    ledger_size: int | None  # None on PostgreSQL: the database is not in the archive
    audit_entries: int | None
    revision: str | None


def _database_facts(path: Path) -> dict[str, Any]:
    """What the snapshot holds, read with sqlite3 alone (no engine, no migration)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:

        def one(sql: str) -> Any:
            try:
                row = conn.execute(sql).fetchone()
            except sqlite3.Error:
                return None
            return None if row is None else row[0]

        latest = conn.execute(
            "SELECT size FROM ledger_checkpoints ORDER BY size DESC, id DESC LIMIT 1"
        ).fetchone()
        return {
            "revision": one("SELECT version_num FROM alembic_version"),
            "ledger_size": one("SELECT count(*) FROM ledger_entries") or 0,
            "audit_entries": one("SELECT seq FROM audit_head WHERE id = 1") or 0,
            "checkpoint_size": None if latest is None else latest[0],
        }


def _snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database: the online backup API copies every page in
    one step under a read transaction, so writers (WAL) carry on and the copy is one moment."""
    if not source.is_file():
        raise Conflict(f"there is no database at {source} to back up")
    with (
        closing(sqlite3.connect(source, timeout=60)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _files_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        # Skip uploads being written (temporary names start with a dot) and anything not a file.
        if path.is_file() and not path.name.startswith("."):
            yield path


def _add(tar: tarfile.TarFile, source: Path, name: str) -> FileEntry:
    """Add a file, hashing exactly the bytes that go into the archive."""
    data = source.read_bytes()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(source.stat().st_mtime), 0o600
    tar.addfile(info, io.BytesIO(data))
    return FileEntry(name, len(data), hashlib.sha256(data).hexdigest())


def backup(*, settings: Settings, out: Path) -> BackupReport:
    """Write a backup of the configured platform to `out` (refused if it exists)."""
    if out.exists():
        raise Conflict(f"{out} exists already: choose a new file for the backup")
    out.parent.mkdir(parents=True, exist_ok=True)
    database_file = sqlite_file(settings.database_url)
    dialect = make_url(settings.database_url).get_backend_name()
    entries: list[FileEntry] = []
    facts: dict[str, Any] = {}
    documents = checkpoints = 0
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".ftzlink-backup-") as staging:
        partial = Path(staging) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            if database_file is not None:
                snapshot = Path(staging) / DATABASE
                _snapshot(database_file, snapshot)
                facts = _database_facts(snapshot)
                entries.append(_add(tar, snapshot, DATABASE))
            for path in _files_under(settings.documents_dir):
                name = f"{DOCUMENTS}/{path.relative_to(settings.documents_dir).as_posix()}"
                entries.append(_add(tar, path, name))
                documents += 1
            for path in _files_under(settings.checkpoints_dir):
                name = f"{CHECKPOINTS}/{path.relative_to(settings.checkpoints_dir).as_posix()}"
                entries.append(_add(tar, path, name))
                checkpoints += 1
            manifest = {
                "format": FORMAT,
                "created_at": utcnow().isoformat(timespec="seconds"),
                "database": {
                    "dialect": dialect,
                    "included": database_file is not None,
                    **facts,
                    **(
                        {}
                        if database_file is not None
                        else {"pg_dump": pg_dump_advice(settings.database_url)}
                    ),
                },
                "files": [e.__dict__ for e in entries],
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
        partial.replace(out)
    return BackupReport(
        out=out,
        dialect=dialect,
        files=len(entries),
        bytes=sum(e.size for e in entries),
        documents=documents,
        checkpoints=checkpoints,
        ledger_size=facts.get("ledger_size"),
        audit_entries=facts.get("audit_entries"),
        revision=facts.get("revision"),
    )


# --- checking an archive -------------------------------------------------------------------------


@dataclass
class VerifyReport:
    """What a backup holds and whether it is whole. `problems` empty: it is."""

    path: Path
    created_at: str = ""
    dialect: str = ""
    database_included: bool = False
    files: int = 0
    bytes: int = 0
    ledger_size: int | None = None
    audit_entries: int | None = None
    checkpoint_size: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _unpack(archive: Path, target: Path, report: VerifyReport) -> dict[str, Any]:
    """Extract into `target`, checking every file against the manifest; returns the manifest."""
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115  (closed by the `with tar` below)
    except (OSError, tarfile.TarError) as error:
        raise InvalidInput(
            "not a backup",
            [Problem(f"cannot read it as a tar.gz archive: {error}", file=archive)],
        ) from None
    seen: dict[str, FileEntry] = {}
    manifest: dict[str, Any] | None = None
    with tar:
        try:
            for member in tar:
                if not member.isfile() or not _safe_name(member.name):
                    report.problems.append(f"unexpected member {member.name!r}")
                    continue
                source = tar.extractfile(member)
                assert source is not None
                if member.name == MANIFEST:
                    manifest = json.loads(source.read().decode())
                    continue
                destination = target / member.name
                destination.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with destination.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                seen[member.name] = FileEntry(member.name, size, digest.hexdigest())
        except (OSError, tarfile.TarError, EOFError, ValueError) as error:
            report.problems.append(f"the archive is damaged: {error}")
    if manifest is None or manifest.get("format") != FORMAT:
        raise InvalidInput(
            "not a backup",
            [Problem(f"it has no {MANIFEST} of format {FORMAT}", file=archive)],
        )
    listed = {f["path"]: FileEntry(f["path"], f["size"], f["sha256"]) for f in manifest["files"]}
    for name, want in listed.items():
        got = seen.get(name)
        if got is None:
            report.problems.append(f"{name} is listed in the manifest but missing")
        elif (got.size, got.sha256) != (want.size, want.sha256):
            report.problems.append(f"{name} differs from the manifest (size or SHA-256)")
    for name in sorted(set(seen) - set(listed)):
        report.problems.append(f"{name} is in the archive but not in the manifest")
    database = manifest.get("database", {})
    report.created_at = manifest.get("created_at", "")
    report.dialect = database.get("dialect", "")
    report.database_included = bool(database.get("included"))
    report.files, report.bytes = len(listed), sum(e.size for e in listed.values())
    report.ledger_size = database.get("ledger_size")
    report.audit_entries = database.get("audit_entries")
    report.checkpoint_size = database.get("checkpoint_size")
    return manifest


def _referenced_documents(path: Path) -> set[str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        found: set[str] = set()
        for table in ("documents", "talent_documents"):
            try:
                found |= {row[0] for row in conn.execute(f"SELECT sha256 FROM {table}")}
            except sqlite3.Error:
                continue
        return found


def _check_database(directory: Path, settings: Settings, report: VerifyReport) -> None:
    """integrity_check, every referenced document present, then the audit log and the ledger."""
    from ftzlink.applications.documents import document_path
    from ftzlink.audit.log import verify as verify_audit
    from ftzlink.db import Database
    from ftzlink.ledger.integrity import verify_log
    from ftzlink.ledger.keys import configured_verifier

    path = directory / DATABASE
    with closing(sqlite3.connect(path)) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchone()
    if result is None or result[0] != "ok":
        report.problems.append(f"the database fails SQLite's integrity check: {result}")
        return
    missing = [
        sha
        for sha in _referenced_documents(path)
        if not document_path(directory / DOCUMENTS, sha).is_file()
    ]
    if missing:
        report.problems.append(
            f"{len(missing)} document(s) the database names are not in the backup "
            f"(the first: {sorted(missing)[0]})"
        )
    key = configured_verifier(settings)
    if key is None:
        report.notes.append(
            "no ledger key configured: checkpoint signatures were not checked, only their roots"
        )
    db = Database(f"sqlite:///{path}")
    try:
        with db.read() as session:
            audit = verify_audit(session, key=key)
            ledger = verify_log(session, key)
    finally:
        db.dispose()
    if not audit.ok:
        report.problems.append(f"audit verify: entry {audit.first_bad_seq}: {audit.problem}")
    if not ledger.ok:
        report.problems.append(f"ledger verify: {ledger.problem}")


def verify_backup(*, archive: Path, settings: Settings) -> VerifyReport:
    """Check a backup without restoring it: every file against the manifest, and the database
    (integrity, documents, audit log, ledger) in a scratch directory."""
    report = VerifyReport(archive)
    with tempfile.TemporaryDirectory(prefix="ftzlink-verify-") as scratch:
        _unpack(archive, Path(scratch), report)
        if report.database_included and report.ok:
            _check_database(Path(scratch), settings, report)
    return report


# --- restoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerGap:
    """A checkpoint published after the backup: the ledger reached `size`, the restore has
    `restored` entries, so `size - restored` entries were made after the backup and are lost."""

    file: Path
    size: int
    restored: int
    signed: bool | None  # True: its signature verifies; False: it does not; None: no key to check

    @property
    def lost(self) -> int:
        return self.size - self.restored


@dataclass
class RestoreReport:
    archive: Path
    into: Path
    backup: VerifyReport
    gaps: list[LedgerGap] = field(default_factory=list)  # published after the backup
    matched: int = 0  # published checkpoints the restored ledger agrees with
    diverged: list[str] = field(default_factory=list)  # published checkpoints it contradicts
    looked_in: Path | None = None
    restored: bool = False  # False: the archive is damaged and nothing was written

    @property
    def ok(self) -> bool:
        return self.restored and self.backup.ok and not self.diverged

    @property
    def lost(self) -> int:
        """Entries the ledger held after the backup was taken, by the newest signed evidence."""
        trusted = [g for g in self.gaps if g.signed is not False]
        return max((g.lost for g in trusted), default=0)


def _ensure_empty(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise Conflict(
            f"{directory} is not an empty directory: a restore fills an empty data directory "
            "only, so that nothing there is overwritten"
        )


def _compare_published(report: RestoreReport, settings: Settings, directory: Path) -> None:
    from ftzlink.db import Database
    from ftzlink.ledger import log
    from ftzlink.ledger.keys import configured_verifier
    from ftzlink.ledger.published import read_published
    from ftzlink.ledger.verifier import VerificationError, open_checkpoint

    report.looked_in = directory
    published = read_published(directory)
    if not published:
        return
    key = configured_verifier(settings)
    db = Database(f"sqlite:///{report.into / DATABASE}")
    try:
        with db.read() as session:
            size = log.size(session)
            for checkpoint in published:
                signed: bool | None = None
                if key is not None:
                    try:
                        open_checkpoint(checkpoint.note, key, origin=key.name)
                        signed = True
                    except VerificationError:
                        signed = False
                if checkpoint.size > size:
                    report.gaps.append(LedgerGap(checkpoint.path, checkpoint.size, size, signed))
                elif log.root(session, checkpoint.size) == checkpoint.root_hash:
                    report.matched += 1
                elif signed is not False:
                    report.diverged.append(
                        f"{checkpoint.path.name}: the restored ledger's first "
                        f"{checkpoint.size} entries differ from this published checkpoint"
                    )
    finally:
        db.dispose()


def restore(
    *,
    archive: Path,
    into: Path,
    settings: Settings,
    published: Path | None = None,
) -> RestoreReport:
    """Restore a backup into the empty directory `into` (its database at `into/ftzlink.db`).

    Refuses a directory that is not empty; restores nothing from an archive whose files do not
    match their manifest (`restored` False, the problems in `backup`). Afterwards the audit log and the ledger are verified, and checkpoints found in
    `published` (a directory of published checkpoint files) are compared with the restored ledger:
    those of a larger tree name the entries made after the backup, which the restore lacks.
    """
    _ensure_empty(into)
    report = RestoreReport(archive, into, VerifyReport(archive))
    into.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=into.parent, prefix=f".{into.name}-restore-"))
    try:
        _unpack(archive, staging, report.backup)
        if not report.backup.ok:
            return report  # damaged: nothing is restored
        if report.backup.database_included:
            _check_database(staging, settings, report.backup)
        if into.exists():
            into.rmdir()
        staging.replace(into)
        report.restored = True
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    if report.backup.database_included and published is not None:
        _compare_published(report, settings, published)
    return report
