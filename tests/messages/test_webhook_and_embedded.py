"""The webhook gets each message as signed JSON (a real HTTP server on loopback); the worker runs
inside the served app by default and stops with it; a refused e-mail is retried with back-off."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ftzlink.api import create_app
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.messages.events import Event, send_event
from ftzlink.messages.service import set_email
from ftzlink.messages.tables import Delivery, MessageKind
from ftzlink.messages.worker import Worker
from ftzlink.settings import Settings
from tests.messages.smtp import SmtpServer


def _one_message(db: Database, *, email: str | None = "reader@mail.example") -> None:
    with db.write() as session:
        user = auth.create_user(
            session,
            actor=Actor(None, "test"),
            username="reader",
            display_name="Reader",
            password=None,
            roles=[],
            language="en",
        )
        set_email(session, user_id=user.id, email=email)
        send_event(
            session,
            Event(
                kind=MessageKind.APPLICATION_REJECTED,
                object_type="application",
                object_id="7",
                link="/applications/7",
                recipients=[user],
                values=lambda lang: {"reference": "APP-7", "measure": "m", "reasons": "late"},
            ),
            key="test:webhook",
        )


@pytest.fixture
def hook() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


def test_the_webhook_gets_each_message_once_signed_with_the_secret(
    database: Database, hook: tuple[str, list[tuple[dict[str, str], bytes]]], tmp_path: Path
) -> None:
    url, received = hook
    _one_message(database, email=None)
    settings = Settings(
        data_dir=tmp_path,
        database_url=database.url,
        webhook_url=url,
        webhook_secret="s3cret",  # type: ignore[arg-type]
    )
    Worker(db=database, settings=settings).run_once()
    Worker(db=database, settings=settings).run_once()
    assert len(received) == 1
    headers, body = received[0]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Ftzlink-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["subject"] == "Application APP-7 was not approved"
    assert payload["link"].endswith("/applications/7")
    assert headers["Idempotency-Key"] == payload["id"]


def test_an_unreachable_smtp_server_is_retried_later_and_nothing_is_lost(
    database: Database, tmp_path: Path
) -> None:
    _one_message(database)
    settings = Settings(
        data_dir=tmp_path,
        database_url=database.url,
        smtp_url="smtp://127.0.0.1:9?timeout=2",  # type: ignore[arg-type]
    )
    done = Worker(db=database, settings=settings).run_once()
    assert (done.sent, done.retried) == (0, 1)
    with database.read() as session:
        delivery = session.scalar(select(Delivery))
    assert delivery is not None
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at > delivery.created_at  # backed off, not hammered
    assert delivery.last_error


def test_the_served_app_delivers_messages_with_its_embedded_worker(
    database: Database, smtp: SmtpServer, catalogue: Catalogue, tmp_path: Path
) -> None:
    _one_message(database)
    settings = Settings(
        data_dir=tmp_path,
        database_url=database.url,
        smtp_url=smtp.url,  # type: ignore[arg-type]
        worker_poll_seconds=1,
    )
    app = create_app(
        settings, catalogue=catalogue, database=database, migrate=False, embedded_worker=True
    )
    with TestClient(app):
        deadline = time.monotonic() + 30
        while not smtp.inbox.mails and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m["Subject"] for _, m in smtp.inbox.mails] == ["Application APP-7 was not approved"]
    off = Settings(
        data_dir=tmp_path,
        database_url=database.url,
        smtp_url=smtp.url,
        worker="off",  # type: ignore[arg-type]
    )
    app = create_app(
        off, catalogue=catalogue, database=database, migrate=False, embedded_worker=True
    )
    with TestClient(app):
        pass
    assert not any(t.name == "ftzlink-worker" for t in threading.enumerate())


def test_readiness_fails_when_a_due_message_waits_longer_than_the_limit(
    database: Database, tmp_path: Path
) -> None:
    import datetime as dt

    from ftzlink.db import utcnow
    from ftzlink.ops.readiness import readiness

    _one_message(database)
    settings = Settings(
        data_dir=tmp_path,
        database_url=database.url,
        smtp_url="smtp://127.0.0.1:9?timeout=2",  # type: ignore[arg-type]
        outbox_max_age_seconds=60,
    )
    with database.write() as session:
        from ftzlink.messages.outbox import fan_out

        fan_out(session, email=True, webhook_url=None)

    def check(now: dt.datetime) -> Any:
        found = readiness(db=database, settings=settings, started_at=utcnow(), now=now)
        return next(c for c in found.checks if c.name == "messages")

    assert check(utcnow()).ok
    late = check(utcnow() + dt.timedelta(minutes=5))
    assert not late.ok and late.detail["backlog"] == 1


def test_ftzlink_worker_once_delivers_what_is_due_and_says_so(
    database: Database, smtp: SmtpServer, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _one_message(database)
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    monkeypatch.setenv("FTZLINK_SMTP_URL", smtp.url)
    first = cli("worker", "--once")
    assert first.code == 0, first.err
    assert "sent 1" in first.out
    again = cli("worker", "--once")
    assert "sent 0" in again.out
    assert [rcpt for rcpt, _ in smtp.inbox.mails] == ["reader@mail.example"]
    monkeypatch.setenv("FTZLINK_SMTP_URL", "smtp://user:hunter2@mail.example:x")
    refused = cli("worker", "--once")
    assert refused.code != 0 and "FTZLINK_SMTP_URL" in refused.err
    assert "hunter2" not in refused.err
