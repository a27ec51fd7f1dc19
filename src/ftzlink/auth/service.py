"""Users, passwords (argon2), API tokens and web sessions (stored as SHA-256), login throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ftzlink import locks
from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.passwords import hash_password, verify_password
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import (
    DISTRICT_ROLES,
    ORGANISATION_ROLES,
    ApiToken,
    LoginAttempt,
    Role,
    RoleAssignment,
    User,
    WebSession,
)
from ftzlink.db import utcnow
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    OwnAccount,
    Problem,
    RateLimited,
)
from ftzlink.organisations.tables import Organisation

__all__ = [
    "NewSession",
    "authenticate",
    "create_token",
    "create_user",
    "display_names",
    "end_session",
    "hash_secret",
    "list_users",
    "live_token_counts",
    "open_session",
    "principal_for",
    "resolve_session",
    "resolve_token",
    "revoke_all_tokens",
    "set_active",
    "sign_in_delay",
]

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
USERNAME_MAX = 64
DISPLAY_NAME_MAX = 200
PASSWORD_MAX = 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MIN_PASSWORD = 10


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_for(user: User) -> Principal:
    grants = frozenset(Grant(Role(r.role), r.organisation_id, r.district) for r in user.roles)
    return Principal(user.id, user.username, user.language, grants)


def name_problems(*, username: str, display_name: str) -> list[Problem]:
    """What is wrong with a new user's names: the one rule the CLI, the API and the web share."""
    problems = []
    if not 1 <= len(username) <= USERNAME_MAX or not re.fullmatch(USERNAME_PATTERN, username):
        problems.append(
            Problem(
                f"1 to {USERNAME_MAX} letters, digits, '.', '_' or '-', starting with a letter "
                f"or digit ({len(username):,} characters given)",
                field="username",
            )
        )
    if not display_name.strip() or len(display_name) > DISPLAY_NAME_MAX:
        problems.append(
            Problem(
                f"1 to {DISPLAY_NAME_MAX} characters ({len(display_name):,} given)",
                field="display_name",
            )
        )
    elif _CONTROL.search(display_name):
        problems.append(Problem("no control characters", field="display_name"))
    return problems


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
    problems = name_problems(username=username, display_name=display_name)
    if password is not None and len(password) < MIN_PASSWORD:
        problems.append(Problem(f"at least {MIN_PASSWORD} characters", field="password"))
    elif password is not None and len(password) > PASSWORD_MAX:
        problems.append(Problem(f"at most {PASSWORD_MAX} characters", field="password"))
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


def sign_in_delay(failures: int, *, limit: int, cap_seconds: int) -> int:
    """Seconds to wait after the last of `failures` wrong passwords (for one user, from one
    address) before the next attempt: none for the first `limit`, then 2, 4, 8 … up to the cap."""
    if failures < limit:
        return 0
    return min(cap_seconds, 1 << min(failures - limit + 1, 62))


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    client: str,
    limit: int,
    window_seconds: int,
    delay_cap_seconds: int = 900,
    now: dt.datetime | None = None,
) -> User:
    """Check a password; past `limit` wrong ones for this user from this address, each further
    attempt first waits a growing delay (`sign_in_delay`).

    The throttle is per (user, address) and never a lock: wrong passwords from one address (an
    office behind one NAT, or an attacker) delay nobody else, neither that user elsewhere nor
    other users there, and a waiting user is let in once the delay has passed. A failure counts
    for `window_seconds`, or until the user signs in from that address. The attempts are rows of
    the database, and attempts of one pair take turns (`ftzlink.locks`), so every server
    process, on any machine, counts the same attempts: wrong passwords sent alternately to two
    processes are throttled at the same count as when sent to one.

    Runs in a write transaction so that the attempt is recorded even when it fails; the caller
    commits it and then raises the error it got back, if any.
    """
    now = now or utcnow()
    username, client = username[:64], client[:64]
    locks.hold(session, "sign_in", f"{username}\0{client}")
    pair = (LoginAttempt.username == username, LoginAttempt.client == client)
    since = now - dt.timedelta(seconds=window_seconds)
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded)
    )
    if last_success is not None and last_success > since:
        since = last_success
    failures, last_failure = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *pair, ~LoginAttempt.succeeded, LoginAttempt.at >= since
        )
    ).one()
    delay = sign_in_delay(failures or 0, limit=limit, cap_seconds=delay_cap_seconds)
    if delay and last_failure is not None:
        ready = last_failure + dt.timedelta(seconds=delay)
        if ready > now:
            raise RateLimited(
                "too many wrong passwords from this address; wait and try again",
                retry_after=max(1, math.ceil((ready - now).total_seconds())),
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


# --- administration: the platform admin's (the API's and the web's) or the operator's (the CLI) ---


def _may_administer(principal: Principal | None) -> None:
    """`principal` None is the operator at the server's console (the CLI), who may."""
    if principal is not None and not permissions.can_administer_users(principal):
        raise Forbidden("only a platform admin administers users")


def list_users(
    session: Session, *, principal: Principal | None, active: bool | None = None
) -> list[User]:
    """Every user (or only the active or the disabled ones), by username."""
    if principal is not None and not permissions.can_list_users(principal):
        raise Forbidden("only a platform admin or an auditor lists users")
    query = select(User).order_by(User.username)
    if active is not None:
        query = query.where(User.active.is_(active))
    return list(session.scalars(query))


def live_token_counts(session: Session) -> dict[int, int]:
    """How many unrevoked API tokens each user has (users with none are absent)."""
    rows = session.execute(
        select(ApiToken.user_id, func.count())
        .where(ApiToken.revoked_at.is_(None))
        .group_by(ApiToken.user_id)
    ).all()
    return dict(rows)


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def set_active(
    session: Session, *, principal: Principal | None, actor: Actor, user_id: int, active: bool
) -> User:
    """Disable a user (who then cannot sign in, and whose sessions and tokens stop working at
    once) or enable them again. Audited; doing what is already so changes nothing."""
    _may_administer(principal)
    user = get_user(session, user_id=user_id)
    if not active and principal is not None and principal.user_id == user.id:
        raise OwnAccount("a platform admin cannot disable their own account")
    if user.active == active:
        return user
    user.active = active
    if not active:
        # Its tokens and sessions are refused while it is disabled (resolve_* check `active`);
        # ending the sessions also means re-enabling it does not bring an old session back.
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    append(
        session,
        actor=actor,
        action="user.enable" if active else "user.disable",
        object_type="user",
        object_id=user.id,
        before={"active": not active},
        after={"active": active},
    )
    return user


def revoke_all_tokens(
    session: Session, *, principal: Principal | None, actor: Actor, user_id: int
) -> int:
    """Revoke every live API token of a user (and end their web sessions); how many tokens.
    Audited."""
    _may_administer(principal)
    user = get_user(session, user_id=user_id)
    live = list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
    )
    now = utcnow()
    for token in live:
        token.revoked_at = now
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    append(
        session,
        actor=actor,
        action="user.revoke_tokens",
        object_type="user",
        object_id=user.id,
        after={"revoked": sorted(t.id for t in live)},
    )
    return len(live)


def display_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Users' display names by id (who acted on something the caller may see)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(wanted))
    return dict(session.execute(query).all())
