"""`ftzlink users create|token|list|disable|enable|revoke-tokens`: accounts and API tokens, as an
operator at the server's console administers them (every change audited, by "cli")."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from ftzlink.cli import app
from ftzlink.cli.database import cli_actor, open_database
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    err_console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import Conflict, InvalidInput, NotFound, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

users_app = typer.Typer(help="Users of the platform and their API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


class RoleName(StrEnum):
    """The values of ftzlink.auth.tables.Role, kept here so that loading the CLI stays light
    (a test checks that the two agree)."""

    enterprise_member = "enterprise_member"
    enterprise_admin = "enterprise_admin"
    reviewer = "reviewer"
    budget_officer = "budget_officer"
    work_permit_officer = "work_permit_officer"
    exit_entry_officer = "exit_entry_officer"
    data_regulator = "data_regulator"
    inspector = "inspector"
    registrar = "registrar"
    platform_admin = "platform_admin"
    auditor = "auditor"


def _read_password(from_stdin: bool, *, en: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt(
        "Password" if en else "密码",
        hide_input=True,
        confirmation_prompt="Repeat for confirmation" if en else "再次输入密码",
    )
    return password


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="The name to sign in with."),
    role: RoleName = typer.Option(..., "--role", help="The user's role."),
    organisation: str | None = typer.Option(
        None,
        "--organisation",
        metavar="USCC",
        help="For enterprise_member and enterprise_admin: the organisation's credit code.",
    ),
    district: str | None = typer.Option(
        None, "--district", help="For reviewer and budget_officer: the district, e.g. changning."
    ),
    display_name: str | None = typer.Option(
        None, "--display-name", help="The name shown to others (default: the username)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
    ui_lang: UILang = LangOption,
) -> None:
    """Create a user with one role (scoped to an organisation or a district where the role needs one).

    Without --password-stdin the password is asked for twice, hidden.
    """
    from sqlalchemy import select

    from ftzlink.auth import service as auth
    from ftzlink.auth.principal import Grant
    from ftzlink.auth.tables import Role, User
    from ftzlink.catalogue.loader import bundled_catalogue
    from ftzlink.organisations.tables import Organisation
    from ftzlink.profiles.uscc import uscc_problem

    lang = lang_of(ui_lang)
    en = lang == "en"
    refused = "cannot create the user" if en else "无法创建用户"
    if district is not None and district not in bundled_catalogue().known_terms("districts"):
        known = ", ".join(sorted(bundled_catalogue().known_terms("districts")))
        why = (
            f"{district!r} is not a district; known: {known}"
            if en
            else f"{district!r} 不是已知的区；已知的区：{known}"
        )
        raise InvalidInput(refused, [Problem(why, field="--district")])
    if organisation is not None and (problem := uscc_problem(organisation)):
        why = f"not a valid credit code: {problem}" if en else f"统一社会信用代码无效：{problem}"
        raise InvalidInput(refused, [Problem(why, field="--organisation")])
    # The domain's own rule (the API's too), checked before the password is asked for.
    shown = display_name if display_name is not None else username[: auth.DISPLAY_NAME_MAX]
    if problems := auth.name_problems(username=username, display_name=shown):
        raise InvalidInput(refused, problems)
    settings = Settings.from_env()
    with open_database(settings, lang=lang) as db:
        # Checked before the password is asked for; create_user checks the name again.
        with db.read() as session:
            taken = session.scalar(select(User.id).where(User.username == username))
            organisation_id = (
                session.scalar(select(Organisation.id).where(Organisation.uscc == organisation))
                if organisation is not None
                else None
            )
        if taken is not None:
            raise Conflict(
                f"a user named {username!r} already exists"
                if en
                else f"用户名 {username!r} 已被使用"
            )
        if organisation is not None and organisation_id is None:
            raise NotFound(
                f"no organisation with credit code {organisation} is registered"
                if en
                else f"没有统一社会信用代码为 {organisation} 的已登记机构"
            )
        # Asked for outside any transaction: a write transaction would hold the lock meanwhile.
        password = _read_password(password_stdin, en=en)
        with db.write() as session:
            user = auth.create_user(
                session,
                actor=cli_actor(),
                username=username,
                display_name=display_name or username,
                password=password,
                roles=[Grant(Role(role.value), organisation_id, district)],
            )
            user_id = user.id
    held_for = organisation or district
    if en:
        scope = f" of {held_for}" if held_for else ""
        console.print(f"created user {username} (id {user_id}): {role.value}{scope}", markup=False)
    else:
        scope = f"，范围 {held_for}" if held_for else ""
        console.print(
            f"已创建用户 {username}（编号 {user_id}）：角色 {role.value}{scope}", markup=False
        )


@users_app.command("token")
def token(
    username: str = typer.Argument(..., help="Whose token: the API acts as this user."),
    name: str = typer.Option(
        ..., "--name", help="What the token is for, e.g. the system that will use it."
    ),
    ui_lang: UILang = LangOption,
) -> None:
    """Create an API token for a user and print it, once: only its hash is stored.

    The token alone goes to standard output, so that `TOKEN=$(ftzlink users token ...)` works.
    """
    from sqlalchemy import select

    from ftzlink.auth import service as auth
    from ftzlink.auth.tables import User

    lang = lang_of(ui_lang)
    en = lang == "en"
    if not name.strip():
        raise InvalidInput(
            "cannot create the token" if en else "无法创建令牌",
            [Problem("name the token" if en else "请为令牌命名", field="--name")],
        )
    settings = Settings.from_env()
    with open_database(settings, lang=lang) as db, db.write() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise NotFound(f"no user {username!r}" if en else f"没有用户 {username!r}")
        _, secret = auth.create_token(
            session, actor=cli_actor(), user_id=user_id, name=name.strip()
        )
    sys.stdout.write(secret + "\n")
    err_console.print(
        f"API token {name.strip()!r} for {username}: shown this once, store it now. "
        "Send it as `Authorization: Bearer <token>`."
        if en
        else f"用户 {username} 的 API 令牌 {name.strip()!r}：仅显示这一次，请立即保存。"
        "调用接口时放在请求头 `Authorization: Bearer <token>` 中。",
        markup=False,
    )


def _user_id(session: Session, username: str, *, en: bool) -> int:
    from sqlalchemy import select

    from ftzlink.auth.tables import User

    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise NotFound(f"no user {username!r}" if en else f"没有用户 {username!r}")
    return user_id


@users_app.command("list")
def list_users(
    disabled: bool = typer.Option(False, "--disabled", help="Only the disabled users."),
    output_format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """List the users: name, roles, whether they may sign in, and their live API tokens."""
    from ftzlink.auth import service as auth

    lang = lang_of(ui_lang)
    en = lang == "en"
    with open_database(Settings.from_env(), lang=lang) as db, db.read() as session:
        users = auth.list_users(session, principal=None, active=False if disabled else None)
        tokens = auth.live_token_counts(session)
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "active": u.active,
                "roles": sorted(
                    r.role
                    + (f":{r.district}" if r.district else "")
                    + (f":{r.organisation_id}" if r.organisation_id else "")
                    for r in u.roles
                ),
                "live_tokens": tokens.get(u.id, 0),
            }
            for u in users
        ]
    if output_format is OutputFormat.json:
        print_json_data(rows)
        return
    table = Table(box=None)
    for title in (
        ("id", "username", "name", "roles", "status", "tokens")
        if en
        else ("编号", "用户名", "姓名", "角色", "状态", "有效令牌")
    ):
        table.add_column(title)
    for row in rows:
        status = ("active" if en else "启用") if row["active"] else ("disabled" if en else "已停用")
        table.add_row(
            str(row["id"]),
            Text(str(row["username"])),
            Text(str(row["display_name"])),
            Text(", ".join(row["roles"])),  # type: ignore[arg-type]
            status,
            str(row["live_tokens"]),
        )
    console.print(table)


def _set_active(username: str, *, active: bool, ui_lang: UILang) -> None:
    from ftzlink.auth import service as auth

    lang = lang_of(ui_lang)
    en = lang == "en"
    with open_database(Settings.from_env(), lang=lang) as db, db.write() as session:
        user_id = _user_id(session, username, en=en)
        auth.set_active(session, principal=None, actor=cli_actor(), user_id=user_id, active=active)
    if active:
        message = f"user {username} may sign in again" if en else f"已启用用户 {username}"
    else:
        message = (
            f"user {username} is disabled: cannot sign in; sessions ended, tokens refused"
            if en
            else f"已停用用户 {username}：无法登录，会话已结束，令牌不再有效"
        )
    console.print(message, markup=False)


@users_app.command("disable")
def disable(
    username: str = typer.Argument(..., help="Whose account."), ui_lang: UILang = LangOption
) -> None:
    """Disable a user: they cannot sign in, their sessions end, their API tokens are refused."""
    _set_active(username, active=False, ui_lang=ui_lang)


@users_app.command("enable")
def enable(
    username: str = typer.Argument(..., help="Whose account."), ui_lang: UILang = LangOption
) -> None:
    """Enable a disabled user again (tokens revoked meanwhile stay revoked)."""
    _set_active(username, active=True, ui_lang=ui_lang)


@users_app.command("revoke-tokens")
def revoke_tokens(
    username: str = typer.Argument(..., help="Whose tokens."), ui_lang: UILang = LangOption
) -> None:
    """Revoke every API token of a user and end their web sessions."""
    from ftzlink.auth import service as auth

    lang = lang_of(ui_lang)
    en = lang == "en"
    with open_database(Settings.from_env(), lang=lang) as db, db.write() as session:
        user_id = _user_id(session, username, en=en)
        count = auth.revoke_all_tokens(session, principal=None, actor=cli_actor(), user_id=user_id)
    console.print(
        f"revoked {count} API token(s) of {username}; their sessions ended"
        if en
        else f"已吊销用户 {username} 的 {count} 个接口令牌，其会话已结束",
        markup=False,
    )
