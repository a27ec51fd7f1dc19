"""Users, passwords (argon2), API tokens and web sessions (stored as SHA-256), login throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.models import (
    DISTRICT_ROLES,
    ORGANISATION_ROLES,
    ApiToken,
    LoginAttempt,
    Role,
    RoleAssignment,
    User,
    WebSession,
)
from ftzlink.auth.passwords import hash_password, verify_password
from ftzlink.auth.principal import Grant, Principal
from ftzlink.db import utcnow
from ftzlink.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, Problem, RateLimited
from ftzlink.organisations.models import Organisation

__all__ = [
    "NewSession",
    "authenticate",
    "create_token",
    "create_user",
    "end_session",
    "hash_secret",
    "open_session",
    "principal_for",
    "resolve_session",
    "resolve_token",
]

MIN_PASSWORD = 10


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_for(user: User) -> Principal:
    grants = frozenset(Grant(Role(r.role), r.organisation_id, r.district) for r in user.roles)
    return Principal(user.id, user.username, user.language, grants)


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    password: str | None,
    roles: list[Grant],
    language: str = "zh",
) -> User:
    problems = []
    if password is not None and len(password) < MIN_PASSWORD:
        problems.append(Problem(f"at least {MIN_PASSWORD} characters", field="password"))
    for grant in roles:
        if (grant.role in ORGANISATION_ROLES) != (grant.organisation_id is not None):
            problems.append(
                Problem(f"{grant.role} needs an organisation (and only it does)", field="roles")
            )
        if (grant.role in DISTRICT_ROLES) != (grant.district is not None):
            problems.append(
                Problem(f"{grant.role} needs a district (and only it does)", field="roles")
            )
        if (
            grant.organisation_id is not None
            and session.get(Organisation, grant.organisation_id) is None
        ):
            problems.append(Problem(f"no organisation {grant.organisation_id}", field="roles"))
    if problems:
        raise InvalidInput("cannot create the user", problems)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        language=language,
        roles=[
            RoleAssignment(
                role=g.role.value, organisation_id=g.organisation_id, district=g.district
            )
            for g in roles
        ],
    )
    session.add(user)
    session.flush()
    append(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after={
            "username": username,
            "roles": sorted(f"{g.role}:{g.organisation_id}:{g.district}" for g in roles),
        },
    )
    return user


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client: str,
    limit: int,
    window_seconds: int,
    now: dt.datetime | None = None,
) -> User:
    """Check a password, refusing once `limit` failures for the user or client fill the window.

    Runs in a write transaction so that the attempt is recorded even when it fails; the caller
    commits it and then raises the error it got back, if any.
    """
    now = now or utcnow()
    since = now - dt.timedelta(seconds=window_seconds)
    failures_for_user = session.scalar(
        select(func.count()).where(
            LoginAttempt.username == username, ~LoginAttempt.succeeded, LoginAttempt.at >= since
        )
    )
    failures_from_client = session.scalar(
        select(func.count()).where(
            LoginAttempt.client == client, ~LoginAttempt.succeeded, LoginAttempt.at >= since
        )
    )
    if (failures_for_user or 0) >= limit or (failures_from_client or 0) >= limit * 4:
        raise RateLimited(
            "too many failed sign-in attempts; try again later", retry_after=window_seconds
        )
    user = session.scalar(select(User).where(User.username == username, User.active))
    ok = verify_password(user.password_hash if user else None, password)
    session.add(LoginAttempt(username=username[:64], client=client[:64], succeeded=ok, at=now))
    session.flush()
    if not ok or user is None:
        raise NotAuthenticated("wrong username or password")
    return user


def create_token(
    session: Session, *, actor: Actor, user_id: int, name: str
) -> tuple[ApiToken, str]:
    """A new API token for the user; the secret is returned once and only its hash is stored."""
    secret = "ftz_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user_id, name=name, token_hash=hash_secret(secret))
    session.add(token)
    session.flush()
    append(
        session,
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.id,
        after={"user_id": user_id, "name": name},
    )
    return token, secret


def revoke_token(session: Session, *, actor: Actor, user_id: int, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        append(
            session, actor=actor, action="token.revoke", object_type="api_token", object_id=token.id
        )


def resolve_token(session: Session, secret: str) -> Principal:
    user = session.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_secret(secret), ApiToken.revoked_at.is_(None), User.active
        )
    )
    if user is None:
        raise NotAuthenticated("the API token is unknown or revoked")
    return principal_for(user)


@dataclass(frozen=True)
class NewSession:
    secret: str
    csrf_token: str
    expires_at: dt.datetime


def open_session(session: Session, *, user: User, hours: int) -> NewSession:
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(hours=hours)
    session.add(
        WebSession(
            user_id=user.id, token_hash=hash_secret(secret), csrf_token=csrf, expires_at=expires
        )
    )
    # Sessions past their time are of no use to anyone; clear them while we are here.
    session.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
    session.flush()
    return NewSession(secret, csrf, expires)


def resolve_session(session: Session, secret: str) -> tuple[Principal, str]:
    """The principal and the CSRF token of a live session cookie."""
    row = session.execute(
        select(User, WebSession.csrf_token, WebSession.expires_at)
        .join(WebSession, WebSession.user_id == User.id)
        .where(WebSession.token_hash == hash_secret(secret), User.active)
    ).first()
    if row is None:
        raise NotAuthenticated("not signed in")
    user, csrf, expires = row
    if expires < utcnow():
        raise NotAuthenticated("the session has expired; sign in again")
    return principal_for(user), csrf


def end_session(session: Session, secret: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_secret(secret)))
