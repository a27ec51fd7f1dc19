"""Certificates of the other journeys: the port-visa invitation (bilingual: its reader is a
foreigner and a border officer) and a cross-border data transfer's receipt. Each is issued for
an object its domain lets the principal see, in the state it certifies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.certificates.service import day_text, fact, issue
from ftzlink.certificates.tables import CertificateRow
from ftzlink.errors import Conflict
from ftzlink.ledger.keys import Signer
from ftzlink.organisations.models import Organisation
from ftzlink.text import Text

__all__ = ["issue_port_visa_invitation", "issue_transfer_receipt"]


def _organisation(session: Session, organisation_id: int) -> Organisation:
    org = session.get(Organisation, organisation_id)
    assert org is not None
    return org


def issue_port_visa_invitation(
    session: Session,
    *,
    principal: Principal,
    invitation_id: int,
    signer: Signer | None,
    today: dt.date,
) -> CertificateRow:
    """The invitation letter as a certificate: for the inviting organisation's members and the
    exit-entry officers (who may see the passport number it carries)."""
    from ftzlink.talent.invitations import can_see_passport, country_name, get_invitation

    invitation = get_invitation(session, principal=principal, invitation_id=invitation_id)
    if not can_see_passport(principal, invitation):
        raise Conflict(
            "only the inviting organisation or an exit-entry officer may print the letter: "
            "it carries the passport number"
        )
    org = _organisation(session, invitation.organisation_id)
    country = Text(
        zh=country_name(invitation.nationality, "zh"),
        en=country_name(invitation.nationality, "en"),
    )
    facts: list[dict[str, Any]] = [
        fact(Text(zh="邀请函编号", en="Invitation reference"), invitation.reference),
        fact(Text(zh="受邀人", en="Invitee"), invitation.invitee_name),
        fact(Text(zh="国籍", en="Nationality"), country),
        fact(Text(zh="护照号码", en="Passport number"), invitation.passport_number),
        fact(Text(zh="出生日期", en="Date of birth"), day_text(invitation.date_of_birth)),
        fact(Text(zh="签证种类", en="Visa type"), invitation.visa_type),
        fact(Text(zh="事由", en="Purpose"), invitation.purpose),
        fact(Text(zh="计划入境日期", en="Planned entry"), day_text(invitation.planned_entry_on)),
        fact(Text(zh="最晚入境日期", en="Enter by"), day_text(invitation.enter_by)),
        fact(Text(zh="入境次数", en="Entries"), str(invitation.entries)),
        fact(
            Text(zh="每次停留", en="Longest stay"),
            Text(zh=f"{invitation.max_stay_days}天", en=f"{invitation.max_stay_days} days"),
        ),
        fact(Text(zh="邀请单位", en="Inviting organisation"), org.name),
        fact(Text(zh="统一社会信用代码", en="Unified social credit code"), org.uscc),
        fact(Text(zh="签发日期", en="Letter issued on"), day_text(invitation.issued_on)),
    ]
    return issue(
        session,
        kind="port-visa-invitation",
        object_ref=f"invitation:{invitation.id}",
        organisation_id=org.id,
        subject={"name": invitation.invitee_name, "organisation": org.name},
        facts=facts,
        principal=principal,
        signer=signer,
        today=today,
    )


def issue_transfer_receipt(
    session: Session,
    *,
    principal: Principal,
    transfer_id: int,
    signer: Signer | None,
    today: dt.date,
) -> CertificateRow:
    """A transfer's receipt as a certificate: what was reported, under which registration."""
    from ftzlink.dataflow.service import get_transfer
    from ftzlink.dataflow.tables import Registration

    transfer = get_transfer(session, principal=principal, transfer_id=transfer_id)
    if transfer.ledger_index is None:
        raise Conflict(f"transfer {transfer.id} is not on the ledger, so it has no receipt")
    registration = session.get(Registration, transfer.registration_id)
    assert registration is not None
    org = _organisation(session, transfer.organisation_id)
    facts: list[dict[str, Any]] = [
        fact(Text(zh="出境单位", en="Exporter"), org.name),
        fact(Text(zh="统一社会信用代码", en="Unified social credit code"), org.uscc),
        fact(Text(zh="备案/评估编号", en="Registration number"), registration.number),
        fact(Text(zh="出境路径", en="Route"), registration.route),
        fact(Text(zh="出境日期", en="Transferred on"), day_text(transfer.transferred_on)),
        fact(Text(zh="记录条数", en="Records"), str(transfer.record_count)),
        fact(
            Text(zh="个人信息（非敏感）人数", en="People (non-sensitive data)"),
            str(transfer.non_sensitive_people),
        ),
        fact(
            Text(zh="敏感个人信息人数", en="People (sensitive data)"),
            str(transfer.sensitive_people),
        ),
        fact(Text(zh="数据清单 SHA-256", en="Manifest SHA-256"), transfer.manifest_sha256),
        fact(Text(zh="出境记录账本编号", en="Transfer's ledger entry"), str(transfer.ledger_index)),
    ]
    return issue(
        session,
        kind="transfer",
        object_ref=f"transfer:{transfer.id}",
        organisation_id=org.id,
        subject={"name": org.name, "uscc": org.uscc},
        facts=facts,
        principal=principal,
        signer=signer,
        today=today,
    )
