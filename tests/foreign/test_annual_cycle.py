"""An annual-report year (Art. 6, Art. 38): reminders from 1 March, a correction case on 1 July
for an office that did not report and none for one that did; running twice changes nothing."""

from __future__ import annotations

import datetime as dt

from ftzlink.audit.tables import AuditEntry
from ftzlink.foreign import service
from ftzlink.foreign.models import FilingKind
from ftzlink.foreign.tables import Correction, OfficeReminder
from tests.foreign.conftest import RULES, Foreign


def _cycle(foreign: Foreign, today: dt.date) -> service.CycleRun:
    run: service.CycleRun = foreign.write(service.run_annual_report_cycle, rules=RULES, today=today)
    return run


def test_an_annual_report_year(foreign: Foreign) -> None:
    registered = dt.date(2024, 5, 6)
    reporting = foreign.office(registered)
    silent = foreign.office(registered, name="法国蓝河贸易有限公司上海代表处")
    late_comer = foreign.office(dt.date(2025, 1, 6))  # registered this year: reports next year

    assert _cycle(foreign, dt.date(2025, 2, 28)).reminders == []
    march = _cycle(foreign, dt.date(2025, 3, 1))
    assert sorted(x.office_id for x in march.reminders) == sorted([reporting.id, silent.id])
    assert all(x.year == 2024 and x.due_on == dt.date(2025, 6, 30) for x in march.reminders)
    assert _cycle(foreign, dt.date(2025, 3, 2)).reminders == []  # idempotent

    foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=reporting.id,
        kind=FilingKind.ANNUAL_REPORT,
        changes={},
        materials=["audited_accounts"],
        report_year=2024,
        today=dt.date(2025, 5, 20),
    )

    assert _cycle(foreign, dt.date(2025, 6, 30)).corrections == []
    july = _cycle(foreign, dt.date(2025, 7, 1))
    assert [c.office_id for c in july.corrections] == [silent.id]
    case = july.corrections[0]
    assert (case.year, case.opened_on, case.status) == (2024, dt.date(2025, 7, 1), "open")
    assert case.due_on == dt.date(2025, 7, 1) + dt.timedelta(
        days=RULES.annual_report.correction_days.value
    )
    assert _cycle(foreign, dt.date(2025, 7, 2)).corrections == []  # idempotent

    with foreign.world.database.read() as s:
        assert s.query(Correction).count() == 1
        assert s.query(OfficeReminder).filter_by(office_id=late_comer.id).count() == 0
        actions = [
            e.action for e in s.query(AuditEntry).filter(AuditEntry.object_type == "foreign_office")
        ]
    assert actions.count(service.EVENTS["annual_report_reminder"]) == 2
    assert actions.count(service.EVENTS["correction_opened"]) == 1

    # The office sees its own case with its deadline.
    own = foreign.read(service.list_corrections, principal=foreign.agent)
    assert [c.id for c in own] == [case.id]

    # Reporting late and being approved closes the case.
    late = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=silent.id,
        kind=FilingKind.ANNUAL_REPORT,
        changes={},
        materials=["audited_accounts"],
        report_year=2024,
        today=dt.date(2025, 7, 10),
    )
    foreign.write(
        service.approve_filing,
        principal=foreign.registrar,
        rules=RULES,
        filing_id=late.id,
        today=dt.date(2025, 7, 11),
    )
    closed = foreign.read(service.list_corrections, principal=foreign.registrar)
    assert [(c.status, c.corrected_on) for c in closed] == [("corrected", dt.date(2025, 7, 11))]
