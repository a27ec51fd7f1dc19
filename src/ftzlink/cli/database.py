"""`ftzlink db upgrade`, and opening the configured database for the commands that use one.

The database layer is imported inside functions: `ftzlink check` and the other catalogue commands
never touch a database and should not pay for loading one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ftzlink.cli import app
from ftzlink.cli.output import LangOption, UILang, console, lang_of
from ftzlink.errors import Conflict, FtzlinkError
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from ftzlink.audit.log import Actor
    from ftzlink.db import Database
    from ftzlink.text import Lang

__all__ = ["cli_actor", "database_label", "open_database", "schema_revisions"]

db_app = typer.Typer(help="The platform's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def cli_actor() -> Actor:
    """Who the audit log names for what an operator does from the command line."""
    from ftzlink.audit.log import Actor

    return Actor(None, "cli")


def database_label(url: str) -> str:
    """The database URL as it may be printed: with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def schema_revisions(db: Database) -> tuple[str | None, str | None]:
    """The database's migration revision (None: never migrated) and the newest there is."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ftzlink.migrations import alembic_config

    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head()


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@contextmanager
def open_database(
    settings: Settings, *, migrated: bool = True, lang: Lang = "en"
) -> Iterator[Database]:
    """The configured database, disposed of afterwards.

    With `migrated`, a database that is missing or not at the newest schema is refused with the
    command that fixes it, rather than failing later on a missing table. A database that cannot
    be reached is reported in one line, not as a traceback. The refusals are in `lang`; commands
    with `--lang` pass theirs (English for those that do not, as before).
    """
    from sqlalchemy.exc import OperationalError

    from ftzlink.db import Database

    en = lang == "en"
    label = database_label(settings.database_url)
    sqlite_file = _sqlite_file(settings.database_url)
    if migrated and sqlite_file is not None and not sqlite_file.exists():
        raise Conflict(
            f"there is no database at {label} yet; create it with: ftzlink db upgrade"
            if en
            else f"{label} 处还没有数据库；请先创建：ftzlink db upgrade"
        )
    db = Database(settings.database_url)
    try:
        if migrated:
            current, newest = schema_revisions(db)
            if current != newest:
                raise Conflict(
                    f"the database at {label} is at schema revision {current or 'none'}, "
                    f"not the newest ({newest}); migrate it with: ftzlink db upgrade"
                    if en
                    else f"{label} 处的数据库结构版本为 {current or '无'}，不是最新版本"
                    f"（{newest}）；请迁移：ftzlink db upgrade"
                )
        yield db
    except OperationalError as error:
        reason = (str(error.orig or error).strip().splitlines() or ["unknown error"])[0]
        raise FtzlinkError(
            f"cannot use the database at {label}: {reason}"
            if en
            else f"无法使用 {label} 处的数据库：{reason}"
        ) from None
    finally:
        db.dispose()


@db_app.command("upgrade")
def upgrade(ui_lang: UILang = LangOption) -> None:
    """Create the database (SQLite in the data directory by default) or migrate it to the newest schema.

    Which database: FTZLINK_DATABASE_URL, else FTZLINK_DATA_DIR/ftzlink.db.
    """
    lang = lang_of(ui_lang)
    en = lang == "en"
    settings = Settings.from_env()
    label = database_label(settings.database_url)
    console.print(f"database: {label}" if en else f"数据库：{label}", markup=False)
    with open_database(settings, migrated=False, lang=lang) as db:
        before, _ = schema_revisions(db)
        db.upgrade()
        after, _ = schema_revisions(db)
    if before == after:
        console.print(
            f"already at the newest schema (revision {after})"
            if en
            else f"数据库结构已是最新版本（{after}）",
            markup=False,
        )
    else:
        console.print(
            f"migrated from revision {before or 'none'} to {after}"
            if en
            else f"数据库结构已从版本 {before or '无'} 迁移到 {after}",
            markup=False,
        )
