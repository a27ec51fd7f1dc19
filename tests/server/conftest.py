"""The platform served for real: a uvicorn process on a loopback port, over a test database, and
the people and organisation that use it, made through the same services users call."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.passwords import ENV as PASSWORD_HASHING
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.organisations import service as orgs

SYSTEM = Actor(None, "system")
TODAY = dt.date(2025, 6, 1)  # the Changning trial policy is in force from 2024-11-15 to 2026-11-14
FOCUS = "cn-trial-focus-entities"
PROFILE: dict[str, Any] = {
    "legal_form": "corporate",
    "credit_standing": "good",
    "district_approved_recipient": True,
    "sub_sector": "artificial_intelligence",
    "development_criteria_met": True,
    "established_on": "2019-03-18",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """One `uvicorn --factory ftzlink.api:create_app` process, configured by environment only."""

    def __init__(self, *, database_url: str, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "FTZLINK_DATABASE_URL": database_url,
            "FTZLINK_DATA_DIR": str(data_dir),
            "FTZLINK_TODAY": TODAY.isoformat(),
        }
        # A served platform refuses the test suite's cheap hashing (its hashes still verify).
        env.pop(PASSWORD_HASHING, None)
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "ftzlink.api:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.log = log

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}:\n{self.log.read_text()}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the machine loses power or the OOM killer hits."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def serve(database: Database, tmp_path: Path) -> Iterator[Callable[[], Server]]:
    """Start servers over the test database; every one is killed at teardown, whatever happened."""
    started: list[Server] = []

    def start() -> Server:
        server = Server(
            database_url=database.url, data_dir=tmp_path / "data", log=tmp_path / "server.log"
        )
        started.append(server)
        server.wait_until_ready()
        return server

    yield start
    for server in started:
        server.kill()


@dataclass(frozen=True)
class Applicant:
    """A member of an organisation eligible for FOCUS, with an API token."""

    organisation_id: int
    token: str


@pytest.fixture
def applicant(database: Database, catalogue: Catalogue) -> Applicant:
    with database.write() as session:
        admin = auth.create_user(
            session,
            actor=SYSTEM,
            username="admin",
            display_name="Admin",
            password="correct horse battery",
            roles=[Grant(Role.PLATFORM_ADMIN)],
        )
        org = orgs.create_organisation(
            session,
            principal=auth.principal_for(admin),
            catalogue=catalogue,
            uscc="91310105MA1FL4X59N",
            name="长宁智能",
            district="changning",
            zone="changning",
            sector="smart_internet",
            profile=PROFILE,
        )
        member = auth.create_user(
            session,
            actor=SYSTEM,
            username="member",
            display_name="Member",
            password="correct horse battery",
            roles=[Grant(Role.ENTERPRISE_MEMBER, org.id)],
        )
        _, secret = auth.create_token(
            session, actor=Actor(member.id, member.username), user_id=member.id, name="burst"
        )
        return Applicant(organisation_id=org.id, token=secret)
