"""Year files are validated like policy files: every problem with its file and line, exit 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ftzlink.errors import CatalogueError
from ftzlink.workdays.schedule import BUNDLED_CALENDAR_DIR, load_year_file, load_year_files

GOOD = (BUNDLED_CALENDAR_DIR / "2026.yaml").read_text(encoding="utf-8")

OFFICIAL_2027 = """\
year: 2027
notice:
  title:
    zh: 国务院办公厅关于2027年部分节假日安排的通知
    en: "General Office of the State Council: notice on the arrangement of some holidays in 2027"
  issued_on: 2026-11-10
  publisher: {zh: 国务院办公厅, en: General Office of the State Council}
  confidence: high
holidays:
  - name: {zh: 元旦, en: "New Year's Day"}
    first: 2027-01-01
    last: 2027-01-03
  - name: {zh: 春节, en: Spring Festival}
    first: 2027-02-05
    last: 2027-02-12
    working_days: [2027-02-20]
  - name: {zh: 清明节, en: Qingming Festival}
    first: 2027-04-03
    last: 2027-04-05
  - name: {zh: 劳动节, en: Labour Day}
    first: 2027-05-01
    last: 2027-05-05
  - name: {zh: 端午节, en: Dragon Boat Festival}
    first: 2027-06-09
    last: 2027-06-09
  - name: {zh: 中秋节, en: Mid-Autumn Festival}
    first: 2027-09-15
    last: 2027-09-15
  - name: {zh: 国庆节, en: National Day}
    first: 2027-10-01
    last: 2027-10-07
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


BROKEN: list[tuple[str, Callable[[str], str], str, str]] = [
    (
        "a weekday as adjusted working day",
        lambda t: t.replace("working_days: [2026-05-09]", "working_days: [2026-05-07]"),
        "working_days: [2026-05-07]",
        "must be a Saturday or a Sunday",
    ),
    (
        "a day both off and worked",
        lambda t: t.replace("working_days: [2026-01-04]", "working_days: [2026-01-03]"),
        "working_days: [2026-01-03]",
        "both a day off and a working day",
    ),
    (
        "a date outside the year",
        lambda t: t.replace("first: 2026-01-01", "first: 2025-12-31"),
        "first: 2025-12-31",
        "outside the file's year 2026",
    ),
    (
        "a holiday that ends before it starts",
        lambda t: t.replace("last: 2026-06-21", "last: 2026-06-18"),
        "last: 2026-06-18",
        "before it starts",
    ),
    (
        "a statutory day left as a working day",
        lambda t: t.replace("first: 2026-09-25", "first: 2026-09-26"),
        "holidays:",
        "statutory holiday 中秋节",
    ),
    (
        "an unknown field",
        lambda t: t.replace("  confidence: high", "  confidence: high\n  signed_by: nobody"),
        "signed_by",
        "unknown field",
    ),
    (
        "a date that does not exist",
        lambda t: t.replace("first: 2026-06-19", "first: 2026-06-31"),
        "first: 2026-06-31",
        "",
    ),
]


@pytest.mark.parametrize(
    ("what", "breaking", "needle", "message"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_a_broken_year_file_names_the_file_and_line(
    tmp_path: Path, what: str, breaking: Callable[[str], str], needle: str, message: str
) -> None:
    text = breaking(GOOD)
    assert text != GOOD, what
    path = write(tmp_path, "2026.yaml", text)
    with pytest.raises(CatalogueError) as raised:
        load_year_file(path)
    problems = raised.value.problems
    assert problems, what
    assert any(
        p.file == path and p.line == line_of(text, needle) and message in p.message
        for p in problems
    ), [str(p) for p in problems]


def test_a_file_named_for_another_year_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "2027.yaml", GOOD)
    with pytest.raises(CatalogueError) as raised:
        load_year_file(path)
    assert any("named for 2027 but says 2026" in p.message for p in raised.value.problems)


def test_several_broken_files_report_every_problem_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a", "2026.yaml", GOOD.replace("[2026-05-09]", "[2026-05-07]"))
    second = write(tmp_path / "b", "2027.yaml", OFFICIAL_2027.replace("2027-02-20", "2027-02-18"))
    duplicate = write(tmp_path / "b", "2026.yaml", GOOD)
    garbage = write(tmp_path, "2028.yaml", "year: [unclosed\n")
    with pytest.raises(CatalogueError) as raised:
        load_year_files([first, second, duplicate, garbage, tmp_path / "missing.yaml"])
    files = {p.file for p in raised.value.problems}
    assert {first, second, garbage, tmp_path / "missing.yaml"} <= files
    assert all(p.line is not None for p in raised.value.problems if p.file in (first, second))


def test_a_valid_2027_file_loads(tmp_path: Path) -> None:
    schedule = load_year_file(write(tmp_path, "2027.yaml", OFFICIAL_2027))
    assert schedule.year == 2027 and not schedule.provisional
    assert len(schedule.days_off) == 3 + 8 + 3 + 5 + 1 + 1 + 7
