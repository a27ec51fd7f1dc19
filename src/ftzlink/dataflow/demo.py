"""The cross-border data part of the demo: two enterprises file transfer scenarios, the data
regulator registers or returns them, transfers are reported and logged on the ledger, a signed
checkpoint covers them (so every receipt downloads at once), and a spot check is drawn from it.

Built through the service as the demo's own users, on fixed days in 2023-2026 (the working-day
calendar covers up to 2026). The Changning AI company's security assessment, registered on
2023-12-01, is valid until 2026-11-30: its extension window is open in the autumn of 2026 and the
reminder job has written its reminder. The Xuhui data company's standard contract has carried
950,000 people's personal information this year: one more large transfer would need a security
assessment, and is refused.

Signing needs the ledger's key, which lives outside the database: `ensure_ledger_signer` reads
the configured key, or on a fresh machine writes one where `ftzlink ledger keygen` would.
Without a signer (`signer=None`) nothing is signed and no draw is made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.dataflow import common as dataflow_common
from ftzlink.dataflow import draws as draw_service
from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow import inspections as inspection_service
from ftzlink.dataflow import registrations as registration_service
from ftzlink.dataflow import transfers as transfer_service
from ftzlink.dataflow.loader import bundled_dataflow_rules
from ftzlink.dataflow.tables import Filing
from ftzlink.ledger import checkpoints
from ftzlink.ledger.keys import Signer, generate, load_signer, write_key_file
from ftzlink.organisations.tables import Organisation
from ftzlink.settings import Settings

__all__ = ["ensure_ledger_signer", "load_dataflow_demo"]

CHINA = dataflow_common.CHINA


def ensure_ledger_signer(settings: Settings) -> tuple[Signer, bool]:
    """The configured ledger key, and whether it was just made: with no `FTZLINK_LEDGER_KEY` and
    no key file, a new key is written to the key file (mode 0600), as `ftzlink ledger keygen`
    does, so that the demo works on a fresh machine."""
    if settings.ledger_key is None and not settings.ledger_key_path.exists():
        write_key_file(settings.ledger_key_path, generate(settings.ledger_origin))
        return load_signer(settings), True  # as configured: publishing its checkpoints too
    return load_signer(settings), False


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA)


# A Changning AI company shares training data, faces included, with its Munich parent: sensitive
# personal information of 12,000 people a year, so a security assessment (art. 7(2)).
_ASSESSMENT: dict[str, Any] = {
    "data_categories": ["用户账户信息 account data", "人脸识别特征 facial recognition features"],
    "recipient": "Example AI GmbH (Munich)",
    "recipient_country": "DE",
    "purpose": "other",
    "ciio": False,
    "in_ftz": False,
    "important_data": False,
    "foreign_pi_returned": False,
    "non_sensitive_people": 80_000,
    "sensitive_people": 12_000,
}
# A Xuhui data company's customer-support tickets to Singapore: 500,000 people (art. 8).
_CONTRACT: dict[str, Any] = {
    "data_categories": ["客户联系方式 customer contact details", "服务记录 service records"],
    "recipient": "Example Data Pte. Ltd.",
    "recipient_country": "SG",
    "purpose": "other",
    "ciio": False,
    "in_ftz": False,
    "important_data": False,
    "foreign_pi_returned": False,
    "non_sensitive_people": 500_000,
    "sensitive_people": 0,
}
# Payment reconciliation with the Hong Kong parent: bank accounts are sensitive (art. 8).
_WAITING: dict[str, Any] = {
    "data_categories": ["银行账户 bank account numbers", "交易记录 transaction records"],
    "recipient": "Example Payments (HK) Limited",
    "recipient_country": "HK",
    "purpose": "other",
    "ciio": False,
    "in_ftz": False,
    "important_data": False,
    "foreign_pi_returned": False,
    "non_sensitive_people": 3_000,
    "sensitive_people": 3_000,
}
# Road-test data of driverless vehicles, notified as important data: a security assessment.
_RETURNED: dict[str, Any] = {
    "data_categories": ["道路测试数据 road-test data", "高精度地图片段 high-definition map tiles"],
    "recipient": "Example Mobility Inc.",
    "recipient_country": "US",
    "purpose": "other",
    "ciio": False,
    "in_ftz": False,
    "important_data": True,
    "foreign_pi_returned": False,
    "non_sensitive_people": 0,
    "sensitive_people": 0,
}
# Begun, not finished: the route cannot be decided yet (save and resume).
_DRAFT: dict[str, Any] = {
    "data_categories": ["会员预订记录 member bookings"],
    "recipient": "Example Travel K.K.",
    "recipient_country": "JP",
    "ciio": False,
}

# (when, manifest, records, non-sensitive people, sensitive people), each people not yet counted.
_ASSESSMENT_TRANSFERS = (
    ("2026-02-10T10:30", "3f" * 32, 48_210, 12_000, 1_500),
    ("2026-05-19T15:05", "9c" * 32, 61_877, 15_400, 2_100),
    ("2026-08-25T09:40", "a7" * 32, 39_904, 9_800, 1_200),
    ("2026-10-13T14:20", "5e" * 32, 52_316, 11_300, 1_800),
)
_CONTRACT_TRANSFERS = (
    ("2026-03-18T11:00", "0d" * 32, 1_280_544, 420_000, 0),
    ("2026-06-09T16:45", "71" * 32, 1_105_090, 380_000, 0),
    ("2026-09-15T10:10", "c4" * 32, 402_775, 150_000, 0),
)


def load_dataflow_demo(
    session: Session,
    *,
    people: Mapping[str, Principal],
    orgs: Mapping[str, Organisation],
    signer: Signer | None,
) -> dict[str, int]:
    """Filings in every status, two registrations with transfers on the ledger, a reminder, and
    (with a signer) a signed checkpoint, a spot-check draw and an inspection with findings.
    Returns counts by kind for the demo's summary."""
    rules = bundled_dataflow_rules()

    def filing(by: str, org: str, title: str, scenario: Mapping[str, Any], on: str) -> Filing:
        return filing_service.create_filing(
            session,
            principal=people[by],
            rules=rules,
            organisation_id=orgs[org].id,
            title=title,
            scenario=scenario,
            today=_day(on),
        )

    def submit(f: Filing, by: str, on: str, **kwargs: Any) -> None:
        filing_service.submit_filing(
            session, principal=people[by], rules=rules, filing_id=f.id, today=_day(on), **kwargs
        )

    regulator = people["data-regulator"]

    assessment = filing(
        "cn-ai-staff",
        "cn-ai",
        "与慕尼黑母公司共享模型训练数据 Training data shared with the Munich parent",
        _ASSESSMENT,
        "2023-10-16",
    )
    submit(assessment, "cn-ai-admin", "2023-11-06")
    assessed = filing_service.register_filing(
        session, principal=regulator, rules=rules, filing_id=assessment.id, today=_day("2023-12-01")
    )

    contract = filing(
        "xh-data-admin",
        "xh-data",
        "新加坡客服中心工单 Support tickets for the Singapore service centre",
        _CONTRACT,
        "2026-02-16",
    )
    submit(
        contract,
        "xh-data-admin",
        "2026-02-27",
        mechanism="standard_contract",
        contract_effective_on=_day("2026-02-20"),
    )
    contracted = filing_service.register_filing(
        session, principal=regulator, rules=rules, filing_id=contract.id, today=_day("2026-03-06")
    )

    for registration, by, transfers in (
        (assessed, "cn-ai-staff", _ASSESSMENT_TRANSFERS),
        (contracted, "xh-data-admin", _CONTRACT_TRANSFERS),
    ):
        for when, manifest, records, non_sensitive, sensitive in transfers:
            transfer_service.report_transfer(
                session,
                principal=people[by],
                rules=rules,
                registration_id=registration.id,
                manifest_sha256=manifest,
                record_count=records,
                non_sensitive_people=non_sensitive,
                sensitive_people=sensitive,
                transferred_at=_at(when),
            )

    waiting = filing(
        "xh-data-admin",
        "xh-data",
        "香港母公司支付对账 Payment reconciliation with the Hong Kong parent",
        _WAITING,
        "2026-10-19",
    )
    submit(waiting, "xh-data-admin", "2026-10-26", mechanism="certification")

    returned = filing(
        "cn-ai-admin",
        "cn-ai",
        "无人驾驶道路测试数据 Driverless road-test data",
        _RETURNED,
        "2026-08-24",
    )
    submit(returned, "cn-ai-admin", "2026-09-01")
    filing_service.return_filing(
        session,
        principal=regulator,
        filing_id=returned.id,
        reasons=[
            "请附数据出境风险自评估报告。Attach the self-assessment report of the transfer's risks.",
            "请说明高精度地图片段的脱敏方式。Say how the map tiles are desensitised.",
        ],
        today=_day("2026-09-10"),
    )

    filing(
        "cn-ai-staff",
        "cn-ai",
        "东京办公室会员预订 Member bookings for the Tokyo office",
        _DRAFT,
        "2026-10-28",
    )

    # The reminder job, run in September: the assessment's extension window opens in it.
    registration_service.remind(session, rules=rules, today=_day("2026-09-15"), within_days=30)

    counts = {"filings": 5, "registrations": 2, "transfers": 7, "draws": 0, "inspections": 0}
    if signer is None:
        return counts

    checkpoints.sign_checkpoint(session, signer)
    draw = draw_service.draw_spot_checks(
        session, principal=regulator, count=2, today=_day("2026-10-28")
    )
    inspections = inspection_service.list_inspections(session, principal=regulator, draw_id=draw.id)
    by_id = {p.user_id: p for p in people.values()}
    first = inspections[0]
    inspection_service.record_findings(
        session,
        principal=by_id[first.inspector_id],
        inspection_id=first.id,
        findings=[
            "出境数据清单未按月更新。The manifest of data sent is not updated monthly.",
            "境外接收方的访问日志保存不足六个月。The recipient keeps access logs for less than six months.",
        ],
        rectification_working_days=20,
        today=_day("2026-10-30"),
    )
    checkpoints.sign_checkpoint(session, signer)  # the latest covers everything above
    counts.update(draws=1, inspections=len(inspections))
    return counts
