"""The message centre's use cases: a user's messages (unread first), the unread count, marking
read, e-mail preferences and the e-mail address."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import User
from ftzlink.db import utcnow
from ftzlink.errors import InvalidInput, NotFound, Problem
from ftzlink.messages.tables import Message, MessageKind, Preference

__all__ = [
    "account",
    "email_preferences",
    "get_message",
    "list_messages",
    "mark_read",
    "set_email",
    "set_email_preferences",
    "set_language",
    "unread_count",
]

# Deliberately plain: one @, no spaces, a dot in the domain; the SMTP server has the last word.
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


def list_messages(session: Session, *, principal: Principal, limit: int = 200) -> list[Message]:
    """The user's own messages, unread first, newest first within each."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.user_id == principal.user_id)
            .order_by(Message.read_at.is_not(None), Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, *, principal: Principal) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.user_id == principal.user_id, Message.read_at.is_(None))
        )
        or 0
    )


def get_message(session: Session, *, principal: Principal, message_id: int) -> Message:
    """One of the user's messages; another user's is not found (not forbidden: not theirs)."""
    message = session.get(Message, message_id)
    if message is None or message.user_id != principal.user_id:
        raise NotFound(f"message {message_id} not found")
    return message


def mark_read(session: Session, *, principal: Principal, message_id: int) -> Message:
    """Mark one of the user's messages read (once: the first reading's time is kept)."""
    message = get_message(session, principal=principal, message_id=message_id)
    if message.read_at is None:
        message.read_at = max(utcnow(), message.created_at)
        session.flush()
    return message


def email_preferences(session: Session, *, principal: Principal) -> dict[MessageKind, bool]:
    """Which kinds of message the user also gets by e-mail (all, unless turned off)."""
    rows = session.execute(
        select(Preference.kind, Preference.email).where(Preference.user_id == principal.user_id)
    ).all()
    stored: dict[str, bool] = {str(row[0]): bool(row[1]) for row in rows}
    return {kind: stored.get(kind.value, True) for kind in MessageKind}


def set_email_preferences(
    session: Session, *, principal: Principal, email: set[MessageKind]
) -> dict[MessageKind, bool]:
    """Mail exactly the kinds in `email`; the others stay in-app only."""
    for kind in MessageKind:
        row = session.get(Preference, (principal.user_id, kind.value))
        if row is None:
            session.add(Preference(user_id=principal.user_id, kind=kind.value, email=kind in email))
        else:
            row.email = kind in email
    session.flush()
    return email_preferences(session, principal=principal)


def set_email(session: Session, *, user_id: int, email: str | None) -> User:
    """Set (or, with None or "", remove) a user's e-mail address."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    address = (email or "").strip()
    if address and (len(address) > 320 or not EMAIL.match(address)):
        raise InvalidInput(
            "cannot set the e-mail address", [Problem("not an e-mail address", field="email")]
        )
    user.email = address or None
    session.flush()
    return user


def set_language(session: Session, *, principal: Principal, lang: str) -> User:
    """The language the user's messages are written in from now on (zh or en)."""
    if lang not in ("zh", "en"):
        raise InvalidInput("cannot set the language", [Problem("zh or en", field="language")])
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound(f"user {principal.user_id} not found")
    user.language = lang
    session.flush()
    return user


def account(session: Session, *, principal: Principal) -> User:
    """The signed-in user's own record: language and e-mail address of their messages."""
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound(f"user {principal.user_id} not found")
    return user
