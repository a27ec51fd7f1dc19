"""The public ledger: the latest signed checkpoint, and checking a receipt."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from ftzlink.ledger import checkpoints
from ftzlink.ledger import log as ledger_log
from ftzlink.ledger.verifier import ReceiptCheck, verify_receipt
from ftzlink.web.context import Web, WebPage
from ftzlink.web.dataflow.common import PAGES, RECEIPT_MAX, _verifier
from ftzlink.web.forms import N_, Form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_CHANGED_FIELD = N_(
    "The receipt's field %(field)s is not what the platform signed: the readable part "
    "of the receipt was changed."
)
# Why a receipt does not verify, by the verifier's `reason` code (ftzlink.ledger.verifier.REASONS);
# a reason not listed reads "The receipt does not verify."
RECEIPT_PROBLEMS = {
    "field_differs": _CHANGED_FIELD,
    "body_differs": _CHANGED_FIELD,
    "unsigned_field": N_(
        "The receipt shows something the platform did not sign (%(field)s): the receipt was "
        "changed."
    ),
    "duplicate_field": N_(
        "The receipt gives a field twice, so it could be read two ways: it was changed."
    ),
    "bad_signature": N_(
        "The checkpoint in the receipt is not signed by this platform's key: the checkpoint "
        "was changed, or the receipt comes from another log."
    ),
    "root_mismatch": N_(
        "The entry and its proof do not lead to the root hash the platform signed: the entry "
        "or the proof was changed."
    ),
    "not_a_receipt": N_(
        "This is not a ledger receipt: a receipt is a JSON file downloaded from this platform."
    ),
    "bad_base64": N_("Part of the receipt is not valid base64: it was changed."),
    "bad_index": N_("The receipt's entry number does not match its proof: it was changed."),
    "bad_checkpoint": N_(
        "The checkpoint in the receipt is malformed or from another log: it was changed."
    ),
    "bad_proof": N_("The proof in the receipt is malformed: it was changed."),
}


# --- the public ledger ------------------------------------------------------------------------


@router.get("/ledger")
def ledger(web: WebPage) -> Response:
    with web.read() as session:
        latest = checkpoints.latest(session)
        size = ledger_log.head(session).size
    verifier = _verifier(web)
    return web.page(
        PAGES + "ledger.html",
        latest=latest,
        log_size=size,
        vkey=verifier.vkey if verifier else None,
        root_hex=latest.root_hex if latest else "",
    )


def _entry(check: ReceiptCheck) -> dict[str, Any]:
    """What the verified entry says: its kind and its body (now trusted: it is in the log)."""
    data = check.entry or b""
    tag, sep, payload = data.partition(b"\n")
    try:
        body = json.loads(payload) if sep else None
        text = json.dumps(body, ensure_ascii=False, indent=2) if body is not None else None
    except (ValueError, UnicodeDecodeError):
        text = None
    return {
        "kind": tag.decode("ascii", "replace") if sep else "raw",
        "body": text,
        "hex": data[:64].hex() if text is None else "",
    }


def _why(web: Web, check: ReceiptCheck) -> str:
    """Why the receipt does not verify, in the reader's language, from the check's code."""
    message = RECEIPT_PROBLEMS.get(check.reason)
    if message is None:
        return web._("The receipt does not verify.")
    if "%(field)s" in message:
        return web._(message, field=check.field or "body")
    return web._(message)


def _verify_page(
    web: Web, form: Form | None = None, *, status: int = 200, result: dict[str, Any] | None = None
) -> Response:
    form = form or Form()
    verifier = _verifier(web)
    return web.page(
        PAGES + "verify.html",
        status_code=status,
        errors=form.errors,
        values=form.values,
        vkey=verifier.vkey if verifier else None,
        result=result,
    )


@router.get("/ledger/verify")
def verify_page(web: WebPage) -> Response:
    return _verify_page(web)


@router.post("/ledger/verify")
async def verify(web: WebPage) -> Response:
    data = await web.form()
    form = Form(data)
    raw = b""
    upload = data.get("receipt_file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(RECEIPT_MAX + 1)
        if len(raw) > RECEIPT_MAX:
            form.error("receipt_file", web._("The receipt file must be 1 MB or smaller"))
    pasted = form.lists.get("receipt_text", [""])[0]
    if not raw and pasted.strip():
        raw = pasted.strip().encode("utf-8")
        if len(raw) > RECEIPT_MAX:
            form.error("receipt_text", web._("The receipt must be 1 MB or smaller"))
    if not raw and form.ok:
        form.error("receipt_file", web._("Choose a receipt file, or paste the receipt below"))
    verifier = _verifier(web)
    if verifier is None and form.ok:
        form.error(
            "receipt_file",
            web._("This platform has no signing key configured, so no receipt can be checked here"),
        )
    if not form.ok:
        return _verify_page(web, form, status=400)
    assert verifier is not None
    # Verifying changes nothing: the language switch posts the receipt again, as text.
    web.replay = True
    web.replay_with = {"receipt_text": raw.decode("utf-8", errors="replace")}
    check = verify_receipt(raw, verifier)
    result: dict[str, Any] = {"ok": check.ok, "why": check.why}
    if check.ok:
        result.update(index=check.index, size=check.size, origin=check.origin, entry=_entry(check))
    else:
        result["reason"] = _why(web, check)
    return _verify_page(web, Form(), result=result)
