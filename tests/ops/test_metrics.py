"""Prometheus metrics: off unless turned on, then for loopback or the token only; with several
server processes sharing PROMETHEUS_MULTIPROC_DIR, any one of them reports them all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from ftzlink.api import create_app
from ftzlink.db import Database
from ftzlink.settings import Settings
from tests.server.conftest import Server


def test_metrics_are_off_unless_turned_on(database: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database.url)
    app = create_app(settings, database=database, migrate=False)
    assert TestClient(app).get("/metrics").status_code == 404


def test_with_a_token_only_the_token_opens_them(database: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database.url, metrics=True)
    app = create_app(settings, database=database, migrate=False)
    assert TestClient(app).get("/metrics").status_code == 403  # the test client is not loopback

    settings = settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    app = create_app(settings, database=database, migrate=False)
    client = TestClient(app)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.get("/api/v1/zones")
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert (
        'ftzlink_http_requests_total{method="GET",route="/api/v1/zones",status="200"}'
        in answer.text
    )
    assert "ftzlink_ledger_entries" in answer.text


def value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    assert match, f"{sample} not in:\n{text}"
    return float(match.group(1))


@pytest.fixture
def two_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, applicant_db: Database
) -> Iterator[list[Server]]:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    monkeypatch.setenv("FTZLINK_METRICS", "on")
    servers = [
        Server(
            database_url=applicant_db.url, data_dir=tmp_path / "data", log=tmp_path / f"w{i}.log"
        )
        for i in (1, 2)
    ]
    try:
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        for server in servers:
            server.kill()


@pytest.fixture
def applicant_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'data' / 'ftzlink.db'}")
    db.upgrade()
    yield db
    db.dispose()


def test_two_workers_report_requests_and_the_outbox_together(
    two_workers: list[Server], tmp_path: Path
) -> None:
    first, second = two_workers
    for _ in range(3):
        assert httpx.get(f"{first.url}/api/v1/zones").status_code == 200
    for _ in range(2):
        assert httpx.get(f"{second.url}/api/v1/zones").status_code == 200
    assert httpx.get(f"{second.url}/api/v1/applications").status_code == 401

    for server in (first, second):  # either worker answers for both
        text = httpx.get(f"{server.url}/metrics").text
        zones = 'ftzlink_http_requests_total{method="GET",route="/api/v1/zones",status="200"}'
        assert value(text, zones) == 5
        refused = (
            'ftzlink_http_requests_total{method="GET",route="/api/v1/applications",status="401"}'
        )
        assert value(text, refused) == 1
        assert (
            value(
                text,
                'ftzlink_http_request_duration_seconds_count{method="GET",route="/api/v1/zones"}',
            )
            == 5
        )
        assert value(text, "ftzlink_outbox_backlog") == 0
        assert value(text, "ftzlink_outbox_oldest_seconds") == 0
        assert "ftzlink_db_pool_connections_in_use" in text
        assert value(text, "ftzlink_ledger_entries") >= 0
