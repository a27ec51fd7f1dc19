"""The foreign-talent rules, evaluated: a work-permit points pre-assessment, the longest
work-type residence permit a case allows, and the end of a family member's permit.

Pure functions of (rules, facts, dates). The conditions are the data's, evaluated three-valued
by the rules engine (`condition_outcome`): a fact the caller leaves out makes what depends on it
`unknown`, with the question to ask, never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ftzlink.errors import InvalidInput, Problem
from ftzlink.rules.determinations import Choice, Outcome, Question
from ftzlink.rules.evaluate import condition_outcome
from ftzlink.talent.models import (
    Category,
    FactDefinition,
    Factor,
    FamilyMember,
    FiveYearRoute,
    TalentCitation,
    TalentRules,
)
from ftzlink.text import Text

__all__ = [
    "FactorResult",
    "FamilyEnd",
    "PointsAssessment",
    "Reason",
    "ResidenceLimit",
    "RouteResult",
    "add_years",
    "assess_points",
    "category_for_total",
    "family_end",
    "max_residence_end",
]

P, F, U = Outcome.PASSED, Outcome.FAILED, Outcome.UNKNOWN

NOTICE = Text(
    zh="积分预评估仅供参考，不是审批决定；以工作许可审批机关的决定为准。",
    en="A pre-assessment, not a decision: the work-permit office decides.",
)
DIRECT_CRITERIA_NOTE = Text(
    zh="仅按积分评估；A类、B类的其他直接认定条件（人才计划、薪酬倍数等）不在此评估。",
    en="Points only: the direct criteria of categories A and B (talent programmes, salary "
    "multiples and others) are not assessed here.",
)


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactorResult(_Result):
    """One factor of the points table for one professional: the band it falls in and why."""

    factor: str
    label: Text
    max_points: int
    outcome: Literal["matched", "unknown", "no_band", "not_encoded"]
    band: Text | None = None
    points: int | None  # None while unknown, or for a factor not encoded
    points_range: tuple[int, int]  # the least and most this factor can still give
    citation: TalentCitation
    unverified: bool = False
    note: Text | None = None
    questions: list[Question] = []


class PointsAssessment(_Result):
    """An indicative points total and category: a pre-assessment, never a decision."""

    as_of: dt.date
    indicative: Literal[True] = True
    notice: Text = NOTICE
    factors: list[FactorResult]
    total: int | None  # None while some factor is unknown
    total_range: tuple[int, int]
    max_total: int
    encoded_max: int
    category: Literal["A", "B", "C"] | None  # None while the unknown factors could change it
    category_label: Text | None = None
    category_citation: TalentCitation | None = None
    possible_categories: list[Literal["A", "B", "C"]]
    questions: list[Question] = []
    notes: list[Text] = []


class Reason(_Result):
    """One step of a residence or family decision, with the source that states it."""

    text: Text
    citation: TalentCitation | None = None  # None for a fact of the case (the work permit's end)
    unverified: bool = False


class RouteResult(_Result):
    route: str
    label: Text
    outcome: Outcome
    citation: TalentCitation
    unverified: bool = False


class ResidenceLimit(_Result):
    """The longest work-type residence permit the case allows, or why none can be issued."""

    status: Literal["allowed", "refused"]
    start: dt.date
    # The permit's last valid day, inclusive, as an approval's `valid_until` takes it.
    end: dt.date | None
    five_year: Outcome
    routes: list[RouteResult]
    reasons: list[Reason]
    questions: list[Question] = []


class FamilyEnd(_Result):
    """Whether a relative's permit ends with the principal's, and that end."""

    member: str | None
    outcome: Outcome
    end: dt.date | None
    unverified: bool = False
    reasons: list[Reason]
    questions: list[Question] = []


# Facts -----------------------------------------------------------------------------------------


def _flatten(record: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in record.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield prefix + str(key), value


def _value_problem(definition: FactDefinition, value: Any) -> str | None:
    kind = definition.type
    if kind == "bool" and not isinstance(value, bool):
        return "should be true or false"
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "should be a whole number"
        if definition.minimum is not None and value < definition.minimum:
            return f"should be at least {definition.minimum}"
        if definition.maximum is not None and value > definition.maximum:
            return f"should be at most {definition.maximum}"
    if kind == "date" and not isinstance(value, dt.date):
        return "should be a date"
    if kind == "str":
        if not isinstance(value, str):
            return "should be text"
        if definition.choices and value not in (ids := [c.id for c in definition.choices]):
            return f"{value!r} is not one of: {', '.join(ids)}"
    return None


def _facts(
    definitions: Sequence[FactDefinition],
    record: Mapping[str, Any],
    what: str,
    extra: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The record as flat `path: value` facts, refused with every problem if any is malformed."""
    known = {d.id: d for d in definitions}
    facts: dict[str, Any] = {}
    problems: list[Problem] = []
    for path, value in _flatten(record):
        definition = known.get(path)
        if definition is None and path not in extra:
            usable = ", ".join(sorted([*known, *extra]))
            problems.append(Problem(f"is not a fact {what} uses; use: {usable}", field=path))
        elif (
            definition is not None
            and value is not None
            and (message := _value_problem(definition, value)) is not None
        ):
            problems.append(Problem(message, field=path))
        facts[path] = value
    if problems:
        raise InvalidInput(f"the {what} facts are invalid", problems)
    return facts


