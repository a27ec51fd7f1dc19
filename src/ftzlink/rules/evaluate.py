"""The rules engine: a pure function of (catalogue, profile, as-of date).

No file, network or database access happens here, so the same inputs always give the same
determinations, and later compilers (vectorised, SQL) can be checked against this one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ftzlink.catalogue.conditions import AllOf, AnyOf, Compare, Condition, Exists, Not
from ftzlink.catalogue.models import Catalogue, Citation, Measure, MeasureKind, Policy
from ftzlink.money import format_yuan
from ftzlink.profiles.fields import FieldSpec, profile_fields
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.describe import PERIOD_TEXT, describe
from ftzlink.rules.determinations import (
    Choice,
    ConditionResult,
    Determination,
    Outcome,
    ProjectAmount,
    Question,
    Status,
)
from ftzlink.text import Text

__all__ = ["condition_outcome", "evaluate", "evaluate_measure"]

P, F, U = Outcome.PASSED, Outcome.FAILED, Outcome.UNKNOWN


def evaluate(
    catalogue: Catalogue, profile: EnterpriseProfile, as_of: dt.date
) -> list[Determination]:
    """One determination per measure of the catalogue, in catalogue order."""
    return [evaluate_measure(catalogue, p, m, profile, as_of) for p, m in catalogue.measures()]


def _get(record: Any, path: str) -> Any:
    for part in path.split("."):
        if record is None:
            return None
        record = record.get(part) if isinstance(record, Mapping) else getattr(record, part)
    return record


def _compare(op: str, actual: Any, expected: Any) -> bool:
    match op:
        case "eq":
            return bool(actual == expected)
        case "ne":
            return bool(actual != expected)
        case "lt":
            return bool(actual < expected)
        case "le":
            return bool(actual <= expected)
        case "gt":
            return bool(actual > expected)
        case "ge":
            return bool(actual >= expected)
        case "in":
            return actual in expected
        case "not_in":
            return actual not in expected
        case "between":
            low, high = expected
            return (low is None or low <= actual) and (high is None or actual <= high)
    raise AssertionError(f"unhandled operator {op}")


def _all(outcomes: Sequence[Outcome]) -> Outcome:
    return F if F in outcomes else U if U in outcomes else P


def _any(outcomes: Sequence[Outcome]) -> Outcome:
    return P if P in outcomes else U if U in outcomes else F


class _Evaluation:
    """Evaluates one measure's conditions for one profile, remembering what it could not decide."""

    def __init__(self, catalogue: Catalogue, profile: EnterpriseProfile) -> None:
        self.catalogue = catalogue
        self.profile = profile
        self.matched_projects: list[int] = []

    def run(
        self,
        node: Condition,
        record: Any,
        fields: Mapping[str, FieldSpec],
        citation: Citation,
        prefix: str = "",
    ) -> ConditionResult:
        if node.cite is not None:
            citation = citation.model_copy(
                update={"clause": node.cite.clause, "line": node.cite.line, "item": None}
            )
        text = describe(self.catalogue, node, fields)
        if isinstance(node, AllOf | AnyOf):
            children = [
                self.run(c, record, fields, citation, prefix)
                for c in (node.all if isinstance(node, AllOf) else node.any)
            ]
            combine = _all if isinstance(node, AllOf) else _any
            outcome = combine([c.outcome for c in children])
            return ConditionResult(
                text=text,
                outcome=outcome,
                citation=citation,
                children=children,
                node="all" if isinstance(node, AllOf) else "any",
                label=node.label,
            )
        if isinstance(node, Not):
            child = self.run(node.not_, record, fields, citation, prefix)
            outcome = {P: F, F: P, U: U}[child.outcome]
            return ConditionResult(
                text=text, outcome=outcome, citation=citation, children=[child], node="not"
            )
        if isinstance(node, Exists):
            return self._exists(node, record, fields, citation, prefix, text)
        return self._leaf(node, record, fields, citation, prefix, text)

    def _leaf(
        self,
        node: Compare,
        record: Any,
        fields: Mapping[str, FieldSpec],
        citation: Citation,
        prefix: str,
        text: Text,
    ) -> ConditionResult:
        actual = _get(record, node.field)
        outcome = _leaf_outcome(node, actual)
        shown = actual.isoformat() if isinstance(actual, dt.date) else actual
        return ConditionResult(
            text=text, outcome=outcome, citation=citation, field=prefix + node.field, actual=shown
        )

    def _exists(
        self,
        node: Exists,
        record: Any,
        fields: Mapping[str, FieldSpec],
        citation: Citation,
        prefix: str,
        text: Text,
    ) -> ConditionResult:
        items = _get(record, node.field)
        path = prefix + node.field
        if items is None:
            return ConditionResult(
                text=text, outcome=U, citation=citation, field=path, node="exists"
            )
        item_fields = fields[node.field].item_fields
        results = [
            self.run(node.exists, item, item_fields, citation, f"{path}[{i}].")
            for i, item in enumerate(items)
        ]
        matched = [i for i, r in enumerate(results) if r.outcome is P]
        self.matched_projects.extend(i for i in matched if i not in self.matched_projects)
        outcome = _any([r.outcome for r in results])
        undecided = [r for r in results if r.outcome is U]
        return ConditionResult(
            text=text,
            outcome=outcome,
            citation=citation,
            field=path,
            actual=[items[i].name for i in matched],
            node="exists",
            children=undecided if outcome is U else [],
        )


