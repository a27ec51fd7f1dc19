"""The cross-border data pages and the public ledger in a real browser, in Chinese and English,
with and without JavaScript: an enterprise files a scenario through the task list and submits
it; a transfer past the threshold is refused in words; a receipt is downloaded and checked on the
verify page, and a changed one refused; the regulator returns and registers, signs a checkpoint
and draws a spot check; the drawn inspector records findings. axe checks every page, blank and
in error, where scripts run; the pages are photographed for the docs."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ftzlink.auth.tables import User
from ftzlink.dataflow.tables import Filing, Inspection, Registration
from ftzlink.db import Database
from ftzlink.organisations.tables import Organisation
from tests.browser.conftest import Site, SiteFactory, assert_accessible, screenshot

LANGS = ["zh", "en"]
JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
LANG = pytest.mark.parametrize("lang", LANGS)


@pytest.fixture
def df_site(make_site: SiteFactory, _demo_template: Path, tmp_path: Path) -> Site:
    """The demo site signing with the demo's ledger key, as `ftzlink demo load` leaves it."""
    key = tmp_path / "data" / "ledger.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_demo_template.parent / "ledger.key", key)
    return make_site()


@pytest.fixture
def site_db(df_site: Site, tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    yield db
    db.dispose()


def check(page: Any, javascript: bool, what: str, shot: str | None = None) -> None:
    expect(page.locator("h1")).to_have_count(1)
    if javascript:
        assert_accessible(page, what)
        if shot:
            screenshot(page, shot)


def submit(page: Any, form: str = "main form[method=post]") -> None:
    page.locator(f"{form} button[type=submit]").first.click()


@JS
@LANG
def test_an_enterprise_files_a_scenario_through_the_task_list(
    df_site: Site, site_db: Database, lang: str, javascript: bool
) -> None:
    page = df_site.signed_in("cn-ai-staff", lang=lang, javascript=javascript)
    page.goto("/dataflow")
    check(page, javascript, f"dataflow dashboard ({lang})", f"dataflow-dashboard-{lang}")
    page.locator("a[href='/dataflow/filings/new']").first.click()
    page.wait_for_url("**/dataflow/filings/new")
    check(page, javascript, f"new filing ({lang})")
    submit(page)
    expect(page.locator(".error-summary a[href='#title']")).to_have_count(1)
    check(page, javascript, f"new filing in error ({lang})")
    page.fill("#title", "Bookings for the Paris office")
    submit(page)
    expect(page.locator("#tasks li")).to_have_count(7)
    check(page, javascript, f"task list ({lang})", f"dataflow-tasks-{lang}")

    page.locator("#task-transfer a").click()
    expect(page.locator("#data_categories")).to_have_count(1)
    check(page, javascript, f"section ({lang})")
    submit(page)
    expect(page.locator(".error-summary a[href='#recipient']")).to_have_count(1)
    check(page, javascript, f"section in error ({lang})", f"dataflow-section-error-{lang}")
    page.fill("#data_categories", "customer bookings\npassport numbers")
    page.fill("#recipient", "Example Voyages SAS")
    page.select_option("#recipient_country", "FR")
    page.locator("input[name=purpose][value=other]").check()
    submit(page)
    expect(page.locator("#tasks li")).to_have_count(7)
    for slug, answers in (
        ("exporter", {"ciio": "no", "in_ftz": "no"}),
        ("data", {"important_data": "no", "foreign_pi_returned": "no"}),
    ):
        page.locator(f"#task-{slug} a").click()
        for name, value in answers.items():
            page.locator(f"input[name={name}][value={value}]").check()
        submit(page)
        expect(page.locator("#tasks li")).to_have_count(7)
    page.locator("#task-people a").click()
    page.fill("#non_sensitive_people", "150000")
    page.fill("#sensitive_people", "0")
    submit(page)
    expect(page.locator("#tasks li")).to_have_count(7)

    page.locator("#task-route a").click()
    expect(page.locator("#reasons li")).to_have_count(1)
    check(page, javascript, f"route explanation ({lang})", f"dataflow-route-{lang}")
    page.goto(page.url.replace("/route", "/check"))
    expect(page.locator("#answers .summary-list__row")).to_have_count(14)
    check(page, javascript, f"check answers ({lang})")
    page.locator("input[name=mechanism][value=certification]").check()
    submit(page, "form[action$='/submit']")
    expect(page.locator("#reference")).to_have_count(1)
    check(page, javascript, f"confirmation ({lang})")
    with site_db.read() as session:
        filing = session.scalar(
            select(Filing).where(Filing.title == "Bookings for the Paris office")
        )
        assert filing is not None and filing.status == "submitted"
        assert filing.mechanism == "certification"


def _registration(db: Database, name_part: str) -> int:
    with db.read() as session:
        found = session.scalar(
            select(Registration.id)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .where(Organisation.name.contains(name_part))
        )
        assert found is not None
        return int(found)


@JS
@LANG
def test_a_transfer_is_refused_in_words_and_a_receipt_is_checked(
    df_site: Site, site_db: Database, lang: str, javascript: bool, tmp_path: Path
) -> None:
    contract = _registration(site_db, "数据服务")
    page = df_site.signed_in("xh-data-admin", lang=lang, javascript=javascript)
    page.goto(f"/dataflow/registrations/{contract}")
    expect(page.locator("#transfers tbody tr")).to_have_count(3)
    check(page, javascript, f"registration ({lang})", f"dataflow-registration-{lang}")
    page.locator(f"a[href='/dataflow/registrations/{contract}/transfers/new']").click()
    expect(page.locator("input[type=file]#manifest")).to_have_count(1)
    check(page, javascript, f"report a transfer ({lang})")
    # The manifest is chosen as a file: the browser hashes it (Web Crypto) and sends only the
    # fingerprint; without JavaScript the file is sent and the platform hashes it.
    manifest = tmp_path / "manifest-of-the-transfer.csv"
    manifest.write_bytes(b"record_id,category\n1,booking\n2,booking-unique-marker\n")
    fingerprint = hashlib.sha256(manifest.read_bytes()).hexdigest()
    page.set_input_files("#manifest", str(manifest))
    if javascript:
        expect(page.locator("#manifest_sha256")).to_have_value(fingerprint)
        expect(page.locator("#manifest-status")).not_to_be_empty()
    posted: list[bytes] = []
    page.on(
        "request",
        lambda r: posted.append(r.post_data_buffer or b"") if r.method == "POST" else None,
    )
    page.fill("#record_count", "150000")
    page.fill("#non_sensitive_people", "50000")
    page.fill("#sensitive_people", "0")
    page.fill("#transferred_on", "2026-10-30")
    page.fill("#transferred_time", "14:30")
    submit(page)
    expect(page.locator("#exceeded")).to_have_count(1)
    expect(page.locator(".error-summary a[href='#non_sensitive_people']")).to_have_count(1)
    # Either way the platform holds the same fingerprint, and the form keeps it.
    expect(page.locator("#manifest_sha256")).to_have_value(fingerprint)
    expect(page.locator("#manifest-kept")).to_have_count(1)
    if javascript:  # the fingerprint was sent, and the file stayed on the computer
        assert any(fingerprint.encode() in body for body in posted)
        assert not any(b"booking-unique-marker" in body for body in posted)
    check(page, javascript, f"transfer refused ({lang})", f"dataflow-transfer-refused-{lang}")

    page.goto(f"/dataflow/registrations/{contract}")
    with page.expect_download() as download:
        page.locator("a[href$='/receipt']").first.click()
    receipt = tmp_path / "receipt.json"
    download.value.save_as(receipt)
    data = json.loads(receipt.read_text(encoding="utf-8"))
    assert data["kind"] == "transfer-receipt/v1"

    anyone = df_site.page(lang=lang, javascript=javascript)
    anyone.goto("/ledger")
    expect(anyone.locator("#checkpoint-note")).to_have_count(1)
    check(anyone, javascript, f"ledger ({lang})", f"dataflow-ledger-{lang}")
    anyone.locator("main a[href='/ledger/verify']").first.click()
    anyone.wait_for_url("**/ledger/verify")
    check(anyone, javascript, f"verify ({lang})")
    submit(anyone)
    expect(anyone.locator(".error-summary a[href='#receipt_file']")).to_have_count(1)
    check(anyone, javascript, f"verify in error ({lang})")
    anyone.set_input_files("#receipt_file", str(receipt))
    submit(anyone)
    expect(anyone.locator("#result .panel")).to_have_count(1)
    check(anyone, javascript, f"receipt valid ({lang})", f"dataflow-verify-{lang}")
    entry = bytearray(base64.b64decode(data["entry"]))
    entry[-2] ^= 0x01
    anyone.fill("#receipt_text", json.dumps(data | {"entry": base64.b64encode(entry).decode()}))
    submit(anyone)
    expect(anyone.locator("#result .error-summary #reason")).to_have_count(1)
    check(anyone, javascript, f"receipt refused ({lang})", f"dataflow-verify-refused-{lang}")


@JS
@LANG
def test_the_regulator_decides_draws_and_the_inspector_records(
    df_site: Site, site_db: Database, lang: str, javascript: bool
) -> None:
    regulator = df_site.signed_in("data-regulator", lang=lang, javascript=javascript)
    regulator.goto("/dataflow/queue")
    expect(regulator.locator("#queue-submitted tbody tr")).to_have_count(1)
    check(regulator, javascript, f"queue ({lang})", f"dataflow-queue-{lang}")
    regulator.locator("#queue-submitted a").first.click()
    expect(regulator.locator("form[action$='/register']")).to_have_count(1)
    check(regulator, javascript, f"filing for the regulator ({lang})")
    submit(regulator, "form[action$='/return']")
    expect(regulator.locator(".error-summary a[href='#reasons']")).to_have_count(1)
    check(regulator, javascript, f"return in error ({lang})")
    submit(regulator, "form[action$='/register']")
    expect(regulator.locator("#registration")).to_have_count(1)

    regulator.goto("/dataflow/draws")
    check(regulator, javascript, f"draws ({lang})")
    submit(regulator, "form[action='/dataflow/checkpoints']")
    expect(regulator.locator(".banner--success")).to_have_count(1)
    regulator.fill("#count", "")
    submit(regulator, "form[action='/dataflow/draws']")
    expect(regulator.locator(".error-summary a[href='#count']")).to_have_count(1)
    check(regulator, javascript, f"draw in error ({lang})")
    regulator.fill("#count", "2")
    submit(regulator, "form[action='/dataflow/draws']")
    expect(regulator.locator("#picks tbody tr")).to_have_count(2)
    check(regulator, javascript, f"draw ({lang})", f"dataflow-draw-{lang}")

    with site_db.read() as session:
        inspection = session.scalars(select(Inspection).order_by(Inspection.id.desc())).first()
        assert inspection is not None
        user = session.get(User, inspection.inspector_id)
        assert user is not None
        inspection_id, username = inspection.id, user.username
    inspector = df_site.signed_in(username, lang=lang, javascript=javascript)
    inspector.goto("/dataflow/inspections")
    check(inspector, javascript, f"inspections ({lang})", f"dataflow-inspections-{lang}")
    inspector.locator(f"a[href='/dataflow/inspections/{inspection_id}']").first.click()
    expect(inspector.locator("form[action$='/findings']")).to_have_count(1)
    check(inspector, javascript, f"inspection ({lang})")
    submit(inspector, "form[action$='/findings']")
    expect(inspector.locator(".error-summary a[href='#findings']")).to_have_count(1)
    check(inspector, javascript, f"findings in error ({lang})")
    inspector.fill("#findings", "Access logs kept 3 months")
    inspector.fill("#rectification_working_days", "20")
    submit(inspector, "form[action$='/findings']")
    expect(inspector.locator("#findings-list li")).to_have_count(1)
    check(
        inspector, javascript, f"inspection with findings ({lang})", f"dataflow-inspection-{lang}"
    )
