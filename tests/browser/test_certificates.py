"""Certificates in a real browser, in Chinese and English, with and without JavaScript: the
enterprise prints its approval notice (print media: no navigation), a stranger opens the address
the QR code holds and reads "genuine"; axe checks the certificate and the verification page."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ftzlink.applications.tables import Application
from ftzlink.db import Database
from tests.browser.conftest import Site, SiteFactory, assert_accessible

GENUINE = {"zh": "真实有效", "en": "Genuine"}


@pytest.fixture
def signing_site(make_site: SiteFactory, _demo_template: Path, tmp_path: Path) -> Site:
    """The demo site signing with the demo's ledger key, as `ftzlink demo load` leaves it."""
    key = tmp_path / "data" / "ledger.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_demo_template.parent / "ledger.key", key)
    return make_site()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_printed_approval_notice_opens_a_page_that_says_it_is_genuine(
    signing_site: Site, tmp_path: Path, lang: str, javascript: bool
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    with db.read() as session:
        app_id = session.scalar(
            select(Application.id).where(Application.project_name == "城市大模型训练平台")
        )
    db.dispose()
    owner = signing_site.signed_in("cn-ai-admin", lang=lang, javascript=javascript)
    owner.goto(f"/applications/{app_id}")
    owner.locator(f"a[href='/applications/{app_id}/certificate']").click()
    owner.wait_for_url("**/certificates/GA-*")
    expect(owner.locator("#verification-url")).to_be_visible()
    expect(owner.locator("svg.qr")).to_be_visible()
    if javascript:
        assert_accessible(owner, f"certificate ({lang})")
    owner.emulate_media(media="print")
    expect(owner.locator("header.header")).to_be_hidden()
    expect(owner.locator("svg.qr")).to_be_visible()
    url = owner.locator("#verification-url").inner_text()
    assert url.startswith(signing_site.base_url + "/verify/GA-")

    stranger = signing_site.page(lang=lang, javascript=javascript)
    parts = urlsplit(url)
    stranger.goto(f"{parts.path}?{parts.query}")
    expect(stranger.locator("#verdict")).to_have_attribute("data-status", "genuine")
    expect(stranger.locator("#verdict")).to_contain_text(GENUINE[lang])
    if javascript:
        assert_accessible(stranger, f"certificate verification ({lang})")
