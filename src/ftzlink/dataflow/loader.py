"""Loading the cross-border data rules from `catalogue/data/dataflow/`, refusing anything malformed
with file:line: field, as the catalogue and talent loaders do."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter

from ftzlink.catalogue.checks import Finding, condition_findings, duplicate_findings
from ftzlink.catalogue.loader import BUNDLED_DIR
from ftzlink.catalogue.loader import _parse as parse_file  # the same file:line reporting
from ftzlink.dataflow.models import (
    DataflowCitation,
    DataflowRules,
    DataflowSource,
    RoutingRules,
    Supervision,
)
from ftzlink.errors import CatalogueError, Problem
from ftzlink.talent.loader import field_specs
from ftzlink.yamlfile import Document

__all__ = ["DATAFLOW_DIR", "bundled_dataflow_rules", "load_dataflow_rules"]

DATAFLOW_DIR = BUNDLED_DIR / "dataflow"
Loc = tuple[int | str, ...]


def load_dataflow_rules(directory: Path = DATAFLOW_DIR) -> DataflowRules:
    """Load and cross-check a dataflow rules directory; raise CatalogueError listing every problem."""
    if not directory.is_dir():
        raise CatalogueError(f"dataflow rules directory {directory} does not exist", [])
    problems: list[Problem] = []
    sources = parse_file(directory / "sources.yaml", TypeAdapter(list[DataflowSource]), problems)
    routing = parse_file(directory / "routing.yaml", RoutingRules, problems)
    supervision = parse_file(directory / "supervision.yaml", Supervision, problems)
    if sources is not None:
        known = {s.id for s in sources[0]}
        problems += _located(sources[1], duplicate_findings(sources[0], (), "source"))
        if routing is not None:
            problems += _located(routing[1], _routing_findings(routing[0], known))
        if supervision is not None:
            problems += _located(supervision[1], _supervision_findings(supervision[0], known))
    if problems or sources is None or routing is None or supervision is None:
        raise CatalogueError(f"the dataflow rules in {directory} are invalid", problems)
    return DataflowRules(sources=sources[0], routing=routing[0], supervision=supervision[0])


@cache
def bundled_dataflow_rules() -> DataflowRules:
    """The dataflow rules shipped inside the package (loaded once per process)."""
    return load_dataflow_rules(DATAFLOW_DIR)


def _located(document: Document, findings: Iterator[Finding]) -> list[Problem]:
    return [document.problem(loc, message) for loc, message in findings]


def _citation(citation: DataflowCitation, known: set[str], loc: Loc) -> Iterator[Finding]:
    if citation.source not in known:
        yield (
            (*loc, "source"),
            f"{citation.source!r} is not a known dataflow source; known: {', '.join(sorted(known))}",
        )


def _routing_findings(routing: RoutingRules, known: set[str]) -> Iterator[Finding]:
    specs = field_specs(routing.fields)
    choices = {d.id: {c.id for c in d.choices or []} for d in routing.fields}
    yield from duplicate_findings(routing.fields, ("fields",), "field")
    yield from duplicate_findings(routing.rules, ("rules",), "rule")
    for i, rule in enumerate(routing.rules):
        yield from _citation(rule.citation, known, ("rules", i, "citation"))
        yield from condition_findings(
            rule.when, specs, lambda v: choices.get(v, set()), ("rules", i, "when")
        )


def _supervision_findings(supervision: Supervision, known: set[str]) -> Iterator[Finding]:
    for name in ("security_assessment", "standard_contract", "post_transfer_report", "spot_checks"):
        yield from _citation(getattr(supervision, name).citation, known, (name, "citation"))
