"""The ledger's Ed25519 signing key, in the signed-note formats, kept outside the database.

Private key text: `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ 32-byte seed)>`;
verifier (public) key: `<name>+<hex key ID>+<base64(0x01 ‖ 32-byte public key)>`, the key ID
being SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] (C2SP signed-note).

The key comes from `Settings.ledger_key` (env `FTZLINK_LEDGER_KEY`, the text itself) or else
the file `Settings.ledger_key_path` (env `FTZLINK_LEDGER_KEY_FILE`, default
`<data dir>/ledger.key`), which `ftzlink ledger keygen` writes with mode 0600.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ftzlink.errors import Conflict, InvalidInput, NotFound, Problem
from ftzlink.ledger.verifier import ED25519, SIGNATURE_PREFIX, VerifierKey, key_id
from ftzlink.settings import Settings

__all__ = ["Signer", "generate", "load_signer", "parse_private_key", "write_key_file"]

_RAW = serialization.Encoding.Raw


@dataclass(frozen=True)
class Signer:
    """The log's signing key, and (as configured) the directory its checkpoints are published to."""

    name: str
    private_key: Ed25519PrivateKey
    publish_to: Path | None = None  # see ftzlink.ledger.published; None: the database only

    @property
    def verifier(self) -> VerifierKey:
        public = self.private_key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
        return VerifierKey(self.name, key_id(self.name, public), public)

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def signature_line(self, text: str) -> str:
        """`— <name> <base64(key ID ‖ signature)>` over a note's text (ending in a newline)."""
        signature = self.private_key.sign(text.encode())
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"

    def sign_note(self, text: str) -> str:
        return f"{text}\n{self.signature_line(text)}"

    def private_text(self) -> str:
        seed = self.private_key.private_bytes(
            _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        encoded = base64.b64encode(bytes([ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{encoded}"


def generate(name: str) -> Signer:
    if not name or any(ch in name for ch in " +\n\t"):
        raise InvalidInput(f"{name!r} cannot name a key", [Problem("no spaces or '+'")])
    return Signer(name, Ed25519PrivateKey.generate())


def parse_private_key(text: str) -> Signer:
    parts = text.strip().split("+", 4)  # base64 has '+' too: the key is the rest
    bad = InvalidInput(
        "not a ledger private key",
        [Problem("expected PRIVATE+KEY+<name>+<key ID>+<base64 key>", field="ledger key")],
    )
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise bad
    name, hex_id, encoded = parts[2:]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise bad from None
    if len(raw) != 33 or raw[0] != ED25519:
        raise bad
    signer = Signer(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
    if signer.verifier.key_id.hex() != hex_id.lower():
        raise bad
    return signer


def write_key_file(path: Path, signer: Signer, *, overwrite: bool = False) -> None:
    """Write the private key readable by its owner only (0600); refuse to replace one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not overwrite:
        raise Conflict(f"{path} already holds a key; a new one would orphan the checkpoints")
    if overwrite:
        path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(signer.private_text() + "\n")


def load_signer(settings: Settings) -> Signer:
    """The configured signing key (the env text first, else the key file)."""
    if settings.ledger_key is not None:
        signer = parse_private_key(settings.ledger_key.get_secret_value())
    else:
        path = settings.ledger_key_path
        if not path.exists():
            raise NotFound(
                f"no ledger key at {path}: run `ftzlink ledger keygen` "
                "or set FTZLINK_LEDGER_KEY / FTZLINK_LEDGER_KEY_FILE"
            )
        signer = parse_private_key(path.read_text(encoding="ascii"))
    if signer.name != settings.ledger_origin:
        raise Conflict(
            f"the ledger key is named {signer.name!r} but the log's origin is "
            f"{settings.ledger_origin!r}"
        )
    return replace(signer, publish_to=settings.ledger_checkpoints_path)


def configured_signer(settings: Settings) -> Signer | None:
    """The configured signing key, or None when no key is configured."""
    try:
        return load_signer(settings)
    except NotFound:
        return None


def configured_verifier(settings: Settings) -> VerifierKey | None:
    """The public half of the configured signing key, or None when no key is configured."""
    try:
        return load_signer(settings).verifier
    except NotFound:
        return None
