"""An office's life after establishment: the certificate facts, a term-end reminder when the
extension window opens (Art. 28), an extension approved within it, a deregistration approved."""

from __future__ import annotations

import datetime as dt

import pytest

from ftzlink.errors import TermBeyondParent
from ftzlink.foreign import service
from ftzlink.foreign.models import FilingKind
from tests.foreign.conftest import RULES, TODAY, Foreign


def _file(foreign: Foreign, office_id: int, kind: FilingKind, today: dt.date, **kw: object) -> int:
    filing = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=office_id,
        kind=kind,
        today=today,
        **kw,
    )
    return int(filing.id)


def test_an_office_is_reminded_extended_and_deregistered(foreign: Foreign) -> None:
    office = foreign.office(term_until="2025-06-30")
    facts = service.registration_certificate_facts(office, RULES)
    assert facts["established_on"] == TODAY.isoformat() and facts["parent_place"] == "法国"
    assert [c["name"] for c in service.representative_card_facts(office)] == [
        "Claire Martin",
        "Luc Bernard",
    ]

    assert (
        foreign.write(
            service.run_annual_report_cycle, rules=RULES, today=dt.date(2025, 4, 30)
        ).reminders
        == []
    )
    run = foreign.write(service.run_annual_report_cycle, rules=RULES, today=dt.date(2025, 5, 1))
    assert [(x.kind, x.due_on) for x in run.reminders] == [("term_end", dt.date(2025, 6, 30))]
    again = foreign.write(service.run_annual_report_cycle, rules=RULES, today=dt.date(2025, 5, 2))
    assert again.reminders == []

    with pytest.raises(TermBeyondParent):
        _file(foreign, office.id, FilingKind.EXTENSION, dt.date(2025, 5, 5),
              changes={"term_until": "2036-01-01"},
              materials=["change_application", "existence_proof", "bank_letter"])  # fmt: skip
    extension = _file(foreign, office.id, FilingKind.EXTENSION, dt.date(2025, 5, 5),
                      changes={"term_until": "2028-06-30"},
                      materials=["change_application", "existence_proof", "bank_letter"])  # fmt: skip
    foreign.write(service.approve_filing, principal=foreign.registrar, rules=RULES,
                  filing_id=extension, today=dt.date(2025, 5, 8))  # fmt: skip
    extended = foreign.read(service.get_office, principal=foreign.agent, office_id=office.id)
    assert extended.term_until == dt.date(2028, 6, 30)

    closing = _file(foreign, office.id, FilingKind.DEREGISTRATION, dt.date(2025, 9, 1),
                    changes={}, event_on=dt.date(2025, 8, 15),
                    materials=["deregistration_application", "tax_clearance", "customs_clearance",
                               "certificates_returned"])  # fmt: skip
    foreign.write(service.approve_filing, principal=foreign.registrar, rules=RULES,
                  filing_id=closing, today=dt.date(2025, 9, 5))  # fmt: skip
    closed = foreign.read(service.get_office, principal=foreign.agent, office_id=office.id)
    assert (closed.status, closed.deregistered_on) == ("deregistered", dt.date(2025, 9, 5))
