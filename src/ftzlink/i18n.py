"""The message catalogs every adapter reads (web pages, the CLI): English message ids with Chinese
and English translations, in PO files under `web/locale/<locale>/LC_MESSAGES/` (one per part of the
site), compiled in memory once per process. Extraction and upkeep are in `ftzlink.web.i18n`.

Also the one place a domain error becomes a sentence in the reader's language outside a page:
`error_message` builds it from the error's stable `code` and fields, never from its English text.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from ftzlink import errors
from ftzlink.text import Lang

__all__ = [
    "DOMAIN_FILES",
    "LOCALES",
    "LOCALE_DIR",
    "error_message",
    "gettext",
    "load_catalog",
    "translations",
]

LOCALE_DIR = Path(__file__).parent / "web" / "locale"
LOCALES: dict[Lang, str] = {"zh": "zh_CN", "en": "en"}
DOMAIN_FILES = (
    "common",
    "public",
    "enterprise",
    "official",
    "statistics",
    "auditor",
    "talent",
    "pilots",
    "dataflow",
    "proactive",
    "certificates",
    "messages",
    "foreign",
)


def N_(message: str) -> str:
    return message


def po_path(locale: str, part: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{part}.po"


def read_catalog(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, domain="messages")
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def load_catalog(lang: Lang) -> Catalog:
    """All parts of one language's catalog, merged."""
    locale = LOCALES[lang]
    merged = Catalog(locale=locale, domain="messages")
    for part in DOMAIN_FILES:
        for message in read_catalog(po_path(locale, part), locale):
            if message.id:
                merged[message.id] = message
    return merged


@cache
def translations(lang: Lang) -> Translations:
    """The compiled translations of one language (compiled once per process, in memory)."""
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(lang))
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def gettext(lang: Lang, message: str, **params: Any) -> str:
    """`message` in `lang`, with its %(name)s parameters filled in."""
    text = translations(lang).gettext(message)
    return text % params if params else text


# A sentence per stable code, filled from the error's fields (see `error_message`).
ERROR_MESSAGES = {
    "validity_too_long": N_(
        "The validity is longer than the rules allow: the last day may be %(day)s at the latest"
    ),
    "invalid_transition": N_(
        "%(action)s cannot be done while it is %(state)s; it can be done from: %(allowed)s"
    ),
    "cap_exceeded": N_(
        "The amount is more than the cap or budget still allows: %(remaining)s remaining."
    ),
    "not_eligible": N_("The engine no longer finds the organisation eligible for this measure."),
    "rate_limited": N_("Too many attempts. Try again in %(seconds)s seconds."),
    "calendar_not_covered": N_(
        "The working-day calendar does not cover %(day)s: it starts in %(first_year)s"
    ),
    "rule_refused": N_("Refused by the rule %(rule)s (%(source)s %(article)s)"),
}


def _yuan(amount: int, lang: Lang) -> str:
    return f"{amount:,}元" if lang == "zh" else f"¥{amount:,}"


def error_message(error: errors.FtzlinkError, lang: Lang) -> str | None:
    """The error as a sentence in `lang`, from its code and fields; None for an error that has
    no such sentence (the adapter then says it its own way)."""
    if isinstance(error, errors.ValidityTooLong):
        return gettext(lang, ERROR_MESSAGES["validity_too_long"], day=error.last_day.isoformat())
    if isinstance(error, errors.InvalidTransition) and error.code == "invalid_transition":
        # (Subclasses with a code of their own, such as pilots' stage_out_of_order, say more.)
        return gettext(
            lang,
            ERROR_MESSAGES["invalid_transition"],
            action=error.action,
            state=error.state,
            allowed=", ".join(error.allowed_from) or "-",
        )
    if isinstance(error, errors.CapExceeded):
        return gettext(lang, ERROR_MESSAGES["cap_exceeded"], remaining=_yuan(error.remaining, lang))
    if isinstance(error, errors.NotEligible):
        return gettext(lang, ERROR_MESSAGES["not_eligible"])
    if isinstance(error, errors.RateLimited):
        return gettext(lang, ERROR_MESSAGES["rate_limited"], seconds=error.retry_after)
    if isinstance(error, errors.CalendarNotCovered):
        return gettext(
            lang,
            ERROR_MESSAGES["calendar_not_covered"],
            day=error.day.isoformat(),
            first_year=error.first_year,
        )
    if isinstance(error, errors.RuleRefused):
        return gettext(
            lang,
            ERROR_MESSAGES["rule_refused"],
            rule=error.rule,
            source=error.source,
            article=error.article,
        )
    return None
