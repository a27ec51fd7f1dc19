"""No page shows a person a code: the visible text of every page each demo role reaches by its
links, in Chinese and in English, has no snake_case identifier, dotted id (talent.certified_talents),
bare ISO country code (ESP, "(TW)") or file name (004_48c7c1d6b6161e85.txt, rules.yaml)."""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from ftzlink import countries
from tests.browser.test_every_page import NOT_PAGES, USERS, Routes
from tests.web.conftest import SiteFactory, Visitor

# Pages (route patterns) that still show codes, each with what it shows and whose part of issue 18
# fixes it. The lead shrinks this list; a page that no longer shows a code must leave it (the test
# fails on an entry that is not needed any more).
STILL_SHOWING_CODES: dict[str, str] = {}

_HIDDEN = re.compile(
    r"<(script|style|template|svg|pre|code|textarea)\b.*?</\1>|<!--.*?-->|<option\b.*?</option>",
    re.S | re.I,
)
_TAG = re.compile(r"<[^>]+>")
# PNG is also an image's type, as a document list shows it.
_ALPHA3 = ({c.alpha3 for c in countries.countries("en")} | {"CHN", "HKG", "MAC", "TWN"}) - {"PNG"}
_ALPHA2 = {c.alpha2 for c in countries.countries("en")} | {"CN", "HK", "MO", "TW"}
CODE_LIKE = [
    ("snake_case identifier", re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")),
    # (not a web address: gmw.cn, www.gov.cn)
    (
        "dotted id",
        re.compile(
            r"(?<![\w./@-])[a-z][a-z_]+(?:\.[a-z_]{2,})+(?<!\.cn)(?<!\.com)(?<!\.org)(?![\w/-]|\.\w)"
        ),
    ),
    ("file name", re.compile(r"(?<![\w/-])[\w-]+\.(?:txt|ya?ml|json|csv|py|po)\b")),
    ("object id", re.compile(r"(?<![\w/-])[a-z][a-z0-9]*(?:-[a-z0-9]+)+:[\w-]+")),
    ("ISO country code", re.compile(r"(?<![\w-])(?:[A-Z]{3}|\([A-Z]{2}\)(?!\s*[A-Z]))(?![\w-])")),
]


def visible_text(html: str) -> str:
    """What a reader sees of a page: no markup, scripts, code samples or a select's long list."""
    return unescape(_TAG.sub(" ", _HIDDEN.sub(" ", html)))


def code_tokens(text: str) -> list[str]:
    found = []
    for kind, pattern in CODE_LIKE:
        for match in pattern.finditer(text):
            token = match.group(0)
            if kind == "ISO country code" and token.strip("()") not in (
                _ALPHA3 if len(token) == 3 else _ALPHA2
            ):
                continue
            found.append(f"{kind}: {token}")
    return found


def _routes(v: Visitor) -> Routes:
    paths = []
    for route in iter_route_contexts(v.client.app.routes):  # type: ignore[attr-defined]
        path = route.path or ""
        if (
            isinstance(route.original_route, APIRoute)
            and not path.startswith("/api/")
            and "GET" in (route.methods or ())
            and path not in NOT_PAGES
        ):
            paths.append(path)
    return Routes(paths)


def _links(html: str) -> list[str]:
    hrefs = re.findall(r'<a\b[^>]*\bhref="([^"]+)"', html)
    return [
        unescape(h).split("#")[0] for h in hrefs if h.startswith("/") and not h.startswith("//")
    ]


def test_the_detector_finds_each_kind_of_code() -> None:
    text = visible_text(
        "<p>待补信息：projects, talent.certified_talents</p><p>国籍 ESP, 台湾 (TW)</p>"
        "<p>004_48c7c1d6b6161e85.txt, 第31行</p><script>var a_b = 1;</script>"
        "<p>dataflow_draw, cn-trial-low-altitude:2026</p>"
    )
    assert code_tokens(text) == [
        "snake_case identifier: dataflow_draw",
        "dotted id: talent.certified_talents",
        "file name: 004_48c7c1d6b6161e85.txt",
        "object id: cn-trial-low-altitude:2026",
        "ISO country code: ESP",
        "ISO country code: (TW)",
    ]
    assert code_tokens(visible_text("<p>The API answers in JSON, e.g. 2026年11月14日</p>")) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_any_demo_role_reaches_shows_a_code(make_visitor: SiteFactory, lang: str) -> None:
    failures: dict[str, list[str]] = {}
    allowed_seen: dict[str, bool] = {}
    routes: Routes | None = None
    for username in USERS:
        v = make_visitor()
        if username:
            v.sign_in(username)
        v.get(f"/language/{lang}", params={"next": "/"})
        routes = routes or _routes(v)
        seen: set[str] = set()
        queue = deque(["/"])
        while queue:
            url = queue.popleft()
            route = routes.of(url)
            if route is None or route in seen or route in NOT_PAGES:
                continue
            seen.add(route)
            page = v.get(url)
            if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
                continue
            tokens = code_tokens(visible_text(page.text))
            if route in STILL_SHOWING_CODES:
                allowed_seen.setdefault(route, False)
                allowed_seen[route] |= bool(tokens)
            elif tokens:
                where = f"{route} ({url} as {username or 'visitor'})"
                failures.setdefault(where, sorted(set(tokens))[:8])
            queue.extend(
                link for link in _links(page.text) if urlsplit(link).path != urlsplit(url).path
            )
    assert not failures, "pages showing codes:\n" + "\n".join(
        f"{where}: {tokens}" for where, tokens in sorted(failures.items())
    )
    stale = sorted(route for route, showed in allowed_seen.items() if not showed)
    assert not stale, f"pages that show no code any more: remove them from the allowlist: {stale}"
