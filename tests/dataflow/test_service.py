"""The data service through its functions: filing, registration with validity and extension
windows in working days, reminders once per window, transfers checked against the year's totals
and logged on the ledger with an offline receipt, spot checks recomputed from their checkpoint,
inspections by the drawn inspector only, and an audit entry for every change."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from ftzlink.audit.log import verify
from ftzlink.audit.tables import AuditEntry
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from ftzlink.dataflow import common as dataflow_common
from ftzlink.dataflow import draws as draw_service
from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow import inspections as inspection_service
from ftzlink.dataflow import registrations as registration_service
from ftzlink.dataflow import transfers as transfer_service
from ftzlink.dataflow.draw import draw, seed_from_checkpoint
from ftzlink.dataflow.models import Route
from ftzlink.dataflow.tables import FilingStatus, Inspection, Reminder, Transfer
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NoSignedCheckpoint,
    NotFound,
    NothingToFile,
)
from ftzlink.ledger import checkpoints, log
from ftzlink.ledger.integrity import verify_log
from ftzlink.ledger.verifier import verify_receipt
from ftzlink.workdays import bundled_calendar
from ftzlink.workdays.schedule import load_year_file
from ftzlink.workdays.service import add_year, changes_of
from tests.dataflow.conftest import MANIFEST, RULES, SCENARIO, TODAY, Dataflow
from tests.workdays import YEAR_2027


@pytest.fixture
def d(dataflow: Dataflow) -> Dataflow:
    return dataflow


def _actions(d: Dataflow) -> list[str]:
    with d.world.database.read() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# --- filing and registration -------------------------------------------------------------------


def test_a_filing_is_saved_as_a_draft_resumed_and_submitted_with_its_route(d: Dataflow) -> None:
    draft = d.filing(non_sensitive_people=None, ciio=None)
    view = d.read(
        filing_service.filing_view, principal=d.world.member_a, rules=RULES, filing_id=draft.id
    )
    assert view.route.route is None and {"ciio"} <= {q.field for q in view.route.questions}
    with pytest.raises(InvalidInput) as error:
        d.write(
            filing_service.submit_filing,
            principal=d.world.member_a,
            rules=RULES,
            filing_id=draft.id,
            today=TODAY,
        )
    assert "ciio" in {p.field for p in error.value.problems}
    d.write(
        filing_service.update_filing,
        principal=d.world.member_a,
        rules=RULES,
        filing_id=draft.id,
        scenario={"ciio": False, "non_sensitive_people": 150_000},
        today=TODAY,
    )
    filed = d.write(
        filing_service.submit_filing,
        principal=d.world.member_a,
        rules=RULES,
        filing_id=draft.id,
        mechanism="certification",
        today=TODAY,
    )
    assert (filed.status, filed.route, filed.mechanism) == (
        "submitted",
        "standard_contract",
        "certification",
    )
    assert filed.rule == "art8-non-sensitive-100k"


def test_an_exempt_scenario_has_nothing_to_file(d: Dataflow) -> None:
    draft = d.filing(non_sensitive_people=99_999)
    with pytest.raises(NothingToFile, match=r"exempt under art\. 5\(4\)") as refused:
        d.write(
            filing_service.submit_filing,
            principal=d.world.member_a,
            rules=RULES,
            filing_id=draft.id,
            today=TODAY,
        )
    assert refused.value.code == "nothing_to_file" and refused.value.article == "art. 5(4)"


def test_a_mechanism_the_route_does_not_admit_is_refused(d: Dataflow) -> None:
    draft = d.filing(non_sensitive_people=1_000_000)
    with pytest.raises(InvalidInput, match="cannot be submitted"):
        d.write(
            filing_service.submit_filing,
            principal=d.world.member_a,
            rules=RULES,
            filing_id=draft.id,
            mechanism="standard_contract",
            today=TODAY,
        )


def test_only_a_data_regulator_registers_or_returns(d: Dataflow) -> None:
    filing = d.submitted()
    for who in (d.world.member_a, d.world.admin, d.world.auditor, d.inspectors[0]):
        with pytest.raises((Forbidden, NotFound)):
            d.write(
                filing_service.register_filing,
                principal=who,
                rules=RULES,
                filing_id=filing.id,
                today=TODAY,
            )
    returned = d.write(
        filing_service.return_filing,
        principal=d.regulator,
        filing_id=filing.id,
        reasons=["Attach the impact assessment report."],
        today=TODAY,
    )
    assert returned.status == FilingStatus.RETURNED and returned.return_reasons
    with pytest.raises(InvalidTransition):
        d.write(
            filing_service.register_filing,
            principal=d.regulator,
            rules=RULES,
            filing_id=filing.id,
            today=TODAY,
        )
    again = d.write(
        filing_service.submit_filing,
        principal=d.world.member_a,
        rules=RULES,
        filing_id=filing.id,
        today=TODAY,
    )
    assert again.status == "submitted" and again.return_reasons is None


def test_an_enterprise_sees_only_its_own_filings(d: Dataflow) -> None:
    own = d.submitted()
    other = d.filing(by=d.world.member_b, organisation=d.world.b.id)
    listed = d.read(filing_service.list_filings, principal=d.world.member_a)
    assert [f.id for f in listed] == [own.id]
    with pytest.raises(NotFound):
        d.read(filing_service.get_filing, principal=d.world.member_a, filing_id=other.id)
    # The regulator's queue shows submitted filings, never an enterprise's draft.
    queue = d.read(filing_service.list_filings, principal=d.regulator)
    assert [f.id for f in queue] == [own.id]
    assert {f.id for f in d.read(filing_service.list_filings, principal=d.world.auditor)} == {
        own.id,
        other.id,
    }
    with pytest.raises(Forbidden):
        d.filing(by=d.world.member_b)  # for A


def test_a_security_assessment_is_valid_three_years_and_its_extension_window_counts_working_days(
    d: Dataflow,
) -> None:
    registration = d.registered(on=dt.date(2023, 6, 1), non_sensitive_people=1_200_000)
    assert registration.route == Route.SECURITY_ASSESSMENT
    assert (registration.valid_from, registration.valid_until) == (
        dt.date(2023, 6, 1),
        dt.date(2026, 5, 31),  # 3 years, the last day included (art. 9)
    )
    window = registration_service.extension_window(RULES, registration)
    assert window is not None and window.opens_on == dt.date(2026, 3, 4)
    # Exactly 60 working days from the window's first day to the last valid day, both included.
    assert bundled_calendar().is_working_day(window.opens_on)
    before = window.opens_on - dt.timedelta(days=1)
    assert bundled_calendar().working_days_between(before, window.expires_on) == 60
    assert window.is_open(dt.date(2026, 3, 3)) is False and window.is_open(dt.date(2026, 3, 4))


def test_an_extension_window_in_a_year_without_its_schedule_is_provisional_then_recounted(
    d: Dataflow,
) -> None:
    # Registered 2024-03-05: valid to 2027-03-04; the window's 60 working days run through
    # January and February 2027, whose official schedule is not loaded yet.
    registration = d.registered(on=dt.date(2024, 3, 5), non_sensitive_people=1_200_000)
    window = registration_service.extension_window(RULES, registration)
    assert window is not None and window.expires_on == dt.date(2027, 3, 4)
    assert window.provisional and window.provisional_years == (2027,)
    provisional_opens = window.opens_on
    assert provisional_opens is not None
    assert (registration.extension_opens_on, registration.extension_provisional) == (
        provisional_opens,
        True,
    )
    admin = d.world.user("calendar-admin", Grant(Role.PLATFORM_ADMIN))
    result = d.write(
        add_year,
        principal=admin,
        schedule=load_year_file(YEAR_2027),
        file_name="2027.yaml",
        today=dt.date(2026, 12, 29),
    )
    after = d.world.read(
        registration_service.get_registration,
        principal=d.regulator,
        registration_id=registration.id,
    )
    window = registration_service.extension_window(RULES, after)
    assert window is not None and not window.provisional and window.opens_on is not None
    # The loaded year has more days off in January and February (4 January, 9–12 February)
    # and one Saturday worked: the window opens earlier.
    assert window.opens_on < provisional_opens
    assert (after.extension_opens_on, after.extension_provisional) == (window.opens_on, False)
    [change] = [c for c in result.changes if c.object_type == "dataflow_registration"]
    assert (change.object_id, change.before, change.after) == (
        registration.id,
        provisional_opens,
        window.opens_on,
    )
    history = d.world.read(lambda s: changes_of(s, "dataflow_registration", registration.id))
    assert [(h.before, h.after, h.calendar_year) for h in history] == [
        (provisional_opens, window.opens_on, 2027)
    ]


def test_a_standard_contract_filing_has_its_day_and_no_term(d: Dataflow) -> None:
    registration = d.registered()
    assert registration.route == "standard_contract" and registration.valid_until is None
    assert registration.registered_on == TODAY
    assert registration_service.extension_window(RULES, registration) is None


def test_reminders_are_written_once_per_registration_and_window(d: Dataflow) -> None:
    due = d.registered(on=dt.date(2023, 6, 1), non_sensitive_people=1_200_000)
    later = d.registered(on=dt.date(2023, 12, 1), non_sensitive_people=1_200_000)
    beyond = d.registered(non_sensitive_people=1_200_000)
    first = d.write(
        registration_service.remind, rules=RULES, today=dt.date(2026, 2, 20), within_days=30
    )
    assert [r.registration_id for r in first.created] == [due.id]
    # The third one's window (in late 2027) is counted provisionally, and is months away.
    assert first.not_computable == [] and beyond.extension_provisional
    again = d.write(
        registration_service.remind, rules=RULES, today=dt.date(2026, 2, 21), within_days=30
    )
    assert again.created == [] and [r.registration_id for r in again.already] == [due.id]
    with d.world.database.read() as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 1
    assert _actions(d).count("dataflow_reminder.create") == 1
    mine = d.read(registration_service.list_reminders, principal=d.world.member_a)
    assert [r.registration_id for r in mine] == [due.id]
    assert d.read(registration_service.list_reminders, principal=d.world.member_b) == []
    assert later.id not in [r.registration_id for r in mine]
    with pytest.raises(Forbidden):
        d.write(
            registration_service.remind,
            rules=RULES,
            today=dt.date(2026, 2, 20),
            principal=d.world.member_a,
        )


# --- transfers -------------------------------------------------------------------------------


def test_a_transfer_that_would_cross_a_threshold_mid_year_is_refused_with_the_new_route(
    d: Dataflow,
) -> None:
    registration = d.registered()  # a standard contract: 150,000 people declared
    d.transfer(registration.id, non_sensitive=600_000)
    d.transfer(registration.id, non_sensitive=399_999)  # 999,999 in 2025: still art. 8
    with pytest.raises(dataflow_common.RouteExceeded) as error:
        d.transfer(registration.id, non_sensitive=1)  # the 1,000,000th person: art. 7
    refused = error.value
    assert refused.code == "route_exceeded"
    assert (refused.registered, refused.required) == (
        Route.STANDARD_CONTRACT,
        Route.SECURITY_ASSESSMENT,
    )
    assert (refused.non_sensitive_people, refused.year) == (1_000_000, 2025)
    assert refused.result.decided_by == "art7-2-non-sensitive-1m"
    with d.world.database.read() as s:
        assert s.scalar(select(func.count()).select_from(Transfer)) == 2
    # A new year counts from 1 January again.
    d.transfer(
        registration.id, non_sensitive=1, at=dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC)
    )  # 1 January 2026 in China
    with d.world.database.read() as s:
        assert registration_service.running_totals(s, d.world.a.id, 2026) == (1, 0)


def test_sensitive_people_cross_at_ten_thousand(d: Dataflow) -> None:
    registration = d.registered(non_sensitive_people=0, sensitive_people=50)
    d.transfer(registration.id, non_sensitive=0, sensitive=9_999)
    with pytest.raises(dataflow_common.RouteExceeded) as error:
        d.transfer(registration.id, non_sensitive=0, sensitive=1)
    assert error.value.required is Route.SECURITY_ASSESSMENT


def test_a_transfer_outside_the_registrations_validity_is_refused(d: Dataflow) -> None:
    registration = d.registered(on=dt.date(2022, 1, 4), non_sensitive_people=1_200_000)
    with pytest.raises(dataflow_common.RegistrationNotValid, match="2025-01-03"):
        d.transfer(registration.id)
    with pytest.raises(dataflow_common.RegistrationNotValid):
        d.transfer(d.registered().id, at=dt.datetime(2025, 3, 2, 12, tzinfo=dt.UTC))


def test_only_the_enterprise_reports_and_sees_its_transfers(d: Dataflow) -> None:
    registration = d.registered()
    with pytest.raises(NotFound):
        d.transfer(registration.id, by=d.world.member_b)
    with pytest.raises(Forbidden):
        d.transfer(registration.id, by=d.regulator)
    transfer = d.transfer(registration.id)
    with pytest.raises(NotFound):
        d.read(transfer_service.get_transfer, principal=d.world.member_b, transfer_id=transfer.id)
    assert d.read(transfer_service.list_transfers, principal=d.world.member_b) == []


def test_a_malformed_transfer_names_every_problem(d: Dataflow) -> None:
    registration = d.registered()
    with pytest.raises(InvalidInput) as error:
        d.write(
            transfer_service.report_transfer,
            principal=d.world.member_a,
            rules=RULES,
            registration_id=registration.id,
            manifest_sha256="XYZ",
            record_count=-1,
            non_sensitive_people=-5,
            sensitive_people=0,
            transferred_at=dt.datetime(2025, 3, 4, 9, 30),
        )
    assert {p.field for p in error.value.problems} == {
        "manifest_sha256",
        "record_count",
        "non_sensitive_people",
        "transferred_at",
    }


def test_an_accepted_transfer_is_on_the_ledger_and_its_receipt_verifies_offline(
    d: Dataflow,
) -> None:
    registration = d.registered()
    transfer = d.transfer(registration.id)
    assert transfer.ledger_index is not None
    with d.world.database.read() as s:
        entry = log.get_entry(s, transfer.ledger_index)
    assert entry.kind == "transfer-receipt/v1"
    body = entry.body
    assert body["manifest_sha256"] == MANIFEST and body["registration"] == registration.number
    assert "member-a" not in entry.data.decode()  # the reporter only as a salted hash
    assert body["reported_by"] == log.salted_hash("member-a", transfer.salt)
    with pytest.raises(Conflict, match="checkpoint"):
        d.read(
            transfer_service.transfer_receipt, principal=d.world.member_a, transfer_id=transfer.id
        )
    d.checkpoint()
    receipt = d.read(
        transfer_service.transfer_receipt, principal=d.world.member_a, transfer_id=transfer.id
    )
    assert verify_receipt(receipt, d.signer.verifier).ok
    forged = json.loads(json.dumps(receipt))
    forged["entry"] = forged["entry"][:-4] + ("AAAA" if forged["entry"][-4:] != "AAAA" else "BBBB")
    assert not verify_receipt(forged, d.signer.verifier).ok


def test_with_the_signing_key_the_receipt_is_ready_as_soon_as_the_transfer_is_reported(
    d: Dataflow,
) -> None:
    transfer = d.transfer(d.registered().id, signed=True)
    receipt = d.read(
        transfer_service.transfer_receipt, principal=d.world.member_a, transfer_id=transfer.id
    )
    assert verify_receipt(receipt, d.signer.verifier).ok
    with d.world.database.read() as s:
        assert checkpoints.latest(s) is not None
        assert verify_log(s, d.signer.verifier).ok  # the log and its checkpoints agree


def test_the_post_transfer_report_due_date_is_shown_as_unverified(d: Dataflow) -> None:
    transfer = d.transfer(d.registered().id)
    view = d.read(
        transfer_service.transfer_view,
        principal=d.world.member_a,
        rules=RULES,
        transfer_id=transfer.id,
    )
    assert view.report.unverified and "Low" in view.report.citation
    assert view.report.due_on == bundled_calendar().add_working_days(dt.date(2025, 3, 4), 15).day
    assert "unverified" in view.report.note.en


# --- spot checks ---------------------------------------------------------------------------------


def test_the_draw_recomputed_from_its_checkpoint_gives_the_same_targets_and_inspectors(
    d: Dataflow,
) -> None:
    registrations = [d.registered() for _ in range(5)]
    checkpoint = d.checkpoint()
    row = d.write(draw_service.draw_spot_checks, principal=d.regulator, count=3, today=TODAY)
    assert row.checkpoint == checkpoint.note and row.checkpoint_size == checkpoint.size
    with d.world.database.read() as s:
        stored = [
            (i.registration_id, i.inspector_id)
            for i in s.scalars(
                select(Inspection).where(Inspection.draw_id == row.id).order_by(Inspection.rank)
            )
        ]
    # Anyone holding the checkpoint, the registrations valid that day and the inspectors:
    picks = draw(
        seed=seed_from_checkpoint(checkpoint.note).seed,
        candidates=[r.id for r in registrations],
        inspectors=[p.user_id for p in d.inspectors],
        count=3,
    )
    assert [(p.registration_id, p.inspector_id) for p in picks] == stored
    assert len(stored) == 3
    _, again = draw_service.recompute_draw(row)
    assert [(p.registration_id, p.inspector_id) for p in again] == stored


def test_a_draw_needs_a_published_checkpoint_and_a_regulator(d: Dataflow) -> None:
    d.registered()
    with pytest.raises(NoSignedCheckpoint) as refused:
        d.write(draw_service.draw_spot_checks, principal=d.regulator, count=1, today=TODAY)
    assert refused.value.code == "no_signed_checkpoint"
    d.checkpoint()
    with pytest.raises(Forbidden):
        d.write(draw_service.draw_spot_checks, principal=d.inspectors[0], count=1, today=TODAY)


def test_only_the_drawn_inspector_records_findings_and_closes(d: Dataflow) -> None:
    d.registered()
    d.checkpoint()
    row = d.write(draw_service.draw_spot_checks, principal=d.regulator, count=1, today=TODAY)
    (inspection,) = d.read(
        inspection_service.list_inspections, principal=d.regulator, draw_id=row.id
    )
    drawn = next(p for p in d.inspectors if p.user_id == inspection.inspector_id)
    other = next(p for p in d.inspectors if p.user_id != inspection.inspector_id)
    for who, error in ((other, NotFound), (d.regulator, Forbidden), (d.world.member_a, Forbidden)):
        with pytest.raises(error):
            d.write(
                inspection_service.record_findings,
                principal=who,
                inspection_id=inspection.id,
                findings=["x"],
                rectification_working_days=10,
                today=TODAY,
            )
    found = d.write(
        inspection_service.record_findings,
        principal=drawn,
        inspection_id=inspection.id,
        findings=["The impact assessment is two years old."],
        rectification_working_days=20,
        today=dt.date(2025, 9, 26),
    )
    assert found.status == "rectifying"
    assert (
        found.rectification_due_on
        == bundled_calendar().add_working_days(dt.date(2025, 9, 26), 20).day
    )
    assert found.rectification_due_on == dt.date(2025, 10, 30)  # Sun 28 Sep, Sat 11 Oct work
    closed = d.write(
        inspection_service.close_inspection,
        principal=drawn,
        inspection_id=inspection.id,
        note="Report renewed.",
        today=dt.date(2025, 10, 31),
    )
    assert closed.status == "closed"
    # The enterprise sees its inspection; another enterprise does not.
    assert [
        i.id for i in d.read(inspection_service.list_inspections, principal=d.world.member_a)
    ] == [inspection.id]
    assert d.read(inspection_service.list_inspections, principal=d.world.member_b) == []


def test_a_rectification_deadline_into_2027_is_provisional(d: Dataflow) -> None:
    d.registered()
    d.checkpoint()
    row = d.write(draw_service.draw_spot_checks, principal=d.regulator, count=1, today=TODAY)
    (inspection,) = d.read(
        inspection_service.list_inspections, principal=d.regulator, draw_id=row.id
    )
    drawn = next(p for p in d.inspectors if p.user_id == inspection.inspector_id)
    found = d.write(
        inspection_service.record_findings,
        principal=drawn,
        inspection_id=inspection.id,
        findings=["x"],
        rectification_working_days=20,
        today=dt.date(2026, 12, 21),
    )
    assert found.rectification_provisional and found.rectification_due_on.year == 2027


# --- the audit log -------------------------------------------------------------------------------


def test_every_change_is_audited_and_the_chain_verifies(d: Dataflow) -> None:
    registration = d.registered()
    d.transfer(registration.id)
    d.checkpoint()
    row = d.write(draw_service.draw_spot_checks, principal=d.regulator, count=1, today=TODAY)
    (inspection,) = d.read(
        inspection_service.list_inspections, principal=d.regulator, draw_id=row.id
    )
    drawn = next(p for p in d.inspectors if p.user_id == inspection.inspector_id)
    d.write(
        inspection_service.close_inspection,
        principal=drawn,
        inspection_id=inspection.id,
        note="Nothing found.",
        today=TODAY,
    )
    actions = [a for a in _actions(d) if a.startswith("dataflow")]
    assert actions == [
        "dataflow_filing.create",
        "dataflow_filing.submit",
        "dataflow_filing.register",
        "dataflow_registration.create",
        "dataflow_transfer.report",
        "dataflow_draw.create",
        "dataflow_inspection.close",
    ]
    with d.world.database.read() as s:
        assert verify(s).ok
    assert SCENARIO["recipient"] == "Example GmbH"
