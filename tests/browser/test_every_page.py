"""Every page of the site, in both languages and at desktop (1280 px) and phone (390 px) widths,
passes axe, checked against the app's own list of
page routes so that a new page nobody checks fails this test.

The pages are found by following the links each demo user sees (one address per page of the app);
the pages a link does not reach (a wizard's steps, a confirmation after a form) are counted from
the journey tests beside this one, which run first and check them blank and in error.

At 390 px each crawled page is also measured: no table cell narrower than four Chinese
characters, no sideways scrolling. The same tab is resized rather than a second one opened, so
that the page is loaded once.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from ftzlink.api import create_app
from ftzlink.settings import Settings
from tests.browser.conftest import ACCESSIBLE, Site, assert_accessible

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


def _links(page: Any, base: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    origin = urlsplit(base).netloc
    return [h.split("#")[0] for h in hrefs if urlsplit(h).netloc == origin]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_of_the_site_is_accessible(
    site: Site, lang: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    routes = Routes(page_routes(tmp_path))
    checked: dict[str, str] = {}
    for username in USERS:
        page = site.signed_in(username, lang=lang) if username else site.page(lang=lang)
        seen: set[str] = set()
        queue = deque([page.url if username else "/"])
        while queue:
            url = queue.popleft()
            route = routes.of(url)
            if route is None or route in seen or route in NOT_PAGES:
                continue
            seen.add(route)
            answer = page.goto(url)
            assert answer is not None and answer.status == 200, (
                f"{url} as {username or 'visitor'}: {answer.status if answer else 'no answer'}"
            )
            if route not in checked:
                # at 1280 px and at 390 px (assert_accessible checks both)
                assert_accessible(page, f"{url} as {username or 'visitor'} ({lang})")
                checked[route] = url
            queue.extend(_links(page, site.base_url))
    for checked_lang, path in ACCESSIBLE:
        route = routes.of(path)
        if checked_lang == lang and route is not None:
            checked.setdefault(route, path)
    missing = sorted(set(routes.paths) - set(checked))
    if missing and not _all_journeys_ran(request):
        pytest.skip(
            f"run all of tests/browser to count the pages only its journeys reach: {missing}"
        )
    assert not missing, f"pages no browser test checks with axe: {missing}"


def _all_journeys_ran(request: pytest.FixtureRequest) -> bool:
    here = Path(__file__).parent
    ran = {item.path for item in request.session.items}
    return all(path in ran for path in here.glob("test_*.py"))
