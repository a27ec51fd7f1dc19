"""Public journeys in a real browser, in Chinese and English, with and without JavaScript: finding
the zone of Xintiandi and a measure's clause there, and the checker asking only what the engine
needs. Every public page is checked with axe, blank and in error."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ftzlink.catalogue.models import Catalogue
from tests.browser.conftest import AFTER_EXPIRY, SiteFactory, assert_accessible, screenshot
from tests.web.test_public import answer_for, engine_next, record

LANDMARK = {"zh": "新天地", "en": "Xintiandi"}
EXPIRED = {"zh": "已失效", "en": "Expired"}
END = {"zh": "2026年11月14日", "en": "14 November 2026"}


def _journeys() -> list[Any]:
    return [
        pytest.param(lang, js, id=f"{lang}-{'js' if js else 'nojs'}")
        for lang in ("zh", "en")
        for js in (True, False)
    ]


@pytest.mark.parametrize(("lang", "javascript"), _journeys())
def test_a_visitor_finds_the_zone_of_xintiandi_and_a_measures_citation(
    make_site: SiteFactory, lang: str, javascript: bool
) -> None:
    site = make_site(today=AFTER_EXPIRY)
    page = site.page(lang=lang, javascript=javascript)
    page.goto("/zones")
    if javascript:
        assert_accessible(page, f"zones ({lang})")
        screenshot(page, f"public-zones-{lang}")
    page.fill("#q", LANDMARK[lang])
    page.locator("main form button[type=submit]").click()
    # The full list also links Huangpu: wait until the finder has narrowed it to one zone.
    expect(page.locator("#zone-results a")).to_have_count(1)
    huangpu = page.locator("#zone-results a[href='/zones/huangpu']")
    expect(huangpu).to_be_visible()
    assert "q=" in page.url  # the finder's address can be shared, with or without htmx
    if javascript:
        assert_accessible(page, f"zone finder ({lang})")
    huangpu.click()
    page.wait_for_url("**/zones/huangpu")
    assert LANDMARK[lang] in page.content()
    if javascript:
        assert_accessible(page, f"zone page ({lang})")
        screenshot(page, f"public-zone-{lang}")
    page.locator("main a[href='/measures/hp-overseas-financial-qualifications']").click()
    page.wait_for_url("**/measures/hp-overseas-financial-qualifications")
    assert page.locator("main h1").count() == 1
    citation = page.locator("main .citation").first.inner_text()
    assert "line 15" in citation or "第15行" in citation
    if javascript:
        assert_accessible(page, f"measure page ({lang})")
        screenshot(page, f"public-measure-{lang}")


@pytest.mark.parametrize(("lang", "javascript"), _journeys())
def test_the_checker_asks_only_the_questions_the_engine_needs_then_shows_results(
    make_site: SiteFactory, catalogue: Catalogue, lang: str, javascript: bool
) -> None:
    site = make_site(today=AFTER_EXPIRY)
    page = site.page(lang=lang, javascript=javascript)
    page.goto("/check")
    if javascript:
        assert_accessible(page, f"checker start ({lang})")
    page.locator("main form button[type=submit]").click()  # zone: not known yet
    asked: list[str] = []
    data: dict[str, Any] = {}
    chosen = {"zone": "changning", "multinational": "no", "legal_form": "corporate"}
    while "/check/question/" in page.url:
        field = urlsplit(page.url).path.removeprefix("/check/question/")
        assert field == engine_next(catalogue, data, AFTER_EXPIRY)
        asked.append(field)
        assert page.locator("main h1").count() == 1
        if javascript and len(asked) == 1:
            assert_accessible(page, f"checker question ({lang})")
            screenshot(page, f"public-check-question-{lang}")
            page.locator("main form button[type=submit]").click()  # nothing chosen
            page.wait_for_selector(".error-summary")
            assert page.title().startswith("错误：" if lang == "zh" else "Error: ")
            assert_accessible(page, f"checker question error ({lang})")
        given = answer_for(field, page.content(), chosen)
        record(data, field, given)
        kind = page.locator("main input[name=answer]").first.get_attribute("type")
        if kind in ("radio", "checkbox"):
            page.locator(f"main input[name=answer][value='{given}']").check()
        else:
            page.fill("#answer", given)
        before = page.url
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url, before=before: url != before)  # type: ignore[misc]
    assert urlsplit(page.url).path == "/check/result"
    assert engine_next(catalogue, data, AFTER_EXPIRY) is None
    assert asked[0] == "zone" and len(asked) > 3
    # What the visitor can get first; not eligible, not yet in force and expired folded, last.
    order = [
        f"section-{s}"
        for s in ("eligible", "needs_info", "ineligible", "not_yet_effective", "expired")
    ]
    shown = page.locator("main .result-section").evaluate_all("all => all.map(s => s.id)")
    assert shown == [s for s in order if s in shown] and "section-eligible" in shown
    for folded in ("ineligible", "expired"):
        assert page.locator(f"#section-{folded} > details:not([open])").count() == 1
        assert page.locator(f"#counts a[href='#section-{folded}']").count() == 1
    page.locator("#section-expired > details > summary").click()
    green = page.locator("#measure-cn-trial-green")
    assert EXPIRED[lang] in green.inner_text() and END[lang] in green.inner_text()
    assert ("第二部分（二）4." if lang == "zh" else "Part II, B.4") in green.inner_text()
    handling = page.locator("#measure-cn-plan-authorized-handling")
    assert handling.locator(
        "a[href='/applications/new?measure=cn-plan-authorized-handling']"
    ).count()
    assert "A7" in handling.inner_text()
    if javascript:
        assert_accessible(page, f"checker result ({lang})")
        screenshot(page, f"public-check-result-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_public_page_is_accessible_blank_and_in_error(
    make_site: SiteFactory, lang: str
) -> None:
    site = make_site(today=AFTER_EXPIRY)
    page = site.page(lang=lang)
    for url in (
        "/zones?q=Atlantis",
        "/zones/changning",
        "/zones/bonded-zones",
        "/zones/lingang",
        "/policies",
        "/policies/changning-trial-2024",
        "/policies/linked-zones-2024",
        "/measures/cn-trial-green",
        "/check/question/projects?zone=changning",
        "/check/question/talent.foreign_professionals?zone=changning",
        "/check/result",
    ):
        page.goto(url)
        assert page.locator("main h1").count() == 1, url
        assert_accessible(page, f"{url} ({lang})")
    page.locator("#section-expired > details > summary").click()  # folded until opened
    assert EXPIRED[lang] in page.locator("#measure-cn-trial-green").inner_text()
    page.goto("/check")
    page.fill("#as_of", "2026-02-30")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert_accessible(page, f"checker start error ({lang})")
    page.goto("/check/question/talent.foreign_professionals?zone=changning")
    page.fill("#answer", "many")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.input_value("#answer") == "many"
    assert_accessible(page, f"number question error ({lang})")
    page.goto("/check/question/projects?zone=changning")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert_accessible(page, f"projects question error ({lang})")


def test_the_as_of_date_chosen_at_the_start_is_kept_to_the_result(
    make_site: SiteFactory,
) -> None:
    site = make_site(today=AFTER_EXPIRY)
    page = site.page(lang="en")
    page.goto("/check")
    page.check("main input[name=zone][value=huangpu]")
    page.fill("#as_of", dt.date(2026, 11, 1).isoformat())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"as_of=2026-11-01"))
    assert "/check/question/" in page.url  # the trial is in force: the engine has questions
    page.locator("main a[href^='/check/result']").click()
    page.wait_for_url(re.compile(r"/check/result\?as_of=2026-11-01"))
    green = page.locator("#measure-cn-trial-green").inner_text()
    assert "Expired" not in green and "Needs information" in green
