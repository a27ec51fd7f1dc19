"""`POST /api/v1/check` answers exactly the engine's report, encoded once, for any visitor."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ftzlink.api import create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.reports import check_report
from ftzlink.rules.evaluate import evaluate
from ftzlink.settings import Settings

DAY = dt.date(2025, 6, 1)


def test_check_answers_the_engines_report(
    database: Database, catalogue: Catalogue, tmp_path: Path, example_data: dict[str, Any]
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database.url, today=DAY)
    app = create_app(settings, catalogue=catalogue, database=database, migrate=False)
    body = {"profile": json.loads(json.dumps(example_data, default=str)), "as_of": "2025-06-01"}
    with TestClient(app) as client:
        answer = client.post("/api/v1/check", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    if dump := os.environ.get("FTZLINK_TEST_DUMP_CHECK"):
        Path(dump).write_bytes(answer.content)
    profile = EnterpriseProfile.model_validate(example_data)
    expected = check_report(profile, DAY, evaluate(catalogue, profile, DAY))
    assert answer.json() == json.loads(expected.model_dump_json())
    assert answer.json()["counts"]["eligible"] >= 1
