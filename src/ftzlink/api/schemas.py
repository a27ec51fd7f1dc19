"""Shapes shared by the routers: safe strings, identifiers, and a page of a list."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DbId", "Listing", "SafeText", "Slug", "Strict", "Year", "Yuan"]

# Text that a database can store as given: no NUL or other control characters but tab/newline.
SafeText = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Yuan = Annotated[int, Field(ge=0, le=10**13, description="integer yuan")]
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
