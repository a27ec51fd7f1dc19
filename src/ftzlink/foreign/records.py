"""YRD recognition records (长三角外国投资者主体资格证明互认): a registrar verifies a foreign
investor's qualification certificate once; the platform issues a record signed with its Ed25519
key, with the payload's hash on the verifiable log; any participating registration authority
checks the record in place of an archive-stamped copy, without an account.

The participating authorities, the scheme's dates and the record's validity are cited data
(`ForeignRules.recognition`); the validity and whether the scheme runs on after 2021 are marked
unverified there. Natural persons with a visaed passport need no record (SH-9 Art. 4).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    RecordRefused,
    RuleRefused,
)
from ftzlink.foreign.models import ForeignRules
from ftzlink.foreign.rules import authentication_route
from ftzlink.foreign.service import can_decide
from ftzlink.foreign.tables import RecognitionRecord, RecordStatus
from ftzlink.ledger import log
from ftzlink.ledger.keys import Signer
from ftzlink.ledger.verifier import VerifierKey

__all__ = [
    "RECORD_KIND",
    "REVOCATION_KIND",
    "RecordCheck",
    "get_record",
    "issue_record",
    "list_records",
    "revoke_record",
    "verify_record",
]

RECORD_KIND = "foreign-recognition/v1"
REVOCATION_KIND = "foreign-recognition-revocation/v1"
INVESTOR_KINDS = ("enterprise", "organisation", "natural_person")


class RecordNotNeeded(RuleRefused):
    code = "record_not_needed"


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def payload_bytes(payload: dict[str, Any]) -> bytes:
    return log.canonical_json(payload)


def issue_record(
    session: Session,
    *,
    principal: Principal,
    rules: ForeignRules,
    signer: Signer | None,
    investor_name: str,
    investor_kind: str,
    jurisdiction: str,
    document: str,
    notarised_on: dt.date,
    authentication: str,
    authentication_reference: str,
    authority: str,
    today: dt.date,
) -> RecognitionRecord:
    """The registrar's verification of a qualification certificate, as a signed record."""
    if not can_decide(principal):
        raise Forbidden("only the registrar verifies a qualification certificate")
    rec = rules.recognition
    if investor_kind == "natural_person":
        exempt = rec.natural_persons_exempt
        raise RecordNotNeeded(
            "a foreign natural person shows the visaed passport itself; no record is needed",
            rule="natural_persons_exempt",
            source=exempt.source,
            article=exempt.clause,
        )
    problems: list[Problem] = []
    if investor_kind not in INVESTOR_KINDS:
        problems.append(Problem(investor_kind, field="investor_kind"))
    if rec.authority(authority) is None:
        problems.append(Problem(f"{authority} is not in the scheme", field="authority"))
    code = jurisdiction.upper()
    expected, _note = authentication_route(code, rules, on=notarised_on)
    region = rules.region(code)
    allowed = {expected} if region else {"legalisation", "apostille"}
    if authentication not in allowed:
        problems.append(
            Problem(
                f"{authentication}; documents from {code} need {expected}", field="authentication"
            )
        )
    if notarised_on > today:
        problems.append(Problem("notarised in the future", field="notarised_on"))
    if problems:
        raise InvalidInput("the recognition record cannot be issued", problems)
    if signer is None:
        raise Conflict("no platform signing key is configured: a record cannot be signed")
    valid_until = _add_months(notarised_on, rec.validity_months.value)
    reference = f"YRD{today:%Y%m%d}{secrets.token_hex(4).upper()}"
    payload: dict[str, Any] = {
        "kind": RECORD_KIND,
        "reference": reference,
        "scheme": rec.document.value,
        "investor_name": investor_name,
        "investor_kind": investor_kind,
        "jurisdiction": code,
        "document": document,
        "notarised_on": notarised_on.isoformat(),
        "authentication": authentication,
        "authentication_reference": authentication_reference,
        "authority": authority,
        "verified_by": principal.username,
        "verified_on": today.isoformat(),
        "valid_until": valid_until.isoformat(),
        "validity_rule": {
            "months": rec.validity_months.value,
            "source": rec.validity_months.cite,
            "verified": rec.validity_months.verified,
        },
    }
    data = payload_bytes(payload)
    sha = hashlib.sha256(data).hexdigest()
    entry = log.append(session, kind=RECORD_KIND, body={"reference": reference, "sha256": sha})
    record = RecognitionRecord(
        reference=reference,
        investor_name=investor_name,
        investor_kind=investor_kind,
        jurisdiction=code,
        document=document,
        notarised_on=notarised_on,
        authentication=authentication,
        authentication_reference=authentication_reference,
        authority=authority,
        verified_by=principal.user_id,
        verified_on=today,
        valid_until=valid_until,
        payload=payload,
        payload_sha256=sha,
        signature=base64.b64encode(signer.private_key.sign(data)).decode(),
        key_id=signer.verifier.key_id.hex(),
        ledger_index=entry.index,
        status=RecordStatus.VALID,
    )
    session.add(record)
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username),
        action="foreign.record.issue",
        object_type="foreign_record",
        object_id=record.id,
        after={"reference": reference, "sha256": sha, "ledger_index": entry.index},
        detail=investor_name,
    )
    return record


