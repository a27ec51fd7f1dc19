"""The one list of countries: CLDR's names, China and its regions never listed as countries,
pinyin order in Chinese, codes checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel import Locale

from ftzlink import countries
from ftzlink.countries import UnknownCountry

DATA = Path(countries.__file__).with_name("countries.json")


def test_the_names_are_cldrs_in_both_languages() -> None:
    zh, en = Locale.parse("zh_Hans_CN").territories, Locale.parse("en").territories
    for c in countries.countries("zh"):
        assert c.zh == zh[c.alpha2] and c.en == en[c.alpha2]


def test_every_iso_3166_code_is_there_once() -> None:
    rows = json.loads(DATA.read_text(encoding="utf-8"))
    assert len(rows) == 249
    assert len({r["alpha2"] for r in rows}) == len({r["alpha3"] for r in rows}) == 249


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_china_and_its_regions_are_never_listed_as_countries(lang: str) -> None:
    listed = countries.countries(lang)  # type: ignore[arg-type]
    codes = {c.alpha2 for c in listed}
    assert not codes & {"CN", "HK", "MO", "TW"}
    names = {c.name(lang) for c in listed}  # type: ignore[arg-type]
    assert not names & {"中国", "台湾", "香港", "澳门", "China", "Taiwan", "Hong Kong"}
    assert not any("台湾" in n or "香港" in n or "澳门" in n for n in names)


def test_the_regions_of_china_are_named_as_regions_of_china() -> None:
    assert [c.zh for c in countries.regions_of_china("zh")] == ["中国澳门", "中国台湾", "中国香港"]
    assert {c.en for c in countries.regions_of_china("en")} == {
        "Hong Kong, China",
        "Macao, China",
        "Taiwan, China",
    }


def test_chinese_order_is_pinyin_and_english_order_is_alphabetical() -> None:
    zh = [c.zh for c in countries.countries("zh")]
    assert zh[0] == "阿尔巴尼亚"  # a1 er3 …
    assert (
        zh.index("巴西") < zh.index("德国") < zh.index("法国") < zh.index("日本") < zh.index("英国")
    )
    en = [c.en for c in countries.countries("en")]
    assert en[:2] == ["Afghanistan", "Åland Islands"]
    assert en.index("Germany") < en.index("Japan") < en.index("Zimbabwe")


def test_a_foreign_nationality_is_a_country_by_either_code() -> None:
    assert countries.foreign_country("ESP", field="nationality").zh == "西班牙"
    assert countries.foreign_country("de", field="nationality").en == "Germany"
    assert countries.country_name("ESP", "zh") == "西班牙"
    assert countries.country_name("ESP", "en") == "Spain"


@pytest.mark.parametrize("code", ["CN", "CHN", "TW", "HKG", "MO", "XX", "EU", ""])
def test_china_its_regions_and_unknown_codes_are_refused_as_nationality(code: str) -> None:
    with pytest.raises(UnknownCountry) as refused:
        countries.foreign_country(code, field="nationality")
    assert refused.value.code == "unknown_country" and refused.value.field == "nationality"
    assert refused.value.problems[0].code == "unknown_country"


def test_a_place_may_be_a_region_of_china_but_not_china() -> None:
    assert countries.place("HK", field="place").zh == "中国香港"
    with pytest.raises(UnknownCountry):
        countries.place("CN", field="place")


def test_a_search_finds_by_name_pinyin_initials_or_code() -> None:
    germany = countries.country("DE")
    assert germany is not None
    for query in ("德国", "德", "deguo", "De Guo", "dg", "Germ", "de", "DEU"):
        assert countries.matches(germany, query), query
    assert not countries.matches(germany, "法")
