"""A certificate's document, its signature and its offline check: pure, no database.

The document is canonical JSON (the ledger's `canonical_json`: sorted keys, no whitespace,
UTF-8). Its signature is Ed25519 by the ledger's key over `SIGNED_PREFIX ‖ canonical bytes`,
written `base64(key ID ‖ signature)` as the signed-note signature lines are; its SHA-256 is on
the log in a `certificate/v1` entry. A certificate file holds all three, and a receipt (the
entry, its inclusion proof and a signed checkpoint) so that it can be checked with nothing but
the platform's public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ftzlink.errors import InvalidInput, NotGenuine, Problem
from ftzlink.ledger.log import canonical_json
from ftzlink.ledger.verifier import (
    VerificationError,
    VerifierKey,
    parse_vkey,
    verify_receipt,
)

__all__ = [
    "DOCUMENT_FORMAT",
    "FILE_FORMAT",
    "LEDGER_KIND",
    "Checked",
    "document_hash",
    "ledger_body",
    "parse_key",
    "signed_bytes",
    "verify_file",
    "verify_signature",
]

DOCUMENT_FORMAT = "ftzlink-certificate/v1"
FILE_FORMAT = "ftzlink-certificate-file/v1"
LEDGER_KIND = "certificate/v1"
# Domain separation: a certificate's signature can never pass for a checkpoint's, nor the reverse.
SIGNED_PREFIX = b"ftzlink-certificate/v1\n"
_FILE_FIELDS = frozenset({"format", "document", "sha256", "signature", "receipt"})


def signed_bytes(document: Mapping[str, Any]) -> bytes:
    return SIGNED_PREFIX + canonical_json(document)


def document_hash(document: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical document: what the log holds and the QR code carries."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def ledger_body(document: Mapping[str, Any]) -> dict[str, Any]:
    """The log entry of a certificate: its number, kind and hash; no names, no personal data."""
    return {
        "number": document["number"],
        "kind": document["kind"],
        "sha256": document_hash(document),
    }


def verify_signature(document: Mapping[str, Any], signature: str, key: VerifierKey) -> bool:
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    if len(raw) != 4 + 64 or raw[:4] != key.key_id:
        return False
    return key.verify(signed_bytes(document), raw[4:])


def parse_key(text: str) -> VerifierKey:
    """A verifier key (`name+id+base64`), or InvalidInput saying why it is not one."""
    try:
        return parse_vkey(text)
    except VerificationError as error:
        raise InvalidInput("not a verifier key", [Problem(str(error), field="key")]) from None


@dataclass(frozen=True)
class Checked:
    """A certificate file that verified: its document, hash and where it is on the log."""

    document: dict[str, Any]
    sha256: str
    ledger_index: int
    tree_size: int


def _refuse(message: str, reason: str) -> NotGenuine:
    return NotGenuine(message, reason=reason)


def verify_file(data: bytes | str | Mapping[str, Any], key: VerifierKey) -> Checked:
    """Check a certificate file offline: the signature over the document, the document's hash,
    and the log entry of that hash in a tree whose checkpoint the same key signed.

    Raises NotGenuine (with the check that failed) unless every part holds.
    """
    try:
        file: Any = json.loads(data) if isinstance(data, bytes | str) else data
    except (ValueError, UnicodeDecodeError):
        raise _refuse("the file is not JSON", "format") from None
    if not isinstance(file, Mapping) or file.get("format") != FILE_FORMAT:
        raise _refuse(f"not a certificate file in the {FILE_FORMAT} format", "format")
    if extra := sorted(set(file) - _FILE_FIELDS):
        raise _refuse(f"the file carries a field that was not signed: {extra[0]}", "format")
    document, signature = file.get("document"), file.get("signature")
    if not isinstance(document, Mapping) or not isinstance(signature, str):
        raise _refuse("the file lacks its document or its signature", "format")
    if document.get("format") != DOCUMENT_FORMAT or not isinstance(document.get("number"), str):
        raise _refuse(f"the document is not in the {DOCUMENT_FORMAT} format", "format")
    try:
        digest = document_hash(document)
    except InvalidInput:
        raise _refuse("the document holds values a certificate cannot hold", "format") from None
    if not verify_signature(document, signature, key):
        raise _refuse(
            f"the signature does not verify with the key {key.vkey}: the document was altered "
            "after it was signed, or another key signed it",
            "signature",
        )
    if "sha256" in file and file["sha256"] != digest:
        raise _refuse("the file's sha256 field is not the document's hash", "altered")
    receipt = file.get("receipt")
    if not isinstance(receipt, Mapping):
        raise _refuse("the file lacks its ledger receipt", "format")
    result = verify_receipt(receipt, key)
    if not result.ok or result.entry is None or result.index is None or result.size is None:
        raise _refuse(f"the ledger receipt does not verify: {result.why}", "ledger")
    expected = LEDGER_KIND.encode("ascii") + b"\n" + canonical_json(ledger_body(document))
    if result.entry != expected:
        raise _refuse(
            "the ledger entry is not this certificate's: its number, kind or hash differ", "ledger"
        )
    return Checked(dict(document), digest, result.index, result.size)