def get_record(session: Session, *, reference: str) -> RecognitionRecord:
    found = session.scalar(
        select(RecognitionRecord).where(RecognitionRecord.reference == reference)
    )
    if found is None:
        raise NotFound(f"no recognition record {reference}")
    return found


def list_records(session: Session, *, principal: Principal) -> list[RecognitionRecord]:
    if not can_decide(principal) and not (principal.is_auditor or principal.is_platform_admin):
        raise Forbidden("only registrars list recognition records")
    return list(session.scalars(select(RecognitionRecord).order_by(RecognitionRecord.id)))


def revoke_record(
    session: Session, *, principal: Principal, reference: str, reason: str, today: dt.date
) -> RecognitionRecord:
    if not can_decide(principal):
        raise Forbidden("only the registrar revokes a recognition record")
    if not reason.strip():
        raise InvalidInput("cannot revoke", [Problem("give the reason", field="reason")])
    record = get_record(session, reference=reference)
    if record.status == RecordStatus.REVOKED:
        raise Conflict(f"record {reference} is already revoked")
    record.status, record.revoked_on, record.revoked_reason = (
        RecordStatus.REVOKED,
        today,
        reason.strip(),
    )
    log.append(
        session,
        kind=REVOCATION_KIND,
        body={
            "reference": reference,
            "sha256": record.payload_sha256,
            "revoked_on": today.isoformat(),
        },
    )
    append(
        session,
        actor=Actor(principal.user_id, principal.username),
        action="foreign.record.revoke",
        object_type="foreign_record",
        object_id=record.id,
        before={"status": "valid"},
        after={"status": "revoked", "revoked_on": today.isoformat()},
        detail=reason.strip(),
    )
    return record


@dataclass(frozen=True)
class RecordCheck:
    """A record another authority may rely on, with what it was checked against."""

    record: RecognitionRecord
    authority: str
    signature_valid: bool
    ledger_index: int
    warnings: list[str]


def verify_record(
    session: Session,
    *,
    rules: ForeignRules,
    verifier: VerifierKey | None,
    reference: str,
    authority: str,
    today: dt.date,
) -> RecordCheck:
    """Check a record as another registration authority would (public, no account): refused
    with the reason when the asking authority is outside the scheme, or the record is revoked,
    expired, or its signature or log entry does not match."""
    rec = rules.recognition
    record = get_record(session, reference=reference)
    if rec.authority(authority) is None:
        raise RecordRefused(
            f"{authority} is not a participating authority of {rec.scheme_en}",
            reason="outside_scheme",
            source=rec.authorities[0].source,
            article=rec.authorities[0].clause,
        )
    if record.status == RecordStatus.REVOKED:
        raise RecordRefused(
            f"record {reference} was revoked on {record.revoked_on}: {record.revoked_reason}",
            reason="revoked",
        )
    if today > record.valid_until:
        raise RecordRefused(
            f"record {reference} expired on {record.valid_until.isoformat()}",
            reason="expired",
            source=rec.validity_months.source,
            article=rec.validity_months.clause,
        )
    warnings: list[str] = []
    if today > rec.valid_to.value:
        if not rec.treat_as_in_force.value:
            raise RecordRefused(
                f"the scheme ended on {rec.valid_to.value.isoformat()}",
                reason="scheme_ended",
                source=rec.valid_to.source,
                article=rec.valid_to.clause,
            )
        warnings.append("scheme_end_unverified")
    if not rec.validity_months.verified:
        warnings.append("validity_rule_unverified")
    data = payload_bytes(record.payload)
    entry = log.get_entry(session, record.ledger_index)
    on_log = entry.kind == RECORD_KIND and entry.body == {
        "reference": record.reference,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    signature_valid = (
        verifier is not None
        and record.signature is not None
        and verifier.key_id.hex() == record.key_id
        and verifier.verify(data, base64.b64decode(record.signature))
    )
    if not on_log or (verifier is not None and not signature_valid):
        raise RecordRefused(
            f"record {reference} does not match its signature or its log entry",
            reason="bad_signature",
        )
    return RecordCheck(record, authority, signature_valid, record.ledger_index, warnings)
