"""Policy tests as data: YAML cases beside each policy file, run by pytest and `ftzlink policy test`.

A tests file names its policy, declares profiles once, and lists cases; each case takes a
profile (optionally changing some of its top-level fields with `with`), an as-of date, and the
expected status (and optionally amount, questions, project amounts) per measure. Every measure
needs at least one case where it is eligible and one where it is not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import CatalogueError, Problem
from ftzlink.profiles.loader import value_problems
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.determinations import Determination, Status
from ftzlink.rules.evaluate import evaluate_measure
from ftzlink.yamlfile import Document, read_document

__all__ = ["CaseResult", "Mismatch", "TestRun", "load_tests", "run_policy_tests", "tests_file_for"]


class Expectation(BaseModel):
    """What a case expects of one measure; only the fields it states are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Status
    max_amount: int | None = None
    questions: list[str] | None = None
    amounts: dict[str, int | None] | None = Field(default=None, description="by project name")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1)
    as_of: dt.date
    profile: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    expect: dict[str, Status | Expectation] = Field(min_length=1)


class TestsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str
    profiles: dict[str, dict[str, Any]] = Field(min_length=1)
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class Mismatch:
    measure_id: str
    what: str
    expected: Any
    actual: Any


@dataclass(frozen=True)
class CaseResult:
    file: Path
    case: str
    line: int | None
    mismatches: list[Mismatch]

    @property
    def passed(self) -> bool:
        return not self.mismatches


@dataclass
class TestRun:
    results: list[CaseResult] = field(default_factory=list)
    coverage_gaps: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results) and not self.coverage_gaps


def tests_file_for(policy_file: Path) -> Path:
    return policy_file.with_name(policy_file.name.removesuffix(".yaml") + ".tests.yaml")


def load_tests(
    path: Path, catalogue: Catalogue
) -> tuple[TestsFile, Document, dict[int, EnterpriseProfile]]:
    """Parse a tests file and build each case's profile; CatalogueError lists every problem."""
    document = read_document(path)
    if isinstance(document, Problem):
        raise CatalogueError(f"cannot read policy tests {path}", [document])
    try:
        tests = TestsFile.model_validate(document.data)
    except ValidationError as exc:
        raise CatalogueError(
            f"policy tests {path} are invalid", document.validation_problems(exc)
        ) from None
    problems: list[Problem] = []
    policy = catalogue.policy(tests.policy)
    if policy is None:
        known = ", ".join(p.id for p in catalogue.policies)
        raise CatalogueError(
            f"policy tests {path} are invalid",
            [
                document.problem(
                    ("policy",),
                    f"{tests.policy!r} is not a policy of the catalogue; known: {known}",
                )
            ],
        )
    measure_ids = {m.id for m in policy.measures}
    profiles: dict[int, EnterpriseProfile] = {}
    for i, case in enumerate(tests.cases):
        loc: tuple[str | int, ...] = ("cases", i)
        if case.profile not in tests.profiles:
            problems.append(
                document.problem((*loc, "profile"), f"no profile named {case.profile!r}")
            )
            continue
        for measure_id in case.expect:
            if measure_id not in measure_ids:
                problems.append(
                    document.problem(
                        (*loc, "expect", measure_id),
                        f"{measure_id!r} is not a measure of {policy.id}",
                    )
                )
        try:
            profile = EnterpriseProfile.model_validate(
                {**tests.profiles[case.profile], **case.with_}
            )
        except ValidationError as exc:
            found = [(tuple(e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]
        else:
            found = value_problems(profile, catalogue)
            profiles[i] = profile
        for field_loc, message in found:
            # A problem in a field the case replaces is the case's; otherwise the profile's.
            if field_loc and field_loc[0] in case.with_:
                problems.append(document.problem((*loc, "with", *field_loc), message))
            else:
                problems.append(document.problem(("profiles", case.profile, *field_loc), message))
    if problems:
        raise CatalogueError(f"policy tests {path} are invalid", problems)
    return tests, document, profiles


def run_policy_tests(catalogue: Catalogue, paths: list[Path]) -> TestRun:
    """Run every case of the given tests files against the catalogue."""
    run = TestRun()
    for path in paths:
        tests, document, profiles = load_tests(path, catalogue)
        policy = catalogue.policy(tests.policy)
        assert policy is not None
        measures = {m.id: m for m in policy.measures}
        seen_eligible: set[str] = set()
        seen_other: set[str] = set()
        for i, case in enumerate(tests.cases):
            mismatches: list[Mismatch] = []
            for measure_id, expected in case.expect.items():
                if not isinstance(expected, Expectation):
                    expected = Expectation(status=expected)
                actual = evaluate_measure(
                    catalogue, policy, measures[measure_id], profiles[i], case.as_of
                )
                (seen_eligible if expected.status is Status.ELIGIBLE else seen_other).add(
                    measure_id
                )
                mismatches.extend(_mismatches(measure_id, expected, actual))
            line, _ = document.locate(("cases", i))
            run.results.append(
                CaseResult(file=path, case=case.name, line=line, mismatches=mismatches)
            )
        for measure_id in measures:
            if measure_id not in seen_eligible:
                run.coverage_gaps.append(
                    f"{path}: measure {measure_id!r} has no case where it is eligible"
                )
            if measure_id not in seen_other:
                run.coverage_gaps.append(
                    f"{path}: measure {measure_id!r} has no case where it is not eligible"
                )
    return run


def _mismatches(measure_id: str, expected: Expectation, actual: Determination) -> list[Mismatch]:
    found = []
    checks: dict[str, tuple[Any, Any]] = {"status": (expected.status, actual.status)}
    stated = expected.model_fields_set
    if "max_amount" in stated:
        checks["max_amount"] = (expected.max_amount, actual.max_amount)
    if "questions" in stated:
        checks["questions"] = (expected.questions, [q.field for q in actual.questions])
    if "amounts" in stated:
        checks["amounts"] = (expected.amounts, {p.project: p.amount for p in actual.projects})
    for what, (want, got) in checks.items():
        if want != got:
            found.append(Mismatch(measure_id, what, want, got))
    return found
