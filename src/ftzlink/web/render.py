"""The Jinja2 environment of the web UI: autoescaped templates, per-request translations (never a
global locale), and filters that show money, dates and bilingual text in the reader's language."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ftzlink.countries import country_name
from ftzlink.money import format_yuan
from ftzlink.text import Lang, Text
from ftzlink.web import labels
from ftzlink.web.forms import FieldError

__all__ = ["environment", "file_size", "format_day", "money", "wan"]

TEMPLATES = Path(__file__).parent / "templates"
# Parsed once: Babel parses a locale given by name on every call, which dominated long pages.
# English dates as a British reader writes them (14 November 2026), one way on every page.
BABEL_LOCALE = {"zh": Locale.parse("zh_CN"), "en": Locale.parse("en_GB")}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(context["translations"].gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return str(context["translations"].ngettext(singular, plural, n))


def money(amount: int | None, lang: Lang) -> str:
    """Integer yuan with thousands separators: '30,000,000 yuan' / '3,000万元' / '1,234元'."""
    if amount is None:
        return "—"
    return format_yuan(int(amount), lang)


def wan(amount: int | None, lang: Lang) -> str:
    """An amount as its reader writes it (1亿元, 5000万元, 12,345元; 100,000,000 yuan): the same as
    `money`, kept as a name for the templates that use it."""
    return money(amount, lang)


def file_size(size: int | None, lang: Lang) -> str:
    """A file's size as people read it: 512 bytes, 12 KB, 3.4 MB (1 KB = 1024 bytes)."""
    if size is None:
        return "—"
    if size < 1024:
        return f"{size}字节" if lang == "zh" else f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size_in = size / 1024
        if size_in < 1024 or unit == "GB":
            shown = format_decimal(round(size_in, 1), locale=BABEL_LOCALE[lang])
            return f"{shown} {unit}"
        size = int(size_in)
    raise AssertionError("unreachable")


def format_day(day: dt.date | str | None, lang: Lang, form: str = "long") -> str:
    """A day one way per language, in sentences and tables alike: 2026年11月14日 / 14 November
    2026 (`form` is accepted for the templates that ask for "short", and ignored: 2026/11/1 in a
    queue beside 2026年11月14日 in a sentence read as two conventions)."""
    if day is None:
        return "—"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    if isinstance(day, dt.datetime):
        return format_moment(day, lang)
    return format_date(day, format="long", locale=BABEL_LOCALE[lang])


def format_moment(when: dt.datetime, lang: Lang) -> str:
    """A moment in Shanghai's time: 2026年11月14日 09:30 / 14 November 2026, 09:30."""
    local = (
        when.astimezone(SHANGHAI)
        if when.tzinfo
        else when.replace(tzinfo=dt.UTC).astimezone(SHANGHAI)
    )
    day = format_date(local.date(), format="long", locale=BABEL_LOCALE[lang])
    return f"{day} {local:%H:%M}" if lang == "zh" else f"{day}, {local:%H:%M}"


def _number(value: int | float, lang: Lang) -> str:
    return format_decimal(value, locale=BABEL_LOCALE[lang])


@pass_context
def _money(context: Context, amount: int | None) -> str:
    return money(amount, context["lang"])


@pass_context
def _wan(context: Context, amount: int | None) -> str:
    return wan(amount, context["lang"])


@pass_context
def _country(context: Context, code: str | None) -> str:
    """A country's (or a region of China's) name by its ISO code, in the reader's language."""
    return country_name(code, context["lang"]) if code else "—"


@pass_context
def _field_label(context: Context, field: str | None) -> str:
    """An enterprise profile field by its label (经引进或认定的人才人数), never its path."""
    from ftzlink.profiles.fields import profile_fields

    spec = profile_fields().get(field or "")
    return spec.label.get(context["lang"]) if spec is not None else (field or "")


@pass_context
def _file_size(context: Context, size: int | None) -> str:
    return file_size(size, context["lang"])


@pass_context
def _day(context: Context, day: dt.date | str | None, form: str = "long") -> str:
    return format_day(day, context["lang"], form)


