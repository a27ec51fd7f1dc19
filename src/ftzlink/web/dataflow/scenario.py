"""A route and a scenario as the pages show them: the verdict with its reasons and citations, the
questions still open, the task list and each section's fields.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal

from ftzlink import countries
from ftzlink.dataflow import validation as limits
from ftzlink.dataflow.models import DataflowCitation, Route
from ftzlink.dataflow.rules import RouteResult, check_scenario
from ftzlink.dataflow.tables import (
    Filing,
)
from ftzlink.errors import (
    InvalidInput,
)
from ftzlink.text import Text
from ftzlink.web import forms
from ftzlink.web.context import Web
from ftzlink.web.dataflow.common import (
    CONFIDENCE,
    DESCRIBED,
    DESCRIPTION_LIMITS,
    MECHANISMS,
    ROUTES,
    SECTION_OF,
    SECTIONS,
    TASK_STATES,
    YES_NO,
    Section,
    _label,
    _route,
    _rules,
)
from ftzlink.web.forms import Form
from ftzlink.web.render import BABEL_LOCALE

# --- explaining a route -----------------------------------------------------------------------


def _cite(web: Web, citation: DataflowCitation, article: Text | None = None) -> str:
    """Source, article and confidence; a CAC Order No. 16 article in the reader's language."""
    source = _rules().source(citation.source)
    title = source.title.get(web.lang) if source else citation.source
    section = citation.section
    if section and article is not None and citation.source == "cac-order-16" and web.lang == "zh":
        section = article.zh
    where = f"{title} {section}" if section else title
    return f"{where} ({web._(CONFIDENCE[citation.confidence])})"


def _headline(web: Web, result: RouteResult) -> str:
    if result.route is None:
        return web._("The route cannot be decided yet")
    if result.route is Route.EXEMPT:
        article = result.article.get(web.lang) if result.article else ""
        return web._("Exempt: nothing to file (%(article)s)", article=article)
    if result.route is Route.STANDARD_CONTRACT:
        return web._("A standard contract or certification is needed (art. 8)")
    return web._("A security assessment is needed (art. 7)")


def _question_href(filing_id: int | None, field: str) -> str | None:
    section = SECTION_OF.get(field)
    if filing_id is None or section is None:
        return None
    return f"/dataflow/filings/{filing_id}/{section.slug}#{field}"


def explained(web: Web, result: RouteResult, *, filing_id: int | None = None) -> dict[str, Any]:
    """A route result as the pages show it: the verdict, each reason with its citation, the
    questions still open (linked to where they are answered), and every rule's outcome."""
    lang = web.lang
    reasons = [
        {
            "text": f"{c.article.get(lang)}: {c.label.get(lang)}",
            "citation": _cite(web, c.citation, c.article),
            "unverified": c.unverified,
        }
        for c in result.checks
        if result.route is not None and c.outcome.value == "passed" and c.route is result.route
    ]
    return {
        "decided": result.decided,
        "value": result.route.value if result.route else None,
        "route": _route(web, result.route.value if result.route else None),
        "headline": _headline(web, result),
        "verdict": result.reasons[0].get(lang) if result.decided and result.reasons else "",
        "reasons": reasons,
        "possible": [web._(ROUTES[r.value]) for r in result.possible_routes],
        "open": result.reasons[0].get(lang) if not result.decided and result.reasons else "",
        "questions": [
            {"label": q.label.get(lang), "href": _question_href(filing_id, q.field)}
            for q in result.questions
        ],
        "checks": [
            {
                "article": c.article.get(lang),
                "label": c.label.get(lang),
                "route": web._(ROUTES[c.route.value]),
                "outcome": c.outcome.value,
                "citation": _cite(web, c.citation, c.article),
                "unverified": c.unverified,
            }
            for c in result.checks
        ],
        "notes": [n.get(lang) for n in result.notes],
        "mechanisms": [(m, web._(MECHANISMS[m])) for m in result.mechanisms],
    }


# --- the facts of a scenario, as questions and answers ------------------------------------------


def _definitions() -> dict[str, Any]:
    return {f.id: f for f in _rules().routing.fields}


def _question(web: Web, fact: str) -> str:
    if fact in DESCRIBED:
        return web._(DESCRIBED[fact])
    return str(_definitions()[fact].label.get(web.lang))


def _answered(scenario: dict[str, Any], fact: str) -> bool:
    value = scenario.get(fact)
    return value not in (None, "", [])


def _shown(web: Web, fact: str, value: Any) -> str:
    if value is None or value == [] or value == "":
        return web._("Not known yet")
    if isinstance(value, bool):
        return web._("Yes") if value else web._("No")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if fact == "recipient_country":
        return countries.country_name(str(value), web.lang)
    if isinstance(value, int):
        shown = format_decimal(value, locale=BABEL_LOCALE[web.lang])
        return web.ngettext("%(count)s person", "%(count)s people", value, count=shown)
    definition = _definitions().get(fact)
    if definition is not None and definition.choices:
        choice = next((c for c in definition.choices if c.id == value), None)
        if choice is not None:
            return str(choice.label.get(web.lang))
    return str(value)


