"""Every form that asks for a country offers the one picker: no 台湾/香港/澳门 as a country, no
中国 as a foreigner's nationality; regions of China apart, where a form about enterprises or
documents must name them; the search (htmx) narrows the list."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from ftzlink.db import Database
from tests.web.conftest import OPEN_DAY, SiteFactory, Visitor
from tests.web.test_invitations import INVITEE, ORG_KEY_ADMIN, approved_unit

FORBIDDEN_AS_COUNTRY = ("台湾", "香港", "澳门", "Taiwan", "Hong Kong", "Macao", "Macau")


def picker(html: str, name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(the options outside any group, the options in the regions-of-China group) of a select."""
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select named {name}"
    body = found.group(1)
    groups = re.findall(r"<optgroup[^>]*>(.*?)</optgroup>", body, re.S)
    outside = re.sub(r"<optgroup[^>]*>.*?</optgroup>", "", body, flags=re.S)

    def options(text: str) -> list[tuple[str, str]]:
        return [
            (v, unescape(t).strip())
            for v, t in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', text, re.S)
            if v
        ]

    return options(outside), [o for g in groups for o in options(g)]


def assert_no_region_or_china_as_country(countries: list[tuple[str, str]]) -> None:
    assert len(countries) == 245
    codes = {c for c, _ in countries}
    assert not codes & {"CN", "CHN", "TW", "TWN", "HK", "HKG", "MO", "MAC"}
    for _, name in countries:
        assert name not in ("中国", "China")
        assert not any(word in name for word in FORBIDDEN_AS_COUNTRY), name


def visit(make_visitor: SiteFactory, username: str, lang: str) -> Visitor:
    v = make_visitor()
    v.sign_in(username)
    v.get(f"/language/{lang}", params={"next": "/"})
    return v


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_professionals_nationality_is_picked_from_foreign_countries(
    make_visitor: SiteFactory, lang: str
) -> None:
    v = visit(make_visitor, "cn-ai-admin", lang)
    countries, regions = picker(v.get("/talent/professionals/new").text, "nationality")
    assert_no_region_or_china_as_country(countries)
    assert regions == []
    assert ("ESP", "西班牙" if lang == "zh" else "Spain") in countries
    if lang == "zh":  # pinyin order: 阿尔巴尼亚 (a) first, 德国 (de) before 法国 (fa)
        names = [n for _, n in countries]
        assert names[0] == "阿尔巴尼亚" and names.index("德国") < names.index("法国")
    # China, typed in by hand, is refused beside the field.
    v.get("/talent/professionals/new")
    refused = v.submit("/talent/professionals/new", {"nationality": "CHN"})
    assert refused.status_code == 400 and 'href="#nationality"' in refused.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_invitees_nationality_is_picked_from_foreign_countries(
    make_visitor: SiteFactory, lang: str, demo_database: Database
) -> None:
    approved_unit(demo_database)
    v = visit(make_visitor, ORG_KEY_ADMIN, lang)
    page = v.get("/invitations/new")
    assert page.status_code == 200
    countries, regions = picker(page.text, "nationality")
    assert_no_region_or_china_as_country(countries)
    assert regions == []
    assert "(DE)" not in page.text and "(TW)" not in page.text
    entry = (OPEN_DAY + dt.timedelta(days=5)).isoformat()
    refused = v.submit(
        "/invitations/new", {**INVITEE, "nationality": "TW", "planned_entry_on": entry}
    )
    assert refused.status_code == 400 and 'href="#nationality"' in refused.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_data_recipients_place_lists_regions_of_china_apart(
    make_visitor: SiteFactory, lang: str
) -> None:
    v = visit(make_visitor, "xh-data-admin", lang)
    v.get("/dataflow/filings/new")
    tasks = v.submit("/dataflow/filings/new", {"title": "Bookings"})
    url = re.search(r"/dataflow/filings/\d+/transfer", tasks.text)
    assert url
    countries, regions = picker(v.get(url.group(0)).text, "recipient_country")
    assert_no_region_or_china_as_country(countries)
    expected = (
        ["中国澳门", "中国台湾", "中国香港"]
        if lang == "zh"
        else ["Hong Kong, China", "Macao, China", "Taiwan, China"]
    )
    assert [n for _, n in regions] == expected
    saved = v.submit(
        url.group(0),
        {
            "recipient_country": "HK",
            "recipient": "Example Ltd",
            "data_categories": "customer bookings",
            "purpose": "other",
            "action": "later",
        },
    )
    assert saved.status_code == 200
    again = v.get(url.group(0)).text
    assert re.search(r'<option value="HK" selected>', again)


def test_the_search_narrows_the_options_and_keeps_the_choice(make_visitor: SiteFactory) -> None:
    v = make_visitor()
    found = v.get("/countries", params={"q": "deguo", "field": "nationality", "codes": "alpha3"})
    countries, _ = picker(f'<select name="x">{found.text}</select>', "x")
    assert countries == [("DEU", "德国")]
    kept = v.get(
        "/countries",
        params={"q": "fa", "field": "nationality", "nationality": "ESP", "codes": "alpha3"},
    )
    assert 'value="ESP" selected' in kept.text and 'value="FRA"' in kept.text
    none = v.get("/countries", params={"q": "台湾", "field": "nationality"})
    assert 'value="TW"' not in none.text
    region = v.get("/countries", params={"q": "台湾", "field": "place", "regions": "1"})
    assert 'value="TW">中国台湾' in region.text
