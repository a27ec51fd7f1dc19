"""What the invitation services share: the typed refusal of an inviter that may not invite, the
results handed back, and the verification code (shown once, stored as its SHA-256 digest)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from ftzlink.errors import Conflict
from ftzlink.organisations.tables import Organisation
from ftzlink.talent.invitation_tables import Invitation, InvitingUnit

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "Check",
    "InviterNotApproved",
    "IssuedInvitation",
    "Reason",
    "format_code",
    "normalise_code",
]

# --- errors and results -------------------------------------------------------------------------

Reason = Literal["not_registered", "pending", "revoked", "expired"]


class InviterNotApproved(Conflict):
    """An invitation refused because the organisation is not an approved inviting unit today.

    `code` names the reason: inviter_not_registered, inviter_pending, inviter_revoked,
    inviter_expired.
    """

    def __init__(self, reason: Reason, message: str, *, since: dt.date | None = None) -> None:
        self.reason = reason
        self.since = since
        self.code = f"inviter_{reason}"
        super().__init__(message)


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    code: str  # shown once; only its digest is stored


@dataclass(frozen=True)
class Check:
    """The answer to a check by code: None when the code is not genuine (forged or unknown)."""

    invitation: Invitation
    unit: InvitingUnit
    organisation: Organisation
    within_entry_period: bool  # today is on or before the enter-by date
    inviter_revoked_on: dt.date | None  # the inviter's registration was revoked later


# --- the verification code ----------------------------------------------------------------------

# 30 symbols without 0/O, 1/I/L or U: easy to read aloud and to type from a printed letter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 20  # 20 symbols of 30: about 98 bits, far beyond guessing
_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """`ABCDEFGHJK…` → `ABCDE-FGHJK-…`, as printed on the letter."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def normalise_code(text: str) -> str:
    """The code as typed (any case, with spaces or hyphens) in its stored form."""
    return re.sub(r"[\s\-‐-―]", "", text).upper()


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
