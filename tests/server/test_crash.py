"""A server killed with SIGKILL in the middle of a burst of submissions loses nothing it answered
for, and a client that retries with its Idempotency-Keys creates nothing twice."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from ftzlink.applications.tables import Application, ApplicationEvent, IdempotencyRecord
from ftzlink.audit.log import verify
from ftzlink.db import Database
from tests.server.conftest import FOCUS, Applicant, Server

KEYS = 160
CLIENTS = 8
KILL_AFTER = 40  # applications answered 201 before the kill


@dataclass
class Outcome:
    """What one client saw for one key: the application answered with 201, then its submission."""

    key: str
    body: dict[str, Any]
    created: dict[str, Any] | None = None
    submitted: dict[str, Any] | None = None
    errors: list[BaseException] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def submit_key(self) -> str:
        return f"{self.key}/submit"


def file_and_submit(client: httpx.Client, outcome: Outcome) -> httpx.Response | None:
    """POST the application and, once it is there, submit it; both under their keys."""
    try:
        created = client.post(
            "/api/v1/applications", json=outcome.body, headers={"Idempotency-Key": outcome.key}
        )
        if created.status_code != 201:
            outcome.unexpected.append(f"create {created.status_code}: {created.text}")
            return None
        outcome.created = created.json()
        submitted = client.post(
            f"/api/v1/applications/{outcome.created['id']}/submit",
            headers={"Idempotency-Key": outcome.submit_key},
        )
        if submitted.status_code != 200:
            outcome.unexpected.append(f"submit {submitted.status_code}: {submitted.text}")
            return created
        outcome.submitted = submitted.json()
        return created
    except httpx.TransportError as error:
        outcome.errors.append(error)
        return None


def in_parallel(url: str, token: str, outcomes: list[Outcome], work: Any) -> None:
    """Hand the outcomes to CLIENTS clients, each with its own connection, until none is left."""
    queue = iter(outcomes)
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client:
            while True:
                with lock:
                    outcome = next(queue, None)
                if outcome is None:
                    return
                work(client, outcome)

    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(client_loop) for _ in range(CLIENTS)]:
            future.result()


def test_a_killed_server_keeps_every_answered_submission_once(
    serve: Callable[[], Server], applicant: Applicant, database: Database, tmp_path: Path
) -> None:
    outcomes = [
        Outcome(
            key=f"burst-{i:04d}",
            body={
                "organisation_id": applicant.organisation_id,
                "measure_id": FOCUS,
                "requested_amount": 1_000_000 + i,
            },
        )
        for i in range(KEYS)
    ]
    server = serve()

    # The burst: CLIENTS clients file and submit; after KILL_AFTER 201s the server is killed
    # while the others are waiting on their answers.
    answered = itertools.count(1)
    enough = threading.Event()

    def burst(client: httpx.Client, outcome: Outcome) -> None:
        if file_and_submit(client, outcome) is not None and next(answered) >= KILL_AFTER:
            enough.set()

    burst_thread = threading.Thread(
        target=in_parallel, args=(server.url, applicant.token, outcomes, burst)
    )
    burst_thread.start()
    try:
        assert enough.wait(timeout=20), "the burst never reached the point of the kill"
        server.kill()
    finally:
        burst_thread.join(timeout=60)
    assert not burst_thread.is_alive()

    assert [o.unexpected for o in outcomes if o.unexpected] == []
    created_before = [o for o in outcomes if o.created is not None]
    failed = [o for o in outcomes if o.errors]
    cut_off = [o for o in failed if not isinstance(o.errors[0], httpx.ConnectError)]
    assert len(created_before) >= KILL_AFTER
    assert failed, "the kill came after the burst: no request failed"
    assert cut_off, "no request was in flight when the server was killed"

    # Restarted on the same database: everything answered before the kill is there.
    server = serve()
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {applicant.token}"}, timeout=30
    ) as client:
        for o in created_before:
            assert o.created is not None
            found = client.get(f"/api/v1/applications/{o.created['id']}")
            assert found.status_code == 200, found.text
            assert found.json()["reference"] == o.created["reference"]
            assert found.json()["requested_amount"] == o.body["requested_amount"]
            if o.submitted is not None:
                assert found.json()["status"] == "submitted"

    # Every client retries every key with the same request, whether or not it had an answer
    # (a request cut off by the kill may have been committed: its retry must replay, not repeat).
    retried = [Outcome(key=o.key, body=o.body) for o in outcomes]
    replayed: dict[str, str | None] = {}

    def retry(client: httpx.Client, outcome: Outcome) -> None:
        created = file_and_submit(client, outcome)
        if created is not None:
            replayed[outcome.key] = created.headers.get("Idempotent-Replayed")

    in_parallel(server.url, applicant.token, retried, retry)
    assert [(o.key, o.unexpected, o.errors) for o in retried if o.unexpected or o.errors] == []

    before = {o.key: o for o in outcomes}
    for o in retried:
        assert o.created is not None and o.submitted is not None
        first = before[o.key]
        if first.created is not None:
            assert o.created == first.created, "a 201 was not replayed as it was first given"
            assert replayed[o.key] == "true"
        if first.submitted is not None:
            assert o.submitted == first.submitted, "a submission was not replayed"

    # Nothing is there twice: one application per key, each created once and submitted once.
    ids = [o.created["id"] for o in retried if o.created is not None]
    assert len(set(ids)) == KEYS
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == KEYS
        assert set(session.scalars(select(Application.id))) == set(ids)
        assert set(session.scalars(select(Application.status))) == {"submitted"}
        steps = Counter(
            session.execute(select(ApplicationEvent.application_id, ApplicationEvent.action))
        )
        assert set(steps.values()) == {1}
        assert len(steps) == 2 * KEYS
        records = session.scalar(select(func.count()).select_from(IdempotencyRecord))
        assert records == 2 * KEYS
        verification = verify(session)
    assert verification.ok, verification.problem

    # ... and so does the operator's command, from its own process.
    audit = subprocess.run(
        [sys.executable, "-m", "ftzlink", "audit", "verify"],
        env={**os.environ, "FTZLINK_DATABASE_URL": database.url, "FTZLINK_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
