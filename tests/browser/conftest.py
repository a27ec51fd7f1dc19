"""The site in a real browser: Debian's Chromium driven by Playwright, against the platform served
by uvicorn on 127.0.0.1 with the demo data. Every test also checks that the browser asked nothing
of any other origin.

Without Chromium (or the playwright package) the tests are skipped with the reason;
FTZLINK_REQUIRE_BROWSER=1 (set by CI) makes them fail instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ftzlink.api import create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.demo import DEMO_PASSWORD, TRY_AS_OF
from ftzlink.settings import Settings
from ftzlink.web.context import CSRF_COOKIE, CSRF_FIELD

CHROMIUM = Path(os.environ.get("FTZLINK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Only the violations are reported in full: axe's passes and inapplicable rules name every node
# they looked at, which costs the browser more to build and send than the checks themselves.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
OPEN_DAY = TRY_AS_OF  # the demo still takes new applications under the Changning trial policy
AFTER_EXPIRY = dt.date(2026, 11, 24)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # an ordinary phone held upright, in CSS pixels


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return (
            f"Chromium not found at {CHROMIUM}: install Debian's chromium and fonts-noto-cjk "
            "(apt-get install -y chromium fonts-noto-cjk) to run the browser tests"
        )
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("FTZLINK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (FTZLINK_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    """One running platform and the browser contexts opened on it."""

    base_url: str
    browser: Any
    requests: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def page(
        self, *, lang: str = "zh", javascript: bool = True, viewport: dict[str, int] = DESKTOP
    ) -> Any:
        """A new browser tab (own cookies) reading the site in `lang`."""
        context = self.browser.new_context(
            base_url=self.base_url,
            java_script_enabled=javascript,
            locale="zh-CN" if lang == "zh" else "en-GB",
            viewport=viewport,
        )
        context.on("request", lambda request: self.requests.append(request.url))
        host = urlsplit(self.base_url).netloc
        context.add_cookies(
            [{"name": "ftzlink_lang", "value": lang, "domain": host.split(":")[0], "path": "/"}]
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        if not javascript:
            _WITHOUT_SCRIPTS.add(page)
        return page

    def signed_in(
        self,
        username: str,
        *,
        lang: str = "zh",
        javascript: bool = True,
        viewport: dict[str, int] = DESKTOP,
    ) -> Any:
        """A new tab signed in as `username`, on the page signing in leads to. The form is sent
        by the tab's own request context (its cookies), as the page would send it, without
        drawing the sign-in page: test_shell.py signs in through the page itself."""
        page = self.page(lang=lang, javascript=javascript, viewport=viewport)
        answer = page.request.get("/sign-in")
        assert answer.ok, f"/sign-in answered {answer.status}"
        token = next(c["value"] for c in page.context.cookies() if c["name"] == CSRF_COOKIE)
        signed = page.request.post(
            "/sign-in",
            form={CSRF_FIELD: token, "username": username, "password": DEMO_PASSWORD},
            max_redirects=0,
        )
        assert signed.status == 303, f"signing in as {username} answered {signed.status}"
        page.goto(signed.headers["location"])
        return page

    def foreign_requests(self) -> list[str]:
        origin = urlsplit(self.base_url)
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (origin.scheme, origin.netloc)
        ]


def _serve(app: Any, port: int) -> tuple[Any, threading.Thread]:
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return server, thread


SiteFactory = Callable[..., Site]


@pytest.fixture
def make_site(
    browser: Any, _demo_template: Path, catalogue: Catalogue, tmp_path: Path
) -> Iterator[SiteFactory]:
    """Start the platform on its own copy of the demo, as of `today` (default OPEN_DAY)."""
    running: list[tuple[Any, threading.Thread, Database, Site]] = []

    def make(today: dt.date = OPEN_DAY) -> Site:
        target = tmp_path / f"site-{len(running)}.db"
        shutil.copyfile(_demo_template, target)
        db = Database(f"sqlite:///{target}")
        settings = Settings(data_dir=tmp_path / "data", database_url=db.url, today=today)
        app = create_app(settings, catalogue=catalogue, database=db, migrate=False)
        port = _free_port()
        server, thread = _serve(app, port)
        site = Site(base_url=f"http://127.0.0.1:{port}", browser=browser)
        running.append((server, thread, db, site))
        return site

    yield make
    for server, thread, db, site in running:
        for context in site.contexts:
            context.close()
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
        assert not site.foreign_requests(), (
            f"the browser requested another origin: {site.foreign_requests()}"
        )


@pytest.fixture
def site(make_site: SiteFactory) -> Site:
    return make_site()


# The tabs opened without JavaScript (Site.page(javascript=False)), which axe cannot check.
_WITHOUT_SCRIPTS: weakref.WeakSet[Any] = weakref.WeakSet()

# Every (language, path) that passed axe in this process. After each browser test the process
# writes what it has to a directory all pytest-xdist workers of the run share, for
# test_every_page.py to compare with the app's pages (checked_in_this_run).
ACCESSIBLE: set[tuple[str, str]] = set()


def _checked_dir(config: pytest.Config) -> Path:
    """The run's directory for what the browser tests checked, shared by its workers: beside each
    worker's own base temporary directory (pytest-of-USER/pytest-N/popen-gwK), or inside it."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    directory: Path = run / "browser-checked"
    directory.mkdir(exist_ok=True)
    return directory


