"""What every command shares: --format and --lang, JSON printing, the console, UI words."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from ftzlink.text import Lang, Text

if TYPE_CHECKING:  # not at run time: the result models are not needed to print two of their enums
    from pydantic import BaseModel

    from ftzlink.rules.determinations import Outcome, Status

__all__ = [
    "FormatOption",
    "LangOption",
    "OutputFormat",
    "console",
    "err_console",
    "print_json",
    "status_text",
    "words",
]

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class UILang(StrEnum):
    zh = "zh"
    en = "en"


FormatOption = typer.Option(OutputFormat.table, "--format", "-f", help="table (default) or json")
LangOption = typer.Option(UILang.zh, "--lang", "-l", help="zh (default) or en")


def lang_of(value: UILang) -> Lang:
    return "en" if value is UILang.en else "zh"


def print_json(report: BaseModel) -> None:
    data = report.model_dump(mode="json", by_alias=True)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_json_data(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# By the enums' values (a Status or an Outcome is its value as a key).
_STATUS: dict[str, tuple[Text, str]] = {
    "eligible": (Text(zh="符合", en="eligible"), "green"),
    "ineligible": (Text(zh="不符合", en="not eligible"), "red"),
    "needs_info": (Text(zh="需补充信息", en="needs info"), "yellow"),
    "expired": (Text(zh="已失效", en="expired"), "magenta"),
    "not_yet_effective": (Text(zh="尚未施行", en="not yet in force"), "cyan"),
}
_OUTCOME: dict[str, tuple[str, str]] = {
    "passed": ("✓", "green"),
    "failed": ("✗", "red"),
    "unknown": ("?", "yellow"),
}


def status_text(status: Status, lang: Lang) -> str:
    label, colour = _STATUS[status]
    return f"[{colour}]{label.get(lang)}[/{colour}]"


def outcome_mark(outcome: Outcome) -> str:
    mark, colour = _OUTCOME[outcome]
    return f"[{colour}]{mark}[/{colour}]"


_WORDS = {
    "zone": Text(zh="联动创新区", en="Zone"),
    "area": Text(zh="面积（平方公里）", en="Area (km²)"),
    "sub_areas": Text(zh="功能区/片区", en="Sub-areas"),
    "focus": Text(zh="重点领域", en="Focus"),
    "matched": Text(zh="匹配", en="Matched"),
    "measure": Text(zh="措施", en="Measure"),
    "clause": Text(zh="条款", en="Clause"),
    "cap": Text(zh="上限", en="Cap"),
    "validity": Text(zh="有效期", en="Validity"),
    "status": Text(zh="状态", en="Status"),
    "max_amount": Text(zh="最高金额", en="Max amount"),
    "reason": Text(zh="说明", en="Why"),
    "in_force": Text(zh="有效", en="in force"),
    "expired": Text(zh="已失效", en="expired"),
    "not_yet_effective": Text(zh="尚未施行", en="not yet in force"),
    "unstated": Text(zh="未载明", en="not stated"),
    "none_amount": Text(zh="未规定金额", en="no amount set"),
    "service": Text(zh="服务措施", en="service"),
    "questions": Text(zh="请补充以下信息", en="Please answer"),
    "field": Text(zh="字段", en="Field"),
    "type": Text(zh="类型", en="Type"),
    "label": Text(zh="含义", en="Meaning"),
    "vocabulary": Text(zh="取值", en="Values"),
    "case": Text(zh="用例", en="Case"),
    "result": Text(zh="结果", en="Result"),
}


def words(key: str, lang: Lang) -> str:
    return _WORDS[key].get(lang)
