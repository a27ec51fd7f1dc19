"""The JSON logs of a real session — sign in, create an API token, file a foreign-talent case with
its documents — hold one line per request and per audit event, each with the request id, and none
of the secrets or personal data that went through: no password, token, session id, CSRF token,
passport number or document content."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.ops import logs
from tests.api.talent_world import V1, build_talent_world

PASSWORD = "violet-staple-41-harbour"
PASSPORT, SPOUSE_PASSPORT = "E91K27Q84", "E91K27Q85"
SCAN = b"%PDF-1.4\n% scan of passport E91K27Q84, secret-document-content\n%%EOF\n"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_session_leaves_request_ids_and_no_secrets_in_the_log(
    database: Database, catalogue: Catalogue, tmp_path: Path
) -> None:
    world = build_talent_world(database, catalogue, tmp_path)
    with database.write() as s:
        auth.create_user(
            s,
            actor=Actor(None, "system"),
            username="hr-anna",
            display_name="Anna HR",
            password=PASSWORD,
            roles=[Grant(Role.ENTERPRISE_MEMBER, world.org["a"])],
        )
    out = io.StringIO()
    logs.configure(fmt="json", stream=out)
    try:
        browser = TestClient(world.app)
        signed_in = ok(
            browser.post(
                f"{V1}/session",
                json={"username": "hr-anna", "password": PASSWORD},
                headers={"X-Request-ID": "complaint-4711"},
            )
        )
        session_id = browser.cookies.get("ftzlink_session")
        csrf = signed_in["csrf_token"]
        assert session_id and csrf
        created = ok(
            browser.post(
                f"{V1}/tokens", json={"name": "hr system"}, headers={"X-CSRF-Token": csrf}
            ),
            201,
        )
        token = created["token"]
        assert token.startswith("ftz_")

        api = TestClient(world.app, headers={"Authorization": f"Bearer {token}"})
        professional = ok(
            api.post(
                f"{V1}/talent/professionals",
                json={
                    "employer_id": world.org["a"],
                    "full_name": "Anna Schmidt",
                    "nationality": "DEU",
                    "passport_number": PASSPORT,
                    "passport_expiry": "2034-05-01",
                    "birth_date": "1988-04-12",
                    "education": "doctorate",
                    "experience_years": 9,
                    "annual_salary_yuan": 900_000,
                    "chinese_level": "hsk3",
                    "post": "Head of AI research",
                },
            ),
            201,
        )
        spouse = ok(
            api.post(
                f"{V1}/talent/professionals/{professional['id']}/family",
                json={
                    "relation": "spouse",
                    "full_name": "Ben Schmidt",
                    "nationality": "DEU",
                    "passport_number": SPOUSE_PASSPORT,
                    "passport_expiry": "2033-01-01",
                    "birth_date": "1989-02-02",
                },
            ),
            201,
        )
        case = ok(
            api.post(
                f"{V1}/talent/cases",
                json={
                    "professional_id": professional["id"],
                    "facts": {"region": "shanghai", "months_in_china_per_year": 12},
                    "family_member_ids": [spouse["id"]],
                },
            ),
            201,
        )
        ok(
            api.patch(
                f"{V1}/talent/cases/{case['id']}",
                json={"version": case["version"], "work_permit_category": "A"},
            )
        )
        for kind in ("passport", "photo", "employer_letter"):
            ok(
                api.post(
                    f"{V1}/talent/cases/{case['id']}/documents",
                    data={"kind": kind},
                    files={"file": (f"{kind}-{PASSPORT}.pdf", SCAN, "application/pdf")},
                ),
                201,
            )
        filed = ok(api.post(f"{V1}/talent/cases/{case['id']}/submit"))
        assert filed["status"] == "filed"
    finally:
        logs.configure(fmt="json")  # back to stderr

    text = out.getvalue()
    for secret in (PASSWORD, token, token[4:], session_id, csrf, PASSPORT, SPOUSE_PASSPORT):
        assert secret not in text
    assert "secret-document-content" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert all(line.get("request_id") for line in lines)

    requests = [line for line in lines if line["event"] == "request"]
    assert len(requests) == 10  # every request of the session, one line each
    sign_in = requests[0]
    assert sign_in["request_id"] == "complaint-4711"
    assert (sign_in["route"], sign_in["status"]) == ("/api/v1/session", 200)
    submit = requests[-1]
    assert submit["route"] == "/api/v1/talent/cases/{case_id}/submit"
    assert submit["user"] == "hr-anna" and submit["organisations"] == [world.org["a"]]
    assert submit["duration_ms"] > 0
    assert len({line["request_id"] for line in requests}) == len(requests)

    events = [line for line in lines if line["event"] == "event"]
    actions = [e["action"] for e in events]
    assert actions[0] == "token.create", actions
    filed_event = next(
        e for e in events if e["object_type"] == "talent_case" and "submit" in e["action"]
    )
    assert filed_event["request_id"] == submit["request_id"]  # the event names its request
    assert filed_event["actor"] == "hr-anna"


def test_the_request_id_is_returned_made_up_when_missing_or_unusable(
    database: Database, catalogue: Catalogue, tmp_path: Path
) -> None:
    world = build_talent_world(database, catalogue, tmp_path)
    client = TestClient(world.app)
    assert (
        client.get(f"{V1}/zones", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    made_up = client.get(f"{V1}/zones").headers["x-request-id"]
    assert len(made_up) == 32
    forged = client.get(f"{V1}/zones", headers={"X-Request-ID": 'x" injected=1 ' + "y" * 200})
    assert forged.headers["x-request-id"] != made_up and " " not in forged.headers["x-request-id"]


def test_console_output_for_a_person_at_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    logs.configure(fmt="auto", stream=out)
    try:
        logs.logger().info("request", route="/api/v1/zones", status=200, password="hunter2")
    finally:
        logs.configure(fmt="json")
    line = out.getvalue()
    assert "request" in line and "route" in line and "/api/v1/zones" in line
    assert not line.lstrip().startswith("{")  # text, not JSON
    assert "hunter2" not in line and "***" in line
