"""The limits of what the data service accepts, and the checks that name each problem's field.

The service raises `InvalidInput` with these problems; the pages and the API read the same
limits, so a form and a request are refused alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ftzlink.errors import Problem

__all__ = [
    "DRAW_MAX",
    "FINDINGS_MAX",
    "FINDING_CHARS",
    "HEX64",
    "NOTE_CHARS",
    "PEOPLE_MAX",
    "REASONS_MAX",
    "REASON_CHARS",
    "RECORDS_MAX",
    "RECTIFICATION_DAYS_MAX",
    "TITLE_CHARS",
    "draw_count_problems",
    "findings_problems",
    "lines",
    "note_problems",
    "reasons_problems",
    "title_problems",
]

TITLE_CHARS = 200
REASONS_MAX, REASON_CHARS = 50, 2000
FINDINGS_MAX, FINDING_CHARS = 50, 2000
NOTE_CHARS = 2000
RECTIFICATION_DAYS_MAX = 250
DRAW_MAX = 1000
PEOPLE_MAX = 2_000_000_000  # more than live on any continent; fits the column
RECORDS_MAX = 10**15
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def lines(items: Iterable[str]) -> list[str]:
    """The non-blank items, stripped."""
    return [item.strip() for item in items if item.strip()]


def title_problems(title: str) -> list[Problem]:
    if not title.strip() or len(title) > TITLE_CHARS:
        return [Problem(f"name the scenario in up to {TITLE_CHARS} characters", field="title")]
    return []


def _list_problems(
    items: list[str], *, field: str, most: int, chars: int, what: str
) -> list[Problem]:
    if not items:
        return [Problem(f"give at least one {what}", field=field)]
    if len(items) > most or any(len(item) > chars for item in items):
        return [Problem(f"up to {most} {what}s, each {chars} characters or fewer", field=field)]
    return []


def reasons_problems(reasons: list[str]) -> list[Problem]:
    return _list_problems(
        reasons, field="reasons", most=REASONS_MAX, chars=REASON_CHARS, what="reason"
    )


def findings_problems(findings: list[str], rectification_working_days: int) -> list[Problem]:
    problems = _list_problems(
        findings, field="findings", most=FINDINGS_MAX, chars=FINDING_CHARS, what="finding"
    )
    if not 1 <= rectification_working_days <= RECTIFICATION_DAYS_MAX:
        problems.append(
            Problem(
                f"1 to {RECTIFICATION_DAYS_MAX} working days", field="rectification_working_days"
            )
        )
    return problems


def note_problems(note: str) -> list[Problem]:
    if not note.strip():
        return [Problem("say what was found or rectified", field="note")]
    if len(note.strip()) > NOTE_CHARS:
        return [Problem(f"up to {NOTE_CHARS} characters", field="note")]
    return []


def draw_count_problems(count: int) -> list[Problem]:
    if not 1 <= count <= DRAW_MAX:
        return [Problem(f"draw 1 to {DRAW_MAX}", field="count")]
    return []
