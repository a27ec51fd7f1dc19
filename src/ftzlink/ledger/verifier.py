"""A standalone verifier for the ledger's receipts, checkpoints and proofs.

This module imports nothing from the rest of ftzlink (only the standard library and
`cryptography`), so that it can be copied and run by anyone holding a receipt and the log's
public key::

    python verifier.py RECEIPT.json --key 'ftzlink.example/ledger+1a2b3c4d+AR...'

What it implements, and from where:

- RFC 9162 §2.1.1 hashes: leaf SHA-256(0x00 ‖ entry), node SHA-256(0x01 ‖ left ‖ right);
- RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) proof verification;
- C2SP signed-note (Ed25519, key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]) and
  tlog-checkpoint (origin, decimal size, base64 root hash, optional extension lines);
- C2SP tlog-proof@v1 (index, inclusion proof lines, blank line, checkpoint).

A receipt is a JSON object::

    {"format": "ftzlink-ledger-receipt/v1", "entry": "<base64 of the entry's exact bytes>",
     "tlog_proof": "c2sp.org/tlog-proof@v1\\nindex N\\n<base64 hash>\\n...\\n\\n<checkpoint>"}

plus the readable fields `origin`, `index`, `kind` and `body`. A receipt verifies only if each
readable field present says exactly what was signed: `origin` the checkpoint's origin, `index`
the proof's index, `kind` the entry's type tag, `body` the entry's JSON payload (compared as
canonical JSON, so 800 is not 800.0 nor "800"); any other field, or a key given twice, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "EMPTY_ROOT",
    "REASONS",
    "RECEIPT_FORMAT",
    "TLOG_PROOF_HEADER",
    "Checkpoint",
    "ReceiptCheck",
    "VerificationError",
    "VerifierKey",
    "entry_kind",
    "key_id",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "parse_checkpoint_body",
    "parse_tlog_proof",
    "parse_vkey",
    "root_from_inclusion_proof",
    "split_note",
    "verify_consistency",
    "verify_inclusion",
    "verify_receipt",
]

RECEIPT_FORMAT = "ftzlink-ledger-receipt/v1"
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
EMPTY_ROOT = hashlib.sha256(b"").digest()
ED25519 = 0x01  # signed-note signature type
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space begin every signature line
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_KIND = re.compile(r"[a-z0-9][a-z0-9.-]{0,50}/v[1-9][0-9]{0,3}")  # an entry's type tag
RAW_KIND = "raw"  # the kind of an entry that begins with no type tag
# What a receipt holds: the signed part, and the readable part checked against it.
_RECEIPT_FIELDS = frozenset({"format", "origin", "index", "kind", "body", "entry", "tlog_proof"})


# Why something does not verify, as a stable code an adapter translates (never its prose).
REASONS = (
    "bad_base64",  # a base64 part is not valid (canonical) base64
    "bad_checkpoint",  # the checkpoint or signed note is malformed, or from another origin
    "bad_index",  # the entry's index is outside the tree its proof and checkpoint describe
    "bad_json",  # the receipt's JSON holds a non-number constant (NaN, Infinity)
    "bad_key",  # the verifier key is malformed
    "bad_proof",  # the inclusion proof is malformed
    "bad_signature",  # no valid signature by the key
    "body_differs",  # the readable body differs from the signed entry (`field`: the path)
    "duplicate_field",  # a JSON key appears twice (`field`: the key)
    "field_differs",  # origin/index/kind differs from what was signed (`field`: which)
    "not_a_receipt",  # not a receipt of this format, or not readable
    "root_mismatch",  # the entry and proof lead to another root than the signed one
    "unsigned_field",  # a field shown that was not signed (`field`: which)
)


class VerificationError(Exception):
    """Why something does not verify: `reason` (one of REASONS) and `field` for an adapter,
    the message for a person reading this module's output in English."""

    def __init__(self, message: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


# --- RFC 9162 §2.1 ------------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2); raises if it is malformed."""
    if not 0 <= index < size:
        raise VerificationError(
            f"index {index} is outside a tree of size {size}", reason="bad_index"
        )
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError(
                "the inclusion proof is longer than the tree allows", reason="bad_proof"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(
            "the inclusion proof is shorter than the tree requires", reason="bad_proof"
        )
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    try:
        return root_from_inclusion_proof(leaf, index, size, proof) == root
    except VerificationError:
        return False


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2; sizes 0 and equal sizes are consistent only with an empty proof."""
    if first < 0 or second < first:
        return False
    if first == 0:
        return not proof
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- C2SP signed-note and tlog-checkpoint -------------------------------------------------------


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def _b64(text: str, what: str, reason: str = "bad_base64") -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise VerificationError(f"{what} is not valid base64", reason=reason) from None
    if base64.b64encode(raw).decode("ascii") != text:  # unused bits set: one value, one text
        raise VerificationError(f"{what} is not canonical base64", reason=reason)
    return raw


def _valid_name(name: str) -> bool:
    return bool(name) and all(ch not in name for ch in " +\n\t") and name.isprintable()


@dataclass(frozen=True)
class VerifierKey:
    """A signed-note verifier key: `<name>+<hex key ID>+<base64(0x01 ‖ Ed25519 public key)>`."""

    name: str
    key_id: bytes
    public_key: bytes

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_vkey(vkey: str) -> VerifierKey:
    parts = vkey.strip().split("+", 2)  # base64 has '+' too: the key is the rest
    if len(parts) != 3:
        raise VerificationError(
            "a verifier key reads <name>+<key ID>+<base64 key>", reason="bad_key"
        )
    name, hex_id, encoded = parts
    if not _valid_name(name):
        raise VerificationError(f"{name!r} is not a valid key name", reason="bad_key")
    raw = _b64(encoded, "the verifier key", "bad_key")
    if len(raw) != 33 or raw[0] != ED25519:
        raise VerificationError("the verifier key is not an Ed25519 key", reason="bad_key")
    public_key = raw[1:]
    expected = key_id(name, public_key)
    if hex_id.lower() != expected.hex() or len(hex_id) != 8:
        raise VerificationError(
            "the verifier key's ID does not match its name and key", reason="bad_key"
        )
    return VerifierKey(name, expected, public_key)


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint whose signature has been checked (or a body just parsed, if `note` is '')."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()
    note: str = ""

    @property
    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint_body(body: str) -> Checkpoint:
    if not body.endswith("\n"):
        raise VerificationError(
            "the checkpoint body does not end with a newline", reason="bad_checkpoint"
        )
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError(
            "a checkpoint has an origin, a size and a root hash line", reason="bad_checkpoint"
        )
    origin, size_text, root_text, *extensions = lines
    if not origin or not origin.isprintable():
        raise VerificationError(
            "the checkpoint's origin line is empty or not printable", reason="bad_checkpoint"
        )
    if not _DECIMAL.fullmatch(size_text):
        raise VerificationError(
            "the checkpoint's size is not a decimal number", reason="bad_checkpoint"
        )
    root = _b64(root_text, "the checkpoint's root hash")
    if len(root) != 32:
        raise VerificationError(
            "the checkpoint's root hash is not 32 bytes", reason="bad_checkpoint"
        )
    if any(not line for line in extensions):
        raise VerificationError(
            "the checkpoint has an empty line in its body", reason="bad_checkpoint"
        )
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def split_note(note: str) -> tuple[str, list[str]]:
    """A signed note's text (ending in a newline) and its signature lines; raise if malformed."""
    if "\n\n" not in note:
        raise VerificationError(
            "the signed note has no blank line before its signatures", reason="bad_signature"
        )
    split = note.rindex("\n\n")
    text, signatures = note[: split + 1], note[split + 2 :]
    if not signatures.endswith("\n"):
        raise VerificationError(
            "the signed note's last signature line does not end with a newline",
            reason="bad_signature",
        )
    lines = signatures[:-1].split("\n")
    if any(not line.startswith(SIGNATURE_PREFIX) for line in lines):
        raise VerificationError(
            "a signature line does not begin with an em dash", reason="bad_signature"
        )
    return text, lines


def open_checkpoint(note: str, key: VerifierKey, *, origin: str | None = None) -> Checkpoint:
    """Check a signed checkpoint against a key (and an expected origin); return its contents."""
    text, lines = split_note(note)
    checkpoint = parse_checkpoint_body(text)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(
            f"the checkpoint is from {checkpoint.origin!r}, not the expected {origin!r}",
            reason="bad_checkpoint",
        )
    verified = False
    for line in lines:
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        if name != key.name:
            continue
        raw = _b64(encoded, "a signature", "bad_signature")
        if len(raw) != 4 + 64 or raw[:4] != key.key_id:
            continue
        if not key.verify(text.encode(), raw[4:]):
            raise VerificationError(
                f"the signature by {key.name} does not verify", reason="bad_signature"
            )
        verified = True
    if not verified:
        raise VerificationError(
            f"the checkpoint carries no signature by the key {key.vkey}", reason="bad_signature"
        )
    return Checkpoint(
        checkpoint.origin, checkpoint.size, checkpoint.root_hash, checkpoint.extensions, note
    )


# --- C2SP tlog-proof and the receipt ------------------------------------------------------------


def parse_tlog_proof(text: str) -> tuple[int, list[bytes], str, bytes | None]:
    """(index, inclusion proof, checkpoint note, extra data) of a tlog-proof@v1 text."""
    header, sep, rest = text.partition("\n")
    if header != TLOG_PROOF_HEADER or not sep:
        raise VerificationError(
            f"the proof does not begin with {TLOG_PROOF_HEADER}", reason="bad_proof"
        )
    if "\n\n" not in rest:
        raise VerificationError(
            "the proof has no blank line before its checkpoint", reason="bad_checkpoint"
        )
    head, _, checkpoint = rest.partition("\n\n")
    lines = head.split("\n")
    extra: bytes | None = None
    if lines and lines[0].startswith("extra "):
        extra = _b64(lines.pop(0)[len("extra ") :], "the proof's extra data")
    if not lines or not lines[0].startswith("index "):
        raise VerificationError("the proof has no index line", reason="bad_index")
    index_text = lines.pop(0)[len("index ") :]
    if not _DECIMAL.fullmatch(index_text):
        raise VerificationError("the proof's index is not a decimal number", reason="bad_index")
    hashes = [_b64(line, "an inclusion proof hash") for line in lines]
    if any(len(h) != 32 for h in hashes):
        raise VerificationError("an inclusion proof hash is not 32 bytes", reason="bad_proof")
    return int(index_text), hashes, checkpoint, extra


@dataclass(frozen=True)
class ReceiptCheck:
    """A receipt's check: `why` in English for a person; `reason` (one of REASONS, '' when ok)
    and `field` for an adapter to say it in the reader's language."""

    ok: bool
    why: str
    index: int | None = None
    size: int | None = None
    origin: str | None = None
    entry: bytes | None = None
    reason: str = ""
    field: str | None = None


def entry_kind(entry: bytes) -> str:
    """The type tag an entry's bytes begin with (`audit/v1`…), or `raw` if they begin with none."""
    tag, sep, _ = entry[:64].partition(b"\n")
    if sep:
        kind = tag.decode("ascii", errors="replace")
        if _KIND.fullmatch(kind):
            return kind
    return RAW_KIND


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    twice = next((key for key in keys if keys.count(key) > 1), None)
    if twice is not None:
        raise VerificationError(
            f"the key {twice!r} appears twice: a reader could see either value",
            reason="duplicate_field",
            field=twice,
        )
    return dict(pairs)


def _no_constant(text: str) -> Any:
    raise VerificationError(f"{text} is not a JSON number", reason="bad_json")


def _strict_json(text: str | bytes) -> Any:
    return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _first_difference(shown: Any, signed: Any, path: str) -> str:
    """The path of the first place where what a receipt shows differs from what was signed."""
    if isinstance(shown, Mapping) and isinstance(signed, Mapping):
        for key in sorted(set(shown) | set(signed)):
            if (
                key not in shown
                or key not in signed
                or _canonical(shown[key]) != _canonical(signed[key])
            ):
                if key in shown and key in signed:
                    return _first_difference(shown[key], signed[key], f"{path}.{key}")
                return f"{path}.{key}"
    if isinstance(shown, list) and isinstance(signed, list) and len(shown) == len(signed):
        for i, (a, b) in enumerate(zip(shown, signed, strict=True)):
            if _canonical(a) != _canonical(b):
                return _first_difference(a, b, f"{path}[{i}]")
    return path


def _signed_body(entry: bytes) -> Any:
    """The entry's payload as JSON, or raise: a body shown for it would be made up."""
    if entry_kind(entry) == RAW_KIND:
        raise VerificationError(
            "the receipt shows a body, but its signed entry has no JSON body",
            reason="unsigned_field",
            field="body",
        )
    try:
        return _strict_json(entry.partition(b"\n")[2].decode("utf-8"))
    except (ValueError, UnicodeDecodeError, VerificationError):
        raise VerificationError(
            "the receipt shows a body, but its signed entry has no JSON body",
            reason="unsigned_field",
            field="body",
        ) from None


def _check_readable(data: Mapping[str, Any], index: int, origin: str, entry: bytes) -> None:
    """Every field a person reads in the receipt says exactly what was signed, or raise."""
    extra = sorted(set(data) - _RECEIPT_FIELDS)
    if extra:
        raise VerificationError(
            f"the receipt carries a field that was not signed: {extra[0]}",
            reason="unsigned_field",
            field=extra[0],
        )
    if "origin" in data and data["origin"] != origin:
        raise VerificationError(
            f"the receipt's origin field differs from what was signed: origin says "
            f"{data['origin']!r}, the signed checkpoint {origin!r}",
            reason="field_differs",
            field="origin",
        )
    shown_index = data.get("index", index)
    if type(shown_index) is not int or shown_index != index:
        raise VerificationError(
            f"the receipt's index field differs from what was signed: index says "
            f"{shown_index!r}, the proof's index is {index}",
            reason="field_differs",
            field="index",
        )
    kind = entry_kind(entry)
    if "kind" in data and data["kind"] != kind:
        raise VerificationError(
            f"the receipt's kind field differs from what was signed: kind says "
            f"{data['kind']!r}, the signed entry is {kind!r}",
            reason="field_differs",
            field="kind",
        )
    if "body" in data:
        signed = _signed_body(entry)
        if _canonical(data["body"]) != _canonical(signed):
            where = _first_difference(data["body"], signed, "body")
            raise VerificationError(
                f"the receipt's body differs from what was signed at {where}: only the signed "
                "entry is true",
                reason="body_differs",
                field=where,
            )


def verify_receipt(
    receipt: Mapping[str, Any] | str | bytes, key: str | VerifierKey, *, origin: str | None = None
) -> ReceiptCheck:
    """Check a receipt with nothing but the log's public key: ok, or why not.

    The entry must be in the signed tree, and every readable field (`origin`, `index`, `kind`,
    `body`) must say exactly what was signed: a receipt whose readable part was changed is
    refused with the field named.
    """
    try:
        verifier = parse_vkey(key) if isinstance(key, str) else key
        data: Any = _strict_json(receipt) if isinstance(receipt, str | bytes) else receipt
        if not isinstance(data, Mapping) or data.get("format") != RECEIPT_FORMAT:
            raise VerificationError(
                f"not a receipt in the {RECEIPT_FORMAT} format", reason="not_a_receipt"
            )
        entry, proof_text = data.get("entry"), data.get("tlog_proof")
        if not isinstance(entry, str) or not isinstance(proof_text, str):
            raise VerificationError(
                "the receipt lacks its entry or its tlog_proof", reason="not_a_receipt"
            )
        entry_bytes = _b64(entry, "the receipt's entry")
        index, proof, note, _extra = parse_tlog_proof(proof_text)
        checkpoint = open_checkpoint(note, verifier, origin=origin or verifier.name)
        if index >= checkpoint.size:
            raise VerificationError(
                f"entry {index} is not in the checkpointed tree of size {checkpoint.size}",
                reason="bad_index",
            )
        root = root_from_inclusion_proof(leaf_hash(entry_bytes), index, checkpoint.size, proof)
        if root != checkpoint.root_hash:
            raise VerificationError(
                f"the entry and proof lead to a root other than the signed checkpoint's "
                f"(entry {index}, tree size {checkpoint.size})",
                reason="root_mismatch",
            )
        _check_readable(data, index, checkpoint.origin, entry_bytes)
    except VerificationError as error:
        return ReceiptCheck(False, str(error), reason=error.reason, field=error.field)
    except (ValueError, UnicodeDecodeError) as error:
        return ReceiptCheck(False, f"the receipt is not readable: {error}", reason="not_a_receipt")
    return ReceiptCheck(
        True,
        f"entry {index} is in the log {checkpoint.origin} as of its signed checkpoint of "
        f"size {checkpoint.size}",
        index,
        checkpoint.size,
        checkpoint.origin,
        entry_bytes,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3 or args[1] != "--key":
        print("usage: verifier.py RECEIPT --key VERIFIER_KEY", file=sys.stderr)
        return 2
    with open(args[0], "rb") as file:  # noqa: PTH123  (standalone: no pathlib needed)
        result = verify_receipt(file.read(), args[2])
    print(("OK: " if result.ok else "FAILED: ") + result.why)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
