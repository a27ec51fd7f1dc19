"""Loading the talent rules from `catalogue/data/talent/`, refusing anything malformed with
file:line: field, as the catalogue loader does.

The talent rules load separately from the policy catalogue (`load_talent_rules()`): they cite
national and municipal sources beside the seeds, and test a professional's facts, not an
enterprise profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter

from ftzlink.catalogue.checks import Finding, condition_findings, duplicate_findings
from ftzlink.catalogue.conditions import Condition
from ftzlink.catalogue.loader import BUNDLED_DIR
from ftzlink.catalogue.loader import _parse as parse_file  # the same file:line reporting
from ftzlink.errors import CatalogueError, Problem
from ftzlink.profiles.fields import FieldSpec
from ftzlink.talent.models import (
    FactDefinition,
    PointsTable,
    ResidenceRules,
    TalentCitation,
    TalentRules,
    TalentSource,
    Tracks,
)
from ftzlink.text import Text
from ftzlink.yamlfile import Document

__all__ = [
    "TALENT_DIR",
    "TOTAL_POINTS",
    "bundled_talent_rules",
    "field_specs",
    "load_talent_rules",
]

TALENT_DIR = BUNDLED_DIR / "talent"
Loc = tuple[int | str, ...]

# The one fact a category tests: the points total the factors gave.
TOTAL_POINTS = FieldSpec("total_points", "int", Text(zh="积分总分", en="Total points"))


def field_specs(definitions: Sequence[FactDefinition]) -> dict[str, FieldSpec]:
    """The facts as the engine's field specs; a field with choices is its own vocabulary."""
    return {
        d.id: FieldSpec(d.id, d.type, d.label, vocabulary=d.id if d.choices else None)
        for d in definitions
    }


def load_talent_rules(directory: Path = TALENT_DIR) -> TalentRules:
    """Load and cross-check a talent rules directory; raise CatalogueError listing every problem."""
    if not directory.is_dir():
        raise CatalogueError(f"talent rules directory {directory} does not exist", [])
    problems: list[Problem] = []
    sources = parse_file(directory / "sources.yaml", TypeAdapter(list[TalentSource]), problems)
    points = parse_file(directory / "points.yaml", PointsTable, problems)
    residence = parse_file(directory / "residence.yaml", ResidenceRules, problems)
    tracks = parse_file(directory / "tracks.yaml", Tracks, problems)
    if sources is not None:
        # Cross-check each file that parsed, so one broken file does not hide another's problems.
        known = {s.id for s in sources[0]}
        problems += _located(sources[1], duplicate_findings(sources[0], (), "source"))
        if points is not None:
            problems += _located(points[1], _points_findings(points[0], known))
        if residence is not None:
            problems += _located(residence[1], _residence_findings(residence[0], known))
        if tracks is not None:
            problems += _located(tracks[1], _tracks_findings(tracks[0], known))
    if problems or sources is None or points is None or residence is None or tracks is None:
        raise CatalogueError(f"the talent rules in {directory} are invalid", problems)
    return TalentRules(
        sources=sources[0], points=points[0], residence=residence[0], tracks=tracks[0]
    )


@cache
def bundled_talent_rules() -> TalentRules:
    """The talent rules shipped inside the package (loaded once per process)."""
    return load_talent_rules(TALENT_DIR)


def _located(document: Document, findings: Iterator[Finding]) -> list[Problem]:
    return [document.problem(loc, message) for loc, message in findings]


def _citation_findings(citation: TalentCitation, known: set[str], loc: Loc) -> Iterator[Finding]:
    if citation.source not in known:
        yield (
            (*loc, "source"),
            f"{citation.source!r} is not a known talent source; known: {', '.join(sorted(known))}",
        )


def _conditions(
    when: Condition, specs: dict[str, FieldSpec], definitions: Sequence[FactDefinition], loc: Loc
) -> Iterator[Finding]:
    choices = {d.id: {c.id for c in d.choices or []} for d in definitions}
    terms: Callable[[str], set[str]] = lambda vocabulary: choices.get(vocabulary, set())  # noqa: E731
    yield from condition_findings(when, specs, terms, loc)


def _fact_findings(definitions: Sequence[FactDefinition], loc: Loc) -> Iterator[Finding]:
    yield from duplicate_findings(definitions, loc, "field")
    for i, definition in enumerate(definitions):
        if definition.choices is not None:
            yield from duplicate_findings(definition.choices, (*loc, i, "choices"), "choice")


def _points_findings(table: PointsTable, known: set[str]) -> Iterator[Finding]:
    specs = field_specs(table.fields)
    yield from _citation_findings(table.citation, known, ("citation",))
    yield from _fact_findings(table.fields, ("fields",))
    yield from duplicate_findings(table.factors, ("factors",), "factor")
    for i, factor in enumerate(table.factors):
        yield from _citation_findings(factor.citation, known, ("factors", i, "citation"))
        for j, band in enumerate(factor.bands):
            if band.points > factor.max_points:
                yield (
                    ("factors", i, "bands", j, "points"),
                    f"{band.points} points is above the factor's maximum of {factor.max_points}",
                )
            yield from _conditions(
                band.when, specs, table.fields, ("factors", i, "bands", j, "when")
            )
    yield from duplicate_findings(table.categories, ("categories",), "category")
    for i, category in enumerate(table.categories):
        yield from _citation_findings(category.citation, known, ("categories", i, "citation"))
        yield from _conditions(
            category.when, {"total_points": TOTAL_POINTS}, [], ("categories", i, "when")
        )


def _residence_findings(rules: ResidenceRules, known: set[str]) -> Iterator[Finding]:
    specs = field_specs(rules.fields)
    yield from _citation_findings(rules.duration.citation, known, ("duration", "citation"))
    yield from _fact_findings(rules.fields, ("fields",))
    yield from duplicate_findings(rules.five_year_routes, ("five_year_routes",), "route")
    for i, route in enumerate(rules.five_year_routes):
        loc: Loc = ("five_year_routes", i)
        yield from _citation_findings(route.citation, known, (*loc, "citation"))
        yield from _conditions(route.when, specs, rules.fields, (*loc, "when"))
    family = rules.family
    family_specs = field_specs(family.fields)
    yield from _citation_findings(family.citation, known, ("family", "citation"))
    yield from _fact_findings(family.fields, ("family", "fields"))
    yield from duplicate_findings(family.members, ("family", "members"), "member")
    for i, member in enumerate(family.members):
        loc = ("family", "members", i)
        yield from _citation_findings(member.citation, known, (*loc, "citation"))
        yield from _conditions(member.when, family_specs, family.fields, (*loc, "when"))


def _tracks_findings(tracks: Tracks, known: set[str]) -> Iterator[Finding]:
    work = tracks.work_permit
    yield from _citation_findings(
        work.deadline_citation, known, ("work_permit", "deadline_citation")
    )
    yield from _citation_findings(work.longest_citation, known, ("work_permit", "longest_citation"))
    yield from _citation_findings(tracks.residence.citation, known, ("residence", "citation"))
