"""The officials' journeys in a real browser, in Chinese and English: batch signing where the
budget refuses one application, returning and approving one by one, budgets; every page accessible
blank and in error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from ftzlink.applications.tables import Budget
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from tests.browser.conftest import Site, assert_accessible, screenshot
from tests.web.test_official import YEARLY, application_id, set_budget, submit_ai_projects

LANGS = ["zh", "en"]
AI = "cn-trial-ai-industry"


@pytest.fixture
def site_db(site: Site, tmp_path: Path) -> Iterator[Database]:
    """The database of `site` (make_site copies the demo to tmp_path/site-0.db), to arrange data
    through the domain services as users would have."""
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    yield db
    db.dispose()


def _granted(db: Database, measure_id: str, year: int) -> int:
    with db.read() as session:
        granted = session.scalar(
            select(Budget.granted).where(Budget.measure_id == measure_id, Budget.year == year)
        )
        return int(granted or 0)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_batch_signing_ten_applications_refuses_the_one_the_budget_cannot_pay(
    site: Site, site_db: Database, catalogue: Catalogue, lang: str, javascript: bool
) -> None:
    ids = submit_ai_projects(site_db, catalogue, 10, amount=100_000)
    # What is left of the 2026 budget pays nine of them.
    set_budget(site_db, catalogue, AI, 2026, _granted(site_db, AI, 2026) + 900_000)
    page = site.signed_in("cn-reviewer", lang=lang, javascript=javascript)
    page.goto("/review")
    if javascript:  # axe runs in the page: only where scripts may run
        assert_accessible(page, f"review queue ({lang})")
    page.select_option("#measure", AI)
    page.select_option("#status", "submitted")
    page.locator("form.filters button[type=submit]").click()
    if javascript:  # htmx swaps the results in
        page.wait_for_function("() => document.querySelectorAll('input[name=ids]').length === 10")
    else:
        page.wait_for_url("**/review?*status=submitted*")
    assert page.locator("input[name=ids]").count() == 10
    if javascript:
        assert "measure=" in page.url  # htmx pushed the filters into the address
        page.check("#select-all")
        assert page.locator("input[name=ids]:checked").count() == 10
        assert_accessible(page, f"review queue filtered ({lang})")
        screenshot(page, f"official-queue-{lang}")
        page.locator("form[action='/review/batch'] button:not([name])").click()
    else:
        assert page.locator("#select-all").is_hidden()
        page.locator("button[name=all_on_page]").click()
    page.wait_for_url("**/review/batch")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 10
    if javascript:
        assert_accessible(page, f"batch confirmation ({lang})")
        screenshot(page, f"official-batch-confirm-{lang}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#batch-results")
    assert page.locator("[data-outcome=approved]").count() == 9
    refused = page.locator("[data-outcome=over_budget]")
    assert refused.count() == 1
    assert ("剩余0元" if lang == "zh" else "0 yuan remaining") in refused.inner_text()
    if javascript:
        assert_accessible(page, f"batch results ({lang})")
        screenshot(page, f"official-batch-results-{lang}")
    assert len(ids) == 10


@pytest.mark.parametrize("lang", LANGS)
def test_an_official_returns_one_application_with_a_question_and_approves_another_within_the_cap(
    site: Site, site_db: Database, catalogue: Catalogue, lang: str
) -> None:
    yearly = application_id(site_db, YEARLY, "submitted")
    [new] = submit_ai_projects(site_db, catalogue, 1, amount=800_000)
    page = site.signed_in("cn-reviewer", lang=lang, javascript=True)

    page.goto(f"/review/{yearly}")
    assert page.locator("h1").count() == 1
    assert_accessible(page, f"application page ({lang})")
    screenshot(page, f"official-application-{lang}")
    page.locator("form[action$='/return'] button").click()
    page.wait_for_selector(".error-summary")
    assert_accessible(page, f"return without a question ({lang})")
    page.fill("#questions", "请提供2025年度经审计的财务报表。")
    page.locator("form[action$='/return'] button").click()
    page.wait_for_url(f"**/review/{yearly}?done=returned")
    assert "请提供2025年度经审计的财务报表。" in page.locator("main").inner_text()
    assert page.locator("form[action$='/approve']").count() == 0

    page.goto(f"/review/{new}")
    assert page.input_value("#amount") == "800,000"
    page.fill("#amount", "")
    page.locator("form[action$='/approve'] button").click()
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("错误：" if lang == "zh" else "Error: ")
    assert_accessible(page, f"approve without an amount ({lang})")
    page.fill("#amount", "900,000")
    page.locator("form[action$='/approve'] button").click()
    page.wait_for_selector("#amount-error")
    assert_accessible(page, f"approve over the request ({lang})")
    page.fill("#amount", "600,000")
    page.locator("form[action$='/approve'] button").click()
    page.wait_for_url(f"**/review/{new}?done=approved")
    assert page.locator(".tag--approved").count() >= 1


@pytest.mark.parametrize("lang", LANGS)
def test_budgets_and_the_queue_are_accessible_blank_and_in_error(site: Site, lang: str) -> None:
    page = site.signed_in("cn-budget", lang=lang, javascript=True)
    page.goto("/budgets")
    assert_accessible(page, f"budgets ({lang})")
    screenshot(page, f"official-budgets-{lang}")
    page.select_option("#measure", AI)
    page.fill("#year", "2026")
    page.fill("#amount", "1")  # less than already granted
    page.locator("form[action='/budgets'][method='post'] button").click()
    page.wait_for_selector(".error-summary")
    assert_accessible(page, f"budget below what was granted ({lang})")
    page.fill("#amount", "70,000,000")
    page.locator("form[action='/budgets'][method='post'] button").click()
    page.wait_for_url("**/budgets?saved=*")
    assert_accessible(page, f"budget saved ({lang})")

    reviewer = site.signed_in("cn-reviewer", lang=lang, javascript=True)
    reviewer.goto("/review?submitted_from=2026-13-01")
    reviewer.wait_for_selector(".error-summary")
    assert_accessible(reviewer, f"queue with a wrong date ({lang})")
    reviewer.goto("/review?status=submitted")
    reviewer.locator("form[action='/review/batch'] button:not([name])").click()
    reviewer.wait_for_selector(".error-summary")
    assert_accessible(reviewer, f"signing with nothing selected ({lang})")
