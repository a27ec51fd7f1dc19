"""`ftzlink worker` killed (SIGKILL) in the middle of delivering a queue of messages, then
restarted: every message reaches every recipient exactly once, counted at a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.db import Database
from ftzlink.messages.events import Event, send_event
from ftzlink.messages.service import set_email
from ftzlink.messages.tables import Delivery, MessageKind
from tests.messages.smtp import SmtpServer

RECIPIENTS = 6
EVENTS = 8  # 48 e-mails in all


def _queue(db: Database) -> list[str]:
    """Six users with addresses, and eight events addressed to all of them."""
    with db.write() as session:
        users = []
        for n in range(RECIPIENTS):
            user = auth.create_user(
                session,
                actor=Actor(None, "test"),
                username=f"person{n}",
                display_name=f"Person {n}",
                password=None,
                roles=[],
                language="en" if n % 2 else "zh",
            )
            set_email(session, user_id=user.id, email=f"person{n}@mail.example")
            users.append(user)
        for e in range(EVENTS):
            send_event(
                session,
                Event(
                    kind=MessageKind.APPLICATION_APPROVED,
                    object_type="application",
                    object_id=str(e),
                    link=f"/applications/{e}",
                    recipients=users,
                    values=lambda lang, e=e: {
                        "reference": f"APP-{e:03d}",
                        "measure": "m",
                        "amount": "1",
                        "reasons": "",
                    },
                ),
                key=f"test:{e}",
            )
    return [f"person{n}@mail.example" for n in range(RECIPIENTS)]


def _worker(db: Database, smtp: SmtpServer, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FTZLINK_DATA_DIR": str(data_dir),
        "FTZLINK_DATABASE_URL": db.url,
        "FTZLINK_SMTP_URL": smtp.url,
        "FTZLINK_WORKER_LEASE_SECONDS": "4",
        "FTZLINK_WORKER_POLL_SECONDS": "1",
        "FTZLINK_LOG_FORMAT": "json",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ftzlink", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_worker_killed_mid_delivery_and_restarted_delivers_each_message_exactly_once(
    database: Database, smtp: SmtpServer, tmp_path: Path
) -> None:
    addresses = _queue(database)
    total = RECIPIENTS * EVENTS
    # The 12th SMTP transaction stops after RCPT TO: the worker has claimed it ("sending"),
    # opened the transaction, and is killed there, with more claimed and more pending.
    smtp.inbox.hold_at = 12
    first = _worker(database, smtp, tmp_path / "w1")
    try:
        assert smtp.inbox.holding.wait(120), "the worker never reached the 12th e-mail"
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    smtp.inbox.release.set()
    assert len(smtp.inbox.mails) == 11
    with database.read() as session:
        stale = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == "sending")
        )
    assert stale and stale >= 1  # the dead worker's claims, taken over when their lease ends

    second = _worker(database, smtp, tmp_path / "w2")
    try:
        _wait(lambda: len(smtp.inbox.mails) >= total, 120)
        time.sleep(1.5)  # anything extra would arrive now
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0  # stops cleanly on SIGTERM
    finally:
        if second.poll() is None:
            second.kill()

    per_recipient = Counter(rcpt for rcpt, _ in smtp.inbox.mails)
    assert per_recipient == dict.fromkeys(addresses, EVENTS)
    pairs = Counter((rcpt, mail["Subject"]) for rcpt, mail in smtp.inbox.mails)
    assert set(pairs.values()) == {1} and len(pairs) == total
    assert len({mail["Message-ID"] for _, mail in smtp.inbox.mails}) == total
    with database.read() as session:
        statuses = Counter(session.scalars(select(Delivery.status)))
    assert statuses == {"sent": total}
