"""What a registered office may file on a given day, and the annual report's year (Art. 6): the
pages offer only what `office_actions` opens, and the service refuses the rest."""

from __future__ import annotations

import datetime as dt

import pytest

from ftzlink.errors import AnnualReportRefused, InvalidInput
from ftzlink.foreign import office_filings, service
from ftzlink.foreign.models import FilingKind
from tests.foreign.conftest import RULES, TODAY, Foreign


def _open(foreign: Foreign, office_id: int, today: dt.date, who: str = "agent") -> set[str]:
    principal = foreign.agent if who == "agent" else foreign.registrar

    def actions(session: object, **_: object) -> list[office_filings.OfficeAction]:
        office = service.get_office(session, principal=principal, office_id=office_id)  # type: ignore[arg-type]
        return office_filings.office_actions(
            session,  # type: ignore[arg-type]
            principal=principal,
            rules=RULES,
            office=office,
            today=today,
        )

    return {a.kind.value for a in foreign.read(actions) if a.open}


def _report(foreign: Foreign, office_id: int, year: int, today: dt.date) -> None:
    foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=office_id,
        kind=FilingKind.ANNUAL_REPORT,
        changes={},
        materials=["audited_accounts"],
        report_year=year,
        today=today,
    )


def test_an_extension_is_offered_only_in_the_60_days_before_the_term_ends(
    foreign: Foreign,
) -> None:
    office = foreign.office(term_until="2027-06-30")
    everyday = {"change", "filing", "deregistration"}
    assert _open(foreign, office.id, dt.date(2027, 4, 30)) == everyday | {"annual_report"}
    assert "extension" in _open(foreign, office.id, dt.date(2027, 5, 1))
    assert "extension" in _open(foreign, office.id, dt.date(2027, 6, 30))
    assert "extension" not in _open(foreign, office.id, dt.date(2027, 7, 1))
    assert _open(foreign, office.id, dt.date(2027, 5, 1), who="registrar") == set()


def test_an_annual_report_is_offered_for_each_ended_year_not_reported_on(
    foreign: Foreign,
) -> None:
    office = foreign.office()  # registered on 2025-03-03
    assert "annual_report" not in _open(foreign, office.id, dt.date(2025, 12, 31))
    assert "annual_report" in _open(foreign, office.id, dt.date(2026, 1, 2))
    with pytest.raises(AnnualReportRefused) as not_ended:
        _report(foreign, office.id, 2026, dt.date(2026, 3, 2))
    assert (not_ended.value.rule, not_ended.value.article) == ("report_year_not_ended", "Art. 6")
    _report(foreign, office.id, 2025, dt.date(2026, 3, 2))
    assert "annual_report" not in _open(foreign, office.id, dt.date(2026, 3, 3))
    with pytest.raises(AnnualReportRefused) as twice:
        _report(foreign, office.id, 2025, dt.date(2026, 3, 3))
    assert (twice.value.rule, twice.value.year) == ("report_year_reported", 2025)


def test_a_deregistered_office_is_offered_nothing_and_a_change_must_change_something(
    foreign: Foreign,
) -> None:
    office = foreign.office()
    with pytest.raises(InvalidInput) as nothing:
        foreign.write(
            service.file_for_office,
            principal=foreign.agent,
            rules=RULES,
            office_id=office.id,
            kind=FilingKind.CHANGE,
            changes={"premises": office.particulars["premises"]},
            materials=[],
            event_on=TODAY,
            today=TODAY,
        )
    assert [p.field for p in nothing.value.problems] == ["changes"]
    closing = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=office.id,
        kind=FilingKind.DEREGISTRATION,
        changes={},
        materials=[],
        event_on=TODAY,
        today=TODAY,
    )
    foreign.write(
        service.reject_filing, principal=foreign.registrar, filing_id=closing.id,
        reason="材料不全", today=TODAY,
    )  # fmt: skip
    assert "deregistration" in _open(foreign, office.id, TODAY)  # rejected: still registered
    again = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=office.id,
        kind=FilingKind.DEREGISTRATION,
        changes={},
        materials=["deregistration_application", "tax_clearance", "customs_clearance",
                   "certificates_returned"],
        event_on=TODAY,
        today=TODAY,
    )  # fmt: skip
    foreign.write(
        service.approve_filing, principal=foreign.registrar, rules=RULES, filing_id=again.id,
        today=TODAY,
    )  # fmt: skip
    assert _open(foreign, office.id, TODAY) == set()
