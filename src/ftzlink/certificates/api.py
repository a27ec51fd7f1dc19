"""Routes: a certificate (for those who may see it), its public verification, the public key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from ftzlink.api.deps import Auth, Context, Public
from ftzlink.api.schemas import Strict
from ftzlink.certificates import service
from ftzlink.errors import NotFound
from ftzlink.ledger.keys import configured_verifier

router = APIRouter(tags=["certificates"])

Number = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Z]{2}-[0-9]{4}-[0-9]{6}$")]


class CertificateOut(Strict):
    number: str
    kind: str
    sha256: str = Field(description="hex SHA-256 of the canonical document; on the ledger")
    verification_url: str = Field(description="the public page the printed QR code opens")
    revoked: bool
    file: dict[str, Any] = Field(
        description="the certificate file: document, signature and ledger receipt "
        "(`ftzlink certificates verify FILE --key VKEY` checks it offline)"
    )


class VerdictOut(Strict):
    number: str
    status: str = Field(description="genuine, revoked, altered or unknown")
    reason: str | None = Field(
        description="which check failed: not_issued, hash, signature, ledger, stored_document, "
        "revoked, no_key (the platform has no signing key configured)"
    )
    document: dict[str, Any] | None = Field(
        description="the certified facts, to compare with the paper (when genuine or revoked)"
    )


class PublicKeyOut(Strict):
    vkey: str = Field(description="the verifier key certificates are signed with")


def _base(ctx: Context) -> str:
    return ctx.services.settings.public_url or str(ctx.request.base_url).rstrip("/")


@router.get("/certificates/public-key", response_model=PublicKeyOut)
def public_key(ctx: Public) -> PublicKeyOut:
    """The platform's public key (the ledger's): what `--key` takes to verify a file offline."""
    key = configured_verifier(ctx.services.settings)
    if key is None:
        raise NotFound("the platform has no signing key configured")
    return PublicKeyOut(vkey=key.vkey)


@router.get("/certificates/{number}", response_model=CertificateOut)
def get_certificate(ctx: Auth, number: Number) -> CertificateOut:
    """A certificate of the caller's organisation, or one an official or admin may see."""
    today = ctx.today
    with ctx.read() as session:
        row = service.get_certificate(session, principal=ctx.principal, number=number, today=today)
        file = service.file_of(session, row)
    return CertificateOut(
        number=row.number,
        kind=row.kind,
        sha256=row.sha256,
        verification_url=service.verification_url(_base(ctx), row.number, row.sha256),
        revoked=row.revoked_at is not None,
        file=file,
    )


@router.get("/certificates/{number}/verify", response_model=VerdictOut)
def verify(
    ctx: Public,
    number: Number,
    h: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-fA-F]{64}$")] = None,
) -> VerdictOut:
    """Public: is the certificate with this number and hash (the QR code's `h`) genuine?"""
    key = configured_verifier(ctx.services.settings)
    with ctx.read() as session:
        verdict = service.verify_online(session, number=number, sha256=h, key=key)
    return VerdictOut(
        number=verdict.number,
        status=verdict.status,
        reason=verdict.reason,
        document=verdict.document,
    )
