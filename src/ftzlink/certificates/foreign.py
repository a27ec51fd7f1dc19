"""A representative office's certificates (Reg-2024 Art. 18, 19, 24): the registration
certificate (登记证) and one card (代表证) per chief representative and representative, issued
when the registrar approves the establishment. A change, 备案 or extension that alters what a
certificate says voids it and issues its replacement (`replaced_by`); a person who leaves has
their card voided; a deregistration voids them all. The facts come from
`ftzlink.foreign.service`; this module only turns them into signed certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.certificates.service import day_text, fact, issue, void
from ftzlink.certificates.tables import CertificateRow
from ftzlink.ledger.keys import Signer
from ftzlink.text import Text

__all__ = ["CARD", "REGISTRATION", "issue_office_certificates", "office_certificates"]

REGISTRATION = "foreign-office-registration"
CARD = "foreign-office-card"
_ROLES = {
    "chief_representative": Text(zh="首席代表", en="Chief representative"),
    "representative": Text(zh="代表", en="Representative"),
}


def _office_ref(office_id: int) -> str:
    return f"foreign_office:{office_id}"


def _card_ref(office_id: int, document: str) -> str:
    return f"foreign_office:{office_id}:{document}"[:64]


def _day(value: str | None) -> Text:
    if value is None:
        return Text(zh="（未定）", en="(not set)")
    return day_text(dt.date.fromisoformat(value))


def _registration_facts(
    facts: dict[str, Any], place_en: str, scope_en: list[str]
) -> list[dict[str, Any]]:
    scope = Text(zh="；".join(facts["scope"]), en="; ".join(scope_en))
    return [
        fact(Text(zh="登记证号", en="Registration number"), facts["reference"]),
        fact(Text(zh="代表机构名称", en="Name of the office"), facts["name"]),
        fact(Text(zh="外国企业名称", en="Foreign enterprise"), facts["parent_name"]),
        fact(
            Text(zh="外国企业所在地", en="Where the enterprise is"),
            Text(zh=facts["parent_place"], en=place_en),
        ),
        fact(Text(zh="首席代表", en="Chief representative"), facts["chief_representative"]),
        fact(Text(zh="业务范围", en="Business scope"), scope),
        fact(Text(zh="住所", en="Premises"), facts["premises"]),
        fact(Text(zh="驻在期限至", en="Residence term until"), _day(facts["term_until"])),
        fact(Text(zh="成立日期", en="Established on"), _day(facts["established_on"])),
    ]


def _card_facts(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        fact(Text(zh="姓名", en="Name"), card["name"]),
        fact(Text(zh="职务", en="Position"), _ROLES[card["role"]]),
        fact(Text(zh="身份证件号码", en="Identity document"), card["document"]),
        fact(Text(zh="代表机构", en="Office"), card["office_name"]),
        fact(Text(zh="登记证号", en="Registration number"), card["office_reference"]),
        fact(Text(zh="驻在期限至", en="Residence term until"), _day(card["term_until"])),
    ]


def office_certificates(session: Session, office_id: int) -> list[CertificateRow]:
    """Every certificate ever issued for the office, live and voided, oldest first."""
    prefix = _office_ref(office_id)
    return list(
        session.scalars(
            select(CertificateRow)
            .where(
                CertificateRow.kind.in_((REGISTRATION, CARD)),
                (CertificateRow.object_ref == prefix)
                | CertificateRow.object_ref.startswith(prefix + ":"),
            )
            .order_by(CertificateRow.id)
        )
    )


def issue_office_certificates(
    session: Session,
    *,
    principal: Principal,
    office_id: int,
    signer: Signer | None,
    today: dt.date,
) -> list[CertificateRow]:
    """Bring the office's certificates in line with its register: a live certificate whose facts
    still hold is kept; one whose facts changed is voided and replaced; a card whose holder left,
    or every certificate of a deregistered office, is voided. Returns the live ones."""
    from ftzlink.foreign import rules as r
    from ftzlink.foreign import service
    from ftzlink.foreign.models import bundled_foreign_rules
    from ftzlink.foreign.tables import OfficeStatus

    office = service.get_office(session, principal=principal, office_id=office_id)
    rules = bundled_foreign_rules()
    live = {
        (row.kind, row.object_ref): row
        for row in office_certificates(session, office.id)
        if row.revoked_at is None
    }
    wanted: dict[tuple[str, str], tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    if office.status == OfficeStatus.REGISTERED:
        facts = service.registration_certificate_facts(office, rules)
        place_en = r.place_label(office.parent_jurisdiction, rules, "en")
        codes = service.particulars_from(office.particulars).scope
        scope_en = [a.en for code in codes if (a := rules.activity(code)) is not None]
        wanted[(REGISTRATION, _office_ref(office.id))] = (
            {"name": office.name, "reference": office.reference},
            _registration_facts(facts, place_en, scope_en),
        )
        for card in service.representative_card_facts(office):
            wanted[(CARD, _card_ref(office.id, card["document"]))] = (
                {"name": card["name"], "organisation": office.name},
                _card_facts(card),
            )
    for key, row in live.items():
        if key not in wanted or row.document["facts"] != wanted[key][1]:
            void(session, row, today=today)
    issued = []
    for (kind, object_ref), (subject, facts_list) in wanted.items():
        issued.append(
            issue(
                session,
                kind=kind,
                object_ref=object_ref,
                organisation_id=office.organisation_id,
                subject=subject,
                facts=facts_list,
                principal=principal,
                signer=signer,
                today=today,
            )
        )
    return issued