def _form_values(scenario: dict[str, Any]) -> dict[str, str]:
    """The saved answers as the forms show them."""
    values: dict[str, str] = {}
    for fact, value in scenario.items():
        if isinstance(value, bool):
            values[fact] = "yes" if value else "no"
        elif isinstance(value, list):
            values[fact] = "\n".join(str(v) for v in value)
        elif value is not None:
            values[fact] = str(value)
    return values


def _fields(web: Web, section: Section) -> list[dict[str, Any]]:
    """What the section's form asks, field by field."""
    out: list[dict[str, Any]] = []
    definitions = _definitions()
    for fact in section.facts:
        if fact == "data_categories":
            out.append(
                {
                    "name": fact,
                    "kind": "textarea",
                    "label": _question(web, fact),
                    "hint": web._("One category a line, like: customer contact details"),
                }
            )
        elif fact == "recipient":
            out.append({"name": fact, "kind": "text", "label": _question(web, fact), "hint": ""})
        elif fact == "recipient_country":
            out.append(
                {
                    "name": fact,
                    "kind": "country",
                    "label": _question(web, fact),
                    "hint": "",
                }
            )
        else:
            d = definitions[fact]
            if d.type == "bool":
                out.append(
                    {
                        "name": fact,
                        "kind": "radios",
                        "label": d.label.get(web.lang),
                        "options": [
                            ("yes", web._("Yes")),
                            ("no", web._("No")),
                            ("unknown", web._("Not known yet")),
                        ],
                    }
                )
            elif d.type == "int":
                out.append(
                    {
                        "name": fact,
                        "kind": "number",
                        "label": d.label.get(web.lang),
                        "hint": web._("A whole number, like 120000"),
                    }
                )
            else:
                out.append(
                    {
                        "name": fact,
                        "kind": "radios",
                        "label": d.label.get(web.lang),
                        "options": [(c.id, c.label.get(web.lang)) for c in d.choices or []],
                    }
                )
    return out


def _read_section(web: Web, form: Form, section: Section) -> dict[str, Any]:
    """The section's answers as facts, each checked; an answer "not known yet" is None."""
    changes: dict[str, Any] = {}
    definitions = _definitions()
    for fact in section.facts:
        raw = form.get(fact)
        if fact == "data_categories":
            lines = [line.strip() for line in raw.splitlines() if line.strip()]
            if not lines:
                form.error(fact, web._("Enter the categories of data sent, one a line"))
            changes[fact] = lines
        elif fact == "recipient":
            if not raw:
                form.error(fact, web._("Enter the name of the recipient abroad"))
            changes[fact] = raw
        elif fact == "recipient_country":
            if not raw:
                form.error(fact, web._(DESCRIPTION_LIMITS[fact]))
            changes[fact] = raw.upper()
        else:
            d = definitions[fact]
            if d.type == "bool":
                if raw not in YES_NO:
                    if not section.optional:
                        form.error(fact, web._("Select yes, no or not known yet"))
                    changes[fact] = None
                else:
                    changes[fact] = YES_NO[raw]
            elif d.type == "int":
                value = forms.parse_int(raw, limits.PEOPLE_MAX)
                if value is None:
                    form.error(
                        fact, web._("Enter the number of people as a whole number, like 120000")
                    )
                changes[fact] = value
            else:
                if raw not in {c.id for c in d.choices or []}:
                    form.error(fact, web._("Select the purpose of the transfer"))
                changes[fact] = raw or None
    described = {f: changes[f] for f in DESCRIBED if changes.get(f)}
    try:
        check_scenario(_rules(), described)
    except InvalidInput as refused:  # the rules' limits on the descriptions, in the reader's words
        for problem in refused.problems:
            if problem.field in DESCRIPTION_LIMITS:
                form.error(problem.field, web._(DESCRIPTION_LIMITS[problem.field]))
    return changes


def _tasks(web: Web, filing: Filing, result: RouteResult) -> list[dict[str, Any]]:
    scenario = filing.scenario or {}
    base = f"/dataflow/filings/{filing.id}"
    tasks: list[dict[str, Any]] = []
    for section in SECTIONS:
        answered = [f for f in section.facts if _answered(scenario, f)]
        if len(answered) == len(section.facts):
            state = "completed"
        elif answered:
            state = "in_progress"
        else:
            state = "optional" if section.optional else "not_started"
        tasks.append(
            {
                "id": section.slug,
                "name": web._(section.name),
                "href": f"{base}/{section.slug}",
                "tag": _label(web, TASK_STATES, state),
                "state": state,
            }
        )
    tasks.append(
        {
            "id": "route",
            "name": web._("The route and why"),
            "href": f"{base}/route",
            "tag": _route(web, result.route.value if result.route else None),
            "state": "route",
        }
    )
    described = all(_answered(scenario, f) for f in DESCRIBED)
    if result.route is Route.EXEMPT:
        check = "nothing_to_file"
    elif result.decided and described:
        check = "not_started"
    else:
        check = "cannot_start"
    tasks.append(
        {
            "id": "check",
            "name": web._("Check your answers and submit"),
            "href": f"{base}/check",
            "tag": _label(web, TASK_STATES, check),
            "state": check,
        }
    )
    return tasks
