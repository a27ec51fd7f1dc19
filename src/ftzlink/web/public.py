"""Pages anyone may read without signing in: the zones and their finder, the policies and their
measures, and "What support can I get?", a checker that asks only the questions the engine still
needs, one per page, and keeps the answers in the address (no server state, no JavaScript)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ftzlink.catalogue.models import Catalogue, Measure, Policy, Zone
from ftzlink.catalogue.zones import find_zones
from ftzlink.errors import NotFound, ProfileError
from ftzlink.profiles.fields import FieldSpec, profile_fields
from ftzlink.profiles.loader import profile_from_data
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.profiles.questions import asking
from ftzlink.profiles.uscc import make_uscc
from ftzlink.rules.describe import PERIOD_TEXT
from ftzlink.rules.determinations import ConditionResult, Determination, Outcome, Question, Status
from ftzlink.rules.evaluate import evaluate, evaluate_measure
from ftzlink.rules.reading import read_report
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form, parse_day

__all__ = ["next_question", "router"]

router = APIRouter(include_in_schema=False)

# Whether a policy or measure applies on a day (the catalogue's `Period.status_on`).
IN_FORCE = {
    "in_force": N_("In force"),
    "expired": N_("Expired"),
    "not_yet_effective": N_("Not yet in force"),
}
# The checker evaluates a visitor nobody knows yet: a name and a code only to make a profile.
VISITOR_USCC = make_uscc("9", "1", "310000", "00000000")
NO_PROJECTS = "none"  # the "none of these" answer to the projects question
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
_INTEGER = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")

# -- shared -----------------------------------------------------------------------------------


def _day(text: str | None) -> dt.date | None:
    """A strict ISO day (YYYY-MM-DD) in a sensible range, or None."""
    day = parse_day(text.strip()) if text else None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def _sources(catalogue: Catalogue) -> dict[str, Any]:
    return {s.file: s for s in catalogue.sources}


def _blank_profile(**values: Any) -> EnterpriseProfile:
    return EnterpriseProfile(name="visitor", uscc=VISITOR_USCC, **values)


def _conditions(
    catalogue: Catalogue, policy: Policy, measure: Measure, day: dt.date
) -> list[ConditionResult]:
    """Who qualifies, in the engine's plain words with each clause: the tree it evaluates."""
    return evaluate_measure(catalogue, policy, measure, _blank_profile(), day).conditions


def _find_measure(catalogue: Catalogue, measure_id: str) -> tuple[Policy, Measure]:
    for policy, measure in catalogue.measures():
        if measure.id == measure_id:
            return policy, measure
    raise NotFound(f"no measure {measure_id!r}")


def _zone(catalogue: Catalogue, zone_id: str) -> Zone:
    zone = catalogue.zone(zone_id)
    if zone is None:
        raise NotFound(f"no zone {zone_id!r}")
    return zone


def _page(web: Web, template: str, **values: Any) -> Response:
    return web.page(
        f"pages/public/{template}.html",
        sources=_sources(web.catalogue),
        in_force=IN_FORCE,
        period_text=PERIOD_TEXT,
        **values,
    )


# -- zones ------------------------------------------------------------------------------------


