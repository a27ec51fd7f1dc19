"""Personal data of foreign professionals: who may see it in full, and how it is masked elsewhere.

A passport number is shown in full only to members of the employer that files for the person and to
the officials who decide the person's permits. Lists, exports, the audit log and everyone else get the
masked form: the first two and last two characters, the rest as asterisks.
"""

from __future__ import annotations

__all__ = ["mask_passport"]


def mask_passport(number: str) -> str:
    """`E12345678` → `E1*****78`; a number of four characters or fewer is masked whole."""
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]
