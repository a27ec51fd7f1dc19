"""Loading the catalogue from its YAML files, refusing anything malformed with file:line: field."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ftzlink.catalogue.checks import Finding, condition_findings, duplicate_findings
from ftzlink.catalogue.models import (
    Batch,
    Catalogue,
    Citation,
    Measure,
    Policy,
    Source,
    Vocabulary,
    Zone,
)
from ftzlink.errors import CatalogueError, Problem
from ftzlink.profiles.fields import profile_fields
from ftzlink.yamlfile import Document, read_document

__all__ = [
    "BUNDLED_DIR",
    "bundled_catalogue",
    "load_catalogue",
    "load_policy_file",
    "policy_files",
    "with_policy_file",
]

BUNDLED_DIR = Path(__file__).parent / "data"
T = TypeVar("T")


class ZonesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    batches: list[Batch] = Field(default_factory=list)
    zones: list[Zone]


def _parse(
    path: Path, schema: type[T] | TypeAdapter[T], problems: list[Problem]
) -> tuple[T, Document] | None:
    document = read_document(path)
    if isinstance(document, Problem):
        problems.append(document)
        return None
    adapter = schema if isinstance(schema, TypeAdapter) else TypeAdapter(schema)
    try:
        return adapter.validate_python(document.data), document
    except ValidationError as exc:
        problems.extend(document.validation_problems(exc))
        return None


def policy_files(directory: Path) -> list[Path]:
    """The policy files of a directory, in a stable order (test files excluded)."""
    return sorted(p for p in directory.glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def load_catalogue(directory: Path = BUNDLED_DIR) -> Catalogue:
    """Load and cross-check a catalogue directory; raise CatalogueError listing every problem."""
    problems: list[Problem] = []
    if not directory.is_dir():
        raise CatalogueError(f"catalogue directory {directory} does not exist", [])
    sources = _parse(directory / "sources.yaml", TypeAdapter(list[Source]), problems)
    vocabulary = _parse(directory / "vocabulary.yaml", Vocabulary, problems)
    zones = _parse(directory / "zones.yaml", ZonesFile, problems)
    policies = [
        parsed
        for path in policy_files(directory / "policies")
        if (parsed := _parse(path, Policy, problems)) is not None
    ]
    if sources is None or vocabulary is None or zones is None:
        # Without sources, vocabularies and zones nothing else can be cross-checked.
        raise CatalogueError(f"the catalogue in {directory} is invalid", problems)
    catalogue = Catalogue(
        sources=sources[0],
        vocabulary=vocabulary[0],
        batches=zones[0].batches,
        zones=zones[0].zones,
        policies=[policy for policy, _ in policies],
    )
    problems.extend(
        _located(sources[1], duplicate_findings(catalogue.sources, (), "source", key="file"))
    )
    problems.extend(_check_zones(catalogue, zones[1]))
    for name in (
        "districts",
        "legal_forms",
        "credit_standings",
        "sectors",
        "sub_sectors",
        "project_kinds",
        "documents",
    ):
        findings = duplicate_findings(catalogue.vocabulary.terms(name), (name,), name)
        problems.extend(_located(vocabulary[1], findings))
    problems.extend(_located(vocabulary[1], _vocabulary_parent_findings(catalogue)))
    seen_measures: dict[str, str] = {}
    seen_policies: set[str] = set()
    for policy, document in policies:
        if policy.id in seen_policies:
            problems.append(document.problem(("id",), f"duplicate policy id {policy.id!r}"))
        seen_policies.add(policy.id)
        problems.extend(_check_policy(policy, document, catalogue, seen_measures))
    if problems:
        raise CatalogueError(f"the catalogue in {directory} is invalid", problems)
    return catalogue


@cache
def bundled_catalogue() -> Catalogue:
    """The catalogue shipped inside the package (loaded once per process)."""
    return load_catalogue(BUNDLED_DIR)


def load_policy_file(path: Path, context: Catalogue | None = None) -> Policy:
    """Load one policy file and check it against a catalogue's sources, zones and vocabularies.

    A file that redefines a policy of the context (same id) is checked as its replacement.
    """
    context = context or bundled_catalogue()
    problems: list[Problem] = []
    parsed = _parse(path, Policy, problems)
    if parsed is None:
        raise CatalogueError(f"policy file {path} is invalid", problems)
    policy, document = parsed
    seen_measures = {m.id: p.id for p, m in context.measures() if p.id != policy.id}
    problems.extend(_check_policy(policy, document, context, seen_measures))
    if problems:
        raise CatalogueError(f"policy file {path} is invalid", problems)
    return policy


def with_policy_file(context: Catalogue, path: Path) -> Catalogue:
    """The catalogue with the policy of `path` added, or replacing the policy of the same id."""
    policy = load_policy_file(path, context)
    others = [p for p in context.policies if p.id != policy.id]
    return context.model_copy(update={"policies": [*others, policy]})


def _located(document: Document, findings: Iterable[Finding]) -> list[Problem]:
    return [document.problem(loc, message) for loc, message in findings]


def _citation_findings(
    citation: Citation, catalogue: Catalogue, loc: tuple[int | str, ...]
) -> list[Finding]:
    if citation.source in {s.file for s in catalogue.sources}:
        return []
    known = ", ".join(s.file for s in catalogue.sources)
    return [((*loc, "source"), f"{citation.source!r} is not a known source; known: {known}")]


def _vocabulary_parent_findings(catalogue: Catalogue) -> list[Finding]:
    sectors = {t.id for t in catalogue.vocabulary.sectors}
    return [
        (("sub_sectors", i, "parent"), f"sub-sector parent {t.parent!r} is not a known sector")
        for i, t in enumerate(catalogue.vocabulary.sub_sectors)
        if t.parent not in sectors
    ]


def _check_zones(catalogue: Catalogue, document: Document) -> list[Problem]:
    findings: list[Finding] = []
    findings += duplicate_findings(catalogue.zones, ("zones",), "zone")
    findings += duplicate_findings(catalogue.batches, ("batches",), "batch")
    districts = catalogue.known_terms("districts")
    batches = {b.id for b in catalogue.batches}
    sub_area_ids: dict[str, str] = {}
    for i, batch in enumerate(catalogue.batches):
        findings += _citation_findings(batch.citation, catalogue, ("batches", i, "citation"))
    for i, zone in enumerate(catalogue.zones):
        loc: tuple[int | str, ...] = ("zones", i)
        if zone.district and zone.district not in districts:
            findings.append(((*loc, "district"), f"{zone.district!r} is not a known district"))
        if zone.batch and zone.batch not in batches:
            findings.append(((*loc, "batch"), f"{zone.batch!r} is not a known batch"))
        for j, citation in enumerate(zone.citations):
            findings += _citation_findings(citation, catalogue, (*loc, "citations", j))
        for j, sub in enumerate(zone.sub_areas):
            if sub.id in sub_area_ids:
                findings.append(((*loc, "sub_areas", j, "id"), f"duplicate sub-area id {sub.id!r}"))
            sub_area_ids[sub.id] = zone.id
            findings += _citation_findings(
                sub.citation, catalogue, (*loc, "sub_areas", j, "citation")
            )
    return _located(document, findings)


def _check_policy(
    policy: Policy, document: Document, catalogue: Catalogue, seen_measures: dict[str, str]
) -> list[Problem]:
    fields = profile_fields()
    findings: list[Finding] = list(_citation_findings(policy.citation, catalogue, ("citation",)))
    zone_ids = {z.id for z in catalogue.zones}
    for i, zone_id in enumerate(policy.zones):
        if zone_id not in zone_ids:
            findings.append((("zones", i), f"{zone_id!r} is not a known zone"))
    if policy.eligibility is not None:
        findings += condition_findings(
            policy.eligibility, fields, catalogue.known_terms, ("eligibility",)
        )
    for i, measure in enumerate(policy.measures):
        loc: tuple[int | str, ...] = ("measures", i)
        if measure.id in seen_measures:
            findings.append(
                (
                    (*loc, "id"),
                    f"duplicate measure id {measure.id!r} (also in policy {seen_measures[measure.id]!r})",
                )
            )
        seen_measures[measure.id] = policy.id
        findings += _citation_findings(measure.citation, catalogue, (*loc, "citation"))
        if measure.when is not None:
            findings += condition_findings(
                measure.when, fields, catalogue.known_terms, (*loc, "when")
            )
        if (
            measure.validity
            and measure.validity.start
            and policy.validity.start
            and (measure.validity.start < policy.validity.start)
        ):
            findings.append(((*loc, "validity", "start"), "starts before its policy does"))
        findings += _document_findings(policy, measure, catalogue, loc)
    for j, slot in enumerate(policy.documents):
        if slot.citation is not None:
            findings += _citation_findings(slot.citation, catalogue, ("documents", j, "citation"))
    return _located(document, findings)


def _document_findings(
    policy: Policy, measure: Measure, catalogue: Catalogue, loc: tuple[int | str, ...]
) -> list[Finding]:
    """Each document slot names a known kind, once; a measure someone applies for has a slot
    (免申即享 measures have no application, so they need none)."""
    findings: list[Finding] = []
    kinds = {t.id for t in catalogue.vocabulary.documents}
    slots = policy.documents_of(measure)
    where = (*loc, "documents") if measure.documents is not None else ("documents",)
    if not measure.granted_without_application and not slots:
        findings.append((where, "a measure someone applies for needs at least one document slot"))
    seen: set[str] = set()
    for j, slot in enumerate(slots):
        if slot.kind not in kinds:
            findings.append(((*where, j, "kind"), f"{slot.kind!r} is not a known document kind"))
        if slot.kind in seen:
            findings.append(((*where, j, "kind"), f"duplicate document slot {slot.kind!r}"))
        seen.add(slot.kind)
        if measure.documents is not None and slot.citation is not None:
            findings += _citation_findings(slot.citation, catalogue, (*where, j, "citation"))
    return findings
