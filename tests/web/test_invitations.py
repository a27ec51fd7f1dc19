"""Port visa invitation pages without JavaScript: a member applies, the exit-entry officer
approves, a member issues an invitation and sees its code once on the letter, anyone checks the
code; refusals with the inviter's reason; who sees what."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from ftzlink.db import Database
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import invitations as service
from ftzlink.talent.invitation_tables import Invitation
from tests.web.conftest import OPEN_DAY, SiteFactory, Visitor
from tests.web.test_official import principal

# An organisation of the demo that no demo data registers as an inviting unit.
ORG_KEY_ADMIN = "mh-equip-admin"


def organisation_of(db: Database, username: str) -> Organisation:
    member = principal(db, username)
    with db.read() as session:
        org = session.scalar(select(Organisation).where(Organisation.id.in_(member.member_of())))
        assert org is not None
        return org


def approved_unit(db: Database, username: str = ORG_KEY_ADMIN, today: dt.date = OPEN_DAY) -> int:
    """Register the user's organisation as an inviting unit through the services."""
    org = organisation_of(db, username)
    with db.write() as session:
        unit = service.apply(
            session,
            principal=principal(db, username),
            organisation_id=org.id,
            contact_name="马骏",
            contact_phone="021-54881234",
            statement="Technical exchanges with equipment makers abroad.",
            today=today,
        )
        service.approve(
            session,
            principal=principal(db, "exit-entry"),
            unit_id=unit.id,
            valid_until=today + dt.timedelta(days=365),
            today=today,
        )
        return unit.id


def issued_code(db: Database, username: str = ORG_KEY_ADMIN, today: dt.date = OPEN_DAY) -> str:
    org = organisation_of(db, username)
    with db.write() as session:
        issued = service.issue(
            session,
            principal=principal(db, username),
            organisation_id=org.id,
            invitee_name="Anna Schmidt",
            nationality="DE",
            passport_number="C01X00T47",
            date_of_birth=dt.date(1980, 4, 2),
            activity="exchange",
            purpose="Seminars",
            visa_type="M",
            planned_entry_on=today + dt.timedelta(days=3),
            today=today,
        )
        return service.format_code(issued.code)


INVITEE = {
    "invitee_name": "Anna Schmidt",
    "nationality": "DE",
    "passport_number": "C01X00T47",
    "date_of_birth": "1980-04-02",
    "activity": "research",
    "visa_type": "F",
    "purpose": "Joint experiments",
}


def test_a_member_applies_the_officer_approves_and_the_member_issues(
    make_visitor: SiteFactory,
) -> None:
    member, officer = make_visitor(), make_visitor()
    member.sign_in(ORG_KEY_ADMIN)
    page = member.get("/invitations")
    assert page.status_code == 200
    assert "Apply to register as an inviting unit" in page.text or "申请登记为邀请单位" in page.text
    member.get("/invitations/apply")
    empty = member.submit("/invitations/apply", {})
    assert empty.status_code == 400 and "error-summary" in empty.text
    member.get("/invitations/apply")
    done = member.submit(
        "/invitations/apply",
        {"contact_name": "马骏", "contact_phone": "021-54881234", "statement": "Exchanges"},
    )
    assert done.status_code == 200 and done.url.path == "/invitations"

    officer.sign_in("exit-entry")
    queue = officer.get("/invitations/units")
    assert queue.status_code == 200
    unit_link = re.search(r'href="(/invitations/units/\d+)"', queue.text)
    assert unit_link
    officer.get(unit_link.group(1))
    bad = officer.submit(unit_link.group(1) + "/approve", {"valid_until": "not a date"})
    assert bad.status_code == 400 and 'href="#valid_until"' in bad.text
    officer.get(unit_link.group(1))
    approved = officer.submit(
        unit_link.group(1) + "/approve",
        {"valid_until": (OPEN_DAY.replace(year=OPEN_DAY.year + 1)).isoformat()},
    )
    assert approved.status_code == 200 and "revoke_reason" in approved.text

    member.get("/invitations/new")
    entry = (OPEN_DAY + dt.timedelta(days=5)).isoformat()
    letter = member.submit("/invitations/new", {**INVITEE, "planned_entry_on": entry})
    assert letter.status_code == 200 and re.fullmatch(r"/invitations/\d+", letter.url.path)
    code = re.search(r'id="verification-code"><strong>([A-Z0-9-]{23})</strong>', letter.text)
    assert code, letter.text
    assert "C01X00T47" in letter.text  # the inviter's member sees the passport in full
    # The code is shown once: a new visit to the letter (cookie gone) does not show it.
    member.client.cookies.clear()
    member.sign_in(ORG_KEY_ADMIN)
    again = member.get(letter.url.path)
    assert code.group(1) not in again.text

    anyone = make_visitor()
    anyone.get("/invitations/check")
    genuine = anyone.submit("/invitations/check", {"code": code.group(1).lower()})
    assert genuine.status_code == 200 and 'id="check-details"' in genuine.text
    assert "C0*****47" in genuine.text and "C01X00T47" not in genuine.text


