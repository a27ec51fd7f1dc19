"""Pages are adapters: these web modules run no queries of their own (the services do)."""

import re
from pathlib import Path

import pytest

WEB = Path(__file__).parents[2] / "src" / "ftzlink" / "web"
THIN = (
    "admin.py",
    "auditor.py",
    "enterprise/__init__.py",
    "enterprise/common.py",
    "enterprise/draft.py",
    "enterprise/start.py",
    "enterprise/status.py",
    "errors.py",
    "forms.py",
    "official.py",
    "pages.py",
    "pilots.py",
    "proactive.py",
    "public.py",
)
QUERY = re.compile(r"\bselect\(|\bsession\.(get|scalar|scalars|execute|add|flush)\(")


@pytest.mark.parametrize("name", THIN)
def test_the_page_module_issues_no_query_of_its_own(name: str) -> None:
    found = [
        f"{name}:{number}: {line.strip()}"
        for number, line in enumerate((WEB / name).read_text().splitlines(), 1)
        if QUERY.search(line)
    ]
    assert found == []
