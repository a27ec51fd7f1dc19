"""The certificate file's offline check, one failure at a time: each altered part is refused with
the check that failed, and only the untouched file passes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ftzlink.certificates.document import (
    DOCUMENT_FORMAT,
    FILE_FORMAT,
    LEDGER_KIND,
    document_hash,
    ledger_body,
    signed_bytes,
    verify_file,
)
from ftzlink.db import Database
from ftzlink.errors import NotGenuine
from ftzlink.ledger import checkpoints, log
from ftzlink.ledger.keys import Signer, generate
from ftzlink.ledger.receipts import build_receipt
from ftzlink.settings import Settings

ORIGIN = Settings.model_fields["ledger_origin"].default


def _document(number: str = "GA-2026-000001") -> dict[str, Any]:
    return {
        "format": DOCUMENT_FORMAT,
        "kind": "grant-approval",
        "number": number,
        "issued_on": "2026-05-20",
        "title": {"zh": "资金扶持核准通知书", "en": "Notice of Grant Approval"},
        "subject": {"name": "示例公司"},
        "facts": [{"label": {"zh": "核准金额", "en": "Amount approved"},
                   "value": {"zh": "600万元", "en": "6,000,000 yuan"}}],
    }  # fmt: skip


def _file(database: Database, signer: Signer, document: dict[str, Any]) -> dict[str, Any]:
    with database.write() as session:
        log.append(session, kind="audit/v1", body={"before": True})
        index = log.append(session, kind=LEDGER_KIND, body=ledger_body(document)).index
        checkpoints.sign_checkpoint(session, signer)
        receipt = build_receipt(session, index).as_dict()
    signature = signer.private_key.sign(signed_bytes(document))
    return {
        "format": FILE_FORMAT,
        "document": document,
        "sha256": document_hash(document),
        "signature": base64.b64encode(signer.verifier.key_id + signature).decode(),
        "receipt": receipt,
    }


@pytest.fixture
def signer() -> Signer:
    return generate(ORIGIN)


def test_an_untouched_file_verifies(database: Database, signer: Signer) -> None:
    checked = verify_file(json.dumps(_file(database, signer, _document())), signer.verifier)
    assert checked.document["number"] == "GA-2026-000001"
    assert (checked.ledger_index, checked.tree_size) == (1, 2)


def _refused(data: Any, signer: Signer) -> NotGenuine:
    with pytest.raises(NotGenuine) as refused:
        verify_file(data, signer.verifier)
    return refused.value


def test_a_changed_fact_breaks_the_signature(database: Database, signer: Signer) -> None:
    data = _file(database, signer, _document())
    data["document"]["facts"][0]["value"]["en"] = "8,000,000 yuan"
    assert _refused(data, signer).reason == "signature"


def test_another_key_does_not_verify(database: Database, signer: Signer) -> None:
    data = _file(database, signer, _document())
    with pytest.raises(NotGenuine) as refused:
        verify_file(data, generate(ORIGIN).verifier)
    assert refused.value.reason == "signature"


def test_a_receipt_for_another_certificate_does_not_vouch_for_this_one(
    database: Database, signer: Signer
) -> None:
    data = _file(database, signer, _document())
    other = _file(database, signer, _document("GA-2026-000002"))
    data["receipt"] = other["receipt"]
    refused = _refused(data, signer)
    assert refused.reason == "ledger" and "not this certificate's" in str(refused)


def test_a_field_nobody_signed_or_a_wrong_hash_is_refused(
    database: Database, signer: Signer
) -> None:
    data = _file(database, signer, _document())
    assert _refused({**data, "note": "genuine!"}, signer).reason == "format"
    assert _refused({**data, "sha256": "0" * 64}, signer).reason == "altered"
    assert _refused(b"not json", signer).reason == "format"
    broken = json.loads(json.dumps(data))
    broken["receipt"]["tlog_proof"] = broken["receipt"]["tlog_proof"].replace("index 1", "index 0")
    assert _refused(broken, signer).reason == "ledger"
