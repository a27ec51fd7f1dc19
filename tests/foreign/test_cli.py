"""`ftzlink foreign …`: an establishment filed, returned for the bank letter, answered and approved
from the command line; the annual-report year driven by FTZLINK_TODAY; records issued, verified
as another authority, revoked."""

from __future__ import annotations

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
