"""Reported transfers: checked against the registration's validity and route, put on the ledger as a
`transfer-receipt/v1` entry, with the post-transfer report deadline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import Select
from sqlalchemy.orm import Session

from ftzlink.audit.log import append
from ftzlink.auth.principal import Principal
from ftzlink.dataflow.common import (
    _HEX64,
    CHINA,
    TRANSFER_KIND,
    Page,
    RegistrationNotValid,
    RouteExceeded,
    _as_member,
    _visible_transfers,
    page_of,
    transfer_snapshot,
)
from ftzlink.dataflow.models import DataflowRules, Route
from ftzlink.dataflow.registrations import _calendar_of, get_registration, running_totals, valid_on
from ftzlink.dataflow.rules import (
    route_scenario,
    with_counts,
)
from ftzlink.dataflow.tables import (
    Filing,
    Registration,
    Transfer,
)
from ftzlink.dataflow.validation import (
    PEOPLE_MAX,
    RECORDS_MAX,
)
from ftzlink.db import utcnow
from ftzlink.errors import (
    CalendarNotCovered,
    Conflict,
    InvalidInput,
    NotFound,
    Problem,
)
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Text

if TYPE_CHECKING:
    from ftzlink.ledger.keys import Signer


__all__ = [
    "DeadlineInfo",
    "TransferView",
    "get_transfer",
    "list_transfers",
    "manifest_fingerprint",
    "post_transfer_report",
    "report_transfer",
    "transfer_entry",
    "transfer_receipt",
    "transfer_view",
]

# --- transfers ---------------------------------------------------------------------------------

_CHUNK = 1 << 20


def manifest_fingerprint(stream: BinaryIO) -> str:
    """The SHA-256 of a transfer's manifest, as `report_transfer` takes it (64 lowercase hex
    digits), read from `stream` in chunks: the platform records the fingerprint, never the file."""
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _transfer_problems(
    manifest_sha256: str,
    record_count: int,
    non_sensitive_people: int,
    sensitive_people: int,
    transferred_at: dt.datetime,
) -> list[Problem]:
    problems = []
    if not _HEX64.match(manifest_sha256):
        problems.append(
            Problem("the SHA-256 of the manifest, 64 lowercase hex digits", field="manifest_sha256")
        )
    for name, value, most in (
        ("record_count", record_count, RECORDS_MAX),
        ("non_sensitive_people", non_sensitive_people, PEOPLE_MAX),
        ("sensitive_people", sensitive_people, PEOPLE_MAX),
    ):
        if not 0 <= value <= most:
            problems.append(Problem(f"a whole number from 0 to {most}", field=name))
    if transferred_at.tzinfo is None:
        problems.append(Problem("give the time with its offset", field="transferred_at"))
    elif transferred_at > utcnow() + dt.timedelta(minutes=5):
        problems.append(Problem("is in the future", field="transferred_at"))
    return problems


def report_transfer(
    session: Session,
    *,
    principal: Principal,
    rules: DataflowRules,
    registration_id: int,
    manifest_sha256: str,
    record_count: int,
    non_sensitive_people: int,
    sensitive_people: int,
    transferred_at: dt.datetime,
    signer: Signer | None = None,
) -> Transfer:
    """Report one transfer under a registration; accepted only if the registration is valid on
    the transfer's day and the enterprise's totals for that year, this transfer included, stay
    within the route the filing was registered for (RouteExceeded names the route it now needs).
    The accepted transfer goes on the ledger as a `transfer-receipt/v1` entry. With the
    platform's signing key (`signer`), a checkpoint that covers it is signed in the same
    transaction, so that its receipt can be downloaded at once.

    People counts are of people not yet counted this year (art. 7 and 8 count people, not
    records): the running totals are their sums.
    """
    registration = get_registration(session, principal=principal, registration_id=registration_id)
    actor = _as_member(principal, registration.organisation_id)
    problems = _transfer_problems(
        manifest_sha256, record_count, non_sensitive_people, sensitive_people, transferred_at
    )
    if problems:
        raise InvalidInput("the transfer is invalid", problems)
    on = transferred_at.astimezone(CHINA).date()
    if not valid_on(registration, on):
        raise RegistrationNotValid(
            number=registration.number,
            valid_from=registration.valid_from,
            valid_until=registration.valid_until,
            on=on,
        )
    filing = session.get(Filing, registration.filing_id)
    assert filing is not None
    done_ns, done_s = running_totals(session, registration.organisation_id, on.year)
    total_ns, total_s = done_ns + non_sensitive_people, done_s + sensitive_people
    result = route_scenario(
        rules,
        with_counts(filing.scenario, non_sensitive_people=total_ns, sensitive_people=total_s),
    )
    registered = Route(registration.route)
    required = result.route
    if required is None:
        raise Conflict("the filing's scenario no longer decides a route: file it again")
    if required.level > registered.level:
        raise RouteExceeded(
            registered=registered,
            required=required,
            year=on.year,
            non_sensitive_people=total_ns,
            sensitive_people=total_s,
            result=result,
        )
    transfer = Transfer(
        registration_id=registration.id,
        organisation_id=registration.organisation_id,
        manifest_sha256=manifest_sha256,
        record_count=record_count,
        non_sensitive_people=non_sensitive_people,
        sensitive_people=sensitive_people,
        transferred_at=transferred_at.astimezone(dt.UTC),
        transferred_on=on,
        salt=secrets.token_hex(16),
        reported_by=principal.user_id,
    )
    session.add(transfer)
    session.flush()
    transfer.ledger_index = _log_transfer(session, transfer, registration, principal)
    session.flush()
    append(
        session,
        actor=actor,
        action="dataflow_transfer.report",
        object_type="dataflow_transfer",
        object_id=transfer.id,
        after=transfer_snapshot(transfer),
    )
    if signer is not None:
        from ftzlink.ledger.checkpoints import sign_checkpoint

        sign_checkpoint(session, signer)
    return transfer


def transfer_entry(
    transfer: Transfer, registration: Registration, organisation: Organisation, reporter: str
) -> dict[str, Any]:
    """The body of a transfer's `transfer-receipt/v1` ledger entry: no personal data but as
    salted hashes (the reporting user's name, under the transfer's own salt)."""
    from ftzlink.ledger.log import salted_hash

    return {
        "transfer": transfer.id,
        "registration": registration.number,
        "route": registration.route,
        "mechanism": registration.mechanism,
        "organisation": organisation.uscc,
        "manifest_sha256": transfer.manifest_sha256,
        "record_count": transfer.record_count,
        "non_sensitive_people": transfer.non_sensitive_people,
        "sensitive_people": transfer.sensitive_people,
        "transferred_at": transfer.transferred_at.astimezone(dt.UTC).isoformat(),
        "reported_by": salted_hash(reporter, transfer.salt),
    }


def _log_transfer(
    session: Session, transfer: Transfer, registration: Registration, principal: Principal
) -> int:
    from ftzlink.ledger import log

    organisation = session.get(Organisation, registration.organisation_id)
    assert organisation is not None
    body = transfer_entry(transfer, registration, organisation, principal.username)
    return log.append(session, kind=TRANSFER_KIND, body=body).index


def get_transfer(session: Session, *, principal: Principal, transfer_id: int) -> Transfer:
    transfer = session.scalar(_visible_transfers(principal).where(Transfer.id == transfer_id))
    if transfer is None:
        raise NotFound(f"no transfer {transfer_id}")
    return transfer


def list_transfers(
    session: Session,
    *,
    principal: Principal,
    registration_id: int | None = None,
    organisation_id: int | None = None,
) -> list[Transfer]:
    """Transfers the principal sees, newest first (an enterprise's history, or one registration's)."""
    return list(session.scalars(_transfers(principal, registration_id, organisation_id)))


def page_transfers(
    session: Session,
    *,
    principal: Principal,
    offset: int,
    limit: int,
    registration_id: int | None = None,
    organisation_id: int | None = None,
) -> Page[Transfer]:
    query = _transfers(principal, registration_id, organisation_id)
    return page_of(session, query, offset=offset, limit=limit)


def _transfers(
    principal: Principal, registration_id: int | None, organisation_id: int | None
) -> Select[Any]:
    query = _visible_transfers(principal)
    if registration_id is not None:
        query = query.where(Transfer.registration_id == registration_id)
    if organisation_id is not None:
        query = query.where(Transfer.organisation_id == organisation_id)
    return query.order_by(Transfer.id.desc())


@dataclass(frozen=True)
class DeadlineInfo:
    """A time limit counted in working days; `due_on` None when the calendar cannot count it."""

    working_days: int
    due_on: dt.date | None
    unverified: bool
    citation: str
    note: Text
    provisional: bool = False


def post_transfer_report(rules: DataflowRules, transfer: Transfer) -> DeadlineInfo:
    terms = rules.supervision.post_transfer_report
    provisional = False
    try:
        counted = _calendar_of(transfer).add_working_days(
            transfer.transferred_on, terms.working_days
        )
        due: dt.date | None = counted.day
        provisional = counted.provisional
    except CalendarNotCovered:
        due = None
    flag = (
        Text(zh="（可信度低，未经核实）", en=" (Low confidence, unverified)")
        if terms.unverified
        else Text(zh="", en="")
    )
    return DeadlineInfo(
        working_days=terms.working_days,
        due_on=due,
        unverified=terms.unverified,
        citation=str(terms.citation),
        note=Text(
            zh=f"出境后{terms.working_days}个工作日内向当地数据出境服务中心报告{flag.zh}",
            en=f"Report to the local data export service centre within {terms.working_days} "
            f"working days after the transfer{flag.en}",
        ),
        provisional=provisional,
    )


@dataclass(frozen=True)
class TransferView:
    transfer: Transfer
    registration: Registration
    report: DeadlineInfo


def transfer_view(
    session: Session, *, principal: Principal, rules: DataflowRules, transfer_id: int
) -> TransferView:
    transfer = get_transfer(session, principal=principal, transfer_id=transfer_id)
    registration = session.get(Registration, transfer.registration_id)
    assert registration is not None
    return TransferView(transfer, registration, post_transfer_report(rules, transfer))


def transfer_receipt(session: Session, *, principal: Principal, transfer_id: int) -> dict[str, Any]:
    """The ledger's offline receipt of a transfer: Conflict until a signed checkpoint covers it."""
    from ftzlink.ledger.receipts import build_receipt

    transfer = get_transfer(session, principal=principal, transfer_id=transfer_id)
    if transfer.ledger_index is None:
        raise Conflict(f"transfer {transfer.id} is not on the ledger")
    return build_receipt(session, transfer.ledger_index).as_dict()
