"""Pages: statistics for officials. Charts are SVG drawn on the server (Vega-Lite through
vl-convert), each served at its own URL for an <img>, with a one-sentence summary and the data as a
table beside it; the applications of a period download as CSV."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from typing import Any

from babel.dates import format_skeleton
from fastapi import APIRouter
from fastapi.responses import Response

from ftzlink.applications.statistics import DIMENSIONS, Statistics, Tally, statistics
from ftzlink.errors import NotFound
from ftzlink.exports import csv_text
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form
from ftzlink.web.labels import STATES
from ftzlink.web.render import BABEL_LOCALE, format_day, money

router = APIRouter(include_in_schema=False)

TITLES = {
    "zone": N_("Applications by zone"),
    "measure": N_("Applications by measure"),
    "status": N_("Applications by status"),
    "month": N_("Applications by month of submission"),
}
HEADINGS = {
    "zone": N_("Zone"),
    "measure": N_("Measure"),
    "status": N_("Status"),
    "month": N_("Month"),
}
# A family that exists on the server (fonts-noto-cjk), then what the reader's system has.
CHART_FONT = "Noto Sans CJK SC, Noto Sans SC, sans-serif"


# --- the period ----------------------------------------------------------------------------------


def _day(form: Form, name: str, message: str) -> dt.date | None:
    text = form.get(name)
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        form.error(name, message)
        return None


def _period(web: Web) -> tuple[Form, dt.date | None, dt.date | None]:
    """The period asked for in the query (`from`, `to`: YYYY-MM-DD, both optional)."""
    form = Form({k: v for k, v in web.request.query_params.items() if k in ("from", "to")})
    start = _day(form, "from", web._("Enter the start of the period as a date, like 2025-01-31"))
    end = _day(form, "to", web._("Enter the end of the period as a date, like 2025-12-31"))
    if start and end and end < start:
        form.error("to", web._("The end of the period must be the same as or after its start"))
    return form, start, end


def _load(web: Web, start: dt.date | None, end: dt.date | None) -> Statistics:
    principal = web.require()
    with web.read() as session:
        return statistics(
            session, principal=principal, catalogue=web.catalogue, start=start, end=end
        )


# --- labels and sentences ------------------------------------------------------------------------


def month_label(key: str, web: Web) -> str:
    year, month = map(int, key.split("-"))
    return format_skeleton("yMMM", dt.date(year, month, 1), locale=BABEL_LOCALE[web.lang])


def tally_label(dimension: str, tally: Tally, web: Web) -> str:
    if tally.label is not None:
        return tally.label.get(web.lang)
    if dimension == "status":
        return web._(STATES.get(tally.key, tally.key))
    if dimension == "month":
        return month_label(tally.key, web)
    return tally.key or web._("Not recorded")


def summary(dimension: str, tallies: list[Tally], stats: Statistics, web: Web) -> str:
    """One sentence that says what the chart shows."""
    total, approved = stats.total, money(stats.approved, web.lang)
    if dimension == "status":
        granted = next((t for t in tallies if t.key == "approved"), None)
        return web.ngettext(
            "Of %(num)s application, %(count)s was approved, for %(approved)s in all.",
            "Of %(num)s applications, %(count)s were approved, for %(approved)s in all.",
            total,
            count=granted.applications if granted else 0,
            approved=approved,
        )
    top = max(tallies, key=lambda t: (t.applications, t.approved))
    name = tally_label(dimension, top, web)
    if dimension == "month":
        return web._(
            "Most applications were submitted in %(month)s (%(count)s of %(total)s); %(approved)s was approved over the period.",
            month=name,
            count=top.applications,
            total=total,
            approved=approved,
        )
    if dimension == "zone":
        return web._(
            "%(zone)s has the most applications (%(count)s of %(total)s); %(approved)s was approved in all.",
            zone=name,
            count=top.applications,
            total=total,
            approved=approved,
        )
    return web._(
        "%(measure)s has the most applications (%(count)s of %(total)s); %(approved)s was approved in all.",
        measure=name,
        count=top.applications,
        total=total,
        approved=approved,
    )


# --- charts --------------------------------------------------------------------------------------


class _SvgCache:
    """Rendered charts by their spec: vl-convert takes tens of milliseconds a chart."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, spec: dict[str, Any]) -> str:
        key = json.dumps(spec, sort_keys=True, ensure_ascii=False)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        import vl_convert

        svg: str = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
        with self._lock:
            self._items[key] = svg
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return svg


SVG_CACHE = _SvgCache()