@router.get("/zones")
def zones(web: WebPage, q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    query = (q or "").strip()
    matches = find_zones(web.catalogue, query) if query else None
    found = (
        [(m.zone, m.matched) for m in matches]
        if matches is not None
        else [(z, []) for z in web.catalogue.zones]
    )
    return _page(web, "zones", query=query, found=found, block="results")


def _applies_in(catalogue: Catalogue, zone: Zone, day: dt.date) -> list[tuple[Policy, list[Any]]]:
    """The policies that name the zone, each with the measures an enterprise located there is not
    ruled out of by the engine (a measure for another district's zone fails on `zone`)."""
    located = _blank_profile(zone=zone.id)
    found = []
    for policy in catalogue.policies:
        if zone.id not in policy.zones:
            continue
        measures = [
            (m, policy.validity_of(m).status_on(day))
            for m in policy.measures
            if all(
                r.outcome is not Outcome.FAILED
                for r in evaluate_measure(catalogue, policy, m, located, day).conditions
            )
        ]
        found.append((policy, measures))
    return found


@router.get("/zones/{zone_id}")
def zone_page(web: WebPage, zone_id: str) -> Response:
    zone = _zone(web.catalogue, zone_id)
    district = web.catalogue.term("districts", zone.district) if zone.district else None
    batch = next((b for b in web.catalogue.batches if b.id == zone.batch), None)
    return _page(
        web,
        "zone",
        zone=zone,
        district=district,
        batch=batch,
        policies=_applies_in(web.catalogue, zone, web.today),
    )


# -- policies and measures ----------------------------------------------------------------------


@router.get("/policies")
def policies(web: WebPage) -> Response:
    return _page(web, "policies", policies=web.catalogue.policies, day=web.today)


@router.get("/policies/{policy_id}")
def policy_page(web: WebPage, policy_id: str) -> Response:
    policy = web.catalogue.policy(policy_id)
    if policy is None:
        raise NotFound(f"no policy {policy_id!r}")
    eligibility = []
    if policy.eligibility is not None:
        eligibility = _conditions(web.catalogue, policy, policy.measures[0], web.today)[:1]
    return _page(
        web,
        "policy",
        policy=policy,
        eligibility=eligibility,
        zones=[z for z in web.catalogue.zones if z.id in policy.zones],
        day=web.today,
    )


@router.get("/measures/{measure_id}")
def measure_page(web: WebPage, measure_id: str) -> Response:
    policy, measure = _find_measure(web.catalogue, measure_id)
    validity = policy.validity_of(measure)
    return _page(
        web,
        "measure",
        policy=policy,
        measure=measure,
        validity=validity,
        status=validity.status_on(web.today),
        conditions=_conditions(web.catalogue, policy, measure, web.today),
        zones=[z for z in web.catalogue.zones if z.id in policy.zones],
    )


# -- the checker: answers ---------------------------------------------------------------------

Answers = dict[str, list[str]]  # field path -> the answer as typed (several for projects)


def _spec(field: str) -> FieldSpec | None:
    return profile_fields().get(field)


def _choice_ids(catalogue: Catalogue, spec: FieldSpec) -> set[str]:
    return catalogue.known_terms(spec.vocabulary) if spec.vocabulary else set()


def _parse(catalogue: Catalogue, field: str, given: list[str]) -> tuple[Any, str | None]:
    """The profile value of an answer, or the message id of what is wrong with it."""
    spec = _spec(field)
    values = [v.strip() for v in given if v.strip()]
    if spec is None:
        return None, N_("This question is not one the checker asks")
    if spec.type == "list":
        if field != "projects":
            return None, N_("This question is not one the checker asks")
        if not values:
            return None, N_("Select the kinds of project, or select none of these")
        if NO_PROJECTS in values:
            if len(values) > 1:
                return None, N_("Select the kinds of project, or none of these, not both")
            return [], None
        known = catalogue.known_terms("project_kinds")
        if any(v not in known for v in values):
            return None, N_("Select the kinds of project from the list")
        return list(dict.fromkeys(values)), None
    value = values[0] if values else ""
    if spec.type == "bool":
        if value not in ("yes", "no"):
            return None, N_("Select yes or no")
        return value == "yes", None
    if spec.type == "int":
        if not value:
            return None, N_("Enter a number")
        if not _INTEGER.match(value):
            return None, N_("Enter a whole number, like 3, using digits only")
        number = int(value.replace(",", ""))
        if number > 10**9:
            return None, N_("Enter a number no bigger than 1,000,000,000")
        return number, None
    if spec.type == "date":
        if not value:
            return None, N_("Enter a date")
        day = _day(value)
        if day is None:
            return None, N_("Enter a real date in the form 2020-03-27")
        return day.isoformat(), None
    if spec.vocabulary:
        if not value:
            return None, N_("Select an answer")
        if value not in _choice_ids(catalogue, spec):
            return None, N_("Select an answer from the list")
        return value, None
    if not value:
        return None, N_("Enter an answer")
    return value[:200], None


def _profile_data(catalogue: Catalogue, answers: Answers) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "visitor", "uscc": VISITOR_USCC}
    for field, given in answers.items():
        value, problem = _parse(catalogue, field, given)
        if problem is not None:
            continue
        if field == "projects":
            labels = {t.id: t.label for t in catalogue.terms("project_kinds")}
            value = [{"name": labels[k].zh, "kind": k} for k in value]
        head, _, rest = field.partition(".")
        if rest:
            data.setdefault(head, {})[rest] = value
        else:
            data[head] = value
    return data


