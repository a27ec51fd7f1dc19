"""The representative-office pages in a real browser, in Chinese and English: an agent files an
establishment for a French parent (blank form, form in error, check answers, confirmation), the
registrar returns it for the bank letter, the agent answers, the registrar approves; the office
page links the registration certificate (登记证) and the chief representative's card (代表证),
each of which verifies by its QR code (a stranger opens the address it encodes) and offline
(the file downloaded from the page, checked with `ftzlink certificates verify` and the public
key; an altered copy is refused); the same parent from Viet Nam, not on the Apostille list, is
asked for legalisation; another authority checks the demo's recognition record. axe checks the
pages (in tabs with JavaScript: axe cannot run without it, see conftest.assert_accessible)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import segno
from playwright.sync_api import expect
from sqlalchemy import select

from ftzlink.db import Database
from ftzlink.foreign.tables import RecognitionRecord
from ftzlink.web import i18n
from ftzlink.web.foreign import ROUTES
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


def _establishment(place: str, nationality: str, document: str) -> dict[str, str]:
    return {
        "parent_name": "蓝山仪器有限公司",
        "parent_nationality": nationality,
        "parent_jurisdiction": place,
        "parent_established_on": "2016-01-04",
        "name": f"{nationality}蓝山仪器有限公司上海代表处",
        "premises": "上海市徐汇区虹桥路1号",
        "term_until": "2029-12-31",
        "chief_name": "Anne Dubois",
        "chief_document": document,
    }


def _qr_of(url: str) -> tuple[str, str]:
    """The size and modules of the QR code segno draws for `url` (the certificate page's
    parameters): what a phone's camera reads is exactly this address."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", xmldecl=False, svgns=True, nl=False, scale=4, border=4,
        svgclass="qr", lineclass="qr__modules",
    )  # fmt: skip
    svg = buffer.getvalue().decode()
    width = svg.split('width="', 1)[1].split('"', 1)[0]
    return width, svg.split(' d="', 1)[1].split('"', 1)[0]


def _check_certificate(
    site: Site, agent: Any, number: str, lang: str, tmp: Path, cli: Callable[..., Any], axe: bool
) -> None:
    """The certificate's page: its printed QR code encodes the verification address, which a
    stranger opens and reads "genuine"; its file, downloaded from the page, verifies offline
    with the public key and an altered copy does not."""
    agent.goto(f"/certificates/{number}")
    url = agent.locator("#verification-url").inner_text()
    assert url.startswith(f"{site.base_url}/verify/{number}?h=")

    # The file, as the page's link downloads it (an attachment: awaited as a download, never as
    # a navigation, which would wait for a page that never comes).
    with agent.expect_download() as download:
        agent.locator(f"a[href='/certificates/{number}.json']").click()
    file = tmp / f"{number}.json"
    download.value.save_as(file)

    # Printed: no navigation, the QR code still there, and it draws exactly the address shown.
    agent.emulate_media(media="print")
    qr = agent.locator("svg.qr")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("width"), qr.locator("path").get_attribute("d")) == _qr_of(url)
    assert _qr_of(url + "0")[1] != _qr_of(url)[1]  # the comparison can fail
    agent.emulate_media(media="screen")

    stranger = site.page(lang=lang)
    parts = urlsplit(url)
    stranger.goto(f"{parts.path}?{parts.query}")
    expect(stranger.locator("#verdict")).to_have_attribute("data-status", "genuine")
    if axe:
        assert_accessible(stranger, f"office certificate verified ({lang})")
    stranger.close()

    key = agent.request.get("/api/v1/certificates/public-key").json()["vkey"]
    genuine = cli("certificates", "verify", file, "--key", key, "--lang", lang)
    assert genuine.code == 0, genuine.out + genuine.err
    assert number in genuine.out
    altered = json.loads(file.read_text(encoding="utf-8"))
    altered["document"]["facts"][0]["value"]["en"] += "X"
    file.write_text(json.dumps(altered, ensure_ascii=False), encoding="utf-8")
    refused = cli("certificates", "verify", file, "--key", key, "--lang", lang)
    assert refused.code == 1, refused.out + refused.err


@LANG
def test_an_establishment_returned_for_the_bank_letter_answered_and_approved(
    fo_site: Site, lang: str, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    gettext = i18n.translations(lang).gettext  # type: ignore[arg-type]
    agent = fo_site.signed_in("xh-data-admin", lang=lang)
    agent.goto("/foreign")
    assert_accessible(agent, f"foreign dashboard ({lang})")
    agent.goto("/foreign/new")
    assert_accessible(agent, f"new establishment ({lang})")
    _submit(agent)
    expect(agent.locator(".error-summary a[href='#parent_name']")).to_have_count(1)
    assert_accessible(agent, f"new establishment in error ({lang})")
    for name, value in _establishment("FR", "法国", "FR22XY0001").items():
        agent.fill(f"#{name}", value)
    agent.locator("input[name=scope][value=liaison]").check()
    _submit(agent)
    expect(agent.locator("#answers")).to_have_count(1)
    # France is on the Apostille list: notarised and apostilled, no consular legalisation.
    expect(agent.locator("#route-existence_proof")).to_have_text(gettext(ROUTES["apostille"]))
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

    # The office page: what the agent may file now, and the 登记证 and the chief
    # representative's 代表证, each verified by its QR code and offline.
    agent.goto(filing_url)
    agent.locator("#office-link").click()
    expect(agent.locator("#actions a")).to_have_count(3)  # change, 备案, deregistration
    expect(agent.locator("#certificates a[href^='/certificates/']")).to_have_count(2)
    assert_accessible(agent, f"office page ({lang})")
    numbers = agent.locator("#certificates a[href^='/certificates/']").all_inner_texts()
    assert [n[:2] for n in numbers] == ["RC", "RR"]
    for i, number in enumerate(numbers):
        _check_certificate(fo_site, agent, number, lang, tmp_path, cli, axe=i == 0)

    # The same parent from Viet Nam, not on the Apostille list, is asked for legalisation.
    agent.goto("/foreign/new")
    for name, value in _establishment("VN", "越南", "VN22XY0001").items():
        agent.fill(f"#{name}", value)
    agent.locator("input[name=scope][value=liaison]").check()
    _submit(agent)
    expect(agent.locator("#route-existence_proof")).to_have_text(gettext(ROUTES["legalisation"]))


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


def test_axe_refuses_a_tab_without_javascript_at_once(browser: Any) -> None:
    """The journey above once hung: axe was asked to check a tab opened without JavaScript, where
    its timers never fire and Playwright waits for ever. Such a tab is refused at once."""
    site = Site(base_url="http://127.0.0.1:9", browser=browser)
    try:
        page = site.page(javascript=False)
        page.set_content("<html lang='en'><title>t</title><main><p>x</p></main></html>")
        with pytest.raises(AssertionError, match="without JavaScript"):
            assert_accessible(page, "a tab without JavaScript")
    finally:
        for context in site.contexts:
            context.close()
