"""The outbox as an operator watches it: its backlog and failed deliveries in the metrics, and
/readyz failing, with the reason, when notifications wait longer than they should."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import update

from ftzlink.api import create_app
from ftzlink.audit.log import Actor
from ftzlink.db import utcnow
from ftzlink.proactive import outbox as notification_outbox
from ftzlink.proactive.outbox import Message
from ftzlink.proactive.tables import Notification
from tests.proactive.conftest import AI, FOCUS, World
from tests.proactive.test_service import candidate, confirm, run

TOKEN = "scrape"


class BrokenSink:
    name = "sms"

    def send(self, message: Message) -> None:
        raise ConnectionError("the SMS gateway is down")


def scrape(client: TestClient) -> str:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    return answer.text


def sample(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_backlog_failures_and_a_stalled_outbox_are_visible(world: World, tmp_path: Path) -> None:
    settings = world.settings.model_copy(
        update={"metrics": True, "metrics_token": SecretStr(TOKEN), "outbox_max_age_seconds": 600}
    )
    app = create_app(settings, catalogue=world.catalogue, database=world.database, migrate=False)
    client = TestClient(app)
    failures = 'ftzlink_outbox_delivery_failures_total{channel="sms"}'
    failed_before = sample(scrape(client), failures)

    run(world)
    confirm(world, "reviewer", candidate(world, "a", FOCUS).id)
    confirm(world, "reviewer", candidate(world, "a", AI).id)
    text = scrape(client)
    assert sample(text, "ftzlink_outbox_backlog") == 2
    assert client.get("/readyz").json()["checks"]["outbox"]["ok"]  # just queued: draining

    with pytest.raises(ConnectionError), world.database.write() as s:
        notification_outbox.deliver(s, actor=Actor(None, "cli"), sink=BrokenSink())
    text = scrape(client)
    assert sample(text, failures) == failed_before + 1
    assert sample(text, "ftzlink_outbox_backlog") == 2  # nothing was marked sent

    with world.database.write() as s:
        s.execute(update(Notification).values(created_at=utcnow() - dt.timedelta(hours=2)))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    outbox = answer.json()["checks"]["outbox"]
    assert not outbox["ok"] and outbox["backlog"] == 2 and outbox["oldest_seconds"] >= 7200
    assert "ftzlink proactive deliver" in outbox["reason"]
    assert sample(scrape(client), "ftzlink_outbox_oldest_seconds") >= 7200
