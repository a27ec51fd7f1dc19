"""Form answers and what is wrong with them, the way the pages show it: an error summary that
links to each field, the message beside the field, and every answer kept."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.datastructures import FormData

__all__ = ["N_", "FieldError", "Form"]


def N_(message: str) -> str:
    return message


@dataclass(frozen=True)
class FieldError:
    field: str  # the id of the input the summary links to
    message: str  # already translated


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

    def error(self, field: str, message: str) -> None:
        if not any(e.field == field for e in self.errors):
            self.errors.append(FieldError(field, message))

    @property
    def ok(self) -> bool:
        return not self.errors
