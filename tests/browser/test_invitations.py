"""Port visa invitations in a real browser, in Chinese and English, with and without JavaScript:
the exit-entry officer approves a registration, a member issues an invitation and prints the
letter with its code, and the public check page verifies that code and refuses a forged one.
Every page is checked by axe, blank and in error, where scripts run."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ftzlink.db import Database
from ftzlink.talent import invitations as service
from tests.browser.conftest import Site, assert_accessible, screenshot
from tests.web.conftest import OPEN_DAY
from tests.web.test_invitations import ORG_KEY_ADMIN, organisation_of
from tests.web.test_official import principal

LANGS = ["zh", "en"]


@pytest.fixture
def site_db(site: Site, tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'site-0.db'}")
    yield db
    db.dispose()


def _pending_unit(db: Database) -> int:
    """The organisation of ORG_KEY_ADMIN has applied to be an inviting unit."""
    with db.write() as session:
        unit = service.apply(
            session,
            principal=principal(db, ORG_KEY_ADMIN),
            organisation_id=organisation_of(db, ORG_KEY_ADMIN).id,
            contact_name="马骏",
            contact_phone="021-54881234",
            statement="Technical exchanges with equipment makers abroad.",
            today=OPEN_DAY,
        )
        return unit.id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_an_officer_approves_a_member_invites_and_anyone_checks_the_code(
    site: Site, site_db: Database, lang: str, javascript: bool
) -> None:
    unit_id = _pending_unit(site_db)

    officer = site.signed_in("exit-entry", lang=lang, javascript=javascript)
    officer.goto("/invitations/units")
    if javascript:
        assert_accessible(officer, f"inviting units ({lang})")
    officer.locator(f"a[href='/invitations/units/{unit_id}']").click()
    officer.wait_for_url(f"**/invitations/units/{unit_id}")
    officer.locator("form[action$='/approve'] button[type=submit]").click()
    expect_error = officer.locator(".error-summary a[href='#valid_until']")
    expect_error.wait_for()
    if javascript:
        assert_accessible(officer, f"approval in error ({lang})")
    until = (OPEN_DAY + dt.timedelta(days=365)).isoformat()
    officer.fill("#valid_until", until)
    officer.locator("form[action$='/approve'] button[type=submit]").click()
    officer.locator("#revoke_reason").wait_for()
    if javascript:
        assert_accessible(officer, f"approved unit ({lang})")
        screenshot(officer, f"invitations-unit-{lang}")

    member = site.signed_in(ORG_KEY_ADMIN, lang=lang, javascript=javascript)
    member.goto("/invitations")
    if javascript:
        assert_accessible(member, f"invitations dashboard ({lang})")
    member.goto("/invitations/new")
    if javascript:
        assert_accessible(member, f"new invitation ({lang})")
    member.locator("main form button[type=submit]").click()
    member.locator(".error-summary").wait_for()
    if javascript:
        assert_accessible(member, f"new invitation in error ({lang})")
    member.fill("#invitee_name", "Anna Schmidt")
    member.select_option("#nationality", "DE")
    member.fill("#passport_number", "C01X00T47")
    member.fill("#date_of_birth", "1980-04-02")
    member.check("#activity")  # the first activity: research
    member.check("#visa_type")  # the first visa type: F
    member.fill("#purpose", "Joint experiments")
    member.fill("#planned_entry_on", (OPEN_DAY + dt.timedelta(days=5)).isoformat())
    member.locator("main form button[type=submit]").click()
    member.wait_for_url(re.compile(r".*/invitations/\d+$"))
    code = member.locator("#verification-code strong").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}(-[A-Z0-9]{5}){3}", code), code
    assert "C01X00T47" in member.locator("#letter").inner_text()
    if javascript:
        assert_accessible(member, f"invitation letter ({lang})")
        screenshot(member, f"invitations-letter-{lang}")

    anyone = site.page(lang=lang, javascript=javascript)
    anyone.goto("/invitations/check")
    if javascript:
        assert_accessible(anyone, f"check page ({lang})")
    anyone.fill("#code", code.lower())
    anyone.locator("main form button[type=submit]").click()
    details = anyone.locator("#check-details")
    details.wait_for()
    assert "C0*****47" in details.inner_text()
    assert "C01X00T47" not in anyone.content()
    if javascript:
        assert_accessible(anyone, f"genuine invitation ({lang})")
        screenshot(anyone, f"invitations-check-{lang}")

    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    anyone.goto("/invitations/check")
    anyone.fill("#code", forged)
    anyone.locator("main form button[type=submit]").click()
    anyone.locator("h1#check-result").wait_for()
    assert anyone.locator("#check-details").count() == 0
    if javascript:
        assert_accessible(anyone, f"forged code ({lang})")

    anyone.goto("/invitations/check")
    anyone.locator("main form button[type=submit]").click()
    anyone.locator(".error-summary a[href='#code']").wait_for()
    if javascript:
        assert_accessible(anyone, f"check page in error ({lang})")
