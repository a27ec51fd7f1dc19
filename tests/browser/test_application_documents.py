"""Documents of a grant application in a real browser, in Chinese and English, with and without
JavaScript: the enterprise uploads a supporting document to its draft (a refused file first), sees
it on the check page, and the reviewer sees it with its size. Every page is checked with axe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import SiteFactory, assert_accessible

FOCUS = "cn-trial-focus-entities"
PDF = (b"%PDF-1.4\n% a business plan\n" + b"0" * 3000)[:3000]  # 2.9 KB


def _skip(page: Any, what: str = "") -> None:
    pass


def _submit(page: Any, text: str | None = None) -> None:
    button = page.locator("main form button[type=submit]")
    if text is not None:
        button = button.filter(has_text=text)
    with page.expect_navigation():
        button.first.click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_enterprise_uploads_a_supporting_document_and_the_reviewer_sees_it(
    make_site: SiteFactory, lang: str, javascript: bool, tmp_path: Path
) -> None:
    site = make_site()
    page = site.signed_in("cn-ai-admin", lang=lang, javascript=javascript)
    accessible = assert_accessible if javascript else _skip
    page.goto(f"/applications/new?measure={FOCUS}")
    page.fill("#requested_amount", "1,000,000")
    _submit(page, "保存并继续" if lang == "zh" else "Save and continue")
    page.wait_for_url(re.compile(r"/check$"))
    app_id = int(re.search(r"/applications/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.locator(f"a[href='/applications/{app_id}/documents']").click()
    page.wait_for_url(re.compile(r"/documents$"))
    accessible(page, f"documents ({lang})")
    # A file that is not a PDF, PNG or JPEG is refused beside the field.
    note = tmp_path / "note.txt"
    note.write_text("plain words")
    page.set_input_files("#file", str(note))
    _submit(page, "上传" if lang == "zh" else "Upload")
    assert page.locator(".error-summary a[href='#file']").count() == 1
    accessible(page, f"documents, error ({lang})")
    plan = tmp_path / ("经营计划.pdf" if lang == "zh" else "business-plan.pdf")
    plan.write_bytes(PDF)
    page.set_input_files("#file", str(plan))
    _submit(page, "上传" if lang == "zh" else "Upload")
    assert page.locator("#uploaded").count() == 1
    row = page.locator("#documents tr[data-requirement='supporting']")
    assert plan.name in row.inner_text() and "2.9 KB" in row.inner_text()
    accessible(page, f"documents, uploaded ({lang})")
    page.goto(f"/applications/{app_id}/check")
    assert plan.name in page.locator("#documents").inner_text()
    _submit(page)
    page.wait_for_url(re.compile(r"/confirmation$"))

    official = site.signed_in("cn-reviewer", lang=lang, javascript=javascript)
    official.goto(f"/review/{app_id}")
    cells = official.locator("#documents").inner_text()
    assert plan.name in cells and "2.9 KB" in cells
    assert ("证明材料" if lang == "zh" else "Supporting documents") in cells
    accessible(official, f"review with documents ({lang})")
