"""`ftzlink serve`: migrate the database, optionally load the demo, and run the web service in
one or more worker processes (uvicorn's), which share everything through the database."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from ftzlink.cli import app
from ftzlink.cli.database import database_label, open_database
from ftzlink.cli.demo import print_logins
from ftzlink.cli.output import LangOption, UILang, console, lang_of
from ftzlink.errors import FtzlinkError, InvalidInput
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from ftzlink.api import Platform
    from ftzlink.demo import Login


def worker_app() -> Platform:
    """One worker's application (`--workers` above 1; uvicorn imports it by name in each
    process). `serve` has already migrated the database and judged the password profile."""
    from ftzlink.api import create_app

    return create_app(Settings.from_env(), migrate=False, embedded_worker=True)


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    demo: bool = typer.Option(
        False, "--demo", help="Load the demo first if the database has no users yet."
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        max=512,
        envvar="FTZLINK_WORKERS",
        help="Worker processes (default: the number of CPU cores). Rate limits, sign-in "
        "throttles, sessions and checkpoint signing are shared through the database.",
        show_default=False,
    ),
    ui_lang: UILang = LangOption,
) -> None:
    """Serve the platform (web pages and REST API) until interrupted, after migrating the database.

    Which database: FTZLINK_DATABASE_URL, else FTZLINK_DATA_DIR/ftzlink.db. On SQLite several
    workers read in parallel and take turns to write; PostgreSQL is the database for many.
    """
    import uvicorn

    from ftzlink.catalogue.loader import bundled_catalogue
    from ftzlink.dataflow.demo import ensure_ledger_signer
    from ftzlink.demo import TRY_AS_OF, demo_logins, is_empty, load_demo, present_logins

    try:
        from ftzlink.api import create_app
    except ImportError as error:
        raise FtzlinkError(
            f"the web service is not available in this installation: {error}"
        ) from None

    from ftzlink.auth.passwords import ENV, profile

    lang = lang_of(ui_lang)
    en = lang == "en"
    if profile() == "fast":
        # The test suite's cheap hashing: refused for a platform, said aloud for the demo.
        if not demo:
            raise InvalidInput(
                f"{ENV}=fast is for the test suite only: a served platform hashes passwords at "
                f"full strength (unset {ENV})"
                if en
                else f"{ENV}=fast 仅供测试使用：对外服务的平台须以完整强度散列密码"
                f"（请取消设置 {ENV}）"
            )
        console.print(
            f"note: {ENV}=fast, passwords are hashed cheaply (tests and demos only)"
            if en
            else f"注：{ENV}=fast，密码以低强度散列（仅供测试与演示）",
            markup=False,
        )
    settings = Settings.from_env()
    catalogue = bundled_catalogue()
    label = database_label(settings.database_url)
    console.print(f"database: {label}" if en else f"数据库：{label}", markup=False)
    logins: list[Login] = []
    with open_database(settings, migrated=False, lang=lang) as db:
        db.upgrade()
        if demo:
            with db.write() as session:
                if is_empty(session):
                    logins = load_demo(
                        session,
                        catalogue=catalogue,
                        documents_root=settings.documents_dir,
                        ledger_signer=ensure_ledger_signer(settings)[0],
                    ).logins
                    console.print(
                        "loaded the demo into the empty database"
                        if en
                        else "演示数据已载入空数据库"
                    )
                else:
                    logins = present_logins(session)
                    if logins == demo_logins():
                        console.print(
                            "the database already holds the demo; not loaded again"
                            if en
                            else "数据库中已有演示数据，不再重复载入"
                        )
                    else:
                        logins = []
                        console.print(
                            "the database already has users, so the demo was not loaded; "
                            "use a fresh FTZLINK_DATA_DIR or FTZLINK_DATABASE_URL for the demo"
                            if en
                            else "数据库中已有用户，因此未载入演示数据；如需演示，"
                            "请使用新的 FTZLINK_DATA_DIR 或 FTZLINK_DATABASE_URL"
                        )
    count = workers or os.cpu_count() or 1
    url = _base_url(host, port)
    console.print(
        f"serving ftzlink at {url}/  (web pages in Chinese; English via the switcher)"
        if en
        else f"ftzlink 服务地址：{url}/  （网页默认中文，可切换为英文）",
        markup=False,
    )
    console.print(f"  REST API {url}/api/v1/   OpenAPI {url}/openapi.json", markup=False)
    if logins:
        print_logins(logins, lang)
        today = settings.current_date()
        ended = [
            p.id
            for p in catalogue.policies
            if p.validity.end is not None and p.validity.end < today
        ]
        if ended:
            console.print(
                f"note: {', '.join(ended)} ended before {today}, so new applications under it "
                f"are refused; to try submitting, restart with FTZLINK_TODAY={TRY_AS_OF}"
                if en
                else f"注：{'、'.join(ended)} 已于 {today} 之前失效，新的申请将被拒绝；"
                f"如需试提交申请，请以 FTZLINK_TODAY={TRY_AS_OF} 重新启动",
                markup=False,
            )
    _say_workers(count, sqlite=settings.database_url.startswith("sqlite"), en=en)
    # uvicorn would believe X-Forwarded-For from 127.0.0.1; the platform decides that itself
    # (FTZLINK_TRUSTED_PROXIES, none by default). It writes its own request lines (request id,
    # route, user): no second access log.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": False,
        "access_log": False,
    }
    if count == 1:
        uvicorn.run(create_app(settings, migrate=False, embedded_worker=True), **options)
    else:
        uvicorn.run(f"{__name__}:worker_app", factory=True, workers=count, **options)


def _say_workers(count: int, *, sqlite: bool, en: bool) -> None:
    if en:
        line = f"{count} worker process{'es' if count > 1 else ''}"
        if sqlite and count > 1:
            line += " on one SQLite file: they read in parallel and write one at a time"
    else:
        line = f"工作进程：{count} 个"
        if sqlite and count > 1:
            line += "，共用一个 SQLite 文件：可并行读取，写入依次进行"
    console.print(line, markup=False)
