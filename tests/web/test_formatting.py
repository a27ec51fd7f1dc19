"""Amounts, dates and sizes as each language's reader writes them, one way everywhere."""

from __future__ import annotations

import datetime as dt

import pytest

from ftzlink.money import format_yuan
from ftzlink.web.render import clause_reference, file_size, format_day, format_moment


@pytest.mark.parametrize(
    ("amount", "zh"),
    [
        (100_000_000, "1亿元"),
        (50_000_000, "5000万元"),
        (150_000_000, "1亿5000万元"),
        (1_200_000_000, "12亿元"),
        (100_000, "10万元"),
        (12_345, "12,345元"),
        (123_456_789, "123,456,789元"),
        (0, "0元"),
    ],
)
def test_amounts_read_as_a_chinese_reader_writes_them_exactly(amount: int, zh: str) -> None:
    assert format_yuan(amount, "zh") == zh
    assert format_yuan(amount, "en") == f"{amount:,} yuan"


def test_a_day_is_written_one_way_per_language_whatever_the_template_asks() -> None:
    day = dt.date(2026, 11, 1)
    for form in ("long", "short", "medium"):
        assert format_day(day, "zh", form) == "2026年11月1日"
        assert format_day(day, "en", form) == "1 November 2026"
    assert format_day("2026-11-14", "en") == "14 November 2026"


def test_a_moment_is_shown_in_shanghai_time() -> None:
    when = dt.datetime(2026, 11, 13, 16, 30, tzinfo=dt.UTC)
    assert format_moment(when, "zh") == "2026年11月14日 00:30"
    assert format_moment(when, "en") == "14 November 2026, 00:30"


def test_file_sizes_in_kb_and_mb() -> None:
    assert file_size(512, "en") == "512 bytes"
    assert file_size(2048, "zh") == "2 KB"
    assert file_size(1_572_864, "en") == "1.5 MB"


@pytest.mark.parametrize(
    ("clause", "zh", "en"),
    [
        ("II.A.1(2)", "第二部分（一）1.（2）", "Part II, A.1(2)"),
        ("II.B.5", "第二部分（二）5.", "Part II, B.5"),
        ("I.B", "第一部分（二）", "Part I, B"),
        ("A7", "A7", "A7"),  # another shape: as the source numbers it
    ],
)
def test_clauses_are_cited_as_a_reader_cites_them(clause: str, zh: str, en: str) -> None:
    assert clause_reference(clause, "zh") == zh
    assert clause_reference(clause, "en") == en