def _record_name(nodeid: str) -> str:
    return hashlib.sha256(nodeid.encode()).hexdigest()[:24] + ".json"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """After each browser test (passed, failed or skipped), record what this process checked."""
    yield
    record = {"nodeid": item.nodeid, "checked": sorted(ACCESSIBLE)}
    target = _checked_dir(item.config) / _record_name(item.nodeid)
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(record), encoding="utf-8")
    partial.replace(target)


def checked_in_this_run(
    config: pytest.Config, waiting_for: list[str], *, timeout: float = 600
) -> set[tuple[str, str]]:
    """Every (language, path) the browser tests of this run checked with axe, in any worker,
    once each test in `waiting_for` has finished (the every-page check runs last, but the
    journeys may still be running in other workers)."""
    directory = _checked_dir(config)
    deadline = time.monotonic() + timeout
    while True:
        pending = [n for n in waiting_for if not (directory / _record_name(n)).exists()]
        if not pending:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"browser tests still unfinished after {timeout:.0f} s: {pending[:5]}")
        time.sleep(0.5)
    found = set(ACCESSIBLE)
    for record in directory.glob("*.json"):
        found.update((lang, path) for lang, path in json.loads(record.read_text())["checked"])
    return found


# What axe found clean in this process: (viewport width, the document as the browser holds it).
# axe reads only the DOM, its styles and the viewport, so the same document at the same width
# (a page every journey passes through, in the same state) is not checked twice.
_CLEAN: set[tuple[int, str]] = set()
_DOCUMENT = """() => document.documentElement.lang + "\\n" + document.documentElement.outerHTML"""


def _assert_axe(page: Any, what: str) -> None:
    from axe_playwright_python.sync_playwright import Axe  # only its copy of axe.min.js

    size = page.viewport_size or DESKTOP
    document = hashlib.sha256(str(page.evaluate(_DOCUMENT)).encode()).hexdigest()
    if (size["width"], document) in _CLEAN:
        return
    # axe.min.js is put in the document once: the same document is checked again at 390 px,
    # and after htmx swaps part of it.
    if not page.evaluate("() => typeof window.axe === 'object' && !!window.axe.run"):
        page.evaluate(Axe().axe_script)
    response = page.evaluate(f"() => axe.run(document, {json.dumps(AXE_OPTIONS)})")
    violations = response["violations"]
    assert not violations, f"{what or page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    )
    _CLEAN.add((size["width"], document))


