"""Unified social credit code (统一社会信用代码, GB 32100-2015), including both check characters.

Layout: registration authority (1), entity category (1), administrative division (6 digits),
organisation code (9, itself ending in a GB 11714 check character), check character (1).
"""

from __future__ import annotations

__all__ = ["USCC_ALPHABET", "make_uscc", "uscc_problem"]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _uscc_check(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_check(first8: str) -> str:
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_problem(code: str) -> str | None:
    """Why `code` is not a valid USCC, or None if it is."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        return (
            f"contains characters not allowed in a USCC: {''.join(bad)} (I, O, S, V, Z never occur)"
        )
    if not code[2:8].isdigit():
        return "characters 3-8 must be the 6-digit administrative division code"
    if _org_check(code[8:16]) != code[16]:
        return f"organisation-code check character is wrong (character 17 should be {_org_check(code[8:16])})"
    expected = _uscc_check(code[:17])
    if expected != code[17]:
        return f"check character is wrong (character 18 should be {expected})"
    return None


def make_uscc(authority: str, category: str, division: str, org_body: str) -> str:
    """Build a valid USCC from its parts (org_body: the 8 characters before the org check)."""
    first16 = authority + category + division + org_body
    first17 = first16 + _org_check(org_body)
    return first17 + _uscc_check(first17)
