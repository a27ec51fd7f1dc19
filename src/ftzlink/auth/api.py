"""Routes: signing in and out (session cookie + CSRF token), the caller, API tokens, users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from ftzlink.api.deps import (
    SESSION_COOKIE,
    Auth,
    IdempotencyKey,
    Public,
    client_of,
    secure_cookie,
)
from ftzlink.api.schemas import DbId, SafeText, Slug, Strict
from ftzlink.audit.log import Actor
from ftzlink.auth import service
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role, User
from ftzlink.errors import Forbidden, FtzlinkError

router = APIRouter(tags=["auth"])


class Credentials(Strict):
    username: Annotated[SafeText, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RoleOut(Strict):
    role: Role
    organisation_id: int | None = None
    district: str | None = None


class Me(Strict):
    id: int
    username: str
    language: str
    roles: list[RoleOut]


class SignedIn(Strict):
    user: Me
    csrf_token: str = Field(
        description=f"send it as X-CSRF-Token with every change made under the {SESSION_COOKIE} cookie"
    )


def _me(p: Principal) -> Me:
    roles = sorted(p.grants, key=lambda g: (g.role.value, g.organisation_id or 0, g.district or ""))
    return Me(
        id=p.user_id,
        username=p.username,
        language=p.language,
        roles=[
            RoleOut(role=g.role, organisation_id=g.organisation_id, district=g.district)
            for g in roles
        ],
    )


@router.post("/session", response_model=SignedIn)
def sign_in(ctx: Public, credentials: Credentials, request: Request) -> JSONResponse:
    """Sign in with a password; sets an HttpOnly session cookie. Failed attempts are throttled."""
    settings = ctx.services.settings
    client = client_of(request, settings)
    failure: FtzlinkError | None = None
    with ctx.services.db.write() as session:
        try:
            user = service.authenticate(
                session,
                username=credentials.username,
                password=credentials.password,
                client=client,
                limit=settings.login_attempts,
                window_seconds=settings.login_window_seconds,
                delay_cap_seconds=settings.login_delay_cap_seconds,
            )
            opened = service.open_session(session, user=user, hours=settings.session_hours)
            principal = service.principal_for(user)
        except FtzlinkError as error:
            failure = error  # the attempt is committed, then the error is answered
    if failure is not None:
        raise failure
    body = SignedIn(user=_me(principal), csrf_token=opened.csrf_token)
    response = JSONResponse(body.model_dump(mode="json"))
    response.set_cookie(
        SESSION_COOKIE,
        opened.secret,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=secure_cookie(request, settings),
        samesite="lax",
        path="/",
    )
    return response


@router.delete("/session", status_code=204)
def sign_out(ctx: Public, request: Request) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with ctx.services.db.write() as session:
            service.end_session(session, cookie)
    response = Response(status_code=204)  # a 204 has no body, not even `null`
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
def me(ctx: Auth) -> Me:
    return _me(ctx.principal)


class NewToken(Strict):
    name: Annotated[SafeText, Field(min_length=1, max_length=100)]


class TokenOut(Strict):
    id: int
    name: str
    token: str | None = Field(
        description="shown once; only its hash is stored (null when a retry replays the answer)"
    )


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(ctx: Auth, body: NewToken, key: IdempotencyKey = None) -> JSONResponse:
    p = ctx.principal

    def produce(session: Session) -> TokenOut:
        token, secret = service.create_token(
            session, actor=Actor(p.user_id, p.username), user_id=p.user_id, name=body.name
        )
        return TokenOut(id=token.id, name=token.name, token=secret)

    return ctx.change(produce, status_code=201, key=key, secret_fields=("token",))


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(ctx: Auth, token_id: DbId) -> Response:
    p = ctx.principal
    with ctx.services.db.write() as session:
        service.revoke_token(
            session, actor=Actor(p.user_id, p.username), user_id=p.user_id, token_id=token_id
        )
    return Response(status_code=204)


class RoleIn(Strict):
    role: Role
    organisation_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    district: Slug | None = None


class NewUser(Strict):
    # The limits of auth.service.name_problems, which checks them again for every adapter.
    username: Annotated[
        str,
        Field(pattern=service.USERNAME_PATTERN, min_length=1, max_length=service.USERNAME_MAX),
    ]
    display_name: Annotated[SafeText, Field(min_length=1, max_length=service.DISPLAY_NAME_MAX)]
    password: (
        Annotated[str, Field(min_length=service.MIN_PASSWORD, max_length=service.PASSWORD_MAX)]
        | None
    ) = None
    language: Annotated[str, Field(pattern="^(zh|en)$")] = "zh"
    roles: list[RoleIn] = Field(min_length=1, max_length=20)


class UserOut(Strict):
    id: int
    username: str
    display_name: str
    language: str
    active: bool = Field(description="false: disabled, cannot sign in, its tokens are refused")
    roles: list[RoleOut]


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        language=user.language,
        active=user.active,
        roles=[
            RoleOut(role=Role(r.role), organisation_id=r.organisation_id, district=r.district)
            for r in user.roles
        ],
    )


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(ctx: Auth, body: NewUser, key: IdempotencyKey = None) -> JSONResponse:
    """Platform admins create users (enterprise users, officials, auditors)."""
    p = ctx.principal
    if not p.is_platform_admin:
        raise Forbidden("only a platform admin creates users")

    def produce(session: Session) -> UserOut:
        user = service.create_user(
            session,
            actor=Actor(p.user_id, p.username),
            username=body.username,
            display_name=body.display_name,
            password=body.password,
            language=body.language,
            roles=[Grant(r.role, r.organisation_id, r.district) for r in body.roles],
        )
        return user_out(user)

    return ctx.change(produce, status_code=201, key=key)


@router.get("/users", response_model=list[UserOut])
def list_users(ctx: Auth, active: bool | None = None) -> list[UserOut]:
    """Every user, by username (`active=false`: the disabled ones). Platform admins and auditors."""
    with ctx.read() as session:
        users = service.list_users(session, principal=ctx.principal, active=active)
        return [user_out(u) for u in users]


def _set_active(ctx: Auth, user_id: int, *, active: bool) -> JSONResponse:
    p = ctx.principal

    def produce(session: Session) -> UserOut:
        user = service.set_active(
            session, principal=p, actor=Actor(p.user_id, p.username), user_id=user_id, active=active
        )
        return user_out(user)

    return ctx.change(produce)


@router.post("/users/{user_id}/disable", response_model=UserOut)
def disable_user(ctx: Auth, user_id: DbId) -> JSONResponse:
    """Disable a user: they cannot sign in, their sessions end and their tokens are refused.
    Platform admins, never on themselves; audited."""
    return _set_active(ctx, user_id, active=False)


@router.post("/users/{user_id}/enable", response_model=UserOut)
def enable_user(ctx: Auth, user_id: DbId) -> JSONResponse:
    """Enable a disabled user again (their revoked tokens stay revoked). Platform admins; audited."""
    return _set_active(ctx, user_id, active=True)


class Revoked(Strict):
    revoked: int = Field(description="how many live API tokens were revoked")


@router.post("/users/{user_id}/revoke-tokens", response_model=Revoked)
def revoke_user_tokens(ctx: Auth, user_id: DbId) -> JSONResponse:
    """Revoke every API token of a user and end their web sessions. Platform admins; audited."""
    p = ctx.principal

    def produce(session: Session) -> Revoked:
        count = service.revoke_all_tokens(
            session, principal=p, actor=Actor(p.user_id, p.username), user_id=user_id
        )
        return Revoked(revoked=count)

    return ctx.change(produce)
