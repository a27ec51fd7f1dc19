"""A refusal reads in the reader's language (--lang), built from the error's code and fields with
the catalogs the web reads, never from its English text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from ftzlink import errors
from ftzlink.cli import lang_of_argv, one_line_if_one
from tests.conftest import Run

CLI = Callable[..., Run]


def test_a_refusal_is_said_in_chinese_by_default_and_in_english_with_lang_en(cli: CLI) -> None:
    args = ("talent", "deadline", "--from", "2024-12-20", "--track", "residence")
    chinese, english = cli(*args, "--lang", "zh"), cli(*args, "--lang", "en")
    assert chinese.code == english.code == 2
    assert chinese.err.strip() == "error: 工作日历未覆盖2024-12-20：日历自2025年起"
    assert english.err.strip() == (
        "error: The working-day calendar does not cover 2024-12-20: it starts in 2025"
    )
    assert cli(*args).err == chinese.err


REFUSALS: list[tuple[errors.FtzlinkError, str, str]] = [
    (
        errors.ValidityTooLong(last_day=dt.date(2027, 3, 31), detail="too long"),
        "截止日最晚为2027-03-31",
        "the last day may be 2027-03-31 at the latest",
    ),
    (
        errors.InvalidTransition(action="approve", state="draft", allowed_from=["submitted"]),
        "可执行该操作的状态：submitted",
        "approve cannot be done while it is draft; it can be done from: submitted",
    ),
    (
        errors.CapExceeded(limit="cap", requested=900_000, remaining=12_000, detail="over"),
        "剩余12,000元",
        "¥12,000 remaining",
    ),
    (
        errors.NotEligible("Cannot be submitted", status="ineligible"),
        "目前不符合此措施的条件",
        "no longer finds the organisation eligible",
    ),
    (errors.RateLimited("slow down", retry_after=30), "30秒后再试", "Try again in 30 seconds"),
    (
        errors.CalendarNotCovered(day=dt.date(2020, 1, 2), first_year=2025),
        "日历自2025年起",
        "it starts in 2025",
    ),
    (
        errors.TooManyRepresentatives(
            "too many", rule="representatives_max", source="Rules", article="Art. 9"
        ),
        "依规则representatives_max不予办理（RulesArt. 9）",
        "Refused by the rule representatives_max (Rules Art. 9)",
    ),
]


@pytest.mark.parametrize(("error", "zh", "en"), REFUSALS, ids=lambda v: getattr(v, "code", ""))
def test_each_typed_refusal_is_built_from_its_fields_in_either_language(
    error: errors.FtzlinkError, zh: str, en: str
) -> None:
    assert zh in one_line_if_one(error, "zh")
    assert en in one_line_if_one(error, "en")
    assert str(error) not in (one_line_if_one(error, "zh"), one_line_if_one(error, "en"))


def test_an_error_without_a_sentence_keeps_its_one_line_text() -> None:
    error = errors.InvalidInput("invalid --as-of", [errors.Problem("not a date", field="--as-of")])
    assert one_line_if_one(error, "zh") == f"invalid --as-of: {error.problems[0]}"


def test_the_language_is_read_as_the_commands_read_it() -> None:
    assert lang_of_argv(["check", "x", "--lang", "en"]) == "en"
    assert lang_of_argv(["check", "x", "-l", "en"]) == "en"
    assert lang_of_argv(["check", "x", "--lang=en"]) == "en"
    assert lang_of_argv(["check", "x"]) == "zh"
