"""Money is integer yuan. Formatting for people, in the conventions of each language."""

from __future__ import annotations

from ftzlink.text import Lang, Text

__all__ = ["format_yuan", "yuan_text"]


def format_yuan(amount: int, lang: Lang) -> str:
    """As a reader writes an amount, exactly: 100000000 → '1亿元' / '100,000,000 yuan';
    50000000 → '5000万元'; 150000000 → '1亿5000万元'; 12345 → '12,345元'."""
    if lang == "en":
        return f"{amount:,} yuan"
    sign, rest = ("-", -amount) if amount < 0 else ("", amount)
    if not rest or rest % 10_000:
        return f"{amount:,}元"
    yi, wan = divmod(rest // 10_000, 10_000)
    if not yi:
        return f"{sign}{wan}万元"
    return f"{sign}{yi:,}亿" + (f"{wan}万元" if wan else "元")


def yuan_text(amount: int) -> Text:
    return Text(zh=format_yuan(amount, "zh"), en=format_yuan(amount, "en"))