def _answers_from(query: Mapping[str, list[str]]) -> tuple[Answers, dt.date | None]:
    """The answers in the address, in the order they were given, and the as-of day."""
    answers: Answers = {}
    for key, values in query.items():
        if key == "as_of" or _spec(key) is None:
            continue
        answers[key] = values
    as_of = _day(next(iter(query.get("as_of", [])), None))
    return answers, as_of


def _query(web: Web) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in web.request.query_params.multi_items():
        found.setdefault(key, []).append(value)
    return found


def _encode(answers: Answers, as_of: dt.date | None) -> str:
    pairs: list[tuple[str, str]] = []
    if as_of is not None:
        pairs.append(("as_of", as_of.isoformat()))
    for field, values in answers.items():
        pairs += [(field, v) for v in values]
    return urlencode(pairs)


def _url(path: str, answers: Answers, as_of: dt.date | None) -> str:
    query = _encode(answers, as_of)
    return f"{path}?{query}" if query else path


def _determinations(
    web: Web, answers: Answers, as_of: dt.date | None
) -> tuple[list[Determination], Answers]:
    """The engine's answer for what the visitor has said; answers that contradict each other (a
    sub-area of another zone) are dropped, latest first, so the engine asks again."""
    kept = dict(answers)
    while True:
        try:
            profile = profile_from_data(_profile_data(web.catalogue, kept), web.catalogue)
            break
        except ProfileError:
            kept.pop(list(kept)[-1])
    return evaluate(web.catalogue, profile, as_of or web.today), kept


def next_question(determinations: list[Determination]) -> Question | None:
    """The first question the engine still needs, in catalogue order."""
    return next(
        (q for d in determinations if d.status is Status.NEEDS_INFO for q in d.questions), None
    )


def _next_url(web: Web, answers: Answers, as_of: dt.date | None) -> str:
    determinations, kept = _determinations(web, answers, as_of)
    question = next_question(determinations)
    if question is None or question.field in kept:
        return _url("/check/result", kept, as_of)
    return _url(f"/check/question/{question.field}", kept, as_of)


# -- the checker: pages -----------------------------------------------------------------------


def _start(web: Web, *, status_code: int = 200, form: Form | None = None) -> Response:
    return _page(
        web,
        "check_start",
        status_code=status_code,
        errors=form.errors if form else [],
        values=form.values if form else {},
        zones=web.catalogue.zones,
    )


@router.get("/check")
def check_start(web: WebPage) -> Response:
    return _start(web)


@router.post("/check")
async def check_begin(web: WebPage) -> Response:
    form = Form(await web.form())
    zone, as_of_text = form.get("zone"), form.get("as_of")
    if zone and zone != "unknown" and web.catalogue.zone(zone) is None:
        form.error("zone", web._("Select your zone from the list"))
    as_of = _day(as_of_text)
    if as_of_text and as_of is None:
        form.error("as_of", web._("Enter a real date in the form 2026-11-24"))
    if not form.ok:
        return _start(web, status_code=400, form=form)
    answers: Answers = {"zone": [zone]} if zone and zone != "unknown" else {}
    return web.redirect(_next_url(web, answers, as_of))


