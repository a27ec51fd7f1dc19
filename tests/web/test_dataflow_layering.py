"""The data-service pages are a thin adapter: no queries of their own, no copied rules."""

from __future__ import annotations

import re
from pathlib import Path

import ftzlink.web

WEB = Path(ftzlink.web.__file__).parent
QUERY = re.compile(r"\bselect\(|\bsession\.(get|scalar|scalars|execute|add|flush)\(")


def _sources() -> list[Path]:
    package = WEB / "dataflow"
    return sorted(package.glob("*.py")) if package.is_dir() else [WEB / "dataflow.py"]


def test_the_dataflow_pages_run_no_queries_of_their_own() -> None:
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if QUERY.search(line)
    ]
    assert found == []


def test_the_dataflow_pages_copy_no_state_tuples_or_role_checks() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in _sources())
    assert "FilingStatus.DRAFT, FilingStatus.RETURNED" not in text
    assert "Role.DATA_REGULATOR" not in text and "Role.INSPECTOR" not in text
    assert "IdempotencyRecord" not in text
