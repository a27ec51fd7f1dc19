"""The audit log in a real browser: the auditor sees who acted for whom, filters (with htmx and
without JavaScript), checks the hash chain, and after a row is changed in the database the check
names the first bad entry and links to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.browser.conftest import Site, assert_accessible, screenshot

# The branch as each language names it (the demo gives organisations an English name).
CHANGNING_BRANCH = {
    "zh": "上海示例连锁商业管理有限公司长宁虹桥分公司",
    "en": "Shanghai Example Retail Chain Management Co., Ltd., Changning Hongqiao Branch",
}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_auditor_sees_who_acted_for_whom(site: Site, lang: str, javascript: bool) -> None:
    page = site.signed_in("auditor", lang=lang, javascript=javascript)
    page.goto("/audit")
    assert page.locator("#entries tbody tr").count() == 50
    if javascript:  # axe runs in the page: it needs JavaScript
        assert_accessible(page, f"audit log ({lang})")
    page.fill("#actor", "chain-hq-staff")
    page.locator("#audit-search form button[type=submit]").click()
    page.wait_for_url(lambda url: "actor=chain-hq-staff" in url)
    page.wait_for_function(
        "document.querySelectorAll('#entries tbody tr').length > 0 && "
        "document.querySelectorAll('#entries tbody tr').length < 50"
    )
    rows = page.locator("#entries tbody tr")
    assert rows.filter(has_text=CHANGNING_BRANCH[lang]).count() >= 2
    assert rows.filter(has_text="chain-hq-staff").count() == rows.count()
    if javascript:
        assert_accessible(page, f"audit log filtered ({lang})")
        screenshot(page, f"audit-log-{lang}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_wrong_day_in_the_filters_is_an_error(site: Site, lang: str, javascript: bool) -> None:
    page = site.signed_in("auditor", lang=lang, javascript=javascript)
    page.goto("/audit")
    page.fill("#from", "2026-01-02")
    page.fill("#to", "2026-01-01")
    page.locator("#audit-search form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.locator("#to-error").is_visible()
    if javascript:  # htmx swapped the filters and results in; the title stays
        assert_accessible(page, f"audit log error ({lang})")
    else:
        assert page.title().startswith("错误：" if lang == "zh" else "Error: ")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_chain_check_finds_the_first_entry_changed_in_the_database(
    site: Site, lang: str, tmp_path: Path
) -> None:
    page = site.signed_in("auditor", lang=lang)
    page.goto("/audit")
    page.locator("form[action='/audit/verify'] button").click()
    page.wait_for_selector("#verification .panel")
    intact = "审计日志完整" if lang == "zh" else "The audit log is intact"
    assert intact in page.locator("h1").inner_text()
    assert_accessible(page, f"chain intact ({lang})")
    screenshot(page, f"audit-verified-{lang}")

    # What someone with access to the database might do: rewrite an entry's detail.
    with sqlite3.connect(tmp_path / "site-0.db") as conn:
        conn.execute("UPDATE audit_entries SET detail = 'nothing to see' WHERE seq = 42")
    page.locator("form[action='/audit/verify'] button").click()
    page.wait_for_selector("#verification .error-summary")
    assert "42" in page.locator("#verification .error-summary").inner_text()
    assert_accessible(page, f"chain broken ({lang})")
    screenshot(page, f"audit-tampered-{lang}")
    page.locator("a[href='/audit/entries/42']").click()
    page.wait_for_url(lambda url: url.endswith("/audit/entries/42"))
    assert "nothing to see" in page.locator("#entry").inner_text()
    assert_accessible(page, f"audit entry ({lang})")