@pass_context
def _moment(context: Context, when: dt.datetime | None) -> str:
    if when is None:
        return "—"
    # Stored in UTC; shown in Shanghai's time, where the platform's users are.
    return format_moment(when, context["lang"])


@pass_context
def _text(context: Context, value: Text | dict[str, str] | str | None) -> str:
    """A bilingual label in the reader's language."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value.get(context["lang"])
    if isinstance(value, dict):
        return str(value.get(context["lang"]) or value.get("zh") or "")
    return str(value)


@pass_context
def _num(context: Context, value: int | float) -> str:
    return _number(value, context["lang"])


@pass_context
def _citation(context: Context, c: Any) -> Markup:
    """A catalogue citation in words: the source's title, then clause and item, or its line.

    Long pages cite hundreds of conditions; the words for one citation in one language are
    worked out once per process."""
    source = context["sources"].get(c.source)
    title = source.title.get(context["lang"]) if source is not None else c.source
    return _citation_html(context["translations"], context["lang"], title, c.clause, c.item, c.line)


_ROMAN = {
    "I": 1,
    "II": 2,
    "III": 3,
    "IV": 4,
    "V": 5,
    "VI": 6,
    "VII": 7,
    "VIII": 8,
    "IX": 9,
    "X": 10,
}
_HAN = "零一二三四五六七八九十"
_CLAUSE = re.compile(
    r"^(?P<part>[IVX]+)(?:\.(?P<section>[A-Z]))?(?:\.(?P<point>\d+))?(?:\((?P<sub>\d+)\))?$"
)


def clause_reference(clause: str, lang: Lang) -> str:
    """A clause id as a reader cites it: II.A.2(1) → 第二部分（一）2.（1） / Part II, A.2(1).
    An id of another shape is shown as the source numbers it."""
    found = _CLAUSE.match(clause)
    if found is None or found["part"] not in _ROMAN:
        return clause
    part, section, point, sub = found["part"], found["section"], found["point"], found["sub"]
    if lang == "en":
        rest = ".".join(x for x in (section, point) if x) + (f"({sub})" if sub else "")
        return f"Part {part}" + (f", {rest}" if rest else "")
    words = f"第{_HAN[_ROMAN[part]]}部分"
    if section:
        index = ord(section) - ord("A") + 1
        words += f"（{_HAN[index]}）" if index <= 10 else f"（{section}）"
    if point:
        words += f"{point}."
    if sub:
        words += f"（{sub}）"
    return words


@lru_cache(maxsize=8192)
def _citation_html(
    translations: Any, lang: Lang, title: str, clause: str | None, item: str | None, line: Any
) -> Markup:
    cited = clause_reference(clause, lang) if clause else None
    if clause and cited != clause:  # a part and section, cited as the reader cites them
        if item:
            where = translations.gettext("%(clause)s, item %(item)s") % {
                "clause": cited,
                "item": item,
            }
        else:
            where = str(cited)
    elif clause and item:
        where = translations.gettext("clause %(clause)s, item %(item)s") % {
            "clause": clause,
            "item": item,
        }
    elif clause:
        where = translations.gettext("clause %(clause)s") % {"clause": clause}
    else:
        where = translations.gettext("line %(line)s") % {"line": line}
    return Markup('<span class="citation">{} <cite>{}</cite>{}{}</span>').format(
        translations.gettext("Source:"), title, "，" if lang == "zh" else ", ", escape(where)
    )


def _error_for(errors: list[FieldError], name: str) -> FieldError | None:
    return next((e for e in errors if e.field == name), None)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # The templates ship with the package and do not change while it runs: no stat per render.
        auto_reload=False,
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.policies["ext.i18n.trimmed"] = True
    filters: dict[str, Any] = {
        "money": _money,
        "wan": _wan,
        "day": _day,
        "moment": _moment,
        "text": _text,
        "num": _num,
        "file_size": _file_size,
        "country": _country,
        "field_label": _field_label,
    }
    env.filters.update(filters)
    env.filters["error_for"] = _error_for
    env.globals["labels"] = labels
    env.globals["citation"] = _citation
    from ftzlink.web.countries import country_groups  # the picker's options (imports render)

    env.globals["country_groups"] = country_groups
    return env
