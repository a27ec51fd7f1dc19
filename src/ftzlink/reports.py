"""The shapes the platform reports in (the CLI's `--format json`; later the API). Stable:
fields are only ever added. Text is always given in both languages, `{"zh": ..., "en": ...}`."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ftzlink.catalogue.models import (
    Batch,
    Cap,
    Catalogue,
    Citation,
    Count,
    MeasureKind,
    Period,
    Policy,
    Zone,
)
from ftzlink.catalogue.policytests import TestRun
from ftzlink.catalogue.zones import ZoneMatch
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.determinations import Determination, Status
from ftzlink.text import Text

__all__ = [
    "CheckReport",
    "PoliciesReport",
    "PolicyTestReport",
    "ZonesReport",
    "check_report",
    "policies_report",
    "policy_test_report",
    "zones_report",
]

InForce = Literal["in_force", "expired", "not_yet_effective"]


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ZoneReport(Zone):
    matched: list[str] | None = Field(default=None, description="names that matched --find")


class ZonesReport(_Report):
    query: str | None = None
    batches: list[Batch]
    zones: list[ZoneReport]


def zones_report(
    catalogue: Catalogue, matches: list[ZoneMatch] | None, query: str | None
) -> ZonesReport:
    if matches is None:
        zones = [ZoneReport(**z.model_dump()) for z in catalogue.zones]
    else:
        zones = [ZoneReport(**m.zone.model_dump(), matched=m.matched) for m in matches]
    return ZonesReport(query=query, batches=catalogue.batches, zones=zones)


class MeasureReport(_Report):
    id: str
    kind: MeasureKind
    title: Text
    summary: Text
    citation: Citation
    validity: Period
    status: InForce
    cap: Cap | None
    no_cap_reason: Text | None
    benefit: Text | None
    when: dict[str, Any] | None = Field(
        description="the eligibility condition tree, as in the catalogue"
    )


class PolicyReport(_Report):
    id: str
    title: Text
    summary: Text
    citation: Citation
    authoritative_language: Literal["zh", "en"]
    validity: Period
    validity_note: Text | None
    status: InForce
    announced: dt.date | None
    focus_areas: list[Text]
    zones: list[str]
    counts: list[Count]
    eligibility: dict[str, Any] | None
    measures: list[MeasureReport]


class PoliciesReport(_Report):
    as_of: dt.date
    policies: list[PolicyReport]


def _tree(condition: Any) -> dict[str, Any] | None:
    if condition is None:
        return None
    tree: dict[str, Any] = condition.model_dump(mode="json", by_alias=True, exclude_none=True)
    return tree


def policies_report(policies: list[Policy], as_of: dt.date) -> PoliciesReport:
    return PoliciesReport(
        as_of=as_of,
        policies=[
            PolicyReport(
                id=p.id,
                title=p.title,
                summary=p.summary,
                citation=p.citation,
                authoritative_language=p.authoritative_language,
                validity=p.validity,
                validity_note=p.validity_note,
                status=p.validity.status_on(as_of),
                announced=p.announced,
                focus_areas=p.focus_areas,
                zones=p.zones,
                counts=p.counts,
                eligibility=_tree(p.eligibility),
                measures=[
                    MeasureReport(
                        id=m.id,
                        kind=m.kind,
                        title=m.title,
                        summary=m.summary,
                        citation=m.citation,
                        validity=p.validity_of(m),
                        status=p.validity_of(m).status_on(as_of),
                        cap=m.cap,
                        no_cap_reason=m.no_cap_reason,
                        benefit=m.benefit,
                        when=_tree(m.when),
                    )
                    for m in p.measures
                ],
            )
            for p in policies
        ],
    )


class Enterprise(_Report):
    name: str
    uscc: str


class CheckReport(_Report):
    as_of: dt.date
    enterprise: Enterprise
    counts: dict[Status, int] = Field(description="determinations per status")
    determinations: list[Determination]


def check_report(
    profile: EnterpriseProfile, as_of: dt.date, determinations: list[Determination]
) -> CheckReport:
    counted = Counter(d.status for d in determinations)
    return CheckReport(
        as_of=as_of,
        enterprise=Enterprise(name=profile.name, uscc=profile.uscc),
        counts={status: counted.get(status, 0) for status in Status},
        determinations=determinations,
    )


class MismatchReport(_Report):
    measure_id: str
    what: str
    expected: Any
    actual: Any


class CaseReport(_Report):
    file: str
    line: int | None
    case: str
    passed: bool
    mismatches: list[MismatchReport]


class PolicyTestReport(_Report):
    passed: bool
    cases: list[CaseReport]
    coverage_gaps: list[str]


def policy_test_report(run: TestRun) -> PolicyTestReport:
    return PolicyTestReport(
        passed=run.passed,
        cases=[
            CaseReport(
                file=str(r.file),
                line=r.line,
                case=r.case,
                passed=r.passed,
                mismatches=[
                    MismatchReport(
                        measure_id=m.measure_id,
                        what=m.what,
                        expected=_plain(m.expected),
                        actual=_plain(m.actual),
                    )
                    for m in r.mismatches
                ],
            )
            for r in run.results
        ],
        coverage_gaps=run.coverage_gaps,
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Status) else value
