"""The workspace after sign-in: the enterprise's to-dos, drafts, applications and the policies
for its company; an official is sent to their queue. The gathering is `ftzlink.workspace`'s."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ftzlink.web.context import WebPage
from ftzlink.workspace import service

router = APIRouter(include_in_schema=False)


@router.get("/workspace")
def workspace(web: WebPage) -> Response:
    principal = web.require()
    elsewhere = service.landing(principal)
    if elsewhere is not None:
        return web.redirect(elsewhere)
    with web.read() as session:
        space = service.enterprise_workspace(
            session, principal=principal, catalogue=web.catalogue, today=web.today
        )
        titles = {m.id: m.title for _, m in web.catalogue.measures()}
        return web.page(
            "pages/workspace/index.html", space=space, titles=titles, steps=service.STEPS
        )
