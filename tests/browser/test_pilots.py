"""The pilot-case registry in a real browser, in Chinese and English, with and without
JavaScript: anyone reads the registry and filters it by stage; a platform administrator records
a case's next stage, first with the answers missing, then complete. axe checks every page,
blank and in error, where scripts run; the registry is photographed for the docs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ftzlink.audit.log import Actor
from ftzlink.db import Database
from ftzlink.pilots import service as pilots
from tests.browser.conftest import Site, assert_accessible, screenshot

LANGS = ["zh", "en"]


@pytest.fixture
def site_db(site: Site, tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    with db.write() as session:
        pilots.seed_pilot_cases(session, Actor(None, "tests"))
    yield db
    db.dispose()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_anyone_reads_the_registry_and_an_administrator_records_the_next_stage(
    site: Site, site_db: Database, lang: str, javascript: bool
) -> None:
    with site_db.read() as session:
        case_id = pilots.find_case(session, "ic-equipment-spv-leasing").id

    visitor = site.page(lang=lang, javascript=javascript)
    visitor.goto("/pilots")
    expect(visitor.locator("h1")).to_have_count(1)
    expect(visitor.locator("article.pilot")).to_have_count(5)
    if javascript:
        assert_accessible(visitor, f"pilot registry ({lang})")
        screenshot(visitor, f"pilots-{lang}")
    visitor.select_option("#stage", "case_pilot")
    visitor.locator("form.filters button[type=submit]").click()
    expect(visitor.locator("article.pilot")).to_have_count(1)
    visitor.locator(f"a[href='/pilots/{case_id}']").click()
    visitor.wait_for_url(f"**/pilots/{case_id}")
    expect(visitor.locator("#timeline li")).to_have_count(1)
    expect(visitor.locator("form[action$='/advance']")).to_have_count(0)
    if javascript:
        assert_accessible(visitor, f"pilot case ({lang})")

    admin = site.signed_in("admin", lang=lang, javascript=javascript)
    admin.goto(f"/pilots/{case_id}")
    if javascript:
        assert_accessible(admin, f"pilot case for an editor ({lang})")
    admin.locator("form[action$='/advance'] button[type=submit]").click()
    expect(admin.locator(".error-summary a[href='#on']")).to_have_count(1)
    expect(admin.locator(".error-summary a[href='#note']")).to_have_count(1)
    if javascript:
        assert_accessible(admin, f"next stage in error ({lang})")
    admin.fill("#on", "2026-05-20")
    admin.fill("#note", "Sandbox rules issued.")
    admin.locator("form[action$='/advance'] button[type=submit]").click()
    expect(admin.locator("#timeline li")).to_have_count(2)
    expect(admin.locator(".error-summary")).to_have_count(0)
    with site_db.read() as session:
        assert pilots.get_case(session, case_id).stage == "innovative_supervision"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_an_administrator_records_a_new_case(
    site: Site, site_db: Database, lang: str, javascript: bool
) -> None:
    admin = site.signed_in("admin", lang=lang, javascript=javascript)
    admin.goto("/pilots")
    admin.locator("a[href='/pilots/new']").click()
    admin.wait_for_url("**/pilots/new")
    if javascript:
        assert_accessible(admin, f"new pilot case ({lang})")
    admin.locator("main form button[type=submit]").click()
    expect(admin.locator(".error-summary a[href='#slug']")).to_have_count(1)
    expect(admin.locator(".error-summary a[href='#zone']")).to_have_count(1)
    assert admin.title().startswith("错误：" if lang == "zh" else "Error: ")
    if javascript:
        assert_accessible(admin, f"new pilot case in error ({lang})")
    admin.fill("#slug", f"lingang-data-sandbox-{lang}")
    admin.select_option("#zone", "lingang")
    admin.fill("#title_zh", "数据跨境沙盒")
    admin.fill("#title_en", "Cross-border data sandbox")
    admin.fill("#summary_zh", "在临港新片区试行数据跨境流动沙盒监管。")
    admin.fill("#summary_en", "A sandbox for cross-border data flows in Lingang.")
    admin.locator("input[name=stage][value=case_pilot]").check()
    admin.locator("main form button[type=submit]").click()
    expect(admin.locator("#timeline li")).to_have_count(1)
    with site_db.read() as session:
        case = pilots.find_case(session, f"lingang-data-sandbox-{lang}")
        assert case.stage == "case_pilot" and case.stage_on is None
