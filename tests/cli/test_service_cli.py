"""The service's commands as an operator runs them: db upgrade, users, demo load, audit verify,
serve. Each runs against the database named by the environment, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from ftzlink.applications.tables import Application, Budget, State
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role, User
from ftzlink.catalogue.models import Catalogue
from ftzlink.cli.users import RoleName
from ftzlink.db import Database
from ftzlink.demo import DEMO_PASSWORD, demo_logins
from ftzlink.organisations import service as orgs
from ftzlink.organisations.tables import Delegation, Organisation
from ftzlink.profiles.uscc import make_uscc
from tests.conftest import ROOT, Run
from tests.databases import fresh_database

CLI = Callable[..., Run]
PASSWORD = "a long enough password"


@pytest.fixture
def service_db(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A migrated, empty database (each backend) that the commands find through the environment."""
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    return database


def stdin(monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(line + "\n"))


# --- db upgrade --------------------------------------------------------------------------------


def test_db_upgrade_creates_the_sqlite_database_named_by_the_url(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "new" / "platform.db"
    monkeypatch.setenv("FTZLINK_DATABASE_URL", f"sqlite:///{target}")
    first = cli("db", "upgrade", "--lang", "en")
    assert first.code == 0, first.err
    assert target.exists()
    assert str(target) in first.out and "migrated from revision none" in first.out
    again = cli("db", "upgrade")
    assert again.code == 0 and "已是最新版本" in again.out


def test_db_upgrade_by_default_creates_ftzlink_db_in_the_data_dir(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FTZLINK_DATABASE_URL", raising=False)
    result = cli("db", "upgrade")
    assert result.code == 0, result.err
    assert (tmp_path / "data" / "ftzlink.db").exists()


def test_db_upgrade_of_a_migrated_database_changes_nothing(cli: CLI, service_db: Database) -> None:
    result = cli("db", "upgrade", "--lang", "en")
    assert result.code == 0, result.err
    assert "already at the newest schema" in result.out


def test_an_unreachable_database_is_one_line_without_its_password(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "FTZLINK_DATABASE_URL", "postgresql+psycopg://ops:s3cret-pw@127.0.0.1:1/ftzlink"
    )
    result = cli("db", "upgrade", "--lang", "en")
    assert result.code == 1
    assert "s3cret-pw" not in result.out + result.err
    assert "***" in result.out and "cannot use the database" in result.err
    in_chinese = cli("db", "upgrade")
    assert in_chinese.code == 1 and "s3cret-pw" not in in_chinese.out + in_chinese.err
    assert "无法使用" in in_chinese.err and "Traceback" not in in_chinese.err
    assert "Traceback" not in result.err


def test_commands_refuse_a_database_not_created_yet_without_creating_it(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "missing.db"
    monkeypatch.setenv("FTZLINK_DATABASE_URL", f"sqlite:///{target}")
    for args in (("audit", "verify"), ("demo", "load"), ("users", "token", "x", "--name", "y")):
        result = cli(*args)
        assert result.code == 1, args
        assert "ftzlink db upgrade" in result.err
    assert not target.exists()


# --- users -------------------------------------------------------------------------------------


def test_the_role_choices_are_the_domain_roles() -> None:
    assert [r.value for r in RoleName] == [r.value for r in Role]


def test_users_create_then_token_signs_in_as_that_user(
    cli: CLI, service_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, PASSWORD)
    created = cli(
        "users", "create", "wang.min", "--role", "reviewer", "--district", "changning",
        "--display-name", "王敏", "--password-stdin",
    )  # fmt: skip
    assert created.code == 0, created.err
    assert "wang.min" in created.out and "reviewer" in created.out

    issued = cli("users", "token", "wang.min", "--name", "district ERP", "--lang", "en")
    assert issued.code == 0, issued.err
    secret = issued.out.strip()
    assert secret.startswith("ftz_") and "\n" not in secret
    assert "shown this once" in issued.err

    with service_db.write() as session:
        principal = auth.resolve_token(session, secret)
        assert principal.username == "wang.min"
        assert principal.districts(Role.REVIEWER) == {"changning"}
        user = auth.authenticate(
            session, username="wang.min", password=PASSWORD, client="test", limit=5,
            window_seconds=60,
        )  # fmt: skip
        assert user.display_name == "王敏"


def test_users_create_an_enterprise_member_by_the_organisation_credit_code(
    cli: CLI, service_db: Database, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    uscc = make_uscc("9", "1", "310105", "MA1Q2W3E")
    with service_db.write() as session:
        admin = auth.create_user(
            session, actor=Actor(None, "test"), username="admin", display_name="Admin",
            password=PASSWORD, roles=[Grant(Role.PLATFORM_ADMIN)],
        )  # fmt: skip
        org = orgs.create_organisation(
            session, principal=auth.principal_for(admin), catalogue=catalogue, uscc=uscc,
            name="长宁测试公司", district="changning", zone="changning", sector="smart_internet",
        )  # fmt: skip
        org_id = org.id
    stdin(monkeypatch, PASSWORD)
    result = cli(
        "users", "create", "liu.yang", "--role", "enterprise_member", "--organisation", uscc,
        "--password-stdin",
    )  # fmt: skip
    assert result.code == 0, result.err
    with service_db.read() as session:
        user = session.scalars(select(User).where(User.username == "liu.yang")).one()
        assert auth.principal_for(user).member_of() == {org_id}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--role", "reviewer"), 2, "reviewer needs a district"),
        (("--role", "reviewer", "--district", "atlantis"), 2, "'atlantis' is not a district"),
        (("--role", "auditor", "--district", "changning"), 2, "district"),
        (("--role", "enterprise_admin", "--organisation", "91310105MA1FL4X59X"), 2, "check character"),
        (("--role", "enterprise_admin", "--organisation", "91310105MA1FL4X59N"), 3, "no organisation"),
        (("--role", "janitor"), 2, "janitor"),
    ],
)  # fmt: skip
def test_users_create_refuses_a_role_without_its_scope_or_with_a_wrong_one(
    cli: CLI,
    service_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    stdin(monkeypatch, PASSWORD)
    result = cli("users", "create", "someone", *args, "--password-stdin", "--lang", "en")
    assert result.code == code, result.out + result.err
    assert message in result.err
    with service_db.read() as session:
        assert session.scalar(select(User.id).where(User.username == "someone")) is None


def test_users_create_refuses_a_short_password_and_a_taken_name(
    cli: CLI, service_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, "short")
    short = cli("users", "create", "ops", "--role", "auditor", "--password-stdin")
    assert short.code == 2 and "at least 10 characters" in short.err
    stdin(monkeypatch, PASSWORD)
    assert cli("users", "create", "ops", "--role", "auditor", "--password-stdin").code == 0
    stdin(monkeypatch, PASSWORD)
    taken = cli("users", "create", "ops", "--role", "auditor", "--password-stdin", "--lang", "en")
    assert taken.code == 1 and "already exists" in taken.err


def test_users_token_for_an_unknown_user_is_not_found(cli: CLI, service_db: Database) -> None:
    result = cli("users", "token", "nobody", "--name", "x", "--lang", "en")
    assert result.code == 3 and "no user 'nobody'" in result.err
    in_chinese = cli("users", "token", "nobody", "--name", "x")
    assert in_chinese.code == 3 and "没有用户 'nobody'" in in_chinese.err


# --- demo --------------------------------------------------------------------------------------


def test_demo_load_creates_applications_in_every_state_logins_that_work_and_a_log_that_verifies(
    cli: CLI, service_db: Database
) -> None:
    loaded = cli("demo", "load")
    assert loaded.code == 0, loaded.err
    for login in demo_logins():
        assert login.username in loaded.out
    assert DEMO_PASSWORD in loaded.out

    with service_db.read() as session:
        apps = session.scalars(select(Application)).all()
        assert {a.status for a in apps} == {s.value for s in State}
        # One application filed by the headquarters for a branch, under a delegation.
        delegated = [a for a in apps if a.delegation_id is not None]
        assert delegated
        for app in delegated:
            branch = session.get(Organisation, app.organisation_id)
            filer = session.get(User, app.created_by)
            assert branch is not None and branch.headquarters_id is not None and filer is not None
            assert auth.principal_for(filer).member_of() == {branch.headquarters_id}
        scopes = [d.measures for d in session.scalars(select(Delegation))]
        assert None in scopes and any(scopes)  # one for all measures, one for named measures
        years = {b.year for b in session.scalars(select(Budget))}
        assert years == {2025, 2026}
        districts = set(session.scalars(select(Organisation.district)))
        assert {"changning", "xuhui", "minhang", "yangpu", "huangpu"} <= districts

    with service_db.write() as session:
        for login in demo_logins():  # the printed logins are real
            user = auth.authenticate(
                session, username=login.username, password=login.password, client="test",
                limit=100, window_seconds=60,
            )  # fmt: skip
            assert {r.role for r in user.roles} == {login.role}

    verified = cli("audit", "verify", "--lang", "en")
    assert verified.code == 0, verified.out + verified.err
    assert verified.out.startswith("OK")
    report = json.loads(cli("audit", "verify", "--format", "json").out)
    assert report["ok"] is True and report["entries"] > 50 and report["first_bad_seq"] is None


def test_demo_load_refuses_a_database_that_has_users(cli: CLI, service_db: Database) -> None:
    assert cli("demo", "load").code == 0
    with service_db.read() as session:
        before = len(session.scalars(select(Application.id)).all())
    again = cli("demo", "load")
    assert again.code == 1
    assert "already has users" in again.err and "Traceback" not in again.err
    with service_db.read() as session:
        assert len(session.scalars(select(Application.id)).all()) == before


def test_the_demo_is_the_same_every_time(
    cli: CLI, service_db: Database, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def contents(db: Database) -> tuple[object, ...]:
        monkeypatch.setenv("FTZLINK_DATABASE_URL", db.url)
        # Each platform publishes its checkpoints in its own data directory.
        monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path / f"data-{abs(hash(db.url))}"))
        assert cli("demo", "load").code == 0
        with db.read() as session:
            return (
                session.execute(select(Organisation.uscc, Organisation.name)).all(),
                session.execute(select(User.username, User.display_name)).all(),
                session.execute(
                    select(
                        Application.organisation_id, Application.measure_id, Application.status,
                        Application.submitted_on, Application.requested_amount,
                        Application.approved_amount,
                    ).order_by(Application.id)
                ).all(),
            )  # fmt: skip

    first = contents(service_db)
    (tmp_path / "second").mkdir()
    with fresh_database(backend, tmp_path / "second") as second:
        assert contents(second) == first


# --- audit verify ------------------------------------------------------------------------------


def test_audit_verify_names_the_entry_altered_behind_the_platform_s_back(
    cli: CLI, service_db: Database
) -> None:
    assert cli("demo", "load").code == 0
    with service_db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET detail = 'tampered' WHERE seq = 7"))
    result = cli("audit", "verify")
    assert result.code == 1
    assert "entry 7" in result.out and "altered" in result.out
    report = json.loads(cli("audit", "verify", "--format", "json").out)
    assert report["ok"] is False and report["first_bad_seq"] == 7
    assert "entry 7" in report["problem"]


def test_audit_verify_notices_entries_cut_off_the_end(cli: CLI, service_db: Database) -> None:
    assert cli("demo", "load").code == 0
    with service_db.engine.begin() as connection:
        last = connection.execute(text("SELECT max(seq) FROM audit_entries")).scalar_one()
        connection.execute(text("DELETE FROM audit_entries WHERE seq = :seq"), {"seq": last})
    result = cli("audit", "verify")
    assert result.code == 1 and f"entry {last}" in result.out


# --- serve -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_demo_loads_the_demo_and_answers_on_the_printed_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """On SQLite from nothing, as the README's quick start does; on PostgreSQL, a fresh schema."""
    port = _free_port()
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    env["FTZLINK_DATA_DIR"] = str(tmp_path / "data")
    if backend == "sqlite":
        env.pop("FTZLINK_DATABASE_URL", None)
    else:
        env["FTZLINK_DATABASE_URL"] = request.getfixturevalue("database").url
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ftzlink", "serve", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        # The default is a worker per core, each importing the application: slow on a busy machine.
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = httpx.get(f"{base}/api/v1/zones", timeout=2).status_code
                if status == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        output = log.read_text(encoding="utf-8")
        assert status == 200, f"exit {process.poll()}, status {status}:\n{output}"
        signed_in = httpx.post(
            f"{base}/api/v1/session",
            json={"username": "cn-reviewer", "password": DEMO_PASSWORD},
            timeout=10,
        )
        assert signed_in.status_code == 200, signed_in.text
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = log.read_text(encoding="utf-8")
    # The README's command, so in the default language: Chinese.
    assert f"ftzlink 服务地址：{base}/" in output
    assert f"工作进程：{os.cpu_count() or 1} 个" in output  # a worker per core by default
    assert "演示数据已载入空数据库" in output and "演示登录账号" in output
    assert "cn-reviewer" in output and DEMO_PASSWORD in output
    if backend == "sqlite":
        assert (tmp_path / "data" / "ftzlink.db").exists()
