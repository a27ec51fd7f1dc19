"""Issue 20's certificates and messages: approving an establishment issues the registration
certificate (登记证) and one card (代表证) per person, which verify online and offline; a change
voids the certificates it alters and issues their replacements (Art. 19); a deregistration voids
them all. Every step of a filing, and the annual-report year, reaches the people concerned
through the message centre."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from ftzlink.certificates import service as certificates
from ftzlink.certificates.document import verify_file
from ftzlink.certificates.foreign import CARD, REGISTRATION, office_certificates
from ftzlink.errors import NotGenuine
from ftzlink.foreign import service
from ftzlink.foreign.models import FilingKind
from ftzlink.foreign.tables import Office
from ftzlink.messages.tables import Message, MessageKind
from tests.foreign.conftest import RULES, TODAY, Foreign


def _approve(foreign: Foreign, filing_id: int, today: dt.date = TODAY) -> int:
    approved = foreign.write(
        service.approve_filing,
        principal=foreign.registrar,
        rules=RULES,
        filing_id=filing_id,
        today=today,
        signer=foreign.signer,
    )
    office_id: int = approved.office_id
    return office_id


def _all(kind: FilingKind) -> list[str]:
    return [m.code for m in RULES.materials if kind in m.kinds and m.required]


def _certificates(foreign: Foreign, office_id: int) -> list[tuple[str, str, bool, int | None]]:
    with foreign.world.database.read() as s:
        return [
            (row.kind, row.number, row.revoked_at is None, row.replaced_by)
            for row in office_certificates(s, office_id)
        ]


def test_approval_issues_the_certificate_and_a_card_per_person_that_verify(
    foreign: Foreign,
) -> None:
    office_id = _approve(foreign, foreign.establish().id)
    issued = _certificates(foreign, office_id)
    assert [k for k, *_ in issued] == [REGISTRATION, CARD, CARD]
    assert all(live for _, _, live, _ in issued)
    with foreign.world.database.read() as s:
        for _, number, _, _ in issued:
            row = certificates.find(s, number=number)
            verdict = certificates.verify_online(
                s, number=number, sha256=row.sha256, key=foreign.signer.verifier
            )
            assert verdict.status == "genuine"
            file = certificates.file_of(s, row)
            checked = verify_file(json.dumps(file), foreign.signer.verifier)
            assert checked.document["number"] == number
        card = certificates.find(s, number=issued[1][1])
        values = [f["value"]["en"] for f in card.document["facts"]]
        assert "Claire Martin" in values and "Chief representative" in values
        # an altered copy fails offline
        file = certificates.file_of(s, card)
        file["document"]["facts"][0]["value"]["en"] = "Someone Else"
        with pytest.raises(NotGenuine):
            verify_file(json.dumps(file), foreign.signer.verifier)


def test_a_change_voids_what_it_alters_and_a_deregistration_voids_everything(
    foreign: Foreign,
) -> None:
    office_id = _approve(foreign, foreign.establish().id)
    before = _certificates(foreign, office_id)
    change = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=office_id,
        kind=FilingKind.CHANGE,
        materials=_all(FilingKind.CHANGE),
        changes={"representatives": [{"name": "Marie Petit", "document": "FR5550001"}]},
        event_on=TODAY + dt.timedelta(days=10),
        today=TODAY + dt.timedelta(days=20),
    )
    _approve(foreign, change.id, TODAY + dt.timedelta(days=25))
    after = _certificates(foreign, office_id)
    by_number = {number: (kind, live, replaced) for kind, number, live, replaced in after}
    registration, chief, luc = before
    assert by_number[registration[1]][1] is True  # the registration did not change
    assert by_number[chief[1]][1] is True  # neither did the chief's card
    assert by_number[luc[1]][1] is False and by_number[luc[1]][2] is None  # Luc left: voided
    live_cards = [n for n, (k, live, _) in by_number.items() if k == CARD and live]
    assert len(live_cards) == 2
    with foreign.world.database.read() as s:
        voided = certificates.find(s, number=luc[1])
        verdict = certificates.verify_online(
            s, number=voided.number, sha256=voided.sha256, key=foreign.signer.verifier
        )
        assert verdict.status == "revoked" and verdict.reason == "revoked"

    extension = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=office_id,
        kind=FilingKind.EXTENSION,
        materials=_all(FilingKind.EXTENSION),
        changes={"term_until": "2031-03-02"},
        today=dt.date(2028, 2, 1),
    )
    _approve(foreign, extension.id, dt.date(2028, 2, 3))
    extended = _certificates(foreign, office_id)
    old_registration = next(x for x in extended if x[1] == registration[1])
    assert old_registration[2] is False and old_registration[3] is not None
    with foreign.world.database.read() as s:
        old = certificates.find(s, number=registration[1])
        verdict = certificates.verify_online(
            s, number=old.number, sha256=old.sha256, key=foreign.signer.verifier
        )
        assert verdict.status == "revoked" and verdict.reason == "replaced"
        assert verdict.replaced_by is not None and verdict.replaced_by != old.number
        new = certificates.find(s, number=verdict.replaced_by)
        assert "2031-03-02" in json.dumps(new.document)

    dereg = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=office_id,
        kind=FilingKind.DEREGISTRATION,
        materials=_all(FilingKind.DEREGISTRATION),
        changes={},
        event_on=dt.date(2028, 3, 1),
        today=dt.date(2028, 3, 5),
    )
    foreign.write(
        service.approve_filing,
        principal=foreign.registrar,
        rules=RULES,
        filing_id=dereg.id,
        today=dt.date(2028, 3, 9),
    )  # no signer needed to void
    assert not [x for x in _certificates(foreign, office_id) if x[2]]


def _messages(foreign: Foreign, kind: MessageKind) -> list[Message]:
    with foreign.world.database.read() as s:
        return list(s.scalars(select(Message).where(Message.kind == kind).order_by(Message.id)))


def test_each_step_of_a_filing_reaches_the_registrar_or_the_office(foreign: Foreign) -> None:
    filing = foreign.establish()
    submitted = _messages(foreign, MessageKind.FOREIGN_FILING_SUBMITTED)
    registrar_id = foreign.registrar.user_id
    assert [m.user_id for m in submitted] == [registrar_id]
    assert filing.reference in submitted[0].subject
    foreign.write(
        service.return_filing,
        principal=foreign.registrar,
        rules=RULES,
        filing_id=filing.id,
        reasons=[],
        missing=["bank_letter"],
        today=TODAY,
    )
    returned = _messages(foreign, MessageKind.FOREIGN_FILING_RETURNED)
    assert foreign.agent.user_id in {m.user_id for m in returned}
    assert registrar_id not in {m.user_id for m in returned}
    assert "资金信用证明" in returned[0].body and "bank_letter" not in returned[0].body
    foreign.write(
        service.answer_filing,
        principal=foreign.agent,
        rules=RULES,
        filing_id=filing.id,
        materials=["bank_letter"],
        today=TODAY,
    )
    assert len(_messages(foreign, MessageKind.FOREIGN_FILING_SUBMITTED)) == 2
    _approve(foreign, filing.id)
    decided = _messages(foreign, MessageKind.FOREIGN_FILING_DECIDED)
    assert foreign.agent.user_id in {m.user_id for m in decided}
    assert all(m.link == f"/foreign/filings/{filing.id}" for m in decided)


def test_an_annual_report_year_reminds_then_orders_a_correction_to_the_office_only(
    foreign: Foreign,
) -> None:
    silent = foreign.office()
    reporting = foreign.office(name="法国蓝河贸易有限公司苏州代表处", city="苏州")
    report = foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=reporting.id,
        kind=FilingKind.ANNUAL_REPORT,
        changes={},
        materials=_all(FilingKind.ANNUAL_REPORT),
        report_year=2025,
        today=dt.date(2026, 2, 20),
    )
    assert report.id
    foreign.write(service.run_annual_report_cycle, rules=RULES, today=dt.date(2026, 3, 1))
    reminders = _messages(foreign, MessageKind.FOREIGN_REMINDER)
    assert reminders and {m.object_id for m in reminders} == {str(silent.id)}
    assert all("2026-06-30" in m.body for m in reminders)
    foreign.write(service.run_annual_report_cycle, rules=RULES, today=dt.date(2026, 7, 1))
    cases = _messages(foreign, MessageKind.FOREIGN_CORRECTION)
    assert cases and {m.object_id for m in cases} == {str(silent.id)}
    with foreign.world.database.read() as s:
        office = s.get(Office, silent.id)
        assert office is not None
    due = dt.date(2026, 7, 1) + dt.timedelta(days=RULES.annual_report.correction_days.value)
    assert all(due.isoformat() in m.body for m in cases)
    assert all("Art. 38" in m.body or "第三十八条" in m.body for m in cases)
