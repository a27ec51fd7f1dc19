"""Enterprise journeys in a real browser, in Chinese and English, with and without JavaScript:
apply, answer a return, see the allowance go down by the approved amount; a headquarters acting
for a branch. Every page is checked with axe, blank and in error.

In journey (c) the official (cn-reviewer) returns and approves on the review pages, in a browser
of their own, in the same language and with JavaScript on or off like the enterprise.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import SiteFactory, assert_accessible, screenshot

FOCUS = "cn-trial-focus-entities"


def _remaining(page: Any, kind: str) -> int:
    cell = page.locator(f'#allowance tr[data-limit="{kind}"] td[data-remaining]')
    return int(cell.get_attribute("data-remaining"))


def _app_id(page: Any) -> int:
    found = re.search(r"/applications/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def _skip(page: Any, what: str = "") -> None:
    pass


def _official_returns(page: Any, app_id: int, question: str) -> None:
    page.goto(f"/review/{app_id}")
    page.fill("#questions", question)
    with page.expect_navigation():
        page.locator("form[action$='/return'] button").click()
    assert question in page.locator("main").inner_text()


def _official_approves(page: Any, app_id: int, amount: str) -> None:
    page.goto(f"/review/{app_id}")
    page.fill("#amount", amount)
    with page.expect_navigation():
        page.locator("form[action$='/approve'] button").click()
    assert page.locator(".tag--approved").count() >= 1


def _submit(page: Any, text: str | None = None) -> None:
    button = page.locator("main form button[type=submit]")
    if text is not None:
        button = button.filter(has_text=text)
    with page.expect_navigation():
        button.first.click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_enterprise_applies_answers_a_return_and_sees_the_allowance_go_down(
    make_site: SiteFactory, lang: str, javascript: bool
) -> None:
    site = make_site()
    page = site.signed_in("cn-ai-admin", lang=lang, javascript=javascript)
    # axe runs as a script, so it checks these pages in the runs with JavaScript on.
    accessible = assert_accessible if javascript else _skip
    shots = javascript  # one set of screenshots per language
    page.goto("/applications")
    accessible(page, f"dashboard ({lang})")
    if shots:
        screenshot(page, f"enterprise-dashboard-{lang}")
    page.goto(f"/applications/new?measure={FOCUS}")
    accessible(page, f"start ({lang})")
    before = _remaining(page, "clause_allowance")
    assert before == 100_000_000
    # Error state: an amount that is not whole yuan.
    page.fill("#requested_amount", "两千万")
    _submit(page, "保存并继续" if lang == "zh" else "Save and continue")
    assert page.locator(".error-summary a[href='#requested_amount']").count() == 1
    assert page.title().startswith("错误：" if lang == "zh" else "Error: ")
    accessible(page, f"start, error ({lang})")
    if shots:
        screenshot(page, f"enterprise-question-error-{lang}")
    # Save and come back later, then resume from the dashboard.
    page.fill("#requested_amount", "20,000,000")
    _submit(page, "保存，稍后继续" if lang == "zh" else "Save and come back later")
    assert page.url.endswith("/applications?done=saved")
    assert page.locator(".banner--success").count() == 1  # the draft is saved, and it says so
    accessible(page, f"dashboard, draft saved ({lang})")
    page.locator("#table-drafts a[href$='/check']").first.click()
    page.wait_for_url(re.compile(r"/check$"))
    app_id = _app_id(page)
    # The question page (the request), reached from "Change".
    page.goto(f"/applications/{app_id}/request")
    assert page.locator("#requested_amount").input_value() == "20,000,000"
    accessible(page, f"question page ({lang})")
    if shots:
        screenshot(page, f"enterprise-question-{lang}")
    _submit(page, "保存并继续" if lang == "zh" else "Save and continue")
    page.wait_for_url(re.compile(r"/check$"))
    accessible(page, f"check answers ({lang})")
    if shots:
        screenshot(page, f"enterprise-check-{lang}")
    _submit(page)
    page.wait_for_url(re.compile(r"/confirmation$"))
    reference = page.locator("#reference").inner_text()
    assert reference.startswith("FTZ-2026-")
    print_button = page.locator("button[data-print]")
    assert print_button.is_visible() is javascript
    accessible(page, f"confirmation ({lang})")
    if shots:
        screenshot(page, f"enterprise-confirmation-{lang}")

    # The official returns it with a question, on the review page.
    official = site.signed_in("cn-reviewer", lang=lang, javascript=javascript)
    _official_returns(official, app_id, "请说明资金用途。Please explain the use of the funds.")
    page.goto("/applications")
    page.locator(f"a[href='/applications/{app_id}/respond']").click()
    page.wait_for_url(re.compile(r"/respond$"))
    assert "请说明资金用途" in page.locator("#questions").inner_text()
    accessible(page, f"respond ({lang})")
    _submit(page)
    assert page.locator(".error-summary a[href='#response']").count() == 1
    accessible(page, f"respond, error ({lang})")
    page.fill("#response", "用于算力采购。For buying computing power.")
    _submit(page)
    page.wait_for_url(re.compile(rf"/applications/{app_id}\?done=responded$"))
    assert page.locator(".banner--success").count() == 1  # the answer is sent, and it says so
    assert "用于算力采购" in page.locator("#history").inner_text()

    # The official approves within the cap; the allowance goes down by exactly that amount.
    _official_approves(official, app_id, "15,000,000")
    page.goto(f"/applications/{app_id}")
    accessible(page, f"status ({lang})")
    if shots:
        screenshot(page, f"enterprise-status-{lang}")
    assert _remaining(page, "clause_allowance") == before - 15_000_000
    page.goto(f"/applications/new?measure={FOCUS}")
    assert _remaining(page, "clause_allowance") == before - 15_000_000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_headquarters_applies_for_a_delegated_branch_and_every_page_says_for_whom(
    make_site: SiteFactory, lang: str
) -> None:
    site = make_site()
    branch = "长宁虹桥分公司" if lang == "zh" else "Changning Hongqiao Branch"
    page = site.signed_in("chain-hq-staff", lang=lang)
    page.goto("/applications")
    assert_accessible(page, f"HQ dashboard ({lang})")
    # Only branches whose delegation covers the measure are offered.
    page.goto("/applications/new?measure=cn-trial-ai-industry")
    offered = page.locator("main .choice__label").all_inner_texts()
    assert not any(branch in o for o in offered)
    page.goto("/applications/new?measure=cn-trial-modern-trade")
    offered = page.locator("main .choice__label").all_inner_texts()
    assert any(branch in o for o in offered)
    assert_accessible(page, f"choose organisation ({lang})")
    _submit(page)
    assert page.locator(".error-summary a[href='#organisation']").count() == 1
    assert_accessible(page, f"choose organisation, error ({lang})")
    page.get_by_label(re.compile(branch)).check()
    _submit(page)
    banner = page.locator(".acting-for")
    assert branch in banner.inner_text()
    assert branch in page.locator("#acting-for-note").inner_text()
    assert_accessible(page, f"start for a branch ({lang})")
    page.fill("#project_name", "跨境电商直播基地")
    page.locator("#project_kind").check()
    page.fill("#requested_amount", "3000000")
    _submit(page, "保存并继续" if lang == "zh" else "Save and continue")
    page.wait_for_url(re.compile(r"/check$"))
    assert branch in page.locator(".acting-for").inner_text()
    app_id = _app_id(page)
    page.goto(f"/applications/{app_id}/withdraw")
    assert branch in page.locator(".acting-for").inner_text()
    assert_accessible(page, f"withdraw ({lang})")
    _submit(page)
    assert_accessible(page, f"withdraw, error ({lang})")
    page.goto(f"/applications/{app_id}/check")
    _submit(page)
    page.wait_for_url(re.compile(r"/confirmation$"))
    assert branch in page.locator(".acting-for").inner_text()
    page.goto(f"/applications/{app_id}")
    assert branch in page.locator(".acting-for").inner_text()
    reference = page.locator("main").inner_text()

    # The auditor's page shows who acted (the HQ's user) for whom (the branch).
    auditor = site.signed_in("auditor", lang=lang)
    auditor.goto("/audit?actor=chain-hq-staff")
    newest = auditor.locator("#entries tbody tr").first
    assert "chain-hq-staff" in newest.inner_text()
    assert branch in newest.inner_text()
    assert any(ref in newest.inner_text() for ref in re.findall(r"FTZ-\d{4}-\w+", reference))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboard_of_an_organisation_without_applications_is_accessible(
    make_site: SiteFactory, lang: str
) -> None:
    site = make_site()
    page = site.signed_in("yp-pay-admin", lang=lang)
    page.goto("/applications")
    assert page.locator("main h1").count() == 1
    assert_accessible(page, f"blank dashboard ({lang})")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_questions_the_engine_still_needs_are_accessible_blank_and_in_error(
    make_site: SiteFactory, lang: str
) -> None:
    # The air-services company's profile does not say how many certified talents it employs.
    site = make_site()
    page = site.signed_in("cn-air-admin", lang=lang)
    page.goto("/applications/new?measure=cn-trial-talent-people")
    page.fill("#project_name", "Dr. Example")
    page.locator("input[name=project_kind]").first.check()
    page.fill("#requested_amount", "1,000,000")
    _submit(page, "保存并继续" if lang == "zh" else "Save and continue")
    assert page.url.endswith("/questions")
    assert page.locator("main input[name^=answer-]").count() == 1
    assert_accessible(page, f"questions ({lang})")
    page.fill("#answer-talent-certified-talents", "twelve")
    _submit(page)
    assert page.locator(".error-summary a[href='#answer-talent-certified-talents']").count() == 1
    assert page.title().startswith("错误：" if lang == "zh" else "Error: ")
    assert_accessible(page, f"questions, error ({lang})")
    page.fill("#answer-talent-certified-talents", "12")
    _submit(page)
    assert page.url.endswith("/check")
