"""`ftzlink foreign …`: an establishment filed, returned for the bank letter, answered and approved
from the command line; the annual-report year driven by FTZLINK_TODAY; records issued, verified
as another authority, revoked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ftzlink.ledger.keys import generate
from tests.conftest import Run
from tests.foreign.conftest import ALL_MATERIALS, Foreign, particulars

CLI = Callable[..., Run]


def test_an_establishment_and_an_annual_report_year_from_the_command_line(
    cli: CLI, tmp_path: Path, foreign: Foreign, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", foreign.world.database.url)
    monkeypatch.setenv("FTZLINK_TODAY", "2024-05-06")
    path = tmp_path / "office.yaml"
    data = {
        "organisation_id": foreign.world.a.id,
        "particulars": particulars(),
        "materials": [m for m in ALL_MATERIALS if m != "bank_letter"],
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    filed = cli("foreign", "file", str(path), "--as", "member-a")
    assert filed.code == 0, filed.err
    reference = filed.out.split()[0]
    assert cli("foreign", "decide", reference, "--approve", "--as", "member-a").code == 1
    returned = cli("foreign", "decide", reference, "--return", "--missing", "bank_letter",
                   "--as", "registrar")  # fmt: skip
    assert returned.code == 0 and "returned" in returned.out, returned.err
    assert "✗ bank_letter" in cli("foreign", "show", reference, "--as", "member-a").out
    answered = cli("foreign", "answer", reference, "--material", "bank_letter", "--as", "member-a")
    assert answered.code == 0, answered.err
    approved = cli("foreign", "decide", reference, "--approve", "--as", "registrar")
    assert approved.code == 0 and "approved" in approved.out, approved.err

    monkeypatch.setenv("FTZLINK_TODAY", "2025-03-01")
    march = cli("foreign", "annual-cycle")
    assert march.code == 0 and "1 reminders, 0 corrections" in march.out, march.err
    monkeypatch.setenv("FTZLINK_TODAY", "2025-07-01")
    july = cli("foreign", "annual-cycle")
    assert "0 reminders, 1 corrections" in july.out and "Art. 38" in july.out
    assert "0 reminders, 0 corrections" in cli("foreign", "annual-cycle").out


def test_a_record_issued_verified_and_revoked_from_the_command_line(
    cli: CLI, tmp_path: Path, foreign: Foreign, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = generate("ftzlink.example/ledger")
    monkeypatch.setenv("FTZLINK_DATABASE_URL", foreign.world.database.url)
    monkeypatch.setenv("FTZLINK_TODAY", "2025-03-03")
    monkeypatch.setenv("FTZLINK_LEDGER_KEY", signer.private_text())
    monkeypatch.setenv("FTZLINK_LEDGER_ORIGIN", "ftzlink.example/ledger")
    path = tmp_path / "record.yaml"
    record = {
        "investor_name": "Saigon Lotus JSC",
        "investor_kind": "enterprise",
        "jurisdiction": "VN",
        "document": "Certificate of enterprise registration",
        "notarised_on": "2025-01-15",
        "authentication": "legalisation",
        "authentication_reference": "LEG-HCM-2025-7",
    }
    path.write_text(yaml.safe_dump(record), encoding="utf-8")
    issued = cli("foreign", "records", "issue", str(path), "--as", "registrar")
    assert issued.code == 0, issued.err
    reference = issued.out.split()[0]
    ok = cli("foreign", "records", "verify", reference, "--authority", "anhui_amr")
    assert ok.code == 0 and "accepted" in ok.out and "signature valid" in ok.out, ok.err
    assert cli("foreign", "records", "revoke", reference, "--reason", "annulled",
               "--as", "registrar").code == 0  # fmt: skip
    refused = cli("foreign", "records", "verify", reference, "--authority", "anhui_amr")
    assert refused.code == 1 and "revoked" in refused.err


def test_an_annual_report_year_reaches_the_office_by_message_and_email(
    cli: CLI, foreign: Foreign, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FTZLINK_TODAY drives `ftzlink foreign annual-cycle`: on 1 March the office that has not
    reported gets a reminder, as a message and as an e-mail the worker delivers to a real SMTP
    server on loopback; on 1 July it gets an Art. 38 correction case with its deadline; the
    office that reported gets neither."""
    from sqlalchemy import select

    from ftzlink.foreign import service
    from ftzlink.foreign.models import FilingKind
    from ftzlink.messages.service import set_email
    from ftzlink.messages.tables import Message, MessageKind
    from tests.foreign.conftest import RULES
    from tests.messages.smtp import SmtpServer

    silent = foreign.office()
    reporting = foreign.office(name="法国蓝河贸易有限公司苏州代表处", city="苏州")
    foreign.write(
        service.file_for_office,
        principal=foreign.agent,
        rules=RULES,
        office_id=reporting.id,
        kind=FilingKind.ANNUAL_REPORT,
        changes={},
        materials=["audited_accounts"],
        report_year=2025,
        today=dt.date(2026, 2, 20),
    )
    foreign.write(set_email, user_id=foreign.agent.user_id, email="agent@ftzlink.example")
    monkeypatch.setenv("FTZLINK_DATABASE_URL", foreign.world.database.url)
    with SmtpServer() as smtp:
        monkeypatch.setenv("FTZLINK_SMTP_URL", smtp.url)
        monkeypatch.setenv("FTZLINK_TODAY", "2026-02-28")
        assert "0 reminders, 0 corrections" in cli("foreign", "annual-cycle").out
        monkeypatch.setenv("FTZLINK_TODAY", "2026-03-01")
        march = cli("foreign", "annual-cycle")
        assert march.code == 0 and "1 reminders, 0 corrections" in march.out, march.err
        assert cli("worker", "--once").code == 0
        mails = [m for m in smtp.inbox.to("agent@ftzlink.example") if "代表处" in m["Subject"]]
        assert len(mails) == 1 and silent.name in mails[0]["Subject"]
        assert reporting.name not in str(mails[0])

        monkeypatch.setenv("FTZLINK_TODAY", "2026-07-01")
        july = cli("foreign", "annual-cycle")
        assert "0 reminders, 1 corrections" in july.out, july.out
        assert cli("worker", "--once").code == 0
        mails = [m for m in smtp.inbox.to("agent@ftzlink.example") if "代表处" in m["Subject"]]
        assert len(mails) == 2 and all(silent.name in m["Subject"] for m in mails)
        due = dt.date(2026, 7, 1) + dt.timedelta(days=RULES.annual_report.correction_days.value)
        assert due.isoformat() in mails[1].get_body().get_content()  # type: ignore[union-attr]
    with foreign.world.database.read() as s:
        told = s.scalars(
            select(Message.object_id).where(
                Message.kind.in_([MessageKind.FOREIGN_REMINDER, MessageKind.FOREIGN_CORRECTION])
            )
        ).all()
    assert set(told) == {str(silent.id)}