def _nested(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Flat dotted facts back into the nested mapping the engine reads paths from."""
    nested: dict[str, Any] = {}
    for path, value in facts.items():
        *parents, leaf = path.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def _questions(definitions: Sequence[FactDefinition], fields: Sequence[str]) -> list[Question]:
    known = {d.id: d for d in definitions}
    questions = []
    for path in dict.fromkeys(fields):
        d = known[path]
        choices = [Choice(id=c.id, label=c.label) for c in d.choices] if d.choices else None
        questions.append(Question(field=path, label=d.label, type=d.type, choices=choices))
    return questions


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# Points ----------------------------------------------------------------------------------------


def _assess_factor(
    factor: Factor, record: Mapping[str, Any], definitions: Sequence[FactDefinition]
) -> FactorResult:
    common: dict[str, Any] = {
        "factor": factor.id,
        "label": factor.label,
        "max_points": factor.max_points,
        "citation": factor.citation,
        "unverified": factor.unverified,
    }
    if not factor.encoded:
        return FactorResult(
            **common,
            outcome="not_encoded",
            points=None,
            points_range=(0, 0),
            note=factor.not_encoded_reason,
        )
    note = (
        Text(
            zh=f"可信度{factor.citation.confidence}：分段界限未经核实",
            en=f"{factor.citation.confidence} confidence: the band edges are unverified",
        )
        if factor.unverified
        else None
    )
    evaluated = [(band, *condition_outcome(band.when, record)) for band in factor.bands]
    passed = [band for band, outcome, _ in evaluated if outcome is P]
    open_bands = [(band, unknown) for band, outcome, unknown in evaluated if outcome is U]
    best = max(passed, key=lambda band: band.points, default=None)
    # Decided when a band applies and no band still open could give more.
    if best is not None and all(band.points <= best.points for band, _ in open_bands):
        return FactorResult(
            **common,
            outcome="matched",
            band=best.label,
            points=best.points,
            points_range=(best.points, best.points),
            note=note,
        )
    if not open_bands:
        return FactorResult(
            **common,
            outcome="no_band",
            points=0,
            points_range=(0, 0),
            note=Text(zh="没有适用的分段：不计分", en="No band applies: no points"),
        )
    low = best.points if best is not None else 0
    high = max(band.points for band, _ in open_bands)
    unknown_fields = [f for _, fields in open_bands for f in fields]
    return FactorResult(
        **common,
        outcome="unknown",
        points=None,
        points_range=(low, high),
        note=note,
        questions=_questions(definitions, unknown_fields),
    )


def category_for_total(rules: TalentRules, total: int) -> Category | None:
    """The work-permit category a points total reaches (by points alone)."""
    return next(
        (
            c
            for c in rules.points.categories
            if condition_outcome(c.when, {"total_points": total})[0] is P
        ),
        None,
    )


def assess_points(
    rules: TalentRules, professional: Mapping[str, Any], as_of: dt.date
) -> PointsAssessment:
    """The points each factor gives this professional, the total and the category, as of a day.

    `professional` holds the facts the points table names (`annual_salary_yuan`, `education`,
    `distinctions: {patent_or_ip: true}`, ...); `birth_date` may stand in for `age`, which is
    then the age on `as_of`. Raises InvalidInput naming every malformed fact.
    """
    table = rules.points
    facts = _facts(table.fields, professional, "points table", frozenset({"birth_date"}))
    birth = facts.pop("birth_date", None)
    if birth is not None:
        if not isinstance(birth, dt.date):
            raise InvalidInput(
                "the points table facts are invalid",
                [Problem("should be a date", field="birth_date")],
            )
        if facts.get("age") is None:
            facts["age"] = _age_on(birth, as_of)
    record = _nested(facts)
    results = [_assess_factor(f, record, table.fields) for f in table.factors]
    low = sum(r.points_range[0] for r in results)
    high = sum(r.points_range[1] for r in results)
    possible: list[Category] = []
    for total in range(low, high + 1):
        category = category_for_total(rules, total)
        if category is not None and category not in possible:
            possible.append(category)
    decided = possible[0] if len(possible) == 1 else None
    notes = [r.note for r in results if r.outcome == "not_encoded" and r.note is not None]
    notes += [
        Text(
            zh=f"{r.label.zh}：可信度{r.citation.confidence}，未经核实",
            en=f"{r.label.en}: {r.citation.confidence} confidence, unverified",
        )
        for r in results
        if r.unverified
    ]
    notes.append(DIRECT_CRITERIA_NOTE)
    questions = [q for r in results for q in r.questions]
    return PointsAssessment(
        as_of=as_of,
        factors=results,
        total=low if low == high else None,
        total_range=(low, high),
        max_total=table.max_total,
        encoded_max=table.encoded_max,
        category=decided.id if decided else None,
        category_label=decided.label if decided else None,
        category_citation=decided.citation if decided else None,
        possible_categories=[c.id for c in possible],
        questions=list({q.field: q for q in questions}.values()),
        notes=notes,
    )


# Residence -------------------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _route_result(route: FiveYearRoute, outcome: Outcome) -> RouteResult:
    return RouteResult(
        route=route.id,
        label=route.label,
        outcome=outcome,
        citation=route.citation,
        unverified=route.unverified,
    )


def max_residence_end(
    rules: TalentRules,
    case: Mapping[str, Any],
    *,
    start: dt.date,
    work_permit_until: dt.date,
    requested_until: dt.date | None = None,
) -> ResidenceLimit:
    """The latest last valid day a work-type residence permit starting on `start` may have.

    Every day here is a last valid day, inclusive, as permits print it and as an approval's
    `valid_until` takes it: `work_permit_until` is the work permit's, `requested_until` the one
    the employer asked for, and the result's `end` the residence permit's.

    Five years when a 5-year route applies; otherwise what the case gives (`requested_until`, or
    else the work permit's last day). Never more than the law's maximum, never less than its
    minimum, never beyond the work permit: a work permit ending before the minimum is refused.
    """
    residence = rules.residence
    duration = residence.duration
    if requested_until is not None and requested_until < start:
        raise InvalidInput(
            "the residence case is invalid",
            [
                Problem(
                    f"should be on or after the start {start.isoformat()}", field="requested_until"
                )
            ],
        )
    record = _nested(_facts(residence.fields, case, "residence rules"))
    day = dt.timedelta(days=1)
    # A permit of n days from `start` is valid through start + n - 1; of y years, through the day
    # before the same calendar day y years later.
    least = start + dt.timedelta(days=duration.min_days) - day
    most = add_years(start, duration.max_years) - day
    evaluated = [(r, *condition_outcome(r.when, record)) for r in residence.five_year_routes]
    routes = [_route_result(r, outcome) for r, outcome, _ in evaluated]
    five_year = (
        P
        if any(o is P for _, o, _ in evaluated)
        else U
        if any(o is U for _, o, _ in evaluated)
        else F
    )
    reasons = [
        Reason(
            text=Text(
                zh=f"工作类居留许可有效期为{duration.min_days}日至{duration.max_years}年："
                f"自{start.isoformat()}起，有效期最早至{least.isoformat()}、"
                f"最晚至{most.isoformat()}",
                en=f"A work-type residence permit runs {duration.min_days} days to "
                f"{duration.max_years} years: from {start.isoformat()}, its last valid day is no "
                f"earlier than {least.isoformat()} and no later than {most.isoformat()}",
            ),
            citation=duration.citation,
        )
    ]
    if work_permit_until < least:
        reasons.append(
            Reason(
                text=Text(
                    zh=f"工作许可有效期至{work_permit_until.isoformat()}，早于最短期限"
                    f"（{least.isoformat()}）：不能签发工作类居留许可，请先延续工作许可",
                    en=f"The work permit is valid until {work_permit_until.isoformat()}, before "
                    f"the minimum ({least.isoformat()}): no work-type residence permit can be "
                    "issued; extend the work permit first",
                ),
                citation=duration.citation,
            )
        )
        return ResidenceLimit(
            status="refused",
            start=start,
            end=None,
            five_year=five_year,
            routes=routes,
            reasons=reasons,
        )
    questions: list[Question] = []
    if five_year is P:
        candidate = most
        for route, outcome, _ in evaluated:
            if outcome is P:
                reasons.append(
                    Reason(
                        text=Text(
                            zh=f"适用5年期居留许可：{route.label.zh}",
                            en=f"A 5-year residence permit applies: {route.label.en}",
                        ),
                        citation=route.citation,
                        unverified=route.unverified,
                    )
                )
    else:
        candidate = requested_until or work_permit_until
        given = (
            Text(
                zh=f"申请的有效期截止日{candidate.isoformat()}",
                en=f"the requested end {candidate.isoformat()}",
            )
            if requested_until
            else Text(
                zh=f"工作许可有效期截止日{candidate.isoformat()}",
                en=f"the work permit's end {candidate.isoformat()}",
            )
        )
        reasons.append(
            Reason(
                text=Text(
                    zh=f"无已确认适用的5年期情形：以{given.zh}为准",
                    en=f"No 5-year route is established: the case gives {given.en}",
                )
            )
        )
        if five_year is U and candidate < min(most, work_permit_until):
            unknown = [f for _, o, fields in evaluated if o is U for f in fields]
            questions = _questions(residence.fields, unknown)
            reasons.append(
                Reason(
                    text=Text(
                        zh="如符合以下任一5年期情形，可延至"
                        f"{min(most, work_permit_until).isoformat()}："
                        + "；".join(r.label.zh for r, o, _ in evaluated if o is U),
                        en="If any of these 5-year routes applies, it may run to "
                        f"{min(most, work_permit_until).isoformat()}: "
                        + "; ".join(r.label.en for r, o, _ in evaluated if o is U),
                    )
                )
            )
    end = candidate
    if end > most:
        end = most
        reasons.append(
            Reason(
                text=Text(
                    zh=f"不超过法定最长期限：{most.isoformat()}",
                    en=f"Capped at the legal maximum: {most.isoformat()}",
                ),
                citation=duration.citation,
            )
        )
    if end > work_permit_until:
        end = work_permit_until
        reasons.append(
            Reason(
                text=Text(
                    zh=f"不超过工作许可有效期：{work_permit_until.isoformat()}",
                    en=f"Never beyond the work permit's end: {work_permit_until.isoformat()}",
                )
            )
        )
    if end < least:
        end = least
        reasons.append(
            Reason(
                text=Text(
                    zh=f"不短于法定最短期限：{least.isoformat()}",
                    en=f"Raised to the legal minimum: {least.isoformat()}",
                ),
                citation=duration.citation,
            )
        )
    return ResidenceLimit(
        status="allowed",
        start=start,
        end=end,
        five_year=five_year,
        routes=routes,
        reasons=reasons,
        questions=questions,
    )


def _member_reason(member: FamilyMember, principal_end: dt.date) -> Reason:
    text = Text(
        zh=f"{member.label.zh}的居留许可与申请人同期，到期日{principal_end.isoformat()}",
        en=f"{member.label.en}: the permit runs with the principal's, ending {principal_end.isoformat()}",
    )
    if member.unverified:
        text = text.join(
            Text(
                zh=f"（可信度{member.citation.confidence}，未经核实，请向出入境管理部门确认）",
                en=f"({member.citation.confidence} confidence, unverified: confirm with the "
                "exit-entry office)",
            )
        )
    return Reason(text=text, citation=member.citation, unverified=member.unverified)


def family_end(
    rules: TalentRules, *, principal_end: dt.date, member: Mapping[str, Any]
) -> FamilyEnd:
    """The end of a relative's residence permit: the principal's end, for the relatives the
    rules cover (a Low-confidence relative is shown as unverified)."""
    family = rules.residence.family
    record = _nested(_facts(family.fields, member, "family rules"))
    evaluated = [(m, *condition_outcome(m.when, record)) for m in family.members]
    same_end = Reason(
        text=Text(
            zh="家属可获与申请人同等期限的居留许可",
            en="Family members may obtain residence permits of the same duration",
        ),
        citation=family.citation,
    )
    matched = next((m for m, outcome, _ in evaluated if outcome is P), None)
    if matched is not None:
        return FamilyEnd(
            member=matched.id,
            outcome=P,
            end=principal_end,
            unverified=matched.unverified,
            reasons=[same_end, _member_reason(matched, principal_end)],
        )
    unknown = [f for _, outcome, fields in evaluated if outcome is U for f in fields]
    if unknown:
        return FamilyEnd(
            member=None,
            outcome=U,
            end=None,
            reasons=[same_end],
            questions=_questions(family.fields, unknown),
        )
    covered = (
        "、".join(m.label.zh for m in family.members),
        ", ".join(m.label.en.lower() for m in family.members),
    )
    return FamilyEnd(
        member=None,
        outcome=F,
        end=None,
        reasons=[
            same_end,
            Reason(
                text=Text(
                    zh=f"不属于规则所列家属（{covered[0]}）",
                    en=f"Not a relative the rules cover ({covered[1]})",
                ),
                citation=family.citation,
            ),
        ],
    )
