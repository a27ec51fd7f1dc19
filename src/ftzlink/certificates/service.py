"""Issuing, showing and verifying certificates: the use cases, by keyword.

A certificate is issued the first time someone allowed to see its object asks for it, once the
object is in a state it certifies (an application approved, …); asking again returns the same
certificate. Issuing signs the document, appends its hash to the log and signs a checkpoint in
the same transaction, so the certificate file's inclusion proof exists at once.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.applications import service as applications
from ftzlink.applications.tables import Application, State
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Catalogue
from ftzlink.certificates.document import (
    DOCUMENT_FORMAT,
    FILE_FORMAT,
    LEDGER_KIND,
    document_hash,
    ledger_body,
    signed_bytes,
    verify_signature,
)
from ftzlink.certificates.tables import CertificateRow
from ftzlink.db import utcnow
from ftzlink.errors import Conflict, Forbidden, NotFound
from ftzlink.ledger import checkpoints, log
from ftzlink.ledger.keys import Signer
from ftzlink.ledger.receipts import build_receipt
from ftzlink.ledger.verifier import VerifierKey
from ftzlink.money import format_yuan
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Text

__all__ = [
    "Verdict",
    "certificate_file",
    "get_certificate",
    "issue_grant_approval",
    "revoke",
    "verification_url",
    "verify_online",
]

REVOCATION_KIND = "certificate-revocation/v1"
PREFIXES = {
    "grant-approval": "GA",
    "work-permit": "WP",
    "residence-permit": "RP",
    "port-visa-invitation": "PV",
    "transfer": "DT",
    "foreign-office-registration": "RC",
    "foreign-office-card": "RR",
}
TITLES = {
    "grant-approval": Text(zh="资金扶持核准通知书", en="Notice of Grant Approval"),
    "port-visa-invitation": Text(zh="口岸签证邀请函", en="Letter of Invitation for a Port Visa"),
    "transfer": Text(zh="数据出境回执", en="Receipt of a Cross-border Data Transfer"),
    "work-permit": Text(zh="外国人工作许可决定书", en="Decision on a Foreigner's Work Permit"),
    "residence-permit": Text(
        zh="工作类居留许可决定书", en="Decision on a Residence Permit for Work"
    ),
    "foreign-office-registration": Text(
        zh="外国企业常驻代表机构登记证",
        en="Registration Certificate of a Resident Representative Office of a Foreign Enterprise",
    ),
    "foreign-office-card": Text(
        zh="外国企业常驻代表机构首席代表/代表证",
        en="Card of a Chief Representative or Representative of a Foreign Enterprise's Office",
    ),
}
ISSUER = Text(
    zh="上海自贸试验区联动创新区政策服务平台",
    en="Policy service platform of Shanghai's FTZ-linked innovation zones",
)


def verification_url(base_url: str, number: str, sha256: str) -> str:
    """The full address of a certificate's public verification page (what the QR code holds)."""
    return f"{base_url.rstrip('/')}/verify/{quote(number)}?h={sha256}"


def fact(label: Text, value: Text | str) -> dict[str, Any]:
    shown = value if isinstance(value, Text) else Text(zh=value, en=value)
    return {"label": label.model_dump(), "value": shown.model_dump()}


def day_text(day: dt.date) -> Text:
    return Text(zh=f"{day.year}年{day.month}月{day.day}日", en=day.isoformat())


def _live(session: Session, kind: str, object_ref: str) -> CertificateRow | None:
    return session.scalar(
        select(CertificateRow).where(
            CertificateRow.kind == kind,
            CertificateRow.object_ref == object_ref,
            CertificateRow.revoked_at.is_(None),
        )
    )


