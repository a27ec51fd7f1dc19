"""Pages of the message centre: the signed-in user's messages (unread first), one message (read
on opening), and the e-mail preferences and language of messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from ftzlink.errors import InvalidInput
from ftzlink.messages import service
from ftzlink.messages.tables import MessageKind
from ftzlink.messages.texts import KIND_LABELS
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import FieldError, Form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/messages")
def messages_page(web: WebPage) -> Response:
    principal = web.require()
    with web.read() as session:
        items = service.list_messages(session, principal=principal)
        unread = service.unread_count(session, principal=principal)
    return web.page("pages/messages/list.html", items=items, unread=unread)


@router.get("/messages/preferences")
def preferences_page(web: WebPage, saved: bool = False) -> Response:
    principal = web.require()
    with web.read() as session:
        chosen = service.email_preferences(session, principal=principal)
        account = service.account(session, principal=principal)
    return _preferences(
        web,
        chosen=[k.value for k, on in chosen.items() if on],
        user_lang=account.language,
        email=account.email or "",
        saved=saved,
    )


def _preferences(
    web: Web,
    *,
    chosen: list[str],
    user_lang: str,
    email: str,
    saved: bool = False,
    errors: list[FieldError] | None = None,
) -> Response:
    return web.page(
        "pages/messages/preferences.html",
        status_code=400 if errors else 200,
        kinds=[(k.value, KIND_LABELS[k][web.lang]) for k in MessageKind],
        chosen=chosen,
        user_lang=user_lang,
        email=email,
        saved=saved,
        errors=errors or [],
    )


@router.post("/messages/preferences")
async def save_preferences(web: WebPage) -> Response:
    principal = web.require()
    form = Form(await web.form())
    wanted = {k for k in MessageKind if k.value in form.getlist("email")}
    lang = form.get("language") or "zh"
    email = form.get("email_address").strip()
    try:
        with web.write() as session:
            service.set_email_preferences(session, principal=principal, email=wanted)
            service.set_language(session, principal=principal, lang=lang)
            service.set_email(session, user_id=principal.user_id, email=email)
    except InvalidInput:
        return _preferences(
            web,
            chosen=[k.value for k in wanted],
            user_lang=lang,
            email=email,
            errors=[
                FieldError("email_address", web._("Enter an e-mail address like name@example.com"))
            ],
        )
    return web.redirect("/messages/preferences?saved=1")


@router.get("/messages/{message_id}")
def message_page(web: WebPage, message_id: DbId) -> Response:
    """Opening a message marks it read (the count in the header drops)."""
    principal = web.require()
    with web.write() as session:
        message = service.mark_read(session, principal=principal, message_id=message_id)
    return web.page("pages/messages/message.html", message=message)
