"""The talent and invitation pages are adapters: they parse, call the talent services and render.
No query, no permission predicate and no reading of an error's words of their own."""

from __future__ import annotations

import re
from pathlib import Path

import ftzlink.web

WEB = Path(ftzlink.web.__file__).parent
PAGES = [*sorted((WEB / "talent").glob("*.py")), WEB / "invitations.py"]
QUERY = re.compile(r"\bselect\(|session\.(get|scalar|scalars|execute|add|flush|delete)\(")


def test_the_talent_pages_issue_no_queries_of_their_own() -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in PAGES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if QUERY.search(line)
    ]
    assert len(PAGES) > 2 and found == []


def test_the_talent_pages_ask_the_domain_who_may_act() -> None:
    for path in PAGES:
        text = path.read_text()
        assert "member_of()" not in text, path.name
        assert "Role." not in text, path.name


def test_no_talent_page_reads_the_words_of_an_error() -> None:
    for path in PAGES:
        text = path.read_text()
        assert ".message" not in text and "str(error)" not in text, path.name
        assert "re.search" not in text, path.name


def test_no_talent_module_is_longer_than_800_lines() -> None:
    talent = WEB.parent / "talent"
    files = [*PAGES, *talent.rglob("*.py")]
    long = {f.name: n for f in files if (n := len(f.read_text().splitlines())) > 800}
    assert long == {}
