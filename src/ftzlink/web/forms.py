"""Form answers and what is wrong with them, the way the pages show it: an error summary that
links to each field, the message beside the field, and every answer kept; the one way a page
runs a change (`change`) and reads a typed day (`parse_day`) or number (`parse_int`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from ftzlink.errors import Conflict, FtzlinkError, InvalidInput, TooLarge, UnsupportedType

if TYPE_CHECKING:
    from ftzlink.web.context import Web

__all__ = ["N_", "REFUSALS", "FieldError", "Form", "change", "parse_day", "parse_int"]

T = TypeVar("T")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The refusals a person can answer by changing what they typed or chose: shown on the form,
# beside the field. Anything else (not found, forbidden, ...) is the error page's.
# InvalidInput covers CalendarNotCovered; Conflict covers NotEligible, CapExceeded and
# InvalidTransition.
REFUSALS: tuple[type[FtzlinkError], ...] = (InvalidInput, Conflict, TooLarge, UnsupportedType)


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class FieldError:
    field: str  # the id of the input the summary links to
    message: str  # already translated
    code: str | None = None  # the domain error's stable code, where a refusal caused it


class Form:
    """A posted form's answers (as typed) and the errors found in them."""

    def __init__(self, data: FormData | dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {}
        if data is not None:
            items: Iterable[tuple[str, object]] = (
                data.multi_items() if isinstance(data, FormData) else data.items()
            )
            for key, value in items:
                if isinstance(value, str):
                    self.lists.setdefault(key, []).append(value)
                    self.values.setdefault(key, value.strip())
        self.errors: list[FieldError] = []

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def getlist(self, name: str) -> list[str]:
        return [v for v in self.lists.get(name, []) if v.strip()]

    def error(self, field: str, message: str, *, code: str | None = None) -> None:
        if not any(e.field == field for e in self.errors):
            self.errors.append(FieldError(field, message, code))

    def has_code(self, code: str) -> bool:
        """Whether a refusal with this stable code is among the errors (never their text)."""
        return any(e.code == code for e in self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors


def change(
    web: Web,
    produce: Callable[[Session], T],
    *,
    refusals: tuple[type[FtzlinkError], ...] = REFUSALS,
) -> tuple[T | None, FtzlinkError | None]:
    """Run one change in its own transaction. A refusal in `refusals` rolls it back and is handed
    back for the page to show beside its field (by the error's `code` and fields, translated with
    `web.errors.message_for`); any other error propagates to the error page.

    Every page module uses this one helper (replacing its own `_change`), so the same refusal is
    a field error on every journey."""
    try:
        with web.write() as session:
            return produce(session), None
    except refusals as error:
        return None, error


def parse_day(text: str) -> dt.date | None:
    """A day typed as YYYY-MM-DD, or None if it is not one (2025-02-30 is not)."""
    if not _DAY.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_int(text: str, maximum: int) -> int | None:
    """A whole number typed with or without thousands separators (1,000 or 1，000), or None if it
    is not one or exceeds `maximum`."""
    cleaned = text.replace(",", "").replace("\uff0c", "").replace(" ", "")
    if not cleaned.isdigit() or len(cleaned) > 16:
        return None
    value = int(cleaned)
    return value if value <= maximum else None
