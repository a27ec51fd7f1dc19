"""Countries and regions as a Shanghai government service names them: ISO 3166-1 codes inside,
CLDR's names outside (Chinese in pinyin order, English alphabetically).

China is never a foreigner's nationality, and Hong Kong, Macao and Taiwan are never countries:
where a form must name them (enterprises and documents, not a foreigner's nationality) they are
regions of China (中国香港, 中国澳门, 中国台湾), listed apart.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ftzlink.errors import InvalidInput, Problem
from ftzlink.text import Lang

__all__ = [
    "CHINA",
    "REGIONS_OF_CHINA",
    "Country",
    "UnknownCountry",
    "countries",
    "country",
    "country_name",
    "foreign_country",
    "is_foreign_nationality",
    "matches",
    "place",
    "regions_of_china",
]

CHINA = "CN"
REGIONS_OF_CHINA = ("HK", "MO", "TW")
_DATA = Path(__file__).with_name("countries.json")


@dataclass(frozen=True)
class Country:
    """A country (or a region of China, `region_of_china`) with its ISO 3166-1 codes and names."""

    alpha2: str
    alpha3: str
    zh: str
    en: str
    pinyin: str
    region_of_china: bool = False

    def name(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


# How a region of China is named on this platform (CLDR's "台湾" and "Hong Kong SAR China" read
# as countries in a list of countries).
_REGION_NAMES = {
    "HK": ("中国香港", "Hong Kong, China", "zhong1 guo2 xiang1 gang3"),
    "MO": ("中国澳门", "Macao, China", "zhong1 guo2 ao4 men2"),
    "TW": ("中国台湾", "Taiwan, China", "zhong1 guo2 tai2 wan1"),
}


class UnknownCountry(InvalidInput):
    """A code that names no country this form accepts (unknown, China as a foreign nationality,
    or a region of China where a country is asked for)."""

    code = "unknown_country"

    def __init__(self, *, value: str, field: str) -> None:
        self.value, self.field = value, field
        super().__init__(
            "not a country",
            [Problem(f"{value!r} is not a country this form accepts", field=field, code=self.code)],
        )


@cache
def _all() -> dict[str, Country]:
    rows = json.loads(_DATA.read_text(encoding="utf-8"))
    found: dict[str, Country] = {}
    for row in rows:
        region = row["alpha2"] in _REGION_NAMES
        if region:
            zh, en, pinyin = _REGION_NAMES[row["alpha2"]]
            row = {**row, "zh": zh, "en": en, "pinyin": pinyin}
        found[row["alpha2"]] = Country(**row, region_of_china=region)
    return found


@cache
def _by_alpha3() -> dict[str, Country]:
    return {c.alpha3: c for c in _all().values()}


def _en_key(name: str) -> str:
    # "Åland Islands" among the A's, "Côte d'Ivoire" among the C's.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _sorted(items: list[Country], lang: Lang) -> list[Country]:
    if lang == "zh":
        return sorted(items, key=lambda c: (c.pinyin, c.zh))
    return sorted(items, key=lambda c: _en_key(c.en))


@cache
def countries(lang: Lang) -> tuple[Country, ...]:
    """Every foreign country (not China, not a region of China), in the reader's order."""
    return tuple(
        _sorted([c for c in _all().values() if c.alpha2 != CHINA and not c.region_of_china], lang)
    )


@cache
def regions_of_china(lang: Lang) -> tuple[Country, ...]:
    return tuple(_sorted([_all()[code] for code in REGIONS_OF_CHINA], lang))


def _find(code: str) -> Country | None:
    code = (code or "").strip().upper()
    return _all().get(code) if len(code) == 2 else _by_alpha3().get(code)


def country(code: str) -> Country | None:
    """The country or region of China by its alpha-2 or alpha-3 code; None if there is none."""
    return _find(code)


def foreign_country(code: str, *, field: str) -> Country:
    """A foreigner's nationality: a country, not China nor a region of China."""
    found = _find(code)
    if found is None or not is_foreign_nationality(code):
        raise UnknownCountry(value=code, field=field)
    return found


def is_foreign_nationality(code: str) -> bool:
    found = _find(code)
    return found is not None and found.alpha2 != CHINA and not found.region_of_china


def place(code: str, *, field: str) -> Country:
    """Where an enterprise or a document is from: a foreign country or a region of China."""
    found = _find(code)
    if found is None or found.alpha2 == CHINA:
        raise UnknownCountry(value=code, field=field)
    return found


def _plain(pinyin: str) -> str:
    return "".join(ch for ch in pinyin if ch.isalpha())


def matches(c: Country, query: str) -> bool:
    """Whether a person typing `query` means `c`: by either name, pinyin (德国: deguo, dg) or code."""
    q = _en_key(query.strip()).replace(" ", "")
    if not q:
        return True
    syllables = [_plain(s) for s in c.pinyin.split()]
    return (
        q in c.zh
        or q in _en_key(c.en).replace(" ", "")
        or "".join(syllables).startswith(q)
        or "".join(s[:1] for s in syllables).startswith(q)
        or q in (c.alpha2.casefold(), c.alpha3.casefold())
    )


def country_name(code: str, lang: Lang) -> str:
    """The name of a country or region by its alpha-2 or alpha-3 code (the code if unknown)."""
    found = _find(code)
    return found.name(lang) if found is not None else code
