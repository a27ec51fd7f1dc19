"""Electronic port visa invitations: the registry of inviting units, the refusal of an inviter
that is not approved (with its reason), issued invitations' terms, and checking a code."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ftzlink.audit.tables import AuditEntry
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.errors import (
    CatalogueError,
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from ftzlink.talent import invitations as pv
from ftzlink.talent.invitation_tables import Invitation, InvitingUnit
from tests.world import TODAY, World, build_world

RULES = pv.bundled_port_visa_rules()


@dataclass
class Registry:
    world: World
    officer: Principal  # exit-entry officer
    work_permit_officer: Principal

    def apply(self, by: Principal, organisation_id: int, today: dt.date = TODAY) -> InvitingUnit:
        return self.world.write(
            pv.apply,
            principal=by,
            organisation_id=organisation_id,
            contact_name="王丽",
            contact_phone="021-6250 1234",
            statement="We invite researchers to our joint laboratory.",
            today=today,
        )

    def approve(
        self, unit: InvitingUnit, valid_until: dt.date = dt.date(2026, 5, 31), **kw: Any
    ) -> InvitingUnit:
        kw.setdefault("today", TODAY)
        return self.world.write(
            pv.approve, principal=self.officer, unit_id=unit.id, valid_until=valid_until, **kw
        )

    def revoke(self, unit: InvitingUnit, today: dt.date = TODAY) -> InvitingUnit:
        return self.world.write(
            pv.revoke,
            principal=self.officer,
            unit_id=unit.id,
            reason="false statements",
            today=today,
        )

    def invite(
        self, by: Principal, organisation_id: int, today: dt.date = TODAY, **changes: Any
    ) -> pv.IssuedInvitation:
        values: dict[str, Any] = {
            "invitee_name": "Anna Schmidt",
            "nationality": "DE",
            "passport_number": "C01X00T47",
            "date_of_birth": dt.date(1980, 4, 2),
            "activity": "research",
            "purpose": "Joint experiments at the laboratory",
            "visa_type": "F",
            "planned_entry_on": today + dt.timedelta(days=7),
            **changes,
        }
        return self.world.write(
            pv.issue, principal=by, organisation_id=organisation_id, today=today, **values
        )

    def verify(self, code: str, today: dt.date = TODAY) -> pv.Check | None:
        return self.world.read(pv.verify, code=code, today=today)


@pytest.fixture
def registry(database: Database, catalogue: Catalogue) -> Registry:
    world = build_world(database, catalogue)
    return Registry(
        world=world,
        officer=world.user("exit-entry", Grant(Role.EXIT_ENTRY_OFFICER)),
        work_permit_officer=world.user("work-permit", Grant(Role.WORK_PERMIT_OFFICER)),
    )


# --- the rules as data ---------------------------------------------------------------------------


def test_the_terms_come_from_the_data_with_their_high_confidence_citation() -> None:
    assert (RULES.terms.entries, RULES.terms.enter_within_days, RULES.terms.max_stay_days) == (
        1,
        15,
        30,
    )
    assert RULES.visa_types.ids() == ["F", "M", "R", "Z", "S2"]
    assert RULES.activities.ids() == ["research", "exchange", "commercial"]
    for cited in (RULES.terms, RULES.visa_types, RULES.activities, RULES.inviters):
        assert cited.citation.confidence == "High"
        assert RULES.source(cited.citation.source)
    assert RULES.source("seed-000").seed_file == "000_632febae98b5b461.txt"


def test_a_broken_port_visa_file_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "port_visa.yaml"
    shutil.copy(pv.PORT_VISA_FILE, broken)
    text = broken.read_text(encoding="utf-8").replace("source: seed-000", "source: nowhere")
    broken.write_text(text.replace("max_stay_days: 30", "max_stay_days: 0"), encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        pv.load_port_visa_rules(broken)
    shown = [str(p) for p in raised.value.problems]
    assert any("port_visa.yaml:" in s and "activities.citation" in s for s in shown), shown
    assert any("terms.max_stay_days" in s and "at least 1" in s for s in shown), shown


# --- the registry --------------------------------------------------------------------------------


def test_a_member_applies_and_an_officer_approves_with_history_and_audit(
    registry: Registry,
) -> None:
    w = registry.world
    unit = registry.apply(w.member_a, w.a.id)
    assert unit.status == "pending"
    unit = registry.approve(unit)
    assert (unit.status, unit.approved_on, unit.valid_until) == (
        "approved",
        TODAY,
        dt.date(2026, 5, 31),
    )
    events = w.read(pv.unit_history, principal=w.member_a, unit_id=unit.id)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("apply", None, "pending"),
        ("approve", "pending", "approved"),
    ]
    assert events[0].acted_for_id == w.a.id and events[1].acted_for_id is None
    entries = w.audit_entries("inviting_unit")
    assert [(e.action, e.actor, e.acted_for_id) for e in entries] == [
        ("inviting_unit.apply", "member-a", w.a.id),
        ("inviting_unit.approve", "exit-entry", None),
    ]


def test_only_an_exit_entry_officer_decides_and_others_do_not_see_the_unit(
    registry: Registry,
) -> None:
    w = registry.world
    unit = registry.apply(w.admin_a, w.a.id)
    for other in (w.member_b, w.reviewer, registry.work_permit_officer):
        with pytest.raises(NotFound):
            w.write(pv.approve, principal=other, unit_id=unit.id, valid_until=TODAY, today=TODAY)
        with pytest.raises(NotFound):
            w.read(pv.get_unit, principal=other, unit_id=unit.id)
    for reader in (w.auditor, w.admin, w.member_a):
        assert w.read(pv.get_unit, principal=reader, unit_id=unit.id).id == unit.id
        with pytest.raises(Forbidden):
            w.write(pv.approve, principal=reader, unit_id=unit.id, valid_until=TODAY, today=TODAY)
    with pytest.raises(NotFound):
        registry.apply(w.member_b, w.a.id)
    with pytest.raises(Forbidden):
        registry.apply(registry.officer, w.a.id)


def test_one_live_registration_per_organisation_and_a_new_one_after_refusal(
    registry: Registry,
) -> None:
    w = registry.world
    unit = registry.apply(w.member_a, w.a.id)
    with pytest.raises(Conflict):
        registry.apply(w.admin_a, w.a.id)
    refused = w.write(
        pv.refuse, principal=registry.officer, unit_id=unit.id, reason="no lab", today=TODAY
    )
    assert (refused.status, refused.refusal_reason) == ("refused", "no lab")
    with pytest.raises(InvalidTransition) as raised:
        registry.approve(refused)
    assert (raised.value.workflow, raised.value.allowed_from) == ("inviting_units", ["pending"])
    again = registry.apply(w.member_a, w.a.id)
    assert again.id != unit.id and again.status == "pending"


def test_decisions_check_their_dates_and_reasons(registry: Registry) -> None:
    w = registry.world
    unit = registry.apply(w.member_a, w.a.id)
    with pytest.raises(InvalidInput) as raised:
        registry.approve(unit, valid_until=TODAY - dt.timedelta(days=1))
    assert raised.value.problems[0].field == "valid_until"
    unit = registry.approve(unit)
    with pytest.raises(InvalidInput) as raised:
        w.write(pv.revoke, principal=registry.officer, unit_id=unit.id, reason=" ", today=TODAY)
    assert raised.value.problems[0].field == "reason"
    revoked = registry.revoke(unit)
    assert (revoked.status, revoked.revoked_on) == ("revoked", TODAY)


# --- who may invite: refused with the reason -----------------------------------------------------


def test_an_unregistered_inviter_is_refused_with_its_reason(registry: Registry) -> None:
    w = registry.world
    with pytest.raises(pv.InviterNotApproved) as raised:
        registry.invite(w.member_a, w.a.id)
    assert (raised.value.reason, raised.value.code) == ("not_registered", "inviter_not_registered")
    assert "not registered" in str(raised.value)


def test_a_pending_inviter_is_refused_with_its_reason(registry: Registry) -> None:
    w = registry.world
    registry.apply(w.member_a, w.a.id)
    with pytest.raises(pv.InviterNotApproved) as raised:
        registry.invite(w.member_a, w.a.id)
    assert raised.value.code == "inviter_pending"


def test_a_revoked_inviter_is_refused_with_its_reason_and_date(registry: Registry) -> None:
    w = registry.world
    unit = registry.approve(registry.apply(w.member_a, w.a.id))
    registry.revoke(unit, today=TODAY + dt.timedelta(days=10))
    with pytest.raises(pv.InviterNotApproved) as raised:
        registry.invite(w.member_a, w.a.id, today=TODAY + dt.timedelta(days=10))
    assert (raised.value.code, raised.value.since) == (
        "inviter_revoked",
        TODAY + dt.timedelta(days=10),
    )
    assert "revoked on 2025-06-11" in str(raised.value)


def test_an_expired_inviter_is_refused_the_day_after_its_last_valid_day(registry: Registry) -> None:
    w = registry.world
    last = dt.date(2025, 9, 30)
    registry.approve(registry.apply(w.member_a, w.a.id), valid_until=last)
    assert registry.invite(w.member_a, w.a.id, today=last).invitation.issued_on == last
    with pytest.raises(pv.InviterNotApproved) as raised:
        registry.invite(w.member_a, w.a.id, today=last + dt.timedelta(days=1))
    assert (raised.value.code, raised.value.since) == ("inviter_expired", last)


def test_refusals_are_not_recorded_and_issue_nothing(registry: Registry) -> None:
    w = registry.world
    with pytest.raises(pv.InviterNotApproved):
        registry.invite(w.member_a, w.a.id)
    with w.database.read() as session:
        assert session.scalars(select(Invitation)).all() == []


# --- issued invitations --------------------------------------------------------------------------


def test_an_approved_inviter_issues_single_entry_within_15_days_stay_30(
    registry: Registry,
) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    issued = registry.invite(w.member_a, w.a.id, passport_number="c01x 00t47")
    inv = issued.invitation
    assert inv.reference == "PV-2025-00001"
    assert (inv.issued_on, inv.entries, inv.max_stay_days) == (TODAY, 1, 30)
    # Calendar days, as the sources say "15 days": 1 June + 15 = 16 June (a Monday after a weekend).
    assert inv.enter_by == dt.date(2025, 6, 16)
    assert inv.passport_number == "C01X00T47"
    assert len(issued.code) == 20 and set(issued.code) <= set(pv.CODE_ALPHABET)
    assert issued.code not in str(
        [(c.name, getattr(inv, c.name)) for c in Invitation.__table__.columns]
    )


def test_the_planned_entry_must_fall_within_the_entry_period(registry: Registry) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    assert registry.invite(
        w.member_a, w.a.id, planned_entry_on=TODAY + dt.timedelta(days=15)
    ).invitation
    for late_or_past in (TODAY + dt.timedelta(days=16), TODAY - dt.timedelta(days=1)):
        with pytest.raises(InvalidInput) as raised:
            registry.invite(w.member_a, w.a.id, planned_entry_on=late_or_past)
        assert [p.field for p in raised.value.problems] == ["planned_entry_on"]


def test_every_bad_answer_is_named_at_once(registry: Registry) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    with pytest.raises(InvalidInput) as raised:
        registry.invite(
            w.member_a,
            w.a.id,
            invitee_name=" ",
            nationality="DEU",
            passport_number="12",
            date_of_birth=TODAY,
            activity="tourism",
            visa_type="L",
            purpose="",
        )
    assert {p.field for p in raised.value.problems} == {
        "invitee_name",
        "nationality",
        "passport_number",
        "date_of_birth",
        "activity",
        "visa_type",
        "purpose",
    }
    for not_a_country in ("EU", "ZZ", "XK", "UN"):
        with pytest.raises(InvalidInput):
            registry.invite(w.member_a, w.a.id, nationality=not_a_country)


def test_only_the_units_members_invite(registry: Registry) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    with pytest.raises(NotFound):
        registry.invite(w.member_b, w.a.id)
    with pytest.raises(Forbidden):
        registry.invite(registry.officer, w.a.id)
    with pytest.raises(Forbidden):
        registry.invite(w.auditor, w.a.id)


def test_the_audit_log_keeps_the_passport_masked_and_who_acted_for_whom(
    registry: Registry,
) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    issued = registry.invite(w.admin_a, w.a.id)
    with w.database.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "port_visa_invitation.issue")
        ).one()
    assert (entry.actor, entry.acted_for_id, entry.object_id) == (
        "admin-a",
        w.a.id,
        str(issued.invitation.id),
    )
    from ftzlink.audit.log import digest

    assert entry.after_digest == digest(pv.invitation_snapshot(issued.invitation))
    assert pv.invitation_snapshot(issued.invitation)["passport_number"] == "C0*****47"


def test_who_sees_the_invitations_and_the_passport(registry: Registry) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    inv = registry.invite(w.member_a, w.a.id).invitation
    for reader in (w.member_a, w.admin_a, registry.officer, w.auditor, w.admin):
        assert w.read(pv.get_invitation, principal=reader, invitation_id=inv.id).id == inv.id
    for other in (w.member_b, w.reviewer, registry.work_permit_officer):
        with pytest.raises(NotFound):
            w.read(pv.get_invitation, principal=other, invitation_id=inv.id)
        assert w.read(pv.list_invitations, principal=other) == ([], 0)
    full = {p.username for p in (w.member_a, w.admin_a, registry.officer)}
    for who in (w.member_a, w.admin_a, registry.officer, w.auditor, w.admin, w.member_b, None):
        assert pv.can_see_passport(who, inv) is (who is not None and who.username in full)


# --- checking a code -----------------------------------------------------------------------------


def test_the_code_verifies_and_a_forged_code_does_not(registry: Registry) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    issued = registry.invite(w.member_a, w.a.id)
    check = registry.verify(issued.code)
    assert check is not None and check.invitation.id == issued.invitation.id
    assert check.within_entry_period and check.inviter_revoked_on is None
    # As printed (grouped, any case) it verifies too.
    assert registry.verify(pv.format_code(issued.code).lower()) is not None
    forged = issued.code[:-1] + ("A" if issued.code[-1] != "A" else "B")
    for wrong in (forged, "", "x" * 20, issued.code + "A", pv.CODE_ALPHABET[:20]):
        assert registry.verify(wrong) is None


def test_a_check_after_the_entry_period_says_the_period_has_passed(registry: Registry) -> None:
    w = registry.world
    registry.approve(registry.apply(w.member_a, w.a.id))
    issued = registry.invite(w.member_a, w.a.id)
    on_time = registry.verify(issued.code, today=issued.invitation.enter_by)
    late = registry.verify(issued.code, today=issued.invitation.enter_by + dt.timedelta(days=1))
    assert on_time is not None and on_time.within_entry_period
    assert late is not None and not late.within_entry_period


def test_an_invitation_issued_before_its_inviter_was_revoked_stays_genuine_and_says_so(
    registry: Registry,
) -> None:
    w = registry.world
    unit = registry.approve(registry.apply(w.member_a, w.a.id))
    issued = registry.invite(w.member_a, w.a.id)
    registry.revoke(unit, today=TODAY + dt.timedelta(days=2))
    check = registry.verify(issued.code, today=TODAY + dt.timedelta(days=3))
    assert check is not None
    assert check.inviter_revoked_on == TODAY + dt.timedelta(days=2)


def test_the_masked_passport_and_country_names_for_the_check(registry: Registry) -> None:
    assert pv.country_name("DE", "zh") == "德国"
    assert pv.country_name("DE", "en") == "Germany"
    # The 249 of ISO 3166-1 but China, Hong Kong, Macao and Taiwan.
    assert len(pv.countries("en")) == 245


# --- the command line ----------------------------------------------------------------------------


def test_the_cli_applies_approves_invites_and_verifies(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalogue: Catalogue
) -> None:
    import json

    from tests.world import USCC_A

    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FTZLINK_TODAY", TODAY.isoformat())
    assert cli("db", "upgrade").code == 0
    db = Database(f"sqlite:///{tmp_path / 'ftzlink.db'}")
    try:
        world = build_world(db, catalogue)
        world.user("exit-entry", Grant(Role.EXIT_ENTRY_OFFICER))
    finally:
        db.dispose()
    group = ("talent", "invitations")
    invite = (
        *group, "invite", USCC_A, "--as", "member-a", "--name", "Anna Schmidt",
        "--nationality", "DE", "--passport", "C01X00T47", "--born", "1980-04-02",
        "--activity", "research", "--visa-type", "F", "--entry", "2025-06-05",
        "--purpose", "Lab visit", "--format", "json",
    )  # fmt: skip
    refused = cli(*invite)
    assert refused.code == 1 and "not registered" in refused.err
    applied = cli(
        *group, "apply", USCC_A, "--as", "member-a", "--contact-name", "王丽",
        "--contact-phone", "021-62501234", "--statement", "Joint lab", "--format", "json",
    )  # fmt: skip
    assert applied.code == 0, applied.err
    unit_id = str(json.loads(applied.out)["id"])
    assert (
        cli(*group, "approve", unit_id, "--as", "member-a", "--valid-until", "2026-05-31").code == 1
    )
    approved = cli(*group, "approve", unit_id, "--as", "exit-entry", "--valid-until", "2026-05-31")
    assert approved.code == 0 and "已批准" in approved.out
    issued = cli(*invite)
    assert issued.code == 0, issued.err
    code = json.loads(issued.out)["verification_code"]
    assert json.loads(issued.out)["enter_by"] == "2025-06-16"
    checked = cli(*group, "verify", code)
    assert checked.code == 0 and "C0*****47" in checked.out
    assert cli(*group, "verify", "ABCDE-FGHJK-MNPQR-STVWX").code == 1
    listed = cli(*group, "units", "--as", "exit-entry", "--format", "json")
    assert [u["status"] for u in json.loads(listed.out)] == ["approved"]
    assert cli(*group, "units", "--as", "nobody").code == 3
