"""The sections of a filing, one question page each (registered last: their paths would catch the
filing's other pages).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow.workflow import EDITABLE
from ftzlink.web import forms
from ftzlink.web.context import WebPage
from ftzlink.web.dataflow.common import REFUSALS, DbId, _rules
from ftzlink.web.dataflow.filings import _own_editable, _section, _section_page
from ftzlink.web.dataflow.scenario import _read_section
from ftzlink.web.forms import Form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# --- the sections of a filing (last: their paths would catch the routes above) -------------------


@router.get("/dataflow/filings/{filing_id}/{slug}")
def section_page(web: WebPage, filing_id: DbId, slug: str) -> Response:
    section = _section(slug)
    principal = web.require()
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    return _section_page(web, view, section)


@router.post("/dataflow/filings/{filing_id}/{slug}")
async def save_section(web: WebPage, filing_id: DbId, slug: str) -> Response:
    section = _section(slug)
    principal = web.require()
    form = Form(await web.form())
    with web.read() as session:
        view = _own_editable(session, principal, filing_id)
    if view.filing.status not in EDITABLE:
        return web.redirect(f"/dataflow/filings/{filing_id}")
    changes = _read_section(web, form, section)
    if form.ok:
        _, refusal = forms.change(
            web,
            lambda session: filing_service.update_filing(
                session,
                principal=principal,
                rules=_rules(),
                filing_id=filing_id,
                scenario=changes,
                today=web.today,
            ),
            refusals=REFUSALS,
        )
        if refusal is not None:
            for problem in getattr(refusal, "problems", []) or []:
                if problem.field in section.facts:
                    form.error(problem.field, web._("Check this answer"))
            if form.ok:
                form.error(section.facts[0], web._("Check this answer"))
    if not form.ok:
        return _section_page(web, view, section, form, status=400)
    if form.get("action") == "later":
        return web.redirect("/dataflow")
    return web.redirect(f"/dataflow/filings/{filing_id}")