def assert_accessible(page: Any, what: str = "") -> None:
    """axe-core finds no violation of WCAG 2.2 AA (tags named explicitly) on the page, at the
    tab's width and at a phone's (390 px), where the page must also fit (assert_fits_a_phone).
    The tab is resized, not reloaded, and given back its size.

    Refused at once for a tab opened with javascript=False: axe runs in the page and waits on
    its timers, which never fire there, and Playwright's evaluate has no timeout (the run hangs)."""
    assert page not in _WITHOUT_SCRIPTS, (
        f"{what or page.url}: axe cannot run in a tab without JavaScript; check the page in a "
        "tab with JavaScript (the page's HTML is the same)"
    )
    size = page.viewport_size or DESKTOP
    _assert_axe(page, f"{what or page.url} ({size['width']} px)")
    if size["width"] != PHONE["width"]:
        page.set_viewport_size(PHONE)
        try:
            _assert_axe(page, f"{what or page.url} (390 px)")
            assert_fits_a_phone(page, f"{what or page.url} (390 px)")
        finally:
            page.set_viewport_size(size)
    lang = str(page.evaluate("document.documentElement.lang"))
    ACCESSIBLE.add(("zh" if lang.startswith("zh") else "en", urlsplit(page.url).path))


# Every visible table cell's width and its font size, in CSS pixels, measured by the browser.
_CELLS = """() => Array.from(document.querySelectorAll("table td, table th"))
  .filter(cell => {
    const head = cell.closest("thead");
    return cell.getClientRects().length > 0 && !(head && head.getBoundingClientRect().width <= 1);
  })
  .map(cell => ({
    width: cell.getBoundingClientRect().width,
    font: parseFloat(getComputedStyle(cell).fontSize),
    text: cell.innerText.trim().slice(0, 40),
    table: (cell.closest("table").id || cell.closest("table").className),
  }))"""


def narrow_cells(page: Any) -> list[str]:
    """The table cells narrower than four Chinese characters at their own font size."""
    cells: list[dict[str, Any]] = page.evaluate(_CELLS)
    return [
        f"{c['table']}: {c['text']!r} is {c['width']:.0f}px wide (< 4 × {c['font']:.0f}px)"
        for c in cells
        if c["width"] < 4 * c["font"] - 0.5
    ]


def assert_fits_a_phone(page: Any, what: str = "") -> None:
    """At phone width: no table cell narrower than four CJK characters, no sideways page scroll."""
    narrow = narrow_cells(page)
    assert not narrow, f"{what or page.url}: " + "; ".join(narrow[:5])
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{what or page.url}: the page scrolls sideways by {overflow}px"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The every-page check runs after the journeys, so that it counts the pages they checked."""
    last = [item for item in items if item.path.name == "test_every_page.py"]
    if last:
        items[:] = [item for item in items if item not in last] + last


# Screenshots are for the docs, taken when asked: FTZLINK_SCREENSHOTS=1 pytest tests/browser
TAKE_SCREENSHOTS = os.environ.get("FTZLINK_SCREENSHOTS") == "1"


def screenshot(page: Any, name: str, *, phone: bool = True) -> None:
    """With FTZLINK_SCREENSHOTS=1, save a full-page screenshot for the docs
    (docs/screenshots/NAME.png), and with `phone` the same page at 390 px too (NAME-390.png)."""
    if not TAKE_SCREENSHOTS:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    if phone:
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True)
        page.set_viewport_size(size)


# The message centre's journeys (test_messages, test_workspace): the first site's database, a
# real SMTP server on loopback, and the unread count in the header.
@pytest.fixture
def site_db(site: Site, tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    yield db
    db.dispose()


@pytest.fixture
def smtp() -> Iterator[Any]:
    from tests.messages.smtp import SmtpServer

    with SmtpServer() as server:
        yield server


def unread_count(page: Any) -> int:
    badge = page.locator("#unread-count")
    return int(badge.inner_text()) if badge.count() else 0
