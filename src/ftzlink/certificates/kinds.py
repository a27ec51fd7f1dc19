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
from ftzlink.errors import Conflict, NotFound
from ftzlink.ledger.keys import Signer
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Text

__all__ = ["issue_port_visa_invitation", "issue_talent_decision", "issue_transfer_receipt"]


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
    from ftzlink.dataflow.tables import Registration
    from ftzlink.dataflow.transfers import get_transfer

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


_TRACK_KINDS = {"work_permit": "work-permit", "residence": "residence-permit"}
_TRACK_NAMES = {
    "work_permit": Text(zh="外国人工作许可", en="Foreigner's work permit"),
    "residence": Text(zh="工作类居留许可", en="Residence permit for work"),
}
_CATEGORIES = {
    "A": Text(zh="A类（高端人才）", en="Category A: high-end talent"),
    "B": Text(zh="B类（专业人才）", en="Category B: professional talent"),
    "C": Text(zh="C类（其他外国人员）", en="Category C: other foreign staff"),
}


def issue_talent_decision(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    track: str,
    signer: Signer | None,
    today: dt.date,
) -> CertificateRow:
    """The decision on one track of a talent case (work permit or residence permit), approved
    or refused, for the employer, the officials who see filed cases, or admins."""
    from sqlalchemy import select

    from ftzlink.talent.cases import get_case
    from ftzlink.talent.invitations import country_name
    from ftzlink.talent.tables import Professional, Track, TrackState

    if track not in _TRACK_KINDS:
        raise NotFound(f"no track {track!r}: work_permit or residence")
    case = get_case(session, principal=principal, case_id=case_id)
    row = session.scalar(select(Track).where(Track.case_id == case.id, Track.kind == track))
    if row is None or row.state not in (TrackState.APPROVED, TrackState.REFUSED):
        raise Conflict(f"the {track} track of case {case.reference} has no decision yet")
    assert row.decided_on is not None
    person = session.get(Professional, case.professional_id)
    assert person is not None
    org = _organisation(session, case.employer_id)
    approved = row.state == TrackState.APPROVED
    facts: list[dict[str, Any]] = [
        fact(Text(zh="案件编号", en="Case reference"), case.reference),
        fact(Text(zh="事项", en="Permit"), _TRACK_NAMES[track]),
        fact(
            Text(zh="决定", en="Decision"),
            Text(zh="准予许可", en="Approved") if approved else Text(zh="不予许可", en="Refused"),
        ),
        fact(Text(zh="姓名", en="Name"), person.full_name),
        fact(
            Text(zh="国籍", en="Nationality"),
            Text(
                zh=country_name(person.nationality, "zh"),
                en=country_name(person.nationality, "en"),
            ),
        ),
        fact(Text(zh="护照号码", en="Passport number"), person.passport_number),
        fact(Text(zh="用人单位", en="Employer"), org.name),
        fact(Text(zh="统一社会信用代码", en="Unified social credit code"), org.uscc),
    ]
    if approved and row.category:
        facts.append(fact(Text(zh="类别", en="Category"), _CATEGORIES[row.category]))
    if approved and row.valid_from and row.valid_until:
        facts.append(fact(Text(zh="有效期自", en="Valid from"), day_text(row.valid_from)))
        facts.append(fact(Text(zh="有效期至", en="Valid until"), day_text(row.valid_until)))
    if not approved:
        for reason in row.note or []:
            facts.append(fact(Text(zh="不予许可理由", en="Reason for the refusal"), reason))
    facts.append(fact(Text(zh="决定日期", en="Decided on"), day_text(row.decided_on)))
    return issue(
        session,
        kind=_TRACK_KINDS[track],
        object_ref=f"track:{row.id}",
        organisation_id=org.id,
        subject={"name": person.full_name, "organisation": org.name},
        facts=facts,
        principal=principal,
        signer=signer,
        today=today,
    )
