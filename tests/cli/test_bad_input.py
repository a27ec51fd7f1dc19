"""Bad input, as a clumsy operator types it: one line naming what is wrong, exit 2, no traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ftzlink.api import create_app
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role, User
from ftzlink.db import Database
from ftzlink.settings import Settings
from tests.conftest import EXAMPLE, Run

CLI = Callable[..., Run]
HUGE = str(10**30)


def refused_in_one_line(run: Run, *names: str) -> None:
    assert run.code == 2, (run.out, run.err)
    assert "Traceback" not in run.err + run.out
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.err
    for name in names:
        assert name in lines[0]


def test_a_profile_with_a_day_that_does_not_exist_is_refused_at_its_line(
    cli: CLI, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("2019-03-18", "2019-02-30"), encoding="utf-8"
    )
    refused_in_one_line(cli("check", profile), "profile.yaml:10", "2019-02-30")


def test_a_synthetic_registry_of_an_absurd_size_is_refused(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "registry.csv"
    refused_in_one_line(cli("registry", "synth", "--n", HUGE, "--out", out), "--n")
    assert not out.exists()


def test_a_receipt_for_an_index_no_log_can_reach_is_refused(
    cli: CLI, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    refused_in_one_line(cli("ledger", "receipt", HUGE), "index")


def test_a_verifier_key_that_is_not_one_is_bad_input_not_a_failed_receipt(
    cli: CLI, tmp_path: Path
) -> None:
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps({"entry": "x"}), encoding="utf-8")
    refused_in_one_line(cli("ledger", "verify-receipt", receipt, "--key", "garbage"), "--key")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FTZLINK_DATABASE_URL", "notaurl://"),
        ("FTZLINK_DATABASE_URL", "notaurl"),
        ("FTZLINK_MAX_UPLOAD_BYTES", "lots"),
        ("FTZLINK_MAX_UPLOAD_BYTES", "0"),
        ("FTZLINK_TODAY", "notadate"),
        ("FTZLINK_TODAY", "2026-02-30"),
        ("FTZLINK_SECURE_COOKIES", "maybe"),
        ("FTZLINK_SESSION_HOURS", HUGE),
        ("FTZLINK_LOGIN_ATTEMPTS", "-1"),
        ("FTZLINK_LOGIN_WINDOW_SECONDS", "1.5"),
        ("FTZLINK_LOGIN_DELAY_CAP_SECONDS", "forever"),
        ("FTZLINK_TRUSTED_PROXIES", "10.0.0.0/8, the office"),
        ("FTZLINK_INVITATION_CHECK_FAILURES", "many"),
        ("FTZLINK_INVITATION_CHECK_WINDOW_SECONDS", "0"),
        ("FTZLINK_LEDGER_ORIGIN", "two words"),
        ("FTZLINK_LEDGER_CHECKPOINT_SECONDS", "-5"),
        ("FTZLINK_OUTBOX_MAX_AGE_SECONDS", "0"),
        ("FTZLINK_METRICS", "maybe"),
        ("FTZLINK_LOG_FORMAT", "xml"),
        ("FTZLINK_PUBLIC_URL", "ftzlink.example"),
        ("FTZLINK_PUBLIC_URL", "https://ftzlink.example/?from=qr"),
        ("FTZLINK_SMTP_URL", "ftp://mail.example"),
        ("FTZLINK_MAIL_FROM", "x" * 400),
        ("FTZLINK_WEBHOOK_URL", "hooks.example/in"),
        ("FTZLINK_WORKER", "sometimes"),
        ("FTZLINK_WORKER_LEASE_SECONDS", "1"),
        ("FTZLINK_WORKER_POLL_SECONDS", "0"),
        ("FTZLINK_WORKER_MAX_ATTEMPTS", "0"),
    ],
)
def test_every_setting_that_cannot_be_used_is_named_in_one_line(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'platform.db'}")
    monkeypatch.setenv(name, value)
    refused_in_one_line(cli("db", "upgrade"), name)
    assert not (tmp_path / "platform.db").exists()


def test_every_setting_has_a_case_above() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    # Paths and secrets: any text is a value (a path that cannot be written fails where used).
    settable = set(Settings.model_fields) - {
        "data_dir",
        "ledger_key_file",
        "ledger_key",
        "ledger_checkpoint_dir",
        "metrics_token",
        "webhook_secret",
    }
    untested = {n for n in settable if f'"FTZLINK_{n.upper()}"' not in source}
    assert not untested


def test_a_today_that_is_not_a_date_is_refused_even_where_no_database_is_used(cli: CLI) -> None:
    # `check` used to read the real date and ignore FTZLINK_TODAY altogether.
    monkeypatch = pytest.MonkeyPatch()
    with monkeypatch.context() as patch:
        patch.setenv("FTZLINK_TODAY", "notadate")
        refused_in_one_line(cli("check", EXAMPLE), "FTZLINK_TODAY")
        patch.setenv("FTZLINK_TODAY", "2019-01-01")  # before the example was established
        pinned = cli("check", EXAMPLE, "--format", "json")
    assert pinned.code == 0, pinned.err
    assert json.loads(pinned.out)["as_of"] == "2019-01-01"


@pytest.mark.parametrize("option", ["username", "--display-name"])
def test_a_name_of_ten_thousand_characters_is_refused_by_the_cli_as_by_the_api(
    cli: CLI,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    option: str,
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    long = "a" * 10_000
    args = [long] if option == "username" else ["ops", option, long]
    field = "username" if option == "username" else "display_name"
    refused_in_one_line(cli("users", "create", *args, "--role", "auditor"), field)

    with database.write() as session:
        admin = auth.create_user(
            session,
            actor=Actor(None, "test"),
            username="root",
            display_name="Root",
            password=None,
            roles=[Grant(Role.PLATFORM_ADMIN)],
        )
        _, token = auth.create_token(session, actor=Actor(None, "test"), user_id=admin.id, name="t")
    settings = Settings(data_dir=tmp_path / "data", database_url=database.url)
    app = create_app(settings, database=database, migrate=False)
    with TestClient(app) as client:
        body = {
            "username": long if field == "username" else "ops",
            "display_name": long if field == "display_name" else "Ops",
            "roles": [{"role": "auditor"}],
        }
        answer = client.post(
            "/api/v1/users", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 422
        assert field in answer.text
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
