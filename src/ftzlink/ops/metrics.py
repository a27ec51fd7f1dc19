"""Prometheus metrics: what happens in a process (requests, pool, deliveries, match runs) is
counted where it happens; what the database knows (outbox backlog, ledger size, checkpoint age) is
read when scraped, once for all workers.

With `PROMETHEUS_MULTIPROC_DIR` set (before the process starts), every worker writes its values
to files there and a scrape of any worker adds them up (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select

from ftzlink.db import Database, utcnow
from ftzlink.settings import Settings

__all__ = [
    "CONTENT_TYPE_LATEST",
    "MATCH_RUN_SECONDS",
    "OUTBOX_DELIVERED",
    "OUTBOX_FAILURES",
    "instrument_pool",
    "observe_request",
    "render",
]

REQUESTS = Counter(
    "ftzlink_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "ftzlink_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
POOL_IN_USE = Gauge(
    "ftzlink_db_pool_connections_in_use",
    "Database connections checked out of the pool now (summed over live workers)",
    multiprocess_mode="livesum",
)
POOL_CHECKOUTS = Counter(
    "ftzlink_db_pool_checkouts_total", "Database connections taken from the pool"
)
OUTBOX_DELIVERED = Counter(
    "ftzlink_outbox_delivered_total", "Notifications handed to a sink", ["channel"]
)
OUTBOX_FAILURES = Counter(
    "ftzlink_outbox_delivery_failures_total",
    "Notifications a sink failed to send (delivery stopped there, to be retried)",
    ["channel"],
)
MATCH_RUN_SECONDS = Histogram(
    "ftzlink_match_run_duration_seconds",
    "Time a 免申即享 match run took, catalogue over organisations and registry",
    buckets=(0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800),
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    REQUEST_SECONDS.labels(method, route).observe(seconds)


def instrument_pool(engine: Engine) -> None:
    """Count the engine's pool checkouts and the connections in use."""

    @event.listens_for(engine, "checkout")
    def _checkout(*_: Any) -> None:
        POOL_CHECKOUTS.inc()
        POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checkin(*_: Any) -> None:
        POOL_IN_USE.dec()


class DatabaseCollector(Collector):
    """What the database knows, read at scrape time: the same for every worker, so read once."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from ftzlink.ledger import checkpoints, log
        from ftzlink.ops.readiness import calendar_years
        from ftzlink.proactive.tables import Notification

        now = utcnow()
        with self.db.read() as session:
            backlog, oldest = session.execute(
                select(func.count(), func.min(Notification.created_at)).where(
                    Notification.sent_at.is_(None)
                )
            ).one()
            size = log.size(session)
            latest = checkpoints.latest(session)
        yield GaugeMetricFamily(
            "ftzlink_outbox_backlog", "Notifications not yet sent", value=int(backlog)
        )
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        yield GaugeMetricFamily(
            "ftzlink_outbox_oldest_seconds",
            "Age of the oldest notification not yet sent (0: none waits)",
            value=0 if oldest is None else max(0.0, (now - oldest).total_seconds()),
        )
        yield GaugeMetricFamily("ftzlink_ledger_entries", "Entries on the ledger", value=size)
        yield GaugeMetricFamily(
            "ftzlink_ledger_signed_entries",
            "Ledger entries under the newest signed checkpoint",
            value=0 if latest is None else latest.size,
        )
        if latest is not None:
            yield GaugeMetricFamily(
                "ftzlink_ledger_checkpoint_age_seconds",
                "Age of the newest signed checkpoint",
                value=max(0.0, (now - latest.issued_at).total_seconds()),
            )
        yield GaugeMetricFamily(
            "ftzlink_ledger_checkpoint_interval_seconds",
            "How often the server signs a checkpoint when the ledger grew (0: never)",
            value=self.settings.ledger_checkpoint_seconds,
        )
        yield GaugeMetricFamily(
            "ftzlink_calendar_last_year",
            "The last year the working-day calendar covers",
            value=calendar_years().stop - 1,
        )
        pool = self.db.engine.pool
        size_of = getattr(pool, "size", None)
        if callable(size_of):
            yield GaugeMetricFamily(
                "ftzlink_db_pool_size", "Connections the pool keeps (per worker)", value=size_of()
            )


def render(db: Database, settings: Settings) -> bytes:
    """The text exposition: this process's metrics, or every worker's in multiprocess mode,
    followed by the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector(db, settings))
    return processes + generate_latest(database)
