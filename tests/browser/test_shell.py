"""The page shell in a real browser: start and sign-in pages, in both languages, accessible."""

from __future__ import annotations

import pytest

from tests.browser.conftest import Site, assert_accessible


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_start_and_sign_in_pages_are_accessible_blank_and_in_error(site: Site, lang: str) -> None:
    page = site.page(lang=lang)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    assert_accessible(page, f"start page ({lang})")
    page.goto("/sign-in")
    assert_accessible(page, f"sign-in ({lang})")
    page.fill("#username", "cn-reviewer")
    page.fill("#password", "wrong")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("错误：" if lang == "zh" else "Error: ")
    focused = page.evaluate("document.activeElement.className")
    assert "error-summary" in focused
    assert_accessible(page, f"sign-in error ({lang})")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_not_found_and_forbidden_form_pages_are_accessible(site: Site, lang: str) -> None:
    page = site.page(lang=lang)
    answer = page.goto("/no-such-page")
    assert answer is not None and answer.status == 404
    assert page.locator("h1").count() == 1
    assert_accessible(page, f"page not found ({lang})")
    answer = page.goto("/review/999999")
    assert page.url.split("?")[0].endswith("/sign-in")  # not signed in: asked to sign in first
    assert_accessible(page, f"sign-in on the way to a page ({lang})")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switching_language_on_an_answer_in_error_keeps_the_page_and_the_answer(
    site: Site, javascript: bool
) -> None:
    page = site.page(lang="zh", javascript=javascript)
    page.goto("/check/question/talent.foreign_professionals?zone=changning")
    page.fill("#answer", "three")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator("#language-switch button").click()
    page.wait_for_selector("html[lang=en] .error-summary a[href='#answer']")
    assert page.url.endswith("/check/question/talent.foreign_professionals?zone=changning")
    assert page.input_value("#answer") == "three"
    assert page.title().startswith("Error: ")
    if javascript:
        assert_accessible(page, "an answer in error, after switching language")


def test_switching_language_keeps_the_filters_htmx_put_in_the_address(site: Site) -> None:
    page = site.signed_in("cn-reviewer", lang="zh", javascript=True)
    page.goto("/review")
    page.select_option("#status", "submitted")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/review?*status=submitted*")  # htmx pushed the filters
    page.locator("a.language").click()
    page.wait_for_selector("html[lang=en]")
    assert "status=submitted" in page.url
    assert page.input_value("#status") == "submitted"
