"""Routes: the audit log, for auditors and platform admins; read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from ftzlink.api.deps import Auth, Page
from ftzlink.api.schemas import Listing, SafeText, Strict
from ftzlink.audit import service as audit
from ftzlink.audit.log import verify
from ftzlink.audit.service import EntryFilters
from ftzlink.auth.permissions import can_read_audit
from ftzlink.errors import Forbidden
from ftzlink.ledger.keys import configured_verifier

router = APIRouter(tags=["audit"])


class AuditEntryOut(Strict):
    seq: int
    at: str
    actor_id: int | None
    actor: str
    acted_for_id: int | None = Field(description="the organisation acted for, if any")
    action: str
    object_type: str
    object_id: str
    before_digest: str | None
    after_digest: str | None
    detail: str
    prev_hash: str
    hash: str


class VerificationOut(Strict):
    ok: bool
    entries: int
    first_bad_seq: int | None
    problem: str | None
    checkpoints: int = Field(description="signed ledger checkpoints checked")
    signed_size: int = Field(description="the largest ledger size a checked signature covers")
    notes: list[str] = Field(description="what could not be checked, and why")


def _require(ctx: Auth) -> None:
    if not can_read_audit(ctx.principal):
        raise Forbidden("the audit log is for auditors and platform admins")


@router.get("/audit", response_model=Listing[AuditEntryOut])
def list_entries(
    ctx: Auth,
    page: Page,
    object_type: Annotated[SafeText | None, Query(max_length=32)] = None,
    object_id: Annotated[SafeText | None, Query(max_length=64)] = None,
    acted_for_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Listing[AuditEntryOut]:
    filters = EntryFilters(
        object_type=object_type or "", object_id=object_id or "", acted_for=acted_for_id
    )
    with ctx.read() as session:
        rows, total = audit.entries_in_order(
            session,
            principal=ctx.principal,
            filters=filters,
            offset=page.offset,
            limit=page.limit,
        )
        items = [AuditEntryOut.model_validate(r, from_attributes=True) for r in rows]
    return Listing(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get("/audit/verify", response_model=VerificationOut)
def verify_chain(ctx: Auth) -> VerificationOut:
    """Recompute the chain; name the first entry that was altered, deleted, inserted or moved."""
    _require(ctx)
    key = configured_verifier(ctx.services.settings)
    with ctx.read() as session:
        result = verify(session, key=key)
    return VerificationOut(
        ok=result.ok,
        entries=result.entries,
        first_bad_seq=result.first_bad_seq,
        problem=result.problem,
        checkpoints=result.checkpoints,
        signed_size=result.signed_size,
        notes=list(result.notes),
    )