def _leaf_outcome(node: Compare, actual: Any) -> Outcome:
    if actual is None:
        return U
    return P if _compare(node.op, actual, node.value) else F


def condition_outcome(node: Condition, record: Any, prefix: str = "") -> tuple[Outcome, list[str]]:
    """One condition tree against a record (a mapping or an object), three-valued, with the
    fields left empty that could still decide it (empty unless the outcome is unknown).

    The same comparisons and combinations as `evaluate`, for rule data that is not a measure
    (the talent points table, residence-permit routes) and so has no determination to explain.
    """
    if isinstance(node, AllOf | AnyOf):
        children = [
            condition_outcome(c, record, prefix)
            for c in (node.all if isinstance(node, AllOf) else node.any)
        ]
        outcome = (_all if isinstance(node, AllOf) else _any)([o for o, _ in children])
    elif isinstance(node, Not):
        child_outcome, unknown = condition_outcome(node.not_, record, prefix)
        return {P: F, F: P, U: U}[child_outcome], unknown
    elif isinstance(node, Exists):
        items = _get(record, node.field)
        if items is None:
            return U, [prefix + node.field]
        children = [
            condition_outcome(node.exists, item, f"{prefix}{node.field}[{i}].")
            for i, item in enumerate(items)
        ]
        outcome = _any([o for o, _ in children])
    else:
        outcome = _leaf_outcome(node, _get(record, node.field))
        return outcome, [prefix + node.field] if outcome is U else []
    if outcome is not U:
        return outcome, []
    unknown = [f for o, fields in children if o is U for f in fields]
    return outcome, list(dict.fromkeys(unknown))


def _questions(
    catalogue: Catalogue, profile: EnterpriseProfile, results: Sequence[ConditionResult]
) -> list[Question]:
    """The fields whose answers could still decide: unknown leaves under unknown nodes only."""
    fields = profile_fields()
    wanted: list[str] = []

    def walk(result: ConditionResult) -> None:
        if result.outcome is not U:
            return
        if result.field and (not result.children) and result.field not in wanted:
            wanted.append(result.field)
        for child in result.children:
            walk(child)

    for result in results:
        walk(result)
    questions = []
    for path in wanted:
        spec = _spec_for(path, fields)
        questions.append(
            Question(
                field=path,
                label=spec.label,
                type=spec.type,
                choices=_choices(catalogue, profile, spec),
            )
        )
    return questions


def _spec_for(path: str, fields: Mapping[str, FieldSpec]) -> FieldSpec:
    if "[" not in path:
        return fields[path]
    collection, rest = path.split("[", 1)
    return fields[collection].item_fields[rest.split("].", 1)[1]]


def _choices(
    catalogue: Catalogue, profile: EnterpriseProfile, spec: FieldSpec
) -> list[Choice] | None:
    if spec.vocabulary is None:
        return None
    terms = catalogue.terms(spec.vocabulary)
    # Offer only the sub-sectors of a known sector, and the sub-areas of a known zone.
    parent = {"sub_sectors": profile.sector, "sub_areas": profile.zone}.get(spec.vocabulary)
    if parent is not None:
        terms = [t for t in terms if t.parent == parent] or terms
    return [Choice(id=t.id, label=t.label) for t in terms]


