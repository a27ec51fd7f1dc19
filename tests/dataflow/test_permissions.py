"""The named predicates of the data service, one by one: what the service refuses and the pages
do not offer."""

from __future__ import annotations

from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow.tables import Filing, Inspection


def _who(user_id: int, *grants: Grant) -> Principal:
    return Principal(user_id, f"user-{user_id}", "zh", frozenset(grants))


MEMBER = _who(1, Grant(Role.ENTERPRISE_MEMBER, 7))
OTHER_MEMBER = _who(2, Grant(Role.ENTERPRISE_MEMBER, 8))
REGULATOR = _who(3, Grant(Role.DATA_REGULATOR))
INSPECTOR = _who(4, Grant(Role.INSPECTOR))
AUDITOR = _who(5, Grant(Role.AUDITOR))


def _filing(status: str) -> Filing:
    return Filing(organisation_id=7, status=status)


def test_only_the_enterprises_members_edit_a_draft_or_returned_filing() -> None:
    assert perm.can_edit_filing(MEMBER, _filing("draft"))
    assert perm.can_edit_filing(MEMBER, _filing("returned"))
    assert not perm.can_edit_filing(MEMBER, _filing("submitted"))
    assert not perm.can_edit_filing(OTHER_MEMBER, _filing("draft"))
    assert not perm.can_edit_filing(REGULATOR, _filing("draft"))


def test_only_a_regulator_decides_and_only_a_submitted_filing() -> None:
    assert perm.can_decide_filing(REGULATOR, _filing("submitted"))
    assert not perm.can_decide_filing(REGULATOR, _filing("registered"))
    assert not perm.can_decide_filing(AUDITOR, _filing("submitted"))
    assert perm.reads_queue(AUDITOR) and not perm.reads_queue(MEMBER)


def test_only_the_drawn_inspector_records_and_closes() -> None:
    assigned = Inspection(inspector_id=4, status="assigned")
    rectifying = Inspection(inspector_id=4, status="rectifying")
    closed = Inspection(inspector_id=4, status="closed")
    assert perm.can_record_findings(INSPECTOR, assigned)
    assert not perm.can_record_findings(INSPECTOR, rectifying)
    assert perm.can_close_inspection(INSPECTOR, rectifying)
    assert not perm.can_close_inspection(INSPECTOR, closed)
    assert not perm.can_record_findings(_who(9, Grant(Role.INSPECTOR)), assigned)


def test_draws_are_seen_by_regulators_inspectors_and_readers_of_everything() -> None:
    assert all(perm.sees_draws(p) for p in (REGULATOR, INSPECTOR, AUDITOR))
    assert not perm.sees_draws(MEMBER)
    assert perm.can_draw_spot_checks(REGULATOR) and not perm.can_draw_spot_checks(INSPECTOR)
