"""Two `ftzlink serve` processes on one database behave as one: a throttle counts the requests
sent to both, sign-in is throttled at the same count, and the checkpoints both sign on their
timers form one chain. On PostgreSQL (the production layout) and on one SQLite file alike."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.passwords import ENV as PASSWORD_HASHING
from ftzlink.db import Database
from ftzlink.ledger import checkpoints, log, published
from ftzlink.ledger.keys import generate, load_signer, write_key_file
from ftzlink.ledger.verifier import open_checkpoint, verify_consistency
from ftzlink.settings import Settings
from tests.server.conftest import TODAY, free_port

PASSWORD = "correct horse battery"
GUESSES = 6  # codes matching nothing a client may send per window
ATTEMPTS = 3  # wrong passwords for one user from one address before sign-in waits


class Served:
    """One `ftzlink serve --workers 1` process on a loopback port chosen free."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log_file.open("ab")
        self.log = log_file
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ftzlink", "serve", "--workers", "1", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_ready(self, timeout: float = 90) -> None:  # start-up on a busy machine
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"exited {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/api/v1/zones", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"no answer within {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    """The settings both servers read from their environment; the ledger key made beforehand."""
    result = Settings(data_dir=tmp_path / "data", database_url=database.url)
    write_key_file(result.ledger_key_path, generate(result.ledger_origin))
    return result


@pytest.fixture
def token(database: Database) -> str:
    """A user who signs in with PASSWORD, and an API token of theirs."""
    with database.write() as session:
        user = auth.create_user(
            session,
            actor=Actor(None, "system"),
            username="member",
            display_name="Member",
            password=PASSWORD,
            roles=[],
        )
        _, secret = auth.create_token(
            session, actor=Actor(user.id, user.username), user_id=user.id, name="first"
        )
    return secret


@pytest.fixture
def two(settings: Settings, tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "FTZLINK_DATABASE_URL": settings.database_url,
        "FTZLINK_DATA_DIR": str(settings.data_dir),
        "FTZLINK_TODAY": TODAY.isoformat(),
        "FTZLINK_INVITATION_CHECK_FAILURES": str(GUESSES),
        "FTZLINK_LOGIN_ATTEMPTS": str(ATTEMPTS),
        "FTZLINK_LEDGER_CHECKPOINT_SECONDS": "1",
    }
    # A served platform refuses the test suite's cheap hashing; the user's cheap hash verifies.
    env.pop(PASSWORD_HASHING, None)
    env.pop("FTZLINK_WORKERS", None)
    servers = (Served(env, tmp_path / "a.log"), Served(env, tmp_path / "b.log"))
    try:
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_two_server_processes_on_one_database_behave_as_one(
    two: tuple[Served, Served], database: Database, settings: Settings, token: str
) -> None:
    a, b = two
    alternately = itertools.cycle((a, b))

    # The public invitation check: guesses sent half to each are refused at the same total.
    for n in range(GUESSES):
        answer = httpx.post(
            f"{next(alternately).url}/api/v1/talent/invitations/verify",
            json={"code": f"AAAAA-BBBBB-CCCCC-DDDD{n}"},
        )
        assert answer.status_code == 200 and answer.json()["genuine"] is False, answer.text
    for server in (a, b):
        refused = httpx.post(
            f"{server.url}/api/v1/talent/invitations/verify",
            json={"code": "AAAAA-BBBBB-CCCCC-DDDDD"},
        )
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"

    # Sign-in: wrong passwords sent alternately are throttled after the same count; then even
    # the right password waits, on either server (within the first wait: 2 s).
    for _ in range(ATTEMPTS):
        wrong = httpx.post(
            f"{next(alternately).url}/api/v1/session",
            json={"username": "member", "password": "not the password"},
        )
        assert wrong.status_code == 401, wrong.text
    for password in (PASSWORD, "not the password"):
        waits = httpx.post(
            f"{next(alternately).url}/api/v1/session",
            json={"username": "member", "password": password},
        )
        assert waits.status_code == 429 and int(waits.headers["retry-after"]) >= 1, waits.text

    # Checkpoints: both servers sign on a one-second timer while the ledger grows through both.
    headers = {"Authorization": f"Bearer {token}"}

    def grow(server: Served) -> int:
        made = 0
        deadline = time.monotonic() + 3
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
            while time.monotonic() < deadline:
                answer = client.post("/api/v1/tokens", json={"name": f"t{made}"})
                assert answer.status_code == 201, answer.text
                made += 1
        return made

    with ThreadPoolExecutor(2) as pool:
        assert all(n > 0 for n in pool.map(grow, two))
    time.sleep(1.2)  # a last tick on each timer

    with database.read() as session:
        chain = checkpoints.issued(session)
        verifier = load_signer(settings).verifier
        sizes = [c.size for c in chain]
        assert len(chain) >= 2, sizes
        assert sizes == sorted(set(sizes)), f"duplicate or out-of-order checkpoints: {sizes}"
        for checkpoint in chain:
            opened = open_checkpoint(checkpoint.note, verifier, origin=checkpoint.origin)
            assert (opened.size, opened.root_hash) == (checkpoint.size, checkpoint.root_hash)
        for old, new in itertools.pairwise(chain):
            proof = log.consistency_proof(session, old.size, new.size)
            assert verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    # and each was written once to the shared checkpoint directory
    assert [p.size for p in published.read(settings.checkpoints_dir)] == sizes
