"""Routes: the signed-in user's messages and their unread count; marking one read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from ftzlink.api.deps import Auth
from ftzlink.api.schemas import Strict
from ftzlink.messages import service
from ftzlink.messages.tables import Message

router = APIRouter(tags=["messages"])

MessageId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class MessageOut(Strict):
    id: int
    kind: str
    object_type: str
    object_id: str
    lang: str = Field(description="the language it was written in: the recipient's")
    subject: str
    body: str
    link: str = Field(description="the page of the site where the recipient acts on it")
    created_at: dt.datetime
    read_at: dt.datetime | None


class MessagesOut(Strict):
    unread: int
    items: list[MessageOut]


def message_out(m: Message) -> MessageOut:
    return MessageOut(
        id=m.id,
        kind=m.kind,
        object_type=m.object_type,
        object_id=m.object_id,
        lang=m.lang,
        subject=m.subject,
        body=m.body,
        link=m.link,
        created_at=m.created_at,
        read_at=m.read_at,
    )


@router.get("/messages", response_model=MessagesOut)
def list_messages(ctx: Auth) -> MessagesOut:
    """The signed-in user's messages, unread first, and how many are unread."""
    with ctx.read() as session:
        items = service.list_messages(session, principal=ctx.principal)
        unread = service.unread_count(session, principal=ctx.principal)
    return MessagesOut(unread=unread, items=[message_out(m) for m in items])


@router.post("/messages/{message_id}/read", response_model=MessageOut)
def mark_read(ctx: Auth, message_id: MessageId) -> object:
    """Mark one of the signed-in user's messages read."""
    return ctx.change(
        lambda session: message_out(
            service.mark_read(session, principal=ctx.principal, message_id=message_id)
        )
    )
