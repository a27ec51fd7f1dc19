"""Statistics in a real browser: an official sees charts drawn on the server with their data beside
them, downloads the applications of a period as CSV, and an impossible period is an error."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from tests.browser.conftest import Site, assert_accessible, screenshot


def csp_complaints(page: Any) -> list[str]:
    complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    return complaints


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_official_sees_charts_with_their_data_and_downloads_the_csv(
    site: Site, lang: str
) -> None:
    page = site.signed_in("cn-reviewer", lang=lang)
    complaints = csp_complaints(page)
    page.goto("/statistics")
    figure = page.locator("figure").first
    image = figure.locator("img")
    image.wait_for()
    page.wait_for_function(
        "Array.from(document.querySelectorAll('figure img'))"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert image.get_attribute("alt")
    assert figure.locator("figcaption").inner_text().strip()
    assert figure.locator("table caption").is_visible()
    zone = "长宁联动创新区" if lang == "zh" else "Changning linked innovation zone"
    assert figure.locator("tbody th", has_text=zone).is_visible()
    assert_accessible(page, f"statistics ({lang})")
    screenshot(page, f"statistics-{lang}")

    page.fill("#from", "2025-01-01")
    page.fill("#to", "2025-12-31")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"from=2025-01-01&to=2025-12-31"))
    with page.expect_download() as download_info:
        page.locator("a[href^='/statistics.csv']").click()
    download = download_info.value
    assert download.suggested_filename == "ftzlink-applications-2025-01-01-2025-12-31.csv"
    content = open(download.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115
    header, *rows = list(csv.reader(io.StringIO(content)))
    approved = "核准金额（元）" if lang == "zh" else "Approved (yuan)"
    assert header[0] == ("申请编号" if lang == "zh" else "Reference")
    assert approved in header
    assert len(rows) == 8
    amounts = [r[header.index(approved)] for r in rows if r[header.index(approved)]]
    assert amounts and all(re.fullmatch(r"[1-9]\d*", a) for a in amounts)
    assert not complaints, complaints


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_period_that_ends_before_it_starts_is_shown_as_an_error(site: Site, lang: str) -> None:
    page = site.signed_in("cn-budget", lang=lang)
    page.goto("/statistics")
    page.fill("#from", "2025-12-01")
    page.fill("#to", "2025-01-01")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("错误：" if lang == "zh" else "Error: ")
    assert page.locator("#to-error").is_visible()
    assert_accessible(page, f"statistics error ({lang})")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_period_without_applications_says_so(site: Site, lang: str, javascript: bool) -> None:
    page = site.signed_in("xh-reviewer", lang=lang, javascript=javascript)
    page.goto("/statistics")
    page.fill("#from", "2024-01-01")
    page.fill("#to", "2024-12-31")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#no-applications")
    assert page.locator("figure").count() == 0
    if javascript:  # axe runs in the page: it needs JavaScript
        assert_accessible(page, f"statistics without applications ({lang})")
