"""A backup taken while a server takes a burst of submissions restores into a new directory with
every submission answered before the backup began; the audit log and the ledger verify there; and
the restore counts, from a checkpoint published after the backup, the entries it lacks."""

from __future__ import annotations

import io
import itertools
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from ftzlink.applications.tables import Application
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.ledger import log
from tests.conftest import Run
from tests.server.conftest import FOCUS, Applicant, Server, applicant  # noqa: F401

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # the online backup is SQLite's


class Burst:
    """Clients filing and submitting applications until stopped; `acknowledged` lists, in order,
    the ids whose submission was answered 200."""

    def __init__(self, url: str, who: Applicant, clients: int = 4) -> None:
        self.url, self.token, self.organisation = url, who.token, who.organisation_id
        self.acknowledged: list[int] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keys = itertools.count()
        self._threads = [threading.Thread(target=self._client) for _ in range(clients)]

    def _client(self) -> None:
        with httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        ) as client:
            while not self._stop.is_set():
                key = f"burst-{next(self._keys)}"
                created = client.post(
                    "/api/v1/applications",
                    json={
                        "organisation_id": self.organisation,
                        "measure_id": FOCUS,
                        "requested_amount": 1000,
                    },
                    headers={"Idempotency-Key": key},
                )
                if created.status_code != 201:
                    self.errors.append(created.text)
                    return
                number = created.json()["id"]
                submitted = client.post(
                    f"/api/v1/applications/{number}/submit",
                    headers={"Idempotency-Key": f"{key}/submit"},
                )
                if submitted.status_code != 200:
                    self.errors.append(submitted.text)
                    return
                with self._lock:
                    self.acknowledged.append(number)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count and not self.errors:
            assert time.monotonic() < deadline, "the burst is too slow"
            time.sleep(0.05)
        assert not self.errors, self.errors

    def halt(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    def stop(self) -> None:
        self.halt()
        assert not self.errors, self.errors


def test_backup_during_a_burst_restores_everything_acknowledged_and_names_what_it_lacks(
    database: Database,
    applicant: Applicant,  # noqa: F811
    tmp_path: Path,
    cli: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    catalogue: Catalogue,
) -> None:
    live = Path(database.url.removeprefix("sqlite:///")).parent
    key_file = tmp_path / "ledger.key"  # kept outside both data directories, as it should be
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(live))
    monkeypatch.setenv("FTZLINK_LEDGER_KEY_FILE", str(key_file))
    monkeypatch.setenv("FTZLINK_LEDGER_CHECKPOINT_SECONDS", "0")  # checkpoints by hand
    assert cli("ledger", "keygen").code == 0
    assert cli("ledger", "checkpoint").code == 0
    (live / "documents" / "ab").mkdir(parents=True)
    (live / "documents" / "ab" / ("ab" + "0" * 62)).write_bytes(b"%PDF-1.4 an upload\n")

    server = Server(database_url=database.url, data_dir=live, log=tmp_path / "server.log")
    burst = Burst(server.url, applicant)
    try:
        server.wait_until_ready()
        burst.start()
        burst.wait_for(8)
        before = list(burst.acknowledged)  # answered before the backup began
        backup = tmp_path / "backup.tar.gz"
        taken = cli("db", "backup", "--out", backup)
        assert taken.code == 0, taken.err
        assert "备份已写入" in taken.out  # Chinese by default
        burst.wait_for(len(burst.acknowledged) + 8)
        burst.stop()
        assert cli("ledger", "checkpoint").code == 0  # published after the backup
    finally:
        burst.halt()
        server.kill()
    with database.read() as session:
        live_size = log.size(session)

    checked = cli("db", "backup", "--verify", backup, "--lang", "en")
    assert checked.code == 0, checked.out + checked.err
    assert "OK: every file matches the manifest, the audit log and the ledger verify" in checked.out

    restored_dir = tmp_path / "restored"
    restored = cli(
        "db",
        "restore",
        backup,
        "--into",
        restored_dir,
        "--checkpoints",
        live / "checkpoints",
        "--lang",
        "en",
    )
    assert restored.code == 0, restored.out + restored.err
    restored_db = Database(f"sqlite:///{restored_dir / 'ftzlink.db'}")
    try:
        with restored_db.read() as session:
            present = {a.id: a.status for a in session.scalars(select(Application))}
            restored_size = log.size(session)
    finally:
        restored_db.dispose()
    assert all(present.get(number) == "submitted" for number in before)
    assert not set(burst.acknowledged) <= set(present)  # later ones are not there, and it says so
    lost = live_size - restored_size
    assert lost > 0
    assert (
        f"LACKS: {live_size:012d}.checkpoint shows the ledger at {live_size} entries"
        in restored.out
    )
    assert (
        f"this restore has {restored_size}: {lost} entries lost (signature verified)"
        in restored.out
    )
    assert (restored_dir / "documents" / "ab" / ("ab" + "0" * 62)).is_file()

    monkeypatch.setenv("FTZLINK_DATA_DIR", str(restored_dir))
    audit = cli("audit", "verify", "--lang", "en")
    assert audit.code == 0 and audit.out.startswith("OK"), audit.out
    ledger = cli("ledger", "verify", "--lang", "en")
    assert ledger.code == 0 and ledger.out.startswith("OK"), ledger.out

    # A restore never writes over a data directory in use.
    again = cli("db", "restore", backup, "--into", restored_dir)
    assert again.code == 1 and "不是空目录" in again.err


def test_a_tampered_backup_is_named_and_not_restored(
    database: Database, tmp_path: Path, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    live = Path(database.url.removeprefix("sqlite:///")).parent
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(live))
    (live / "documents" / "cd").mkdir(parents=True)
    (live / "documents" / "cd" / ("cd" + "1" * 62)).write_bytes(b"%PDF-1.4 original\n")
    backup = tmp_path / "b.tar.gz"
    assert cli("db", "backup", "--out", backup).code == 0
    assert cli("db", "backup", "--out", backup).code == 1  # never overwritten

    tampered = tmp_path / "t.tar.gz"
    with tarfile.open(backup) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            data = source.extractfile(member)
            assert data is not None
            content = data.read()
            if member.name.startswith("documents/"):
                content = content.replace(b"original", b"replaced")
            member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    checked = cli("db", "backup", "--verify", tampered, "--lang", "en")
    assert checked.code == 1
    assert f"documents/cd/cd{'1' * 62} differs from the manifest" in checked.out
    restored = cli("db", "restore", tampered, "--into", tmp_path / "r", "--lang", "en")
    assert restored.code == 1 and "nothing was restored" in restored.out
    assert not (tmp_path / "r").exists()