def _reason(
    status: Status,
    policy: Policy,
    measure: Measure,
    results: Sequence[ConditionResult],
    questions: Sequence[Question],
) -> Text:
    validity = policy.validity_of(measure)
    if status is Status.EXPIRED:
        assert validity.end is not None
        return Text(
            zh=f"已失效：本措施有效期至{validity.end.isoformat()}",
            en=f"Expired: this measure was valid until {validity.end.isoformat()}",
        )
    if status is Status.NOT_YET_EFFECTIVE:
        assert validity.start is not None
        return Text(
            zh=f"尚未施行：本措施自{validity.start.isoformat()}起施行",
            en=f"Not yet in force: this measure applies from {validity.start.isoformat()}",
        )
    if status is Status.INELIGIBLE:
        failed = _first_failed(results)
        return Text(zh=f"未满足条件：{failed.zh}", en=f"Condition not met: {failed.en}")
    if status is Status.NEEDS_INFO:
        return Text(
            zh="需补充信息：" + "；".join(q.label.zh for q in questions),
            en="More information needed: " + "; ".join(q.label.en for q in questions),
        )
    if measure.kind is MeasureKind.SERVICE:
        assert measure.benefit is not None
        return Text(zh=f"符合条件：{measure.benefit.zh}", en=f"Eligible: {measure.benefit.en}")
    if measure.cap is None:
        assert measure.no_cap_reason is not None
        return Text(
            zh=f"符合条件；未规定具体金额：{measure.no_cap_reason.zh}",
            en=f"Eligible; no amount is set: {measure.no_cap_reason.en}",
        )
    period = PERIOD_TEXT[measure.cap.period]
    return Text(
        zh=f"符合条件：{period.zh}最高{format_yuan(measure.cap.amount, 'zh')}",
        en=f"Eligible: up to {format_yuan(measure.cap.amount, 'en')} {period.en}",
    )


def _first_failed(results: Sequence[ConditionResult]) -> Text:
    for result in results:
        if result.outcome is F:
            # Name the most specific failed condition, not just "all of the following".
            if result.node == "all" and result.label is None:
                return _first_failed(result.children)
            return result.text
    raise AssertionError("an ineligible determination has a failed condition")


def evaluate_measure(
    catalogue: Catalogue,
    policy: Policy,
    measure: Measure,
    profile: EnterpriseProfile,
    as_of: dt.date,
) -> Determination:
    """The determination of one measure for one profile on one day."""
    fields = profile_fields()
    evaluation = _Evaluation(catalogue, profile)
    results = []
    if policy.eligibility is not None:
        results.append(evaluation.run(policy.eligibility, profile, fields, policy.citation))
    if measure.when is not None:
        results.append(evaluation.run(measure.when, profile, fields, measure.citation))
    outcome = _all([r.outcome for r in results])
    validity = policy.validity_of(measure)
    in_force = validity.status_on(as_of)
    if in_force == "in_force":
        status = {P: Status.ELIGIBLE, F: Status.INELIGIBLE, U: Status.NEEDS_INFO}[outcome]
    else:
        status = Status(in_force)
    questions = _questions(catalogue, profile, results) if status is Status.NEEDS_INFO else []
    open_amount = status in (Status.ELIGIBLE, Status.NEEDS_INFO)
    cap = measure.cap
    max_amount = cap.amount if cap is not None and open_amount else None
    projects: list[ProjectAmount] = []
    if status is Status.ELIGIBLE and profile.projects:
        for i in evaluation.matched_projects:
            project = profile.projects[i]
            requested = project.requested_amount
            # No cap in the source means no computable amount, whatever was requested.
            amount = None if cap is None else min(requested or cap.amount, cap.amount)
            projects.append(
                ProjectAmount(
                    project=project.name, kind=project.kind, requested=requested, amount=amount
                )
            )
    return Determination(
        measure_id=measure.id,
        policy_id=policy.id,
        kind=measure.kind,
        title=measure.title,
        status=status,
        reason=_reason(status, policy, measure, results, questions),
        cap=cap,
        max_amount=max_amount,
        no_cap_reason=measure.no_cap_reason,
        benefit=measure.benefit,
        validity=validity,
        citation=measure.citation,
        conditions=results,
        questions=questions,
        projects=projects,
        authoritative_language=policy.authoritative_language,
    )
