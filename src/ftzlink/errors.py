"""The one error hierarchy of the domain; adapters (CLI, later the API) map it once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CatalogueError",
    "FtzlinkError",
    "InvalidInput",
    "NotFound",
    "Problem",
    "ProfileError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, line, field) and what."""

    message: str
    file: Path | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        what = f"{self.field}: " if self.field else ""
        return f"{where}{what}{self.message}"


class FtzlinkError(Exception):
    """Base of every error the domain raises on purpose. `code` is stable."""

    code = "error"


class NotFound(FtzlinkError):
    code = "not_found"


@dataclass
class InvalidInput(FtzlinkError):
    """Input that cannot be accepted; carries every problem found, not just the first."""

    summary: str
    problems: list[Problem] = field(default_factory=list)
    code = "invalid_input"

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    def __str__(self) -> str:
        lines = [self.summary, *(f"  {p}" for p in self.problems)]
        return "\n".join(lines)


class CatalogueError(InvalidInput):
    """A catalogue or policy-test file that is malformed or inconsistent."""

    code = "invalid_catalogue"


class ProfileError(InvalidInput):
    """An enterprise profile that is malformed."""

    code = "invalid_profile"
