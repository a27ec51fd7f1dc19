"""The delivery worker: fan new messages out into the outbox, claim what is due, send it, record
the outcome; and once a day, create the reminders that are due (they become messages too).
Runs as `ftzlink worker`, or as a thread inside `ftzlink serve` (FTZLINK_WORKER=embedded)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from dataclasses import dataclass, field

from ftzlink.db import Database, utcnow
from ftzlink.messages import outbox
from ftzlink.messages.channels import DeliveryError, Mailer, Webhook
from ftzlink.messages.outbox import Claimed
from ftzlink.messages.tables import Channel
from ftzlink.ops.logs import logger
from ftzlink.ops.metrics import OUTBOX_DELIVERED, OUTBOX_FAILURES
from ftzlink.settings import Settings

__all__ = ["Pass", "Worker", "start_embedded"]


@dataclass
class Pass:
    """What one pass of the worker did."""

    fanned_out: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reminders: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.fanned_out or self.sent or self.retried or self.failed)


class Worker:
    def __init__(self, *, db: Database, settings: Settings, name: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = dt.timedelta(seconds=settings.worker_lease_seconds)
        self.channels = [
            c.value
            for c, on in (
                (Channel.EMAIL, settings.smtp_url is not None),
                (Channel.WEBHOOK, settings.webhook_url is not None),
            )
            if on
        ]
        self.reminded_on: dt.date | None = None
        self.log = logger().bind(worker=self.name)

    # -- one pass ------------------------------------------------------------------------------

    def run_once(self, stop: threading.Event | None = None) -> Pass:
        """Remind if a new day began, fan out, then send until nothing is due (or `stop`)."""
        done = Pass()
        self._remind(done)
        with self.db.write() as session:
            done.fanned_out = len(
                outbox.fan_out(
                    session,
                    email=Channel.EMAIL.value in self.channels,
                    webhook_url=self.settings.webhook_url,
                )
            )
        while self.channels and not (stop is not None and stop.is_set()):
            with self.db.write() as session:
                batch = outbox.claim(
                    session, worker=self.name, channels=self.channels, lease=self.lease
                )
            if not batch:
                break
            self._send(batch, done, stop)
        if done.busy:
            self.log.info(
                "messages delivered",
                fanned_out=done.fanned_out,
                sent=done.sent,
                retried=done.retried,
                failed=done.failed,
            )
        return done

    def _send(self, batch: list[Claimed], done: Pass, stop: threading.Event | None) -> None:
        webhook = Webhook(self.settings) if self.settings.webhook_url else None
        mailer = Mailer(self.settings) if self.settings.smtp_url else None
        margin = dt.timedelta(seconds=min(35, self.lease.total_seconds() / 2))
        try:
            for item in batch:
                if stop is not None and stop.is_set():
                    return  # the rest are claimed: taken over when the lease runs out
                assert item.delivery.claimed_until is not None
                if utcnow() > item.delivery.claimed_until - margin:
                    return  # too close to the end of the lease to start another send
                try:
                    if item.delivery.channel == Channel.EMAIL:
                        assert mailer is not None
                        mailer.send(item.message, item.delivery)
                    else:
                        assert webhook is not None
                        webhook.send(item.message, item.delivery)
                except DeliveryError as error:
                    with self.db.write() as session:
                        status = outbox.mark_failed(
                            session,
                            delivery_id=item.delivery.id,
                            claim=item.claim,
                            error=error.reason,
                            permanent=error.permanent,
                            max_attempts=self.settings.worker_max_attempts,
                        )
                    OUTBOX_FAILURES.labels(channel=item.delivery.channel).inc()
                    if status == "failed":
                        done.failed += 1
                    else:
                        done.retried += 1
                    self.log.warning(
                        "delivery failed",
                        delivery=item.delivery.id,
                        channel=item.delivery.channel,
                        attempt=item.delivery.attempts,
                        status=status,
                        reason=error.reason,
                    )
                    continue
                with self.db.write() as session:
                    if outbox.mark_sent(session, delivery_id=item.delivery.id, claim=item.claim):
                        done.sent += 1
                OUTBOX_DELIVERED.labels(channel=item.delivery.channel).inc()
        finally:
            if mailer is not None:
                mailer.__exit__()

    def _remind(self, done: Pass) -> None:
        today = self.settings.current_date()
        if self.reminded_on == today:
            return
        self.reminded_on = today
        from ftzlink.messages.reminders import due_reminders

        try:
            with self.db.write() as session:
                reminded = due_reminders(session, today=today)
            done.reminders = reminded.dataflow + reminded.permits + reminded.foreign
        except Exception as error:  # a reminder job that fails must not stop the deliveries
            done.errors.append(str(error))
            self.log.exception("reminders failed")

    # -- the loop ------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Pass after pass until `stop` is set; waits `worker_poll_seconds` when idle."""
        self.log.info("worker started", channels=self.channels)
        while not stop.is_set():
            try:
                busy = self.run_once(stop).busy
            except Exception:
                self.log.exception("worker pass failed")
                busy = False
            if not busy:
                stop.wait(self.settings.worker_poll_seconds)
        self.log.info("worker stopped")


def start_embedded(*, db: Database, settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """The worker as a daemon thread of the serving process (FTZLINK_WORKER=embedded)."""
    stop = threading.Event()
    worker = Worker(db=db, settings=settings)
    thread = threading.Thread(target=worker.run, args=(stop,), name="ftzlink-worker", daemon=True)
    thread.start()
    return thread, stop
