"""Routing a cross-border transfer scenario: exempt (naming the article), standard contract or
certification (art. 8), or security assessment (art. 7), with the reasons and their citations.

A pure function of (rules, scenario). The routing rules are condition trees of the catalogue,
evaluated three-valued by the rules engine (`condition_outcome`) and tried in the data's order:
the first rule that holds decides, unless an earlier rule is still unknown, in which case the
route is undecided and the questions name the facts that could decide it. Never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from ftzlink.countries import CHINA, UnknownCountry
from ftzlink.countries import country as find_country
from ftzlink.dataflow.models import DataflowCitation, DataflowRules, Route, RoutingRule
from ftzlink.errors import InvalidInput, Problem
from ftzlink.rules.determinations import Outcome, Question
from ftzlink.rules.evaluate import condition_outcome
from ftzlink.talent.rules import _facts as checked_facts  # the same fact checks as talent's
from ftzlink.talent.rules import _questions as questions_for
from ftzlink.text import Text

__all__ = [
    "DESCRIPTIVE",
    "MECHANISMS",
    "RouteResult",
    "RuleCheck",
    "check_scenario",
    "route_scenario",
    "with_counts",
]

P, F, U = Outcome.PASSED, Outcome.FAILED, Outcome.UNKNOWN

# What a scenario states beside the routing facts: what, to whom, where (not routing conditions).
DESCRIPTIVE = frozenset({"data_categories", "recipient", "recipient_country"})
# The filing mechanisms each route admits (art. 7: assessment; art. 8: contract or certification).
MECHANISMS: dict[Route, tuple[str, ...]] = {
    Route.EXEMPT: (),
    Route.STANDARD_CONTRACT: ("standard_contract", "certification"),
    Route.SECURITY_ASSESSMENT: ("security_assessment",),
}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
IMPORTANT_DATA_NOTE = Text(
    zh="未被相关部门、地区告知或者公开发布为重要数据的，数据处理者不需要作为重要数据申报数据出境安全评估（第二条）。",
    en="Data that no department or region has notified or published as important data need not "
    "be declared as important data (art. 2).",
)


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleCheck(_Result):
    """One routing rule for this scenario: whether it holds, and where it comes from."""

    rule: str
    route: Route
    article: Text
    label: Text
    outcome: Outcome
    citation: DataflowCitation
    unverified: bool = False


class RouteResult(_Result):
    """The route a scenario needs, or the routes still possible and the questions that decide."""

    route: Route | None  # None while undecided
    decided_by: str | None = None  # the rule that decided
    article: Text | None = None
    mechanisms: list[str] = []
    possible_routes: list[Route]
    reasons: list[Text]
    checks: list[RuleCheck]
    questions: list[Question] = []
    notes: list[Text] = []

    @property
    def decided(self) -> bool:
        return self.route is not None


def _is_recipient_place(code: str) -> bool:
    found = find_country(code)
    return found is not None and found.alpha2 != CHINA


def check_scenario(rules: DataflowRules, scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario as flat facts, refused with every problem if any fact or description is
    malformed. Facts left out (or null) stay unknown."""
    facts = checked_facts(rules.routing.fields, scenario, "scenario", DESCRIPTIVE)
    problems: list[Problem] = []
    categories = facts.get("data_categories")
    if categories is not None and (
        not isinstance(categories, list)
        or not all(isinstance(c, str) and c.strip() and len(c) <= 100 for c in categories)
        or len(categories) > 50
    ):
        problems.append(Problem("a list of up to 50 category names", field="data_categories"))
    recipient = facts.get("recipient")
    if recipient is not None and (not isinstance(recipient, str) or not 0 < len(recipient) <= 200):
        problems.append(Problem("the recipient's name, up to 200 characters", field="recipient"))
    country = facts.get("recipient_country")
    if country is not None and (
        not isinstance(country, str)
        or not _COUNTRY.match(country)
        or not _is_recipient_place(country)
    ):
        problems.append(
            Problem(
                "an ISO 3166-1 alpha-2 code in capitals of a country or a region of China "
                "outside the mainland, e.g. DE or HK",
                field="recipient_country",
                code=UnknownCountry.code,
            )
        )
    if problems:
        raise InvalidInput("the scenario is invalid", problems)
    return facts


def with_counts(
    scenario: Mapping[str, Any], *, non_sensitive_people: int, sensitive_people: int
) -> dict[str, Any]:
    """The same scenario with other people counts (a year's running totals, say)."""
    return {
        **scenario,
        "non_sensitive_people": non_sensitive_people,
        "sensitive_people": sensitive_people,
    }