def _question_page(
    web: Web,
    field: str,
    answers: Answers,
    as_of: dt.date | None,
    *,
    status_code: int = 200,
    form: Form | None = None,
) -> Response:
    spec = _spec(field)
    if spec is None:
        raise NotFound(f"no question {field!r}")
    earlier = {k: v for k, v in answers.items() if k != field}
    # The engine's own question (its choices narrowed by the earlier answers), when it asks it.
    determinations, earlier = _determinations(web, earlier, as_of)
    question = next(
        (q for d in determinations for q in d.questions if q.field == field),
        Question(field=field, label=spec.label, type=spec.type),
    )
    if field == "projects":
        choices = [(t.id, t.label) for t in web.catalogue.terms("project_kinds")]
    elif question.choices:
        choices = [(c.id, c.label) for c in question.choices]
    else:
        choices = (
            [(t.id, t.label) for t in web.catalogue.terms(spec.vocabulary or "")]
            if spec.vocabulary
            else []
        )
    previous = list(earlier)
    back = _url(f"/check/question/{previous[-1]}", earlier, as_of) if previous else "/check"
    current = form.lists.get("answer", []) if form else answers.get(field, [])
    asked = asking(field)
    return _page(
        web,
        "check_question",
        status_code=status_code,
        errors=form.errors if form else [],
        question=question,
        heading=asked.question if asked else question.label,
        choices=choices,
        answer=current,
        action=_url(f"/check/question/{field}", earlier, as_of),
        results=_url("/check/result", earlier, as_of),
        back=back,
        number=len(earlier) + 1,
        no_projects=NO_PROJECTS,
    )


@router.get("/check/question/{field}")
def check_question(web: WebPage, field: str) -> Response:
    answers, as_of = _answers_from(_query(web))
    return _question_page(web, field, answers, as_of)


@router.post("/check/question/{field}")
async def check_answer(web: WebPage, field: str) -> Response:
    form = Form(await web.form())
    answers, as_of = _answers_from(_query(web))
    if _spec(field) is None:
        raise NotFound(f"no question {field!r}")
    given = form.getlist("answer")
    _value, problem = _parse(web.catalogue, field, given)
    asked = asking(field)
    if problem is not None and asked is not None and not any(v.strip() for v in given):
        # Nothing given: say what is asked for ("请选择贵企业是否为…"), not a generic "select one".
        form.error("answer", asked.missing.get(web.lang))
    elif problem is not None:
        form.error("answer", web._(problem))
    if problem is not None:
        return _question_page(web, field, answers, as_of, status_code=400, form=form)
    answers.pop(field, None)
    answers[field] = given
    return web.redirect(_next_url(web, answers, as_of))


# The result page's sections (rules/reading.py decides their order and contents).
SECTION_TITLES = {
    Status.ELIGIBLE: N_("You can apply"),
    Status.NEEDS_INFO: N_("More answers needed"),
    Status.INELIGIBLE: N_("Not eligible"),
    Status.NOT_YET_EFFECTIVE: N_("Not yet in force"),
    Status.EXPIRED: N_("Expired"),
}


def _next_steps(d: Determination) -> str:
    """What a visitor can do about one determination: apply, answer, or nothing."""
    if d.status is Status.ELIGIBLE:
        return "apply"
    if d.status is Status.NEEDS_INFO:
        return "answer"
    return "none"


@router.get("/check/result")
def check_result(web: WebPage) -> Response:
    answers, as_of = _answers_from(_query(web))
    determinations, kept = _determinations(web, answers, as_of)
    question = next_question(determinations)
    fields = profile_fields()
    shown_answers = []
    for field, given in kept.items():
        value, _problem = _parse(web.catalogue, field, given)
        shown_answers.append(
            (
                field,
                fields[field].label,
                _answer_text(web, fields[field], value),
                _url(f"/check/question/{field}", kept, as_of),
            )
        )
    policies = {p.id: p for p in web.catalogue.policies}
    return _page(
        web,
        "check_result",
        sections=read_report(determinations),
        section_titles=SECTION_TITLES,
        policies=policies,
        day=as_of or web.today,
        answers=shown_answers,
        question=question,
        question_url=_url(f"/check/question/{question.field}", kept, as_of) if question else None,
        next_steps=_next_steps,
        restart="/check",
    )


def _answer_text(web: Web, spec: FieldSpec, value: Any) -> str:
    if value is None:
        return "—"
    if spec.type == "bool":
        return web._("Yes") if value else web._("No")
    if spec.path == "projects":
        if not value:
            return web._("None of these")
        labels = {t.id: t.label.get(web.lang) for t in web.catalogue.terms("project_kinds")}
        return ("、" if web.lang == "zh" else ", ").join(labels[k] for k in value)
    if spec.vocabulary:
        term = web.catalogue.term(spec.vocabulary, value)
        return term.label.get(web.lang) if term else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
