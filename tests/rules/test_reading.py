"""The checker's report as a reader meets it: sections in order, an undecided branch of a met
"any one of" group untagged, each source once per measure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ftzlink.catalogue.models import Catalogue, Citation
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.profiles.uscc import make_uscc
from ftzlink.rules.determinations import ConditionResult, Outcome, Status
from ftzlink.rules.evaluate import evaluate
from ftzlink.rules.reading import SECTION_ORDER, Line, Section, read_conditions, read_report
from ftzlink.text import Text


def _lines(lines: tuple[Line, ...]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        out.append(line)
        out.extend(_lines(line.children))
    return out


def _report(catalogue: Catalogue, **values: Any) -> list[Section]:
    uscc = make_uscc("9", "1", "310000", "00000000")
    profile = EnterpriseProfile(name="甲", uscc=uscc, **values)
    return read_report(evaluate(catalogue, profile, dt.date(2026, 11, 24)))


def test_sections_come_in_the_readers_order_with_the_unobtainable_folded(
    catalogue: Catalogue,
) -> None:
    sections = _report(catalogue, zone="changning")
    statuses = [s.status for s in sections]
    assert statuses == sorted(statuses, key=SECTION_ORDER.index)
    for section in sections:
        assert section.folded == (
            section.status in (Status.INELIGIBLE, Status.NOT_YET_EFFECTIVE, Status.EXPIRED)
        )
        assert all(m.determination.status is section.status for m in section.measures)
    assert sum(len(s.measures) for s in sections) == len(catalogue.measures())


def test_sources_are_named_once_per_measure_the_measures_own_first(
    catalogue: Catalogue,
) -> None:
    for section in _report(catalogue, zone="changning"):
        for m in section.measures:
            keys = [(c.source, c.clause, c.item, c.line) for c in m.citations]
            assert len(keys) == len(set(keys)) and m.citations[0] == m.determination.citation
            cited = {
                (r.condition.citation.source, r.condition.citation.clause) for r in _lines(m.lines)
            }
            assert cited <= {(s, c) for s, c, _i, _l in keys}


def _condition(
    outcome: Outcome, node: str = "compare", children: list[ConditionResult] | None = None
) -> ConditionResult:
    return ConditionResult(
        node=node,  # type: ignore[arg-type]
        text=Text(zh="条件", en="condition"),
        outcome=outcome,
        citation=Citation(source="001_0123456789abcdef.txt", line=3),
        children=children or [],
    )


def test_an_undecided_branch_of_a_met_any_of_group_shows_no_outcome() -> None:
    met = _condition(
        Outcome.PASSED, "any", [_condition(Outcome.PASSED), _condition(Outcome.UNKNOWN)]
    )
    open_group = _condition(
        Outcome.UNKNOWN, "any", [_condition(Outcome.FAILED), _condition(Outcome.UNKNOWN)]
    )
    (shown_met, shown_open) = read_conditions([met, open_group])
    assert shown_met.any_of and shown_met.outcome is Outcome.PASSED
    assert [c.outcome for c in shown_met.children] == [Outcome.PASSED, None]
    assert [c.outcome for c in shown_open.children] == [Outcome.FAILED, Outcome.UNKNOWN]
