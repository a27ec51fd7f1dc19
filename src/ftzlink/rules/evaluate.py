"""The rules engine: a pure function of (catalogue, profile, as-of date).

No file, network or database access happens here, so the same inputs always give the same
determinations, and later compilers (vectorised, SQL) can be checked against this one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ftzlink.catalogue.conditions import AllOf, AnyOf, Compare, Condition, Exists, Not
from ftzlink.catalogue.models import Catalogue, Measure, MeasureKind, Policy
from ftzlink.money import format_yuan
from ftzlink.profiles.fields import FieldSpec, profile_fields
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.compiled import (
    CompiledCatalogue,
    CompiledMeasure,
    Run,
    compile_measure,
    compiled,
    construct,
    get,
)
from ftzlink.rules.describe import PERIOD_TEXT
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
# A measure in force: its status from the outcome of its conditions.
_IN_FORCE_STATUS = {P: Status.ELIGIBLE, F: Status.INELIGIBLE, U: Status.NEEDS_INFO}
_OPEN_AMOUNT = (Status.ELIGIBLE, Status.NEEDS_INFO)
_SAID_PER_PROFILE = (Status.INELIGIBLE, Status.NEEDS_INFO)


def evaluate(
    catalogue: Catalogue, profile: EnterpriseProfile, as_of: dt.date
) -> list[Determination]:
    """One determination per measure of the catalogue, in catalogue order."""
    compiled_catalogue = compiled(catalogue)
    return [
        _determination(catalogue, compiled_catalogue, m, profile, as_of)
        for m in compiled_catalogue.measures
    ]


def _get(record: Any, path: str) -> Any:
    return get(record, path.split("."))


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
    catalogue: Catalogue,
    compiled_catalogue: CompiledCatalogue,
    profile: EnterpriseProfile,
    results: Sequence[ConditionResult],
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
            construct(
                Question,
                {
                    "field": path,
                    "label": spec.label,
                    "type": spec.type,
                    "choices": _choices(catalogue, compiled_catalogue, profile, spec),
                },
            )
        )
    return questions


def _spec_for(path: str, fields: Mapping[str, FieldSpec]) -> FieldSpec:
    if "[" not in path:
        return fields[path]
    collection, rest = path.split("[", 1)
    return fields[collection].item_fields[rest.split("].", 1)[1]]


def _choices(
    catalogue: Catalogue,
    compiled_catalogue: CompiledCatalogue,
    profile: EnterpriseProfile,
    spec: FieldSpec,
) -> list[Choice] | None:
    if spec.vocabulary is None:
        return None
    terms = compiled_catalogue.terms(catalogue, spec.vocabulary)
    # Offer only the sub-sectors of a known sector, and the sub-areas of a known zone.
    parent = {"sub_sectors": profile.sector, "sub_areas": profile.zone}.get(spec.vocabulary)
    if parent is not None:
        terms = [t for t in terms if t.parent == parent] or terms
    return [construct(Choice, {"id": t.id, "label": t.label}) for t in terms]


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
    compiled_catalogue = compiled(catalogue)
    compiled_measure = compiled_catalogue.by_id.get(measure.id)
    if compiled_measure is None or compiled_measure.measure is not measure:
        # A measure (or policy) that is not the catalogue's own: compile it on its own.
        compiled_measure = compile_measure(catalogue, policy, measure)
    return _determination(catalogue, compiled_catalogue, compiled_measure, profile, as_of)


def _determination(
    catalogue: Catalogue,
    compiled_catalogue: CompiledCatalogue,
    compiled_measure: CompiledMeasure,
    profile: EnterpriseProfile,
    as_of: dt.date,
) -> Determination:
    policy, measure = compiled_measure.policy, compiled_measure.measure
    evaluation = Run()
    results = compiled_measure.conditions(profile, evaluation)
    outcome = _all([r.outcome for r in results])
    validity = compiled_measure.validity
    in_force = validity.status_on(as_of)
    if in_force == "in_force":
        status = _IN_FORCE_STATUS[outcome]
    else:
        status = Status(in_force)
    questions = (
        _questions(catalogue, compiled_catalogue, profile, results)
        if status is Status.NEEDS_INFO
        else []
    )
    open_amount = status in _OPEN_AMOUNT
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
    if status in _SAID_PER_PROFILE:
        reason = _reason(status, policy, measure, results, questions)
    else:  # the same for every profile: worked out once per measure
        reason = compiled_measure.reasons.get(status)  # type: ignore[assignment]
        if reason is None:
            reason = compiled_measure.reasons[status] = _reason(
                status, policy, measure, results, questions
            )
    return construct(
        Determination,
        {
            "measure_id": measure.id,
            "policy_id": policy.id,
            "kind": measure.kind,
            "title": measure.title,
            "status": status,
            "reason": reason,
            "cap": cap,
            "max_amount": max_amount,
            "no_cap_reason": measure.no_cap_reason,
            "benefit": measure.benefit,
            "validity": validity,
            "citation": measure.citation,
            "conditions": results,
            "questions": questions,
            "projects": projects,
            "authoritative_language": policy.authoritative_language,
        },
    )
