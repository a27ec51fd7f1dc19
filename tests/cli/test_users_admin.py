"""`ftzlink users list|disable|enable|revoke-tokens`: an operator administers accounts from the
server's console; every change is audited as "cli"."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from ftzlink.audit.log import Actor
from ftzlink.audit.tables import AuditEntry
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from ftzlink.db import Database
from ftzlink.errors import NotAuthenticated
from tests.conftest import Run

CLI = Callable[..., Run]
PASSWORD = "a long enough password"


@pytest.fixture
def wang(database: Database, monkeypatch: pytest.MonkeyPatch) -> str:
    """A user with a password and an API token, in the database the commands are pointed at."""
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    with database.write() as session:
        user = auth.create_user(
            session,
            actor=Actor(None, "test"),
            username="wang",
            display_name="王敏",
            password=PASSWORD,
            roles=[Grant(Role.AUDITOR)],
        )
        _, token = auth.create_token(session, actor=Actor(None, "test"), user_id=user.id, name="ci")
    return token


def actions(database: Database) -> list[tuple[str, str]]:
    with database.read() as session:
        return [(e.actor, e.action) for e in session.scalars(select(AuditEntry))]


def test_a_disabled_user_cannot_sign_in_or_use_a_token_until_enabled(
    cli: CLI, database: Database, wang: str
) -> None:
    disabled = cli("users", "disable", "wang", "--lang", "en")
    assert disabled.code == 0 and "disabled" in disabled.out
    with database.write() as session, pytest.raises(NotAuthenticated):
        auth.resolve_token(session, wang)
    with database.write() as session, pytest.raises(NotAuthenticated):
        auth.authenticate(
            session, username="wang", password=PASSWORD, client="::1", limit=5, window_seconds=60
        )
    listed = json.loads(cli("users", "list", "--disabled", "--format", "json").out)
    assert [(u["username"], u["active"]) for u in listed] == [("wang", False)]

    assert cli("users", "enable", "wang").code == 0
    with database.read() as session:
        assert auth.resolve_token(session, wang).username == "wang"
    assert ("cli", "user.disable") in actions(database)
    assert ("cli", "user.enable") in actions(database)


def test_revoking_tokens_stops_them_and_is_audited(cli: CLI, database: Database, wang: str) -> None:
    revoked = cli("users", "revoke-tokens", "wang")
    assert revoked.code == 0 and "1 个接口令牌" in revoked.out
    with database.read() as session, pytest.raises(NotAuthenticated):
        auth.resolve_token(session, wang)
    assert ("cli", "user.revoke_tokens") in actions(database)
    table = cli("users", "list").out
    assert "wang" in table and "启用" in table


@pytest.mark.parametrize("command", ["disable", "enable", "revoke-tokens"])
def test_an_unknown_user_is_not_found(cli: CLI, wang: str, command: str) -> None:
    missing = cli("users", command, "nobody", "--lang", "en")
    assert missing.code == 3 and "no user 'nobody'" in missing.err
    assert cli("users", command, "nobody").err.strip() == "error: 没有用户 'nobody'"
