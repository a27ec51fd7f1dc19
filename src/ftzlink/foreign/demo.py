"""The foreign-investment part of the demo, built through the services as the demo's own users:
the Xuhui data company acts as agent for two foreign parents.

- A French parent (France: on the cited list of Apostille states) establishes a Shanghai office
  in April 2025: returned for the missing bank letter, answered, approved; it files its 2025
  annual report in the spring of 2026.
- A Vietnamese parent (not on the list: consular legalisation) establishes one in June 2025 and
  files no annual report: the cycle reminds it on 1 March 2026 and opens an Art. 38 correction
  case on 1 July 2026.
- A Hong Kong parent (中国香港, its own documents) has an establishment returned for the bank letter.
- The registrar verifies a Jiangsu-bound French investor's qualification certificate: a signed
  recognition record (only with the ledger signer; none is issued without it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.foreign import records, service
from ftzlink.foreign.models import FilingKind, bundled_foreign_rules
from ftzlink.ledger.keys import Signer
from ftzlink.organisations.tables import Organisation

__all__ = ["load_foreign_demo"]

AGENT, AGENT_ORG, REGISTRAR = "xh-data-admin", "xh-data", "registrar"
_MATERIALS = [
    "application_form",
    "existence_proof",
    "articles",
    "appointment_letters",
    "identity_and_cv",
    "bank_letter",
    "premises_proof",
    "signatory_authorisation",
]


def _office(**particulars: Any) -> dict[str, Any]:
    return {
        "city": "上海",
        "scope": ["market_research", "liaison"],
        "profit_making": False,
        "representatives": [],
    } | particulars


_FRENCH = _office(
    name="法国蓝河贸易有限公司上海代表处",
    parent_name="蓝河贸易有限公司",
    parent_nationality="法国",
    parent_jurisdiction="FR",
    parent_established_on="2012-09-03",
    parent_existence_until=None,
    premises="上海市徐汇区漕溪北路88号",
    chief={"name": "Claire Martin 马婷", "document": "FR18AB2231"},
    representatives=[{"name": "Luc Bernard 白路", "document": "FR19CD8812"}],
    term_until="2028-04-06",
)
_VIETNAMESE = _office(
    name="越南莲花咖啡股份公司上海代表处",
    parent_name="莲花咖啡股份公司",
    parent_nationality="越南",
    parent_jurisdiction="VN",
    parent_established_on="2019-02-11",
    parent_existence_until="2049-02-10",
    premises="上海市徐汇区天钥桥路30号",
    chief={"name": "Nguyen Van An 阮文安", "document": "VN-C4471920"},
    term_until="2027-06-15",
)
_HONG_KONG = _office(
    name="中国香港海港物流有限公司上海代表处",
    parent_name="海港物流有限公司",
    parent_nationality="中国香港",
    parent_jurisdiction="HK",
    parent_established_on="2008-05-20",
    parent_existence_until=None,
    premises="上海市徐汇区肇嘉浜路301号",
    chief={"name": "陈嘉明 Chan Ka Ming", "document": "H01234567"},
    term_until="2029-12-31",
)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def load_foreign_demo(
    session: Session,
    *,
    people: Mapping[str, Principal],
    orgs: Mapping[str, Organisation],
    signer: Signer | None,
) -> None:
    rules = bundled_foreign_rules()
    agent, registrar = people[AGENT], people[REGISTRAR]
    org = orgs[AGENT_ORG].id

    def establish(particulars: dict[str, Any], on: str, *, bank_letter_late: bool) -> int:
        materials = [m for m in _MATERIALS if not (bank_letter_late and m == "bank_letter")]
        filing = service.file_establishment(
            session,
            principal=agent,
            rules=rules,
            organisation_id=org,
            particulars=particulars,
            materials=materials,
            today=_day(on),
        )
        if bank_letter_late:
            service.return_filing(
                session,
                principal=registrar,
                rules=rules,
                filing_id=filing.id,
                reasons=["资金信用证明未提交 The bank's capital-credit letter is missing"],
                missing=["bank_letter"],
                today=_day(on),
            )
        return filing.id

    french = establish(_FRENCH, "2025-04-01", bank_letter_late=True)
    service.answer_filing(
        session, principal=agent, rules=rules, filing_id=french, materials=["bank_letter"],
        today=_day("2025-04-03"),
    )  # fmt: skip
    french_office = service.approve_filing(
        session,
        principal=registrar,
        rules=rules,
        filing_id=french,
        today=_day("2025-04-07"),
        signer=signer,
    ).office_id
    vietnamese = establish(_VIETNAMESE, "2025-06-09", bank_letter_late=False)
    service.approve_filing(
        session,
        principal=registrar,
        rules=rules,
        filing_id=vietnamese,
        today=_day("2025-06-16"),
        signer=signer,
    )
    service.run_annual_report_cycle(session, rules=rules, today=_day("2026-03-01"))
    assert french_office is not None
    report = service.file_for_office(
        session,
        principal=agent,
        rules=rules,
        office_id=french_office,
        kind=FilingKind.ANNUAL_REPORT,
        changes={},
        materials=["audited_accounts"],
        report_year=2025,
        today=_day("2026-04-20"),
    )
    service.approve_filing(
        session, principal=registrar, rules=rules, filing_id=report.id, today=_day("2026-04-22")
    )
    service.run_annual_report_cycle(session, rules=rules, today=_day("2026-07-01"))
    establish(_HONG_KONG, "2026-11-30", bank_letter_late=True)

    if signer is not None:
        records.issue_record(
            session,
            principal=registrar,
            rules=rules,
            signer=signer,
            investor_name="Blue River Trading SAS 蓝河贸易有限公司",
            investor_kind="enterprise",
            jurisdiction="FR",
            document="Extrait Kbis (registre du commerce et des sociétés)",
            notarised_on=_day("2026-09-01"),
            authentication="apostille",
            authentication_reference="APOSTILLE-PARIS-2026-118",
            authority="shanghai_amr",
            today=_day("2026-09-15"),
        )
