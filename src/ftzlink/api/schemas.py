"""Shapes shared by the routers: safe strings, identifiers, and a page of a list."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Generic, TypeVar

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ftzlink.numbers import WHOLE_NUMBER

__all__ = ["Day", "DbId", "Listing", "SafeText", "Slug", "Strict", "Year", "Yuan"]

# Text that a database can store as given: no NUL or other control characters but tab/newline.
SafeText = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Yuan = Annotated[int, Field(ge=0, le=10**13, description="integer yuan"), WHOLE_NUMBER]


def _iso_day(value: object) -> object:
    # Pydantic would also read a number, or a numeric string, as a Unix time: `as_of=0` would
    # be 1970-01-01. The schema says a date is YYYY-MM-DD, so only that is taken.
    if isinstance(value, int | float) or (
        isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    ):
        raise ValueError("a day, written YYYY-MM-DD")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_day)]
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Year = Annotated[int, Path(ge=2000, le=2100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


T = TypeVar("T")


class Listing(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int
