"""Reading an enterprise profile from a YAML or JSON file, and checking its values against the
catalogue's vocabularies. Problems name the file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import Problem, ProfileError
from ftzlink.profiles.fields import profile_fields
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.yamlfile import Document, read_document

__all__ = [
    "checked_profile",
    "load_profile",
    "parse_profile",
    "profile_from_data",
    "value_problems",
]


def load_profile(path: Path, catalogue: Catalogue) -> EnterpriseProfile:
    """Load a profile file; raise ProfileError naming every problem (file, line, field)."""
    document = read_document(path)
    if isinstance(document, Problem):
        raise ProfileError(f"cannot read profile {path}", [document])
    return parse_profile(document, catalogue)


def parse_profile(document: Document, catalogue: Catalogue) -> EnterpriseProfile:
    if not isinstance(document.data, dict):
        problem = Problem(
            "a profile is a mapping of fields (name: ..., uscc: ...)", document.path, 1
        )
        raise ProfileError(f"profile {document.path} is malformed", [problem])
    try:
        profile = EnterpriseProfile.model_validate(document.data)
    except ValidationError as exc:
        raise ProfileError(
            f"profile {document.path} is malformed", document.validation_problems(exc)
        ) from None
    problems = [
        document.problem(loc, message) for loc, message in value_problems(profile, catalogue)
    ]
    if problems:
        raise ProfileError(
            f"profile {document.path} has values the catalogue does not know", problems
        )
    return profile


def value_problems(
    profile: EnterpriseProfile, catalogue: Catalogue
) -> list[tuple[tuple[str | int, ...], str]]:
    """Vocabulary values the catalogue does not know, and sub-values under the wrong parent."""
    found: list[tuple[tuple[str | int, ...], str]] = []

    def check(loc: tuple[str | int, ...], vocabulary: str, value: Any) -> None:
        if value is not None and value not in catalogue.known_terms(vocabulary):
            known = ", ".join(sorted(catalogue.known_terms(vocabulary)))
            found.append((loc, f"{value!r} is not a known {vocabulary} value; known: {known}"))

    for path, spec in profile_fields().items():
        if spec.vocabulary and "." not in path:
            check((path,), spec.vocabulary, getattr(profile, path))
    for i, project in enumerate(profile.projects or []):
        check(("projects", i, "kind"), "project_kinds", project.kind)
    for child, parent_field, vocabulary in (
        ("sub_sector", "sector", "sub_sectors"),
        ("sub_area", "zone", "sub_areas"),
    ):
        value, parent = getattr(profile, child), getattr(profile, parent_field)
        term = catalogue.term(vocabulary, value) if value else None
        if term is not None and parent is not None and term.parent != parent:
            found.append(
                ((child,), f"{value!r} belongs to {parent_field} {term.parent!r}, not {parent!r}")
            )
    return found


def profile_from_data(data: dict[str, Any], catalogue: Catalogue) -> EnterpriseProfile:
    """Validate a profile that arrives as data (an API request, a database row), not a file."""
    try:
        profile = EnterpriseProfile.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(error["msg"], field=".".join(str(part) for part in error["loc"]) or None)
            for error in exc.errors()
        ]
        raise ProfileError("the profile is malformed", problems) from None
    return checked_profile(profile, catalogue)


def checked_profile(profile: EnterpriseProfile, catalogue: Catalogue) -> EnterpriseProfile:
    """A well-formed profile whose values the catalogue knows, or ProfileError naming each."""
    found = value_problems(profile, catalogue)
    if found:
        problems = [Problem(message, field=".".join(map(str, loc))) for loc, message in found]
        raise ProfileError("the profile uses values the catalogue does not know", problems)
    return profile
