"""The 免申即享 pages in a real browser, in Chinese and English, with and without JavaScript: the
Changning reviewer starts a match run (a bad date first), confirms two candidates and strikes one
in a batch (forgetting the reason first), and reads the result for each; the AI company consents
to one offer and declines another after the confirmation page. axe checks every page, blank and in
error, where scripts run; the candidates and the offers are photographed for the docs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ftzlink.db import Database
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive.tables import Candidate
from tests.browser.conftest import Site, assert_accessible, screenshot

JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
LANG = pytest.mark.parametrize("lang", ["zh", "en"])

AI = "上海示例智能科技有限公司"
AIR = "上海示例航空服务有限公司"
CHAIN_CN = "上海示例连锁商业管理有限公司长宁虹桥分公司"


@pytest.fixture
def site_db(site: Site, tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    yield db
    db.dispose()


def candidate(db: Database, organisation: str, measure: str) -> Candidate:
    with db.read() as session:
        found = session.scalar(
            select(Candidate)
            .join(Organisation, Organisation.id == Candidate.organisation_id)
            .where(Organisation.name == organisation, Candidate.measure_id == measure)
        )
        assert found is not None
        session.expunge(found)
        return found


def check(page: Any, javascript: bool, what: str, shot: str | None = None) -> None:
    expect(page.locator("h1")).to_have_count(1)
    if javascript:
        assert_accessible(page, what)
        if shot:
            screenshot(page, shot)


@JS
@LANG
def test_an_official_runs_a_match_and_decides_candidates_in_a_batch(
    site: Site, site_db: Database, lang: str, javascript: bool
) -> None:
    page = site.signed_in("cn-reviewer", lang=lang, javascript=javascript)
    page.locator("nav a[href='/proactive']").first.click()
    page.wait_for_url("**/proactive")
    check(page, javascript, f"match runs ({lang})")
    page.fill("#as_of", "2026-02-30")
    page.locator("form[action='/proactive/runs'] button[type=submit]").click()
    expect(page.locator(".error-summary a[href='#as_of']")).to_have_count(1)
    expect(page.locator("#as_of")).to_have_value("2026-02-30")
    check(page, javascript, f"match runs in error ({lang})")
    page.fill("#as_of", "2026-11-01")
    page.locator("form[action='/proactive/runs'] button[type=submit]").click()
    page.wait_for_url("**/proactive/runs/*")
    expect(page.locator("#counts")).to_have_count(1)
    check(page, javascript, f"match run ({lang})")

    page.goto("/proactive/candidates?run=abc")
    expect(page.locator(".error-summary a[href='#run']")).to_have_count(1)
    check(page, javascript, f"candidates in error ({lang})")
    page.goto("/proactive/candidates?status=pending&kind=eligible")
    check(page, javascript, f"candidates ({lang})", f"proactive-candidates-{lang}")
    page.locator("button[name=decision][value=confirm]").click()
    expect(page.locator(".error-summary a[href='#ids']")).to_have_count(1)
    check(page, javascript, f"candidates, none selected ({lang})")

    residence = candidate(site_db, AI, "cn-plan-residence-5y")
    licences = candidate(site_db, AIR, "cn-plan-financial-licences")
    branch = candidate(site_db, CHAIN_CN, "cn-trial-focus-entities")
    for c in (residence, licences, branch):
        page.locator(f"input[name=ids][value='{c.id}']").check()
    page.locator("button[name=decision][value=confirm]").click()
    expect(page.locator("#plan tbody tr")).to_have_count(3)
    check(page, javascript, f"check the decisions ({lang})")
    page.select_option(f"#decision-{branch.id}", "strike")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator(".error-summary a[href='#reason']")).to_have_count(1)
    expect(page.locator(f"#decision-{branch.id}")).to_have_value("strike")
    check(page, javascript, f"check the decisions in error ({lang})")
    page.fill("#reason", "已获同类支持 Funded already")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator("#decision-results tbody tr")).to_have_count(3)
    for c, outcome in ((residence, "confirmed"), (licences, "confirmed"), (branch, "struck")):
        expect(page.locator(f"tr[data-candidate='{c.id}']")).to_have_attribute(
            "data-outcome", outcome
        )
    check(page, javascript, f"decision results ({lang})")


@JS
@LANG
def test_the_enterprise_consents_to_one_offer_and_declines_another(
    site: Site, site_db: Database, lang: str, javascript: bool
) -> None:
    offer = candidate(site_db, AI, "cn-trial-focus-entities")  # confirmed in the demo
    page = site.signed_in("cn-ai-admin", lang=lang, javascript=javascript)
    page.locator("nav a[href='/proactive/offers']").first.click()
    page.wait_for_url("**/proactive/offers")
    expect(page.locator(f"#offer-{offer.id}")).to_have_count(1)
    check(page, javascript, f"offers ({lang})", f"proactive-offers-{lang}")
    page.locator(f"#decline-{offer.id}").click()
    page.wait_for_url(f"**/proactive/offers/{offer.id}/decline")
    check(page, javascript, f"decline an offer ({lang})")
    page.locator("main a[href='/proactive/offers']").last.click()
    page.wait_for_url("**/proactive/offers")
    page.locator(f"#consent-{offer.id}").click()
    expect(page.locator(".banner--success")).to_have_count(1)
    expect(page.locator(f"#application-{offer.id}")).to_have_count(1)
    check(page, javascript, f"offers after consent ({lang})")
    page.locator(f"#application-{offer.id}").click()
    page.wait_for_url(f"**/applications/{offer.application_id}")
    assert candidate(site_db, AI, "cn-trial-focus-entities").status == "consented"

    # The aviation company declines its offer after the confirmation page.
    theirs = candidate(site_db, AIR, "cn-trial-focus-entities")
    other = site.signed_in("cn-air-admin", lang=lang, javascript=javascript)
    other.goto(f"/proactive/offers/{theirs.id}/decline")
    other.locator("main form[method=post] button[type=submit]").click()
    other.wait_for_url("**/proactive/offers?*")
    expect(other.locator(".banner--success")).to_have_count(1)
    check(other, javascript, f"offers after declining ({lang})")
    assert candidate(site_db, AIR, "cn-trial-focus-entities").status == "declined"
