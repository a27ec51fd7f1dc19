"""Integers as JSON Schema reads them: 736 and 736.0 are the same integer; 736.5, "736" and true
are not integers at all. Every integer a request or a profile carries is one of these."""

from __future__ import annotations

from pydantic import BeforeValidator

__all__ = ["WHOLE_NUMBER"]


def _whole_number(value: object) -> object:
    # bool is an int in Python but not in JSON; a numeric string is a string.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("an integer (this number has a fraction)")
        return int(value)
    return value


# Placed after the constraints (`Annotated[int, Field(ge=0), WHOLE_NUMBER]`): before them, it would
# hide the constraints from the JSON Schema (`ge` instead of `minimum`).
WHOLE_NUMBER = BeforeValidator(_whole_number)
