"""The engine's determinations arranged for a reader: what they can get first, what one more
answer would decide next, then what they cannot get; each measure's condition tree with its
sources named once and its "any one of" groups marked.

Knows nothing of HTML: the checker's result page renders what this returns, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ftzlink.catalogue.models import Citation
from ftzlink.rules.determinations import ConditionResult, Determination, Outcome, Status

__all__ = ["SECTION_ORDER", "Line", "MeasureReading", "Section", "read_conditions", "read_report"]

# The sections in the order a reader meets them; the last ones start folded.
SECTION_ORDER: tuple[Status, ...] = (
    Status.ELIGIBLE,
    Status.NEEDS_INFO,
    Status.INELIGIBLE,
    Status.NOT_YET_EFFECTIVE,
    Status.EXPIRED,
)
FOLDED = frozenset({Status.INELIGIBLE, Status.NOT_YET_EFFECTIVE, Status.EXPIRED})


@dataclass(frozen=True)
class Line:
    """One condition as shown: its words, its outcome (None when it no longer matters, as a
    branch of an "any one of" group another branch already meets), whether its children are
    alternatives, and the children."""

    condition: ConditionResult
    outcome: Outcome | None
    any_of: bool
    children: tuple[Line, ...] = ()


@dataclass(frozen=True)
class MeasureReading:
    determination: Determination
    lines: tuple[Line, ...]
    citations: tuple[Citation, ...]  # the measure's own first, then the others, each once
    questions_left: int


@dataclass(frozen=True)
class Section:
    status: Status
    folded: bool
    measures: tuple[MeasureReading, ...] = field(default=())


def _line(result: ConditionResult, *, settled: bool = False) -> Line:
    """`settled`: an "any one of" group above is already met, so an undecided branch does not
    matter and shows no outcome."""
    outcome: Outcome | None = result.outcome
    if settled and outcome is Outcome.UNKNOWN:
        outcome = None
    any_of = result.node == "any"
    settles = settled or (any_of and result.outcome is Outcome.PASSED)
    children = tuple(_line(child, settled=settles) for child in result.children)
    return Line(result, outcome, any_of, children)


def _citations(d: Determination) -> tuple[Citation, ...]:
    found: dict[tuple[object, ...], Citation] = {}
    stack = [d.citation, *(r.citation for r in _walk(d.conditions))]
    for c in stack:
        found.setdefault((c.source, c.clause, c.item, c.line), c)
    return tuple(found.values())


def _walk(results: list[ConditionResult]) -> list[ConditionResult]:
    out = []
    for r in results:
        out.append(r)
        out.extend(_walk(r.children))
    return out


def read_conditions(results: list[ConditionResult]) -> tuple[Line, ...]:
    """A condition tree as shown: "any one of" marked, undecided branches of a met one untagged."""
    return tuple(_line(r) for r in results)


def read_measure(d: Determination) -> MeasureReading:
    return MeasureReading(
        determination=d,
        lines=read_conditions(d.conditions),
        citations=_citations(d),
        questions_left=len({q.field for q in d.questions}),
    )


def read_report(determinations: list[Determination]) -> list[Section]:
    """The determinations in sections (empty ones left out); within the section of measures
    that need answers, those needing the fewest first; otherwise in catalogue order."""
    sections = []
    for status in SECTION_ORDER:
        readings = [read_measure(d) for d in determinations if d.status is status]
        if status is Status.NEEDS_INFO:
            readings.sort(key=lambda r: r.questions_left)
        if readings:
            sections.append(Section(status, status in FOLDED, tuple(readings)))
    return sections
