"""Money is integer yuan. Formatting for people, in the conventions of each language."""

from __future__ import annotations

from ftzlink.text import Lang, Text

__all__ = ["format_yuan", "yuan_text"]


def format_yuan(amount: int, lang: Lang) -> str:
    """100000000 → '1亿元' / '100,000,000 yuan'; 30000000 → '3,000万元'."""
    if lang == "en":
        return f"{amount:,} yuan"
    if amount and amount % 100_000_000 == 0:
        return f"{amount // 100_000_000:,}亿元"
    if amount and amount % 10_000 == 0:
        return f"{amount // 10_000:,}万元"
    return f"{amount:,}元"


def yuan_text(amount: int) -> Text:
    return Text(zh=format_yuan(amount, "zh"), en=format_yuan(amount, "en"))
