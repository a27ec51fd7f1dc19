"""Certificate pages: issue-and-show from an approved application, the printable certificate
with its QR code, the certificate file, and the public verification page (no account needed)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Response
from markupsafe import Markup

from ftzlink.certificates import kinds, service
from ftzlink.certificates.qr import qr_svg
from ftzlink.ledger.keys import configured_signer, configured_verifier
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_

router = APIRouter(include_in_schema=False)
PAGES = "pages/certificates/"

# What the verification page says for each outcome and failed check (message ids for the catalog).
REASONS = {
    "not_issued": N_("No certificate with this number was ever issued by the platform."),
    "hash": N_(
        "The certificate's content differs from what the platform signed: the copy was altered, or the address was mistyped."
    ),
    "signature": N_("The stored certificate's signature does not verify with the platform's key."),
    "ledger": N_("The certificate is not on the public ledger as it was issued."),
    "stored_document": N_("The stored certificate differs from the one that was signed."),
    "revoked": N_("The platform revoked this certificate."),
    "replaced": N_(
        "This certificate was voided: a later certificate replaced it after a change, an extension or a deregistration."
    ),
    "no_key": N_(
        "The platform has no signing key configured at the moment, so it cannot vouch for any certificate."
    ),
}


def _base_url(web: Web) -> str:
    return web.settings.public_url or str(web.request.base_url).rstrip("/")


@router.get("/applications/{application_id}/certificate")
def application_certificate(web: WebPage, application_id: int) -> Response:
    """The approval notice of an approved application: issued the first time it is asked for."""
    principal = web.require()
    with web.write() as session:
        row = service.issue_grant_approval(
            session,
            principal=principal,
            catalogue=web.catalogue,
            application_id=application_id,
            signer=configured_signer(web.settings),
            today=web.today,
        )
        number = row.number
    return web.redirect(f"/certificates/{number}")


@router.get("/invitations/{invitation_id}/certificate")
def invitation_certificate(web: WebPage, invitation_id: int) -> Response:
    """The port-visa invitation as a bilingual certificate (issued when first asked for)."""
    principal = web.require()
    with web.write() as session:
        number = kinds.issue_port_visa_invitation(
            session,
            principal=principal,
            invitation_id=invitation_id,
            signer=configured_signer(web.settings),
            today=web.today,
        ).number
    return web.redirect(f"/certificates/{number}")


@router.get("/dataflow/transfers/{transfer_id}/certificate")
def transfer_certificate(web: WebPage, transfer_id: int) -> Response:
    """A transfer's receipt as a printable certificate (issued when first asked for)."""
    principal = web.require()
    with web.write() as session:
        number = kinds.issue_transfer_receipt(
            session,
            principal=principal,
            transfer_id=transfer_id,
            signer=configured_signer(web.settings),
            today=web.today,
        ).number
    return web.redirect(f"/certificates/{number}")


@router.get("/talent/cases/{case_id}/tracks/{track}/certificate")
def talent_certificate(web: WebPage, case_id: int, track: str) -> Response:
    """The decision on a talent case's work permit or residence permit, as a certificate."""
    principal = web.require()
    with web.write() as session:
        number = kinds.issue_talent_decision(
            session,
            principal=principal,
            case_id=case_id,
            track=track,
            signer=configured_signer(web.settings),
            today=web.today,
        ).number
    return web.redirect(f"/certificates/{number}")


@router.get("/certificates/{number}.json")
def certificate_file(web: WebPage, number: str) -> Response:
    principal = web.require()
    with web.read() as session:
        data = service.certificate_file(
            session, principal=principal, number=number, today=web.today
        )
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    response = Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="ftzlink-certificate-{number}.json"'
        },
    )
    web.finish(response)
    return response


@router.get("/certificates/{number}")
def certificate_page(web: WebPage, number: str) -> Response:
    principal = web.require()
    with web.read() as session:
        row = service.get_certificate(session, principal=principal, number=number, today=web.today)
        url = service.verification_url(_base_url(web), row.number, row.sha256)
        return web.page(
            PAGES + "certificate.html",
            certificate=row,
            document=row.document,
            verification_url=url,
            qr=Markup(qr_svg(url)),  # segno's SVG of our own URL
        )


@router.get("/verify/{number}")
def verify_page(
    web: WebPage, number: str, h: str | None = Query(default=None, max_length=200)
) -> Response:
    """Public: what a bank, an employer or a border officer sees after scanning the QR code."""
    with web.read() as session:
        verdict = service.verify_online(
            session, number=number, sha256=h, key=configured_verifier(web.settings)
        )
    return web.page(
        PAGES + "verify.html",
        verdict=verdict,
        reason=web._(REASONS[verdict.reason]) if verdict.reason else None,
        status_code=404 if verdict.status == "unknown" else 200,
    )