def issue(
    session: Session,
    *,
    kind: str,
    object_ref: str,
    organisation_id: int | None,
    subject: dict[str, Any],
    facts: list[dict[str, Any]],
    principal: Principal,
    signer: Signer | None,
    today: dt.date,
) -> CertificateRow:
    existing = _live(session, kind, object_ref)
    if existing is not None:
        return existing
    if signer is None:
        raise Conflict(
            "no ledger key is configured, so no certificate can be signed: run "
            "`ftzlink ledger keygen` or set FTZLINK_LEDGER_KEY"
        )
    count = session.scalar(select(func.count()).select_from(CertificateRow)) or 0
    number = f"{PREFIXES[kind]}-{today.year}-{count + 1:06d}"
    document: dict[str, Any] = {
        "format": DOCUMENT_FORMAT,
        "kind": kind,
        "number": number,
        "issued_on": today.isoformat(),
        "title": TITLES[kind].model_dump(),
        "issuer": {**ISSUER.model_dump(), "key": signer.vkey},
        "subject": subject,
        "facts": facts,
    }
    signature = signer.private_key.sign(signed_bytes(document))
    entry = log.append(session, kind=LEDGER_KIND, body=ledger_body(document))
    checkpoints.sign_checkpoint(session, signer)
    row = CertificateRow(
        number=number,
        kind=kind,
        object_ref=object_ref,
        organisation_id=organisation_id,
        document=document,
        sha256=document_hash(document),
        signature=base64.b64encode(signer.verifier.key_id + signature).decode("ascii"),
        key_id=signer.verifier.key_id.hex(),
        ledger_index=entry.index,
        issued_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    earlier = select(CertificateRow).where(
        CertificateRow.kind == kind,
        CertificateRow.object_ref == object_ref,
        CertificateRow.revoked_at.is_not(None),
        CertificateRow.replaced_by.is_(None),
    )
    for old in session.scalars(earlier):
        old.replaced_by = row.id
    return row


def void(session: Session, row: CertificateRow, *, today: dt.date) -> None:
    """Void a certificate its domain replaced or ended (a representative office's change,
    extension or deregistration, Reg-2024 Art. 19): like a revocation, on the log; the
    certificate issued next for the same object records itself in `replaced_by`."""
    if row.revoked_at is not None:
        return
    log.append(
        session,
        kind=REVOCATION_KIND,
        body={"number": row.number, "sha256": row.sha256, "revoked_on": today.isoformat()},
    )
    row.revoked_at = utcnow()
    session.flush()


def revoke(
    session: Session, *, principal: Principal, number: str, today: dt.date
) -> CertificateRow:
    """Withdraw a certificate (a platform admin only): its verification page says "revoked" from
    now on, the revocation goes on the log too, and asking again issues a new certificate that
    replaces it. A file verified offline cannot learn of it: check the page or the log."""
    if not principal.is_platform_admin:
        raise Forbidden("only a platform admin may revoke a certificate")
    row = get_certificate(session, principal=principal, number=number, today=today)
    if row.revoked_at is not None:
        raise Conflict(f"certificate {number} was revoked already")
    log.append(
        session,
        kind=REVOCATION_KIND,
        body={"number": row.number, "sha256": row.sha256, "revoked_on": today.isoformat()},
    )
    row.revoked_at = utcnow()
    session.flush()
    return row


# --- the kinds -----------------------------------------------------------------------------------


def _grant_approval_facts(
    catalogue: Catalogue, app: Application, org: Organisation
) -> list[dict[str, Any]]:
    policy, measure = applications.find_measure(catalogue, app.measure_id)
    assert app.decided_at is not None
    facts = [
        fact(Text(zh="申请编号", en="Application reference"), app.reference),
        fact(Text(zh="申请单位", en="Applicant"), org.name),
        fact(Text(zh="统一社会信用代码", en="Unified social credit code"), org.uscc),
        fact(Text(zh="政策", en="Policy"), policy.title),
        fact(Text(zh="扶持措施", en="Measure"), measure.title),
    ]
    if app.project_name:
        facts.append(fact(Text(zh="项目", en="Project"), app.project_name))
    if app.approved_amount is not None:
        facts.append(
            fact(
                Text(zh="核准金额", en="Amount approved"),
                Text(
                    zh=format_yuan(app.approved_amount, "zh"),
                    en=format_yuan(app.approved_amount, "en"),
                ),
            )
        )
    else:
        facts.append(
            fact(
                Text(zh="核准内容", en="Approved"),
                Text(zh="服务类措施，不涉及资金", en="A service measure: no money is paid"),
            )
        )
    decided = app.decided_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    facts.append(fact(Text(zh="核准日期", en="Approved on"), day_text(decided)))
    return facts


def issue_grant_approval(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    application_id: int,
    signer: Signer | None,
    today: dt.date,
) -> CertificateRow:
    """The approval notice of an approved application (issued on first request), for its
    organisation, the officials who may see the application, or admins."""
    app = applications.get_application(
        session, principal=principal, application_id=application_id, on=today
    )
    if app.status != State.APPROVED:
        raise Conflict(
            f"application {app.reference} is {app.status}: only an approved application has an "
            "approval notice"
        )
    org = session.get(Organisation, app.organisation_id)
    assert org is not None
    return issue(
        session,
        kind="grant-approval",
        object_ref=f"application:{app.id}",
        organisation_id=org.id,
        subject={"name": org.name, "uscc": org.uscc},
        facts=_grant_approval_facts(catalogue, app, org),
        principal=principal,
        signer=signer,
        today=today,
    )


# --- seeing and verifying ------------------------------------------------------------------------


def _may_see(session: Session, principal: Principal, row: CertificateRow, today: dt.date) -> bool:
    if permissions.reads_everything(principal):
        return True
    ref_type, _, ref_id = row.object_ref.partition(":")
    if ref_type == "application":
        try:
            applications.get_application(
                session, principal=principal, application_id=int(ref_id), on=today
            )
        except NotFound:
            return False
        return True
    if ref_type == "invitation":
        from ftzlink.talent.invitations import can_see_passport, get_invitation

        try:
            invitation = get_invitation(session, principal=principal, invitation_id=int(ref_id))
        except NotFound:
            return False
        return can_see_passport(principal, invitation)
    if ref_type == "track":
        from ftzlink.talent.cases import get_case
        from ftzlink.talent.tables import Track

        track = session.get(Track, int(ref_id))
        if track is None:
            return False
        try:
            get_case(session, principal=principal, case_id=track.case_id)
        except NotFound:
            return False
        return True
    if ref_type == "foreign_office":
        from ftzlink.foreign.service import get_office

        try:
            get_office(session, principal=principal, office_id=int(ref_id.split(":")[0]))
        except NotFound:
            return False
        return True
    if ref_type == "transfer":
        from ftzlink.dataflow.transfers import get_transfer

        try:
            get_transfer(session, principal=principal, transfer_id=int(ref_id))
        except NotFound:
            return False
        return True
    return False


def get_certificate(
    session: Session, *, principal: Principal, number: str, today: dt.date
) -> CertificateRow:
    """A certificate the principal may see (its organisation's, its officials', admins')."""
    row = session.scalar(select(CertificateRow).where(CertificateRow.number == number))
    if row is None or not _may_see(session, principal, row, today):
        raise NotFound(f"no certificate {number}")
    return row


def certificate_file(
    session: Session, *, principal: Principal, number: str, today: dt.date
) -> dict[str, Any]:
    """The downloadable certificate: document, signature, hash and the ledger receipt."""
    row = get_certificate(session, principal=principal, number=number, today=today)
    return file_of(session, row)


def file_of(session: Session, row: CertificateRow) -> dict[str, Any]:
    return {
        "format": FILE_FORMAT,
        "document": row.document,
        "sha256": row.sha256,
        "signature": row.signature,
        "receipt": build_receipt(session, row.ledger_index).as_dict(),
    }


def find(session: Session, *, number: str) -> CertificateRow:
    """A certificate by number, for the operator's CLI (no principal: the machine's owner)."""
    row = session.scalar(select(CertificateRow).where(CertificateRow.number == number))
    if row is None:
        raise NotFound(f"no certificate {number}")
    return row


@dataclass(frozen=True)
class Verdict:
    """What the public verification page says: `status` genuine, revoked, altered or unknown;
    `reason` which check failed; the document only when the stored one is the signed one."""

    number: str
    status: str
    reason: str | None = None
    document: dict[str, Any] | None = None
    sha256: str | None = None
    revoked_at: dt.datetime | None = None
    ledger_index: int | None = None
    replaced_by: str | None = None  # the number of the certificate that replaced a voided one


def verify_online(
    session: Session, *, number: str, sha256: str | None, key: VerifierKey | None
) -> Verdict:
    """Check a certificate as its QR code asks: it exists, the hash the paper carries is its
    hash, its stored signature and ledger entry hold, and it was not revoked. Public."""
    row = session.scalar(select(CertificateRow).where(CertificateRow.number == number))
    if row is None:
        return Verdict(number, "unknown", "not_issued")
    document = dict(row.document)
    digest = document_hash(document)
    if digest != row.sha256:
        return Verdict(number, "altered", "stored_document")
    if key is None:
        return Verdict(number, "unknown", "no_key")
    if not verify_signature(document, row.signature, key):
        return Verdict(number, "altered", "signature")
    entry = log.get_entry(session, row.ledger_index)
    if entry.kind != LEDGER_KIND or entry.body != ledger_body(document):
        return Verdict(number, "altered", "ledger")
    if sha256 is None or sha256.lower() != digest:
        return Verdict(number, "altered", "hash", sha256=digest)
    if row.revoked_at is not None:
        successor = session.get(CertificateRow, row.replaced_by) if row.replaced_by else None
        return Verdict(
            number,
            "revoked",
            "replaced" if successor is not None else "revoked",
            document,
            digest,
            row.revoked_at,
            row.ledger_index,
            successor.number if successor is not None else None,
        )
    return Verdict(number, "genuine", None, document, digest, None, row.ledger_index)
