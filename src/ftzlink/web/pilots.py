"""Pages: the public pilot-case registry. Anyone sees the cases by stage with the figures
reported about them, each with its day (or that the source gives none) and its source; a case's
page shows its timeline. Platform administrators and data regulators also get the forms to move
a case to its next stage and to add a figure."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter
from fastapi.responses import Response

from ftzlink.auth.principal import Principal
from ftzlink.errors import Conflict, Forbidden, InvalidInput
from ftzlink.pilots import service
from ftzlink.pilots.loader import bundled_pilot_seed
from ftzlink.pilots.permissions import can_edit
from ftzlink.pilots.service import StageOutOfOrder
from ftzlink.pilots.tables import (
    STAGE_ORDER,
    PilotCase,
    PilotFigure,
    PilotQualifier,
    PilotStage,
    PilotUnit,
)
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form, parse_day
from ftzlink.web.render import BABEL_LOCALE

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGES = "pages/pilots/"
NUMBER = re.compile(r"^\d{1,30}(\.\d{1,8})?$")
# As the API takes it: lower-case letters, digits, "-" and "_", starting with a letter or digit.
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

STAGES = {
    PilotStage.CASE_PILOT.value: (N_("Case pilot"), "draft"),
    PilotStage.INNOVATIVE_SUPERVISION.value: (N_("Innovative supervision"), "returned"),
    PilotStage.REGULATORY_SOLIDIFICATION.value: (N_("Regulatory solidification"), "approved"),
    service.NOT_STATED: (N_("Stage not stated"), "unknown"),
}
STAGE_HINTS = {
    PilotStage.CASE_PILOT.value: N_("Tried on a single case, often under sandbox supervision."),
    PilotStage.INNOVATIVE_SUPERVISION.value: N_("Supervised in a new way beyond the first case."),
    PilotStage.REGULATORY_SOLIDIFICATION.value: N_("Fixed in rules or regulations."),
    service.NOT_STATED: N_("The source does not say which stage the case has reached."),
}
UNITS = {
    PilotUnit.COUNT.value: N_("in number"),
    PilotUnit.VEHICLES.value: N_("vehicles"),
    PilotUnit.ENTERPRISES.value: N_("enterprises"),
    PilotUnit.CASES.value: N_("cases"),
    PilotUnit.PERCENT.value: N_("per cent"),
    PilotUnit.SHARE.value: N_("share"),
    PilotUnit.YEARS.value: N_("years"),
    PilotUnit.USD.value: N_("US dollars"),
    PilotUnit.YUAN.value: N_("yuan"),
}
QUALIFIERS = {
    PilotQualifier.EXACT.value: N_("exactly"),
    PilotQualifier.ABOUT.value: N_("about"),
    PilotQualifier.MORE_THAN.value: N_("more than"),
    PilotQualifier.NEARLY.value: N_("nearly"),
    PilotQualifier.ESTIMATED.value: N_("estimated"),
}
FIGURE_FIELDS = (
    "label_zh",
    "label_en",
    "value",
    "value_max",
    "unit",
    "qualifier",
    "as_of",
    "as_of_note",
    "source",
    "source_line",
)


def _locale(web: Web) -> Locale:
    return BABEL_LOCALE[web.lang]


def _stage(web: Web, stage: str | None) -> dict[str, str]:
    key = stage or service.NOT_STATED
    label, css = STAGES[key]
    return {"key": key, "label": web._(label), "css": css, "hint": web._(STAGE_HINTS[key])}


def _number(web: Web, value: str, unit: str) -> str:
    if unit == PilotUnit.SHARE.value:
        return format_percent(Decimal(value), locale=_locale(web))
    return format_decimal(Decimal(value), locale=_locale(web))


def _source(web: Web, source: str | None, line: int | None) -> dict[str, Any] | None:
    if not source:
        return None
    seeded = bundled_pilot_seed().by_file(source)
    return {
        "title": seeded.title.get(web.lang) if seeded else source,
        "file": source if seeded else None,
        "line": line,
        "released": seeded.released if seeded else None,
    }


def _with_unit(web: Web, unit: str, shown: str, n: int) -> str:
    """A value with its unit, singular or plural as the language needs."""
    if unit == PilotUnit.VEHICLES.value:
        return web.ngettext("%(value)s vehicle", "%(value)s vehicles", n, value=shown)
    if unit == PilotUnit.ENTERPRISES.value:
        return web.ngettext("%(value)s enterprise", "%(value)s enterprises", n, value=shown)
    if unit == PilotUnit.CASES.value:
        return web.ngettext("%(value)s case", "%(value)s cases", n, value=shown)
    if unit == PilotUnit.YEARS.value:
        return web.ngettext("%(value)s year", "%(value)s years", n, value=shown)
    if unit == PilotUnit.USD.value:
        return web._("%(value)s US dollars", value=shown)
    if unit == PilotUnit.YUAN.value:
        return web._("%(value)s yuan", value=shown)
    if unit == PilotUnit.PERCENT.value:
        return web._("%(value)s per cent", value=shown)
    return shown  # a count, or a share already shown as a percentage


def _figure(web: Web, f: PilotFigure) -> dict[str, Any]:
    value = _number(web, f.value, f.unit)
    top = f.value_max if f.value_max is not None else f.value
    if f.value_max is not None:
        value += "–" + _number(web, f.value_max, f.unit)
    value = _with_unit(web, f.unit, value, int(Decimal(top)) if Decimal(top) == 1 else 2)
    qualifier = "" if f.qualifier == PilotQualifier.EXACT.value else web._(QUALIFIERS[f.qualifier])
    return {
        "label": f.label_zh if web.lang == "zh" else f.label_en,
        "value": " ".join(p for p in (qualifier, value) if p),
        "as_of": f.as_of,
        "as_of_note": f.as_of_note,
        "quote": f.quote,
        "source": _source(web, f.source, f.source_line),
    }


def _case(web: Web, c: PilotCase) -> dict[str, Any]:
    zone = web.catalogue.zone(c.zone)
    return {
        "case": c,
        "title": c.title_zh if web.lang == "zh" else c.title_en,
        "summary": c.summary_zh if web.lang == "zh" else c.summary_en,
        "progress": c.progress_zh if web.lang == "zh" else c.progress_en,
        "zone": zone.name.get(web.lang) if zone else c.zone,
        "stage": _stage(web, c.stage),
    }


def _stage_options(web: Web) -> list[tuple[str, str]]:
    options = [("", web._("All stages"))]
    for key in [*(s.value for s in reversed(STAGE_ORDER)), service.NOT_STATED]:
        options.append((key, web._(STAGES[key][0])))
    return options


@router.get("/pilots")
def registry(web: WebPage, stage: str = "") -> Response:
    chosen = stage if stage in STAGES else ""
    groups: dict[str, list[dict[str, Any]]] = {}
    with web.read() as session:
        rows, total = service.list_cases(session, stage=chosen or None, limit=10_000)
        for c in rows:
            item = _case(web, c)
            item["figures"] = [_figure(web, f) for f in service.figures_of(session, c)]
            groups.setdefault(item["stage"]["key"], []).append(item)
    order = [*(s.value for s in reversed(STAGE_ORDER)), service.NOT_STATED]
    sections = [
        {"stage": _stage(web, None if k == service.NOT_STATED else k), "cases": groups[k]}
        for k in order
        if k in groups
    ]
    lingang = web.catalogue.zone("lingang")
    return web.page(
        PAGES + "registry.html",
        sections=sections,
        total=total,
        stages=_stage_options(web),
        values={"stage": chosen},
        counts=lingang.counts if lingang else [],
        zone_name=lingang.name.get(web.lang) if lingang else "",
        seed_source=_source(web, bundled_pilot_seed().sources[0].seed_file, None),
        editor=can_edit(web.principal),
    )


def _case_page(
    web: Web, case_id: int, form: Form | None = None, *, status: int = 200, which: str = ""
) -> Response:
    form = form or Form()
    with web.read() as session:
        c = service.get_case(session, case_id)
        item = _case(web, c)
        steps = [
            {
                "step": s,
                "stage": _stage(web, s.stage),
                "source": _source(web, s.source, s.source_line),
            }
            for s in service.steps_of(session, c)
        ]
        figures = [_figure(web, f) for f in service.figures_of(session, c)]
        allowed = service.next_stages(c.stage)
    editor = can_edit(web.principal)
    return web.page(
        PAGES + "case.html",
        status_code=status,
        item=item,
        steps=steps,
        figures=figures,
        editor=editor,
        next_stages=[
            (s.value, web._(STAGES[s.value][0]), web._(STAGE_HINTS[s.value])) for s in allowed
        ],
        units=[(k, web._(v)) for k, v in UNITS.items()],
        qualifiers=[(k, web._(v)) for k, v in QUALIFIERS.items()],
        errors=form.errors,
        values=form.values,
        which=which,
    )


NEW_CASE_FIELDS = (
    "slug",
    "zone",
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "stage",
    "stage_on",
    "note",
    "source",
)


def _new_case_page(web: Web, form: Form | None = None, *, status: int = 200) -> Response:
    form = form or Form()
    stages = [(s.value, web._(STAGES[s.value][0])) for s in STAGE_ORDER]
    stages.append(("", web._(STAGES[service.NOT_STATED][0])))
    return web.page(
        PAGES + "new.html",
        status_code=status,
        zones=[(z.id, z.name.get(web.lang)) for z in web.catalogue.zones],
        stages=stages,
        errors=form.errors,
        values=form.values,
    )


@router.get("/pilots/new")
def new_case_page(web: WebPage) -> Response:
    _editor(web)
    return _new_case_page(web)


@router.post("/pilots/new")
async def create_case(web: WebPage) -> Response:
    principal = _editor(web)
    form = Form(await web.form())
    slug = form.get("slug")
    if not slug:
        form.error("slug", web._("Enter a short name for the case's address"))
    elif not SLUG.match(slug):
        form.error(
            "slug",
            web._(
                "The short name may have only lower-case letters, digits, - and _, "
                "64 at most, like lingang-data-sandbox"
            ),
        )
    if form.get("zone") not in {z.id for z in web.catalogue.zones}:
        form.error("zone", web._("Choose the zone of the case"))
    for name, limit, empty, long in (
        (
            "title_zh",
            200,
            N_("Enter the case's title in Chinese"),
            N_("The title must be 200 characters or fewer"),
        ),
        (
            "title_en",
            200,
            N_("Enter the case's title in English"),
            N_("The title must be 200 characters or fewer"),
        ),
        (
            "summary_zh",
            2000,
            N_("Enter a summary in Chinese"),
            N_("The summary must be 2,000 characters or fewer"),
        ),
        (
            "summary_en",
            2000,
            N_("Enter a summary in English"),
            N_("The summary must be 2,000 characters or fewer"),
        ),
    ):
        if not form.get(name):
            form.error(name, web._(empty))
        elif len(form.get(name)) > limit:
            form.error(name, web._(long))
    stage = form.get("stage")
    if stage and stage not in {s.value for s in STAGE_ORDER}:
        form.error("stage", web._("Choose the stage the case has reached"))
    stage_on = parse_day(form.get("stage_on")) if form.get("stage_on") else None
    if form.get("stage_on") and stage_on is None:
        form.error("stage_on", web._("Enter the day as a date, like 2025-05-20"))
    elif stage_on is not None and not stage:
        form.error("stage_on", web._("A day needs the stage that was reached on it"))
    elif stage_on is not None and stage_on > web.today:
        form.error("stage_on", web._("The day must be today or earlier"))
    if len(form.get("note")) > 2000:
        form.error("note", web._("The note must be 2,000 characters or fewer"))
    if len(form.get("source")) > 300:
        form.error("source", web._("The source must be 300 characters or fewer"))
    if form.ok:
        try:
            with web.write() as session:
                case = service.create_case(
                    session,
                    principal=principal,
                    catalogue=web.catalogue,
                    slug=slug,
                    zone=form.get("zone"),
                    title_zh=form.get("title_zh"),
                    title_en=form.get("title_en"),
                    summary_zh=form.get("summary_zh"),
                    summary_en=form.get("summary_en"),
                    today=web.today,
                    stage=PilotStage(stage) if stage else None,
                    stage_on=stage_on,
                    note=form.get("note"),
                    source=form.get("source") or None,
                )
                case_id = case.id
            return web.redirect(f"/pilots/{case_id}")
        except Conflict:
            form.error("slug", web._("A case with this short name exists already: choose another"))
        except InvalidInput as refused:
            for problem in refused.problems:
                name = problem.field if problem.field in NEW_CASE_FIELDS else "slug"
                form.error(name, web._("Check this answer: %(problem)s", problem=problem.message))
    return _new_case_page(web, form, status=400)


@router.get("/pilots/{case_id:int}")
def case_page(web: WebPage, case_id: int) -> Response:
    return _case_page(web, case_id)


def _editor(web: Web) -> Principal:
    principal = web.require()
    if not can_edit(principal):
        raise Forbidden("only platform administrators and data regulators keep the pilot cases")
    return principal


@router.post("/pilots/{case_id:int}/advance")
async def advance(web: WebPage, case_id: int) -> Response:
    principal = _editor(web)
    form = Form(await web.form())
    to, day, note = form.get("to"), parse_day(form.get("on")), form.get("note")
    if to not in {s.value for s in STAGE_ORDER}:
        form.error("to", web._("Choose the stage the case has reached"))
    if day is None:
        form.error("on", web._("Enter the day the stage was reached as a date, like 2025-05-20"))
    if not note:
        form.error("note", web._("Enter a note on what happened"))
    elif len(note) > 2000:
        form.error("note", web._("The note must be 2,000 characters or fewer"))
    if form.ok:
        assert day is not None
        try:
            with web.write() as session:
                service.advance(
                    session,
                    principal=principal,
                    case_id=case_id,
                    to=PilotStage(to),
                    on=day,
                    note=note,
                    today=web.today,
                )
            return web.redirect(f"/pilots/{case_id}#timeline-heading")
        except StageOutOfOrder:
            form.error(
                "to", web._("A case moves forward one stage at a time: choose the next stage")
            )
        except InvalidInput:
            form.error(
                "on",
                web._("The day must not be before the case's last dated step, nor after today"),
            )
    return _case_page(web, case_id, form, status=400, which="advance")


@router.post("/pilots/{case_id:int}/figures")
async def add_figure(web: WebPage, case_id: int) -> Response:
    principal = _editor(web)
    form = Form(await web.form())
    for name in ("label_zh", "label_en"):
        if not form.get(name):
            form.error(name, web._("Enter what the figure counts, in Chinese and in English"))
        elif len(form.get(name)) > 200:
            form.error(name, web._("The label must be 200 characters or fewer"))
    if not NUMBER.match(form.get("value")):
        form.error("value", web._("Enter the value as a number, like 15 or 0.5"))
    top = form.get("value_max")
    if top and not NUMBER.match(top):
        form.error("value_max", web._("Enter the top of the range as a number, like 2000"))
    elif top and NUMBER.match(form.get("value")) and Decimal(top) <= Decimal(form.get("value")):
        form.error("value_max", web._("The top of the range must be more than the value"))
    if form.get("unit") not in UNITS:
        form.error("unit", web._("Choose what the figure counts in"))
    if form.get("qualifier", PilotQualifier.EXACT.value) not in QUALIFIERS:
        form.error("qualifier", web._("Choose how exact the figure is"))
    as_of = parse_day(form.get("as_of")) if form.get("as_of") else None
    if form.get("as_of") and as_of is None:
        form.error("as_of", web._("Enter the day as a date, like 2025-05-20"))
    elif as_of is not None and as_of > web.today:
        form.error("as_of", web._("The day must be today or earlier"))
    if len(form.get("as_of_note")) > 200:
        form.error("as_of_note", web._("The note must be 200 characters or fewer"))
    if not form.get("source"):
        form.error("source", web._("Enter where the figure was reported"))
    elif len(form.get("source")) > 300:
        form.error("source", web._("The source must be 300 characters or fewer"))
    line = form.get("source_line")
    if line and (not line.isdigit() or not 1 <= int(line) <= 10**6):
        form.error("source_line", web._("Enter the line as a whole number, like 31"))
    if form.ok:
        try:
            with web.write() as session:
                service.add_figure(
                    session,
                    principal=principal,
                    case_id=case_id,
                    label_zh=form.get("label_zh"),
                    label_en=form.get("label_en"),
                    value=form.get("value"),
                    value_max=top or None,
                    unit=PilotUnit(form.get("unit")),
                    qualifier=PilotQualifier(form.get("qualifier") or PilotQualifier.EXACT.value),
                    as_of=as_of,
                    as_of_note=form.get("as_of_note") or None,
                    source=form.get("source"),
                    source_line=int(line) if line else None,
                    today=web.today,
                )
            return web.redirect(f"/pilots/{case_id}#figures-heading")
        except InvalidInput as error:
            for problem in error.problems:
                name = problem.field if problem.field in FIGURE_FIELDS else "value"
                form.error(name, web._("Check this answer"))
    return _case_page(web, case_id, form, status=400, which="figure")
