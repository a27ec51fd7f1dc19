"""The representative-office pages in a real browser, in Chinese and English: an agent files an
establishment for a French parent (blank form, form in error, check answers, confirmation), the
registrar returns it for the bank letter, the agent answers, the registrar approves; the
materials for a Vietnamese parent ask for legalisation; another authority checks the demo's
recognition record. axe checks every page."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ftzlink.db import Database
from ftzlink.foreign.tables import RecognitionRecord
from tests.browser.conftest import Site, SiteFactory, assert_accessible

TODAY = dt.date(2026, 12, 7)
LANG = pytest.mark.parametrize("lang", ["zh", "en"])


@pytest.fixture
def fo_site(make_site: SiteFactory, _demo_template: Path, tmp_path: Path) -> Site:
    key = tmp_path / "data" / "ledger.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_demo_template.parent / "ledger.key", key)
    return make_site(TODAY)


def _submit(page: object, form: str = "main form[method=post]") -> None:
    page.locator(f"{form} button[type=submit]").first.click()  # type: ignore[attr-defined]


@LANG
def test_an_establishment_returned_for_the_bank_letter_answered_and_approved(
    fo_site: Site, lang: str
) -> None:
    agent = fo_site.signed_in("xh-data-admin", lang=lang)
    agent.goto("/foreign")
    assert_accessible(agent, f"foreign dashboard ({lang})")
    agent.goto("/foreign/new")
    assert_accessible(agent, f"new establishment ({lang})")
    _submit(agent)
    expect(agent.locator(".error-summary a[href='#parent_name']")).to_have_count(1)
    assert_accessible(agent, f"new establishment in error ({lang})")
    for name, value in {
        "parent_name": "蓝山仪器有限公司",
        "parent_nationality": "法国",
        "parent_jurisdiction": "FR",
        "parent_established_on": "2016-01-04",
        "name": "法国蓝山仪器有限公司上海代表处",
        "premises": "上海市徐汇区虹桥路1号",
        "term_until": "2029-12-31",
        "chief_name": "Anne Dubois",
        "chief_document": "FR22XY0001",
    }.items():
        agent.fill(f"#{name}", value)
    agent.locator("input[name=scope][value=liaison]").check()
    _submit(agent)
    expect(agent.locator("#answers")).to_have_count(1)
    assert_accessible(agent, f"check answers ({lang})")
    for code in ("application_form", "existence_proof", "articles", "appointment_letters",
                 "identity_and_cv", "premises_proof", "signatory_authorisation"):  # fmt: skip
        agent.locator(f"input[name=materials][value={code}]").check()
    _submit(agent, "main form[action='/foreign/new/confirm']")
    expect(agent.locator("#reference")).to_have_count(1)
    assert_accessible(agent, f"confirmation ({lang})")
    agent.locator("main a[href^='/foreign/filings/']").first.click()
    filing_url = agent.url

    registrar = fo_site.signed_in("registrar", lang=lang)
    registrar.goto(filing_url)
    assert_accessible(registrar, f"filing to decide ({lang})")
    registrar.locator("input[name=missing][value=bank_letter]").check()
    registrar.locator("button[name=action][value=return]").click()
    expect(registrar.locator("#returned")).to_have_count(1)

    agent.goto(filing_url)
    expect(agent.locator("#returned")).to_have_count(1)
    assert_accessible(agent, f"returned filing ({lang})")
    agent.locator("input[name=materials][value=bank_letter]").check()
    _submit(agent)
    registrar.goto(filing_url)
    registrar.locator("button[name=action][value=approve]").click()
    expect(registrar.locator("#certificate")).to_have_count(1)
    assert_accessible(registrar, f"approved filing ({lang})")


@LANG
def test_materials_and_record_verification_are_public(
    fo_site: Site, lang: str, tmp_path: Path
) -> None:
    page = fo_site.page(lang=lang)
    page.goto("/foreign/materials?place=VN")
    expect(page.locator("#route-existence_proof")).to_have_count(1)
    assert_accessible(page, f"materials VN ({lang})")
    page.goto("/foreign/materials?place=france")
    expect(page.locator(".error-summary")).to_have_count(1)
    assert_accessible(page, f"materials in error ({lang})")
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    try:
        with db.read() as s:
            reference = s.scalars(select(RecognitionRecord.reference)).one()
    finally:
        db.dispose()
    page.goto("/foreign/records/verify")
    assert_accessible(page, f"record check blank ({lang})")
    page.fill("#reference", reference)
    page.select_option("#authority", "jiangsu_amr")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#record")).to_have_count(1)
    assert_accessible(page, f"record accepted ({lang})")
