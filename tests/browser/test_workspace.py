"""The workspace in a real browser, in Chinese and English, with and without JavaScript: an
enterprise user signs in and lands on its to-dos; a reviewer returns an application, so the to-do,
an unread message and an e-mail in the user's language (aiosmtpd on loopback) appear; the user
reads the message (the count drops) and answers, and a banner confirms it. A measure that has
ended says so, with its dates, before any form. axe checks every page where scripts run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ftzlink.applications.tables import Application
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.messages import service
from ftzlink.messages.worker import Worker
from ftzlink.settings import Settings
from tests.browser.conftest import AFTER_EXPIRY, Site, SiteFactory, assert_accessible, unread_count
from tests.messages.smtp import SmtpServer
from tests.web.conftest import OPEN_DAY
from tests.web.test_official import principal, submit_ai_projects

FOCUS = "cn-trial-focus-entities"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_enterprise_sees_its_to_dos_a_returned_application_and_answers_it(
    site: Site,
    site_db: Database,
    catalogue: Catalogue,
    smtp: SmtpServer,
    tmp_path: Path,
    lang: str,
    javascript: bool,
) -> None:
    with site_db.write() as session:
        service.set_language(session, principal=principal(site_db, "cn-ai-staff"), lang=lang)
    [app_id] = submit_ai_projects(site_db, catalogue, 1)
    with site_db.read() as session:
        app = session.get(Application, app_id)
        assert app is not None
        reference = app.reference

    enterprise = site.signed_in("cn-ai-staff", lang=lang, javascript=javascript)
    assert enterprise.url.endswith("/workspace")
    expect(enterprise.locator("#todos")).to_be_visible()
    expect(enterprise.locator("#header-user")).not_to_contain_text("cn-ai-staff")
    if javascript:
        assert_accessible(enterprise, f"workspace ({lang})")
    assert enterprise.locator(f"#todos a[href='/applications/{app_id}/respond']").count() == 0
    before = unread_count(enterprise)

    reviewer = site.signed_in("cn-reviewer", lang=lang, javascript=javascript)
    assert reviewer.url.split("?")[0].endswith("/review")
    reviewer.goto(f"/review/{app_id}")
    reviewer.fill("#questions", "请补充2025年营业收入。")
    reviewer.locator("form[action$='/return'] button").click()
    reviewer.wait_for_url(f"**/review/{app_id}?done=returned")

    Worker(
        db=site_db,
        settings=Settings(
            data_dir=tmp_path / "worker",
            database_url=site_db.url,
            smtp_url=smtp.url,  # type: ignore[arg-type]
            today=OPEN_DAY,
        ),
    ).run_once()
    subject = (
        f"Application {reference} was returned to you"
        if lang == "en"
        else f"申请 {reference} 已退回，请补正"
    )
    mails = [m for m in smtp.inbox.to("cn-ai-staff@ftzlink.example") if reference in m["Subject"]]
    assert [m["Subject"] for m in mails] == [subject]

    enterprise.goto("/workspace")
    todo = enterprise.locator(f"#todos a[href='/applications/{app_id}/respond']")
    expect(todo).to_have_count(1)
    assert unread_count(enterprise) == before + 1
    if javascript:
        assert_accessible(enterprise, f"workspace with a to-do ({lang})")

    enterprise.locator("#header-messages").click()
    enterprise.wait_for_url("**/messages")
    enterprise.get_by_role("link", name=subject).click()
    enterprise.wait_for_url(re.compile(r".*/messages/\d+$"))
    assert unread_count(enterprise) == before

    enterprise.goto("/workspace")
    enterprise.locator(f"#todos a[href='/applications/{app_id}/respond']").click()
    enterprise.wait_for_url(f"**/applications/{app_id}/respond")
    enterprise.fill("#response", "2025年营业收入为1.2亿元。")
    enterprise.locator("main form button[type=submit]").click()
    enterprise.wait_for_url(f"**/applications/{app_id}?done=responded")
    expect(enterprise.locator(".banner--success")).to_be_visible()
    if javascript:
        assert_accessible(enterprise, f"answered ({lang})")
    enterprise.goto("/workspace")
    expect(enterprise.locator(f"#todos a[href='/applications/{app_id}/respond']")).to_have_count(0)
    expect(enterprise.locator(f"#application-{app_id} [aria-current=step]")).to_have_count(1)
    assert unread_count(enterprise) == before


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_ended_measure_says_so_with_its_dates_before_any_form(
    make_site: SiteFactory, lang: str, javascript: bool
) -> None:
    site = make_site(AFTER_EXPIRY)
    enterprise = site.signed_in("cn-ai-admin", lang=lang, javascript=javascript)
    enterprise.goto(f"/measures/{FOCUS}")
    expect(enterprise.locator("#apply")).to_have_count(0)
    enterprise.goto(f"/applications/new?measure={FOCUS}")
    expect(enterprise.locator("#not-in-force")).to_be_visible()
    expect(enterprise.locator("#not-in-force")).to_contain_text("2026")
    expect(enterprise.locator("main form")).to_have_count(0)
    if javascript:
        assert_accessible(enterprise, f"measure ended ({lang})")
    enterprise.goto("/proactive/offers")
    expect(enterprise.locator("[id^=closed-]").first).to_be_visible()
    expect(enterprise.locator("button[id^=consent-]")).to_have_count(0)
    if javascript:
        assert_accessible(enterprise, f"offers of an ended measure ({lang})")
    enterprise.goto("/workspace")
    expect(enterprise.locator("[id$=-closed]").first).to_be_visible()
    if javascript:
        assert_accessible(enterprise, f"workspace after the measure ended ({lang})")