def chart_spec(dimension: str, tallies: list[Tally], web: Web) -> dict[str, Any]:
    """Two bar charts, one above the other: applications, and yuan approved."""
    values = [
        {
            "category": tally_label(dimension, t, web),
            "applications": t.applications,
            "approved": t.approved,
        }
        for t in tallies
    ]
    order = [v["category"] for v in values]
    most = max(t.applications for t in tallies)

    def bars(field: str, title: str, colour: str, axis: dict[str, Any]) -> dict[str, Any]:
        return {
            "mark": {"type": "bar", "color": colour},
            "encoding": {
                "y": {
                    "field": "category",
                    "type": "nominal",
                    "title": None,  # the figure's title names it; a rotated title crowds labels
                    "sort": order,
                    "axis": {"labelLimit": 300},
                },
                "x": {"field": field, "type": "quantitative", "title": title, "axis": axis},
            },
            "width": 360,
            "height": {"step": 22},
        }

    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "vconcat": [
            # Whole applications only: never a tick at 0.5.
            bars(
                "applications",
                web._("Applications"),
                "#1d70b8",
                {"format": "d", "values": list(range(0, most + 1, max(1, -(-most // 8))))},
            ),
            bars("approved", web._("Approved (yuan)"), "#00703c", {"format": ",d", "tickCount": 4}),
        ],
        "spacing": 24,
        "background": "white",
        "config": {
            "font": CHART_FONT,
            "view": {"stroke": None},
            "axis": {
                "labelFontSize": 13,
                "titleFontSize": 13,
                "labelColor": "#0b0c0c",
                "titleColor": "#0b0c0c",
            },
        },
    }


# --- pages ---------------------------------------------------------------------------------------


def _charts(web: Web, stats: Statistics, query: dict[str, str]) -> list[dict[str, Any]]:
    if not stats.total:
        return []
    charts = []
    for dimension in DIMENSIONS:
        tallies = stats.by(dimension)
        charts.append(
            {
                "dimension": dimension,
                "title": web._(TITLES[dimension]),
                "heading": web._(HEADINGS[dimension]),
                "summary": summary(dimension, tallies, stats, web),
                "src": web.url(f"/statistics/charts/{dimension}.svg", **query),
                "rows": [(tally_label(dimension, t, web), t) for t in tallies],
            }
        )
    return charts


@router.get("/statistics")
def statistics_page(web: WebPage) -> Response:
    web.require()
    form, start, end = _period(web)
    if not form.ok:
        return web.page(
            "pages/statistics/index.html",
            status_code=400,
            errors=form.errors,
            values=form.values,
            stats=None,
            charts=[],
            csv_url=None,
            period=None,
            scope=None,
        )
    stats = _load(web, start, end)
    query = {"from": start.isoformat() if start else "", "to": end.isoformat() if end else ""}
    return web.page(
        "pages/statistics/index.html",
        values=form.values,
        stats=stats,
        charts=_charts(web, stats, query),
        csv_url=web.url("/statistics.csv", **query),
        period=_describe_period(web, start, end),
        scope=_describe_scope(web, stats),
    )


def _describe_scope(web: Web, stats: Statistics) -> str:
    if stats.districts is None:
        return web._("Every district")
    names = {t.id: t.label.get(web.lang) for t in web.catalogue.terms("districts")}
    return web._(
        "Districts: %(districts)s",
        districts="、".join(names.get(d, d) for d in sorted(stats.districts))
        if web.lang == "zh"
        else ", ".join(names.get(d, d) for d in sorted(stats.districts)),
    )


def _describe_period(web: Web, start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return web._(
            "Applications submitted from %(start)s to %(end)s",
            start=format_day(start, web.lang),
            end=format_day(end, web.lang),
        )
    if start:
        return web._("Applications submitted from %(start)s", start=format_day(start, web.lang))
    if end:
        return web._("Applications submitted up to %(end)s", end=format_day(end, web.lang))
    return web._("All submitted applications")


@router.get("/statistics/charts/{dimension}.svg")
def chart(web: WebPage, dimension: str) -> Response:
    web.require()
    if dimension not in DIMENSIONS:
        raise NotFound(f"no chart {dimension!r}")
    form, start, end = _period(web)
    if not form.ok:
        raise NotFound("no chart for that period")
    stats = _load(web, start, end)
    tallies = stats.by(dimension)
    if not tallies:
        raise NotFound("nothing to chart in that period")
    svg = SVG_CACHE.get(chart_spec(dimension, tallies, web))
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=60", "Vary": "Cookie"},
    )


CSV_COLUMNS = (
    N_("Reference"),
    N_("Organisation"),
    N_("District"),
    N_("Zone"),
    N_("Measure"),
    N_("Status"),
    N_("Requested (yuan)"),
    N_("Approved (yuan)"),
    N_("Submitted on"),
    N_("Decided on"),
)


@router.get("/statistics.csv")
def statistics_csv(web: WebPage) -> Response:
    web.require()
    form, start, end = _period(web)
    if not form.ok:
        return web.page(
            "pages/statistics/index.html",
            status_code=400,
            errors=form.errors,
            values=form.values,
            stats=None,
            charts=[],
            csv_url=None,
            period=None,
            scope=None,
        )
    stats = _load(web, start, end)
    rows = [[web._(c) for c in CSV_COLUMNS]]
    for a in stats.applications:
        rows.append(
            [
                a.reference,
                a.organisation,
                a.district_label.get(web.lang) if a.district_label else (a.district or ""),
                a.zone_label.get(web.lang) if a.zone_label else (a.zone or ""),
                a.measure_label.get(web.lang) if a.measure_label else a.measure_id,
                web._(STATES.get(a.status, a.status)),
                "" if a.requested_amount is None else str(int(a.requested_amount)),
                "" if a.approved_amount is None else str(int(a.approved_amount)),
                a.submitted_on.isoformat(),
                a.decided_on.isoformat() if a.decided_on else "",
            ]
        )
    name = "ftzlink-applications"
    name += f"-{start.isoformat()}" if start else "-start"
    name += f"-{end.isoformat()}" if end else f"-{web.today.isoformat()}"
    return Response(
        csv_text(rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
