"""The demo's foreign-investment stories: an office whose parent is in an Apostille state, one in a
non-member state with an Art. 38 correction case, a Hong Kong filing returned for the bank letter,
and an investor with a recognition record that verifies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.db import Database
from ftzlink.foreign import records, service
from ftzlink.foreign.models import bundled_foreign_rules
from ftzlink.foreign.tables import Correction, FilingStatus, RecognitionRecord

AUDITOR = Principal(0, "auditor", "zh", frozenset({Grant(Role.AUDITOR)}))


def test_the_demo_has_an_office_in_each_state_and_a_record_that_verifies(
    _demo_template: Path,
) -> None:
    db = Database(f"sqlite:///{_demo_template}")
    rules = bundled_foreign_rules()
    try:
        with db.read() as s:
            offices = {o.parent_jurisdiction: o for o in service.list_offices(s, principal=AUDITOR)}
            assert set(offices) == {"FR", "VN"}
            cases = list(s.query(Correction))
            assert [(c.office_id, c.year) for c in cases] == [(offices["VN"].id, 2025)]
            filings = service.list_filings(s, principal=AUDITOR)
            returned = [f for f in filings if f.status == FilingStatus.RETURNED]
            assert [f.particulars["parent_jurisdiction"] for f in returned] == ["HK"]
            record = s.query(RecognitionRecord).one()
            from ftzlink.ledger.keys import load_signer
            from ftzlink.settings import Settings

            signer = load_signer(Settings(data_dir=_demo_template.parent, database_url=db.url))
            check = records.verify_record(
                s,
                rules=rules,
                verifier=signer.verifier,
                reference=record.reference,
                authority="jiangsu_amr",
                today=dt.date(2026, 12, 7),
            )
            assert check.signature_valid
    finally:
        db.dispose()
