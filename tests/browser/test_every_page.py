"""Every page of the site, in both languages and at desktop (1280 px) and phone (390 px) widths,
passes axe, checked against the app's own list of
page routes so that a new page nobody checks fails this test.

The pages are found by following the links each demo user sees (one address per page of the app);
the pages a link does not reach (a wizard's steps, a confirmation after a form) are counted from
the journey tests beside this one, which run first and check them blank and in error.

At 390 px each crawled page is also measured: no table cell narrower than four Chinese
characters, no sideways scrolling. The same tab is resized rather than a second one opened, so
that the page is loaded once. A page the journeys (or an earlier user) already checked in the
language is fetched with the tab's cookies for its links only, not rendered again.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from ftzlink.api import create_app
from ftzlink.settings import Settings
from tests.browser.conftest import Site, assert_accessible, checked_in_this_run

HERE = Path(__file__).parent

# Whoever the demo has, so that every part of the site is reached: a visitor first, then each role.
USERS: list[str | None] = [
    None,
    "cn-ai-admin",
    "chain-hq-admin",
    "cn-reviewer",
    "cn-budget",
    "auditor",
    "work-permits",
    "exit-entry",
    "data-regulator",
    "inspector-a",
    "xh-data-admin",
    "admin",
]

# Routes that answer with something other than a page, with the reason.
NOT_PAGES = {
    "/language/{lang}": "switches the language and redirects back to the page the reader was on",
    "/statistics/charts/{dimension}.svg": "an SVG chart, shown inside the statistics page",
    "/statistics.csv": "a CSV download",
    "/review/{application_id}/documents/{document_id}": "a document download",
    "/applications/{application_id}/documents/{document_id}": "a document download",
    "/talent/cases/{case_id}/documents/{document_id}": "a document download",
    "/dataflow/transfers/{transfer_id}/receipt": "a receipt download (JSON)",
    "/applications/{application_id}/certificate": "issues the certificate (once) and redirects to it",
    "/talent/cases/{case_id}/tracks/{track}/certificate": "issues the certificate (once) and redirects to it",
    "/invitations/{invitation_id}/certificate": "issues the certificate (once) and redirects to it",
    "/dataflow/transfers/{transfer_id}/certificate": "issues the certificate (once) and redirects to it",
    "/certificates/{number}.json": "a certificate file download (JSON)",
    "/healthz": "the liveness probe (JSON, for the operator's load balancer)",
    "/readyz": "the readiness probe (JSON)",
    "/metrics": "Prometheus metrics (text, off by default)",
    "/countries": "the options of the country picker for a search typed into it (htmx)",
}


def page_routes(data_dir: Path) -> list[str]:
    """The path of every page the web UI serves with GET (not the API, not static files)."""
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'routes.db'}")
    app = create_app(settings, migrate=False)
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not isinstance(route.original_route, APIRoute) or path.startswith("/api/"):
            continue
        if "GET" in (route.methods or ()) and path not in NOT_PAGES:
            found.append(path)
    return found


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


class Routes:
    def __init__(self, paths: list[str]) -> None:
        # The fewest parameters first, so that /talent/cases/new is not taken for
        # /talent/cases/{case_id}, nor /dataflow/filings/1/route for /dataflow/filings/1/{slug}.
        self.paths = sorted(paths, key=lambda p: (p.count("{"), -len(p)))
        self.patterns = [(path, _pattern(path)) for path in self.paths]

    def of(self, url: str) -> str | None:
        path = urlsplit(url).path
        return next((route for route, pattern in self.patterns if pattern.match(path)), None)


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _links(url: str, html: str, base: str) -> list[str]:
    parser = _Hrefs()
    parser.feed(html)
    origin = urlsplit(base).netloc
    links = (urljoin(url, href).split("#")[0] for href in parser.hrefs)
    return [link for link in links if urlsplit(link).netloc == origin]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_of_the_site_is_accessible(
    site: Site, lang: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    routes = Routes(page_routes(tmp_path))
    # The pages the journeys that have finished checked in this language need not be again.
    checked: dict[str, str] = {}
    _count(checked, routes, lang, checked_in_this_run(request.config, []))
    for username in USERS:
        page = site.signed_in(username, lang=lang) if username else site.page(lang=lang)
        seen: set[str] = set()
        queue = deque([page.url if username else f"{site.base_url}/"])
        while queue:
            url = queue.popleft()
            route = routes.of(url)
            if route is None or route in seen or route in NOT_PAGES:
                continue
            seen.add(route)
            who = f"{url} as {username or 'visitor'}"
            if route in checked:
                # fetched with the tab's cookies, not rendered: only its links are wanted
                answer = page.request.get(url)
                assert answer.status == 200, f"{who}: {answer.status}"
                queue.extend(_links(url, answer.text(), site.base_url))
                continue
            shown = page.goto(url)
            assert shown is not None and shown.status == 200, (
                f"{who}: {shown.status if shown else 'no answer'}"
            )
            # at 1280 px and at 390 px (assert_accessible checks both)
            assert_accessible(page, f"{who} ({lang})")
            checked[route] = url
            queue.extend(_links(page.url, page.content(), site.base_url))
    # then those every journey checked, wherever it ran, once they all have finished
    journeys = [
        item.nodeid
        for item in request.session.items
        if item.path.parent == HERE and item.path.name != "test_every_page.py"
    ]
    _count(checked, routes, lang, checked_in_this_run(request.config, journeys))
    missing = sorted(set(routes.paths) - set(checked))
    if missing and not _all_journeys_ran(request):
        pytest.skip(
            f"run all of tests/browser to count the pages only its journeys reach: {missing}"
        )
    assert not missing, f"pages no browser test checks with axe: {missing}"


def _count(checked: dict[str, str], routes: Routes, lang: str, found: set[tuple[str, str]]) -> None:
    for checked_lang, path in found:
        route = routes.of(path)
        if checked_lang == lang and route is not None:
            checked.setdefault(route, path)


def _all_journeys_ran(request: pytest.FixtureRequest) -> bool:
    ran = {item.path for item in request.session.items}
    return all(path in ran for path in HERE.glob("test_*.py"))