def _check(rule: RoutingRule, outcome: Outcome) -> RuleCheck:
    return RuleCheck(
        rule=rule.id,
        route=rule.route,
        article=rule.article,
        label=rule.label,
        outcome=outcome,
        citation=rule.citation,
        unverified=rule.unverified,
    )


def _reason(rule: RoutingRule) -> Text:
    text = Text(
        zh=f"{rule.article.zh}：{rule.label.zh}",
        en=f"{rule.article.en[:1].upper()}{rule.article.en[1:]}: {rule.label.en}",
    )
    if rule.unverified:
        text = text.join(
            Text(
                zh=f"（可信度{rule.citation.confidence}，未经核实）",
                en=f"({rule.citation.confidence} confidence, unverified)",
            )
        )
    return text


def _verdict(route: Route, rule: RoutingRule) -> Text:
    if route is Route.EXEMPT:
        return Text(
            zh=f"免予申报安全评估、订立标准合同和认证：{rule.article.zh}",
            en=f"Exempt from the security assessment, the standard contract and certification: "
            f"{rule.article.en}",
        )
    if route is Route.STANDARD_CONTRACT:
        return Text(
            zh="应当订立个人信息出境标准合同并备案，或者通过个人信息保护认证（第八条）",
            en="A standard contract, filed, or personal-information protection certification "
            "(art. 8)",
        )
    return Text(
        zh="应当通过所在地省级网信部门申报数据出境安全评估（第七条）",
        en="A security assessment, declared through the provincial cyberspace office (art. 7)",
    )


def route_scenario(rules: DataflowRules, scenario: Mapping[str, Any]) -> RouteResult:
    """The route of a scenario: the first routing rule that holds with no earlier rule unknown.

    `scenario` holds the facts `routing.yaml` names (ciio, important_data, non_sensitive_people,
    sensitive_people, purpose, ...) and may describe the transfer (data_categories, recipient,
    recipient_country). A fact left out makes what depends on it unknown. Raises InvalidInput
    naming every malformed fact.
    """
    facts = check_scenario(rules, scenario)
    record = {k: v for k, v in facts.items() if k not in DESCRIPTIVE}
    evaluated = [(rule, *condition_outcome(rule.when, record)) for rule in rules.routing.rules]
    checks = [_check(rule, outcome) for rule, outcome, _ in evaluated]
    notes = [IMPORTANT_DATA_NOTE]
    open_rules: list[tuple[RoutingRule, list[str]]] = []
    for rule, outcome, unknown in evaluated:
        if outcome is U:
            open_rules.append((rule, unknown))
            continue
        if outcome is not P:
            continue
        if all(r.route is rule.route for r, _ in open_rules):
            # Decided (whatever the open rules before it turn out to be, the route is the
            # same): the reasons are every rule of this route that holds, art. 7 may hold
            # several ways.
            same = [r for r, o, _ in evaluated if o is P and r.route is rule.route]
            reasons = [_verdict(rule.route, rule), *(_reason(r) for r in same)]
            return RouteResult(
                route=rule.route,
                decided_by=rule.id,
                article=rule.article,
                mechanisms=list(MECHANISMS[rule.route]),
                possible_routes=[rule.route],
                reasons=reasons,
                checks=checks,
                notes=notes,
            )
        possible = list(dict.fromkeys([r.route for r, _ in open_rules] + [rule.route]))
        return _undecided(rules, possible, open_rules, checks, notes)
    possible = list(dict.fromkeys(r.route for r, _ in open_rules))
    return _undecided(rules, possible, open_rules, checks, notes)


def _undecided(
    rules: DataflowRules,
    possible: list[Route],
    open_rules: list[tuple[RoutingRule, list[str]]],
    checks: list[RuleCheck],
    notes: list[Text],
) -> RouteResult:
    fields = [f for _, unknown in open_rules for f in unknown]
    ordered = sorted(possible, key=lambda r: r.level)
    return RouteResult(
        route=None,
        possible_routes=ordered,
        reasons=[
            Text(
                zh="尚不能确定："
                + "；".join(f"{r.article.zh}（{r.label.zh}）" for r, _ in open_rules),
                en="Not yet decided: "
                + "; ".join(f"{r.article.en} ({r.label.en})" for r, _ in open_rules),
            )
        ],
        checks=checks,
        questions=questions_for(rules.routing.fields, fields),
        notes=notes,
    )