def test_a_forged_code_is_not_genuine_and_an_empty_one_is_an_error(visitor: Visitor) -> None:
    visitor.get("/invitations/check")
    forged = visitor.submit("/invitations/check", {"code": "ABCDE-FGHJK-MNPQR-STVWX"})
    assert forged.status_code == 200
    assert 'id="check-details"' not in forged.text and 'id="check-result"' in forged.text
    visitor.get("/invitations/check")
    empty = visitor.submit("/invitations/check", {"code": ""})
    assert empty.status_code == 400 and 'href="#code"' in empty.text


def test_an_unregistered_organisation_is_refused_with_the_reason(make_visitor: SiteFactory) -> None:
    member = make_visitor()
    member.sign_in(ORG_KEY_ADMIN)
    member.get("/invitations/new")
    refused = member.submit(
        "/invitations/new",
        {**INVITEE, "planned_entry_on": (OPEN_DAY + dt.timedelta(days=2)).isoformat()},
    )
    assert refused.status_code == 400
    assert 'href="#organisation_id"' in refused.text
    assert "not registered" in refused.text or "尚未登记" in refused.text


def test_a_revoked_inviters_invitation_checks_as_genuine_with_the_revocation(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    unit_id = approved_unit(demo_database)
    code = issued_code(demo_database)
    officer = make_visitor()
    officer.sign_in("exit-entry")
    officer.get(f"/invitations/units/{unit_id}")
    officer.submit(f"/invitations/units/{unit_id}/revoke", {"revoke_reason": "closed"})
    anyone = make_visitor()
    anyone.get("/invitations/check")
    checked = anyone.submit("/invitations/check", {"code": code})
    assert 'id="check-details"' in checked.text
    assert "revoked" in checked.text or "撤销" in checked.text


def test_others_get_page_not_found_and_the_auditor_sees_the_passport_masked(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    approved_unit(demo_database)
    issued_code(demo_database)
    with demo_database.read() as session:
        letter_path = f"/invitations/{session.scalar(select(func.max(Invitation.id)))}"
    for other in ("cn-reviewer", "work-permits"):
        v = make_visitor()
        v.sign_in(other)
        assert v.get(letter_path).status_code == 404
        assert v.get("/invitations/units").status_code == 404
    other_member = make_visitor()
    other_member.sign_in("yp-pay-admin")
    assert other_member.get(letter_path).status_code == 404
    auditor = make_visitor()
    auditor.sign_in("auditor")
    page = auditor.get(letter_path)
    assert page.status_code == 200 and "C0*****47" in page.text and "C01X00T47" not in page.text
    officer = make_visitor()
    officer.sign_in("exit-entry")
    assert "C01X00T47" in officer.get(letter_path).text


def test_the_pages_speak_english_too(make_visitor: SiteFactory) -> None:
    v = make_visitor()
    v.get("/language/en?next=/invitations/check")
    page = v.get("/invitations/check")
    assert '<html lang="en">' in page.text and "Check an invitation" in page.text
    zh = make_visitor().get("/invitations/check")
    assert '<html lang="zh-CN">' in zh.text and "Check an invitation" not in zh.text


def test_a_visitor_guessing_codes_is_asked_to_wait(visitor: Visitor) -> None:
    from dataclasses import replace

    from ftzlink.ratelimit import FailureWindow

    app = visitor.client.app
    app.state.services = replace(  # type: ignore[attr-defined]
        app.state.services,  # type: ignore[attr-defined]
        invitation_checks=FailureWindow(
            app.state.services.db,  # type: ignore[attr-defined]
            scope="invitation_check",
            limit=2,
            window_seconds=600,
        ),
    )
    for _ in range(2):
        visitor.get("/invitations/check")
        assert (
            visitor.submit("/invitations/check", {"code": "ABCDE-FGHJK-MNPQR-STVWX"}).status_code
            == 200
        )
    visitor.get("/invitations/check")
    refused = visitor.submit("/invitations/check", {"code": "ABCDE-FGHJK-MNPQR-STVWX"})
    assert refused.status_code == 429
    assert 'href="#code"' in refused.text and "<title>错误：" in refused.text
    assert "分钟后重试" in refused.text
    assert 'value="ABCDE-FGHJK-MNPQR-STVWX"' in refused.text  # the answer is kept
