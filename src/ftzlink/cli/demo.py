"""`ftzlink demo load`: fill an empty database with the demo (see ftzlink.demo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from ftzlink.cli import app
from ftzlink.cli.database import database_label, open_database
from ftzlink.cli.output import LangOption, UILang, console, lang_of
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ftzlink.demo import Login
    from ftzlink.text import Lang

demo_app = typer.Typer(help="A demo to try the platform with.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


def _counted(name: str, count: int, lang: Lang) -> str:
    return f"{name} {count}" if lang == "en" else f"{name} {count} 件"


def _named(names: Mapping[str, str], code: str, lang: Lang) -> str:
    """`code` by its name in `lang`, as the pages name it (the web's catalogs); unnamed, as is."""
    from ftzlink.i18n import gettext

    return gettext(lang, names[code]) if code in names else code


def _talent_state_name(state: str, lang: Lang) -> str:
    """A talent case's status, or one of its tracks and the track's state ("residence:approved")."""
    from ftzlink.web.talent.common import CASE_STATUSES, TRACK_NAMES, TRACK_STATES

    track, _, track_state = state.partition(":")
    if track in TRACK_NAMES and track_state in TRACK_STATES:
        return f"{_named(TRACK_NAMES, track, lang)} · {_named(TRACK_STATES, track_state, lang)}"
    return _named(CASE_STATUSES, state, lang)


def print_logins(logins: list[Login], lang: Lang) -> None:
    """The demo's logins as a table: each role by its name and each district by its name in
    `lang`, as the pages call them (the web's catalogs and the catalogue's district labels)."""
    from ftzlink.catalogue.loader import bundled_catalogue
    from ftzlink.web.labels import ROLES

    districts = {t.id: t.label.get(lang) for t in bundled_catalogue().terms("districts")}
    en = lang == "en"
    table = Table(title="demo logins" if en else "演示登录账号")
    columns = (
        ("username", "password", "role", "district or organisation")
        if en
        else ("登录名", "密码", "角色", "所属区或单位")
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for login in logins:
        scope = districts.get(login.scope, login.scope)
        table.add_row(login.username, login.password, _named(ROLES, login.role, lang), scope)
    console.print(table)


@demo_app.command("load")
def load(ui_lang: UILang = LangOption) -> None:
    """Load the demo into the configured database; refused unless the database has no users.

    Officials of Changning and Xuhui, enterprises in five districts, a chain headquarters with
    two branches and delegations, 2025 and 2026 budgets, and applications in every state. Every
    demo user's password is the same, and printed.
    """
    from ftzlink.catalogue.loader import bundled_catalogue
    from ftzlink.dataflow.demo import ensure_ledger_signer
    from ftzlink.demo import load_demo

    lang = lang_of(ui_lang)
    en = lang == "en"
    settings = Settings.from_env()
    with open_database(settings, lang=lang) as db, db.write() as session:
        signer, created = ensure_ledger_signer(settings)
        if created:
            path = settings.ledger_key_path
            console.print(
                f"ledger signing key written to {path}" if en else f"账本签名密钥已写入 {path}",
                markup=False,
            )
        summary = load_demo(
            session,
            catalogue=bundled_catalogue(),
            documents_root=settings.documents_dir,
            ledger_signer=signer,
        )
    from ftzlink.web.labels import STATES

    label = database_label(settings.database_url)
    sep = ", " if en else "，"
    states = sep.join(
        _counted(_named(STATES, state, lang), count, lang)
        for state, count in summary.applications.items()
    )
    talent = sep.join(
        _counted(_talent_state_name(state, lang), count, lang)
        for state, count in summary.talent_cases.items()
    )
    if en:
        console.print(
            f"loaded the demo into {label}: {summary.organisations} organisations, "
            f"{summary.delegations} delegations, {summary.budgets} budgets, applications: {states}",
            markup=False,
        )
        console.print(f"foreign-talent cases: {talent}", markup=False)
    else:
        console.print(
            f"演示数据已载入 {label}：{summary.organisations} 家机构，{summary.delegations} 项委托，"
            f"{summary.budgets} 项预算；申请：{states}",
            markup=False,
        )
        console.print(f"外籍人才办件：{talent}", markup=False)
    print_logins(summary.logins, lang)
