"""The message centre in a real browser, in Chinese and English, with and without JavaScript: a
reviewer returns an application; the enterprise user sees an unread count in the header, and an
e-mail in their language arrives at a real SMTP server (aiosmtpd on loopback); opening the message
reads it and the count drops; the preferences page saves. axe checks every page where scripts
run."""

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
from tests.browser.conftest import Site, assert_accessible, unread_count
from tests.messages.smtp import SmtpServer
from tests.web.conftest import OPEN_DAY
from tests.web.test_official import principal, submit_ai_projects


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_returned_application_is_an_unread_message_and_an_email_in_the_users_language(
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
    before = unread_count(enterprise)

    reviewer = site.signed_in("cn-reviewer", lang=lang, javascript=javascript)
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

    enterprise.goto("/applications")
    assert unread_count(enterprise) == before + 1
    enterprise.locator("#header-messages").click()
    enterprise.wait_for_url("**/messages")
    expect(enterprise.locator("h1")).to_have_count(1)
    if javascript:
        assert_accessible(enterprise, f"messages ({lang})")
    enterprise.get_by_role("link", name=subject).click()
    enterprise.wait_for_url(re.compile(r".*/messages/\d+$"))
    expect(enterprise.locator("main")).to_contain_text("请补充2025年营业收入。")
    assert unread_count(enterprise) == before
    if javascript:
        assert_accessible(enterprise, f"a message ({lang})")
    enterprise.locator("#act").click()
    enterprise.wait_for_url(f"**/applications/{app_id}")

    enterprise.goto("/messages/preferences")
    if javascript:
        assert_accessible(enterprise, f"message settings ({lang})")
    enterprise.locator("main form button[type=submit]").click()
    enterprise.wait_for_url("**/messages/preferences?saved=1")
    expect(enterprise.locator(".banner, [role=alert], .notification-banner").first).to_be_visible()
    if javascript:
        assert_accessible(enterprise, f"message settings saved ({lang})")
