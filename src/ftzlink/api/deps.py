"""What every route needs: the services, who is asking, today's date, the language, and the
one way to run a change (in a write transaction, idempotent under an Idempotency-Key)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ftzlink import idempotency
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.errors import Forbidden, NotAuthenticated
from ftzlink.ops.logs import note_principal
from ftzlink.ratelimit import FailureWindow, client_address
from ftzlink.settings import Settings
from ftzlink.text import Lang

__all__ = [
    "SESSION_COOKIE",
    "Auth",
    "Context",
    "IdempotencyKey",
    "Page",
    "Paging",
    "Public",
    "Services",
    "client_of",
    "platform_state",
    "secure_cookie",
    "services_of",
]

SESSION_COOKIE = "ftzlink_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def client_of(request: Request, settings: Settings) -> str:
    """The client's address, believing X-Forwarded-For only from `settings.trusted_proxies`."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        settings.trusted_proxies,
    )


def secure_cookie(request: Request, settings: Settings) -> bool:
    """Whether a cookie is marked Secure, the same for the API's and the pages' session cookie:
    when the setting says so, over HTTPS, and on this machine (browsers treat http://localhost
    as secure); only plain HTTP to another host (the test client) goes without."""
    if settings.secure_cookies or request.url.scheme == "https":
        return True
    return (request.url.hostname or "") in LOOPBACK


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    catalogue: Catalogue
    # Public invitation checks that matched nothing, per client; rows of the database.
    invitation_checks: FailureWindow


# The key of the ASGI scope under which each request carries the platform it came to
# (ftzlink.api.Platform): one process's sites share their routes and differ only in that.
PLATFORM_SCOPE_KEY = "ftzlink.platform"


def platform_state(request: Request) -> Any:
    """The state of the platform serving `request`: its services and when it started."""
    return request.scope[PLATFORM_SCOPE_KEY].state


def services_of(request: Request) -> Services:
    services: Services = platform_state(request).services
    return services


def _lang(request: Request, principal: Principal | None) -> Lang:
    asked = request.query_params.get("lang") or request.headers.get("accept-language", "")
    if asked[:2].lower() == "en":
        return "en"
    if asked[:2].lower() == "zh":
        return "zh"
    return "en" if principal is not None and principal.language == "en" else "zh"


def _principal(request: Request, services: Services) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("send an API token as `Authorization: Bearer <token>`")
        with services.db.read() as session:
            return auth.resolve_token(session, secret.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    with services.db.read() as session:
        principal, csrf = auth.resolve_session(session, cookie)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise Forbidden(
                f"a cookie-authenticated change needs the {CSRF_HEADER} header of the session"
            )
    return principal


async def _fingerprint(request: Request) -> str:
    digest = hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        # FastAPI has already read the stream to parse the form, which cannot be read twice:
        # hash the parsed parts instead (the form is cached on the request).
        for name, value in (await request.form()).multi_items():
            digest.update(name.encode() + b"\0")
            if isinstance(value, str):
                digest.update(value.encode() + b"\0")
                continue
            digest.update(f"{value.filename}\0{value.content_type}\0".encode())
            while chunk := await value.read(1 << 16):
                digest.update(chunk)
            await value.seek(0)
    else:
        digest.update(await request.body())
    return digest.hexdigest()


class Context:
    """One request's view of the platform."""

    def __init__(
        self, request: Request, services: Services, principal: Principal | None, fingerprint: str
    ) -> None:
        self.request = request
        self.services = services
        self.catalogue = services.catalogue
        self._principal = principal
        self.fingerprint = fingerprint
        self.lang: Lang = _lang(request, principal)
        self.today: dt.date = services.settings.current_date()

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            raise NotAuthenticated(
                "sign in, or send an API token as `Authorization: Bearer <token>`"
            )
        return self._principal

    @property
    def signed_in(self) -> bool:
        return self._principal is not None

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.services.db.read() as session:
            yield session

    def change(
        self,
        produce: Callable[[Session], BaseModel | dict[str, Any] | list[Any]],
        *,
        status_code: int = 200,
        key: str | None = None,
        secret_fields: tuple[str, ...] = (),
    ) -> JSONResponse:
        """Run `produce` in one write transaction and answer with what it returns.

        With an Idempotency-Key, the first answer is stored in the same transaction; the same
        key again (same user, same request) gets that answer back and changes nothing.
        `secret_fields` are not stored: a replay answers null for them (a secret is shown once).
        """
        user_id = self._principal.user_id if self._principal else None
        with self.services.db.write() as session:
            if key is not None and user_id is not None:
                first = idempotency.find(
                    session, user_id=user_id, key=key, request_hash=self.fingerprint
                )
                if first is not None:
                    return JSONResponse(
                        first.body,
                        status_code=first.status_code,
                        headers={"Idempotent-Replayed": "true"},
                    )
            body = jsonable_encoder(produce(session))
            if key is not None and user_id is not None:
                idempotency.remember(
                    session,
                    user_id=user_id,
                    key=key,
                    request_hash=self.fingerprint,
                    status_code=status_code,
                    body=body,
                )
        return JSONResponse(body, status_code=status_code)


def _context(
    request: Request,
    services: Annotated[Services, Depends(services_of)],
    fingerprint: Annotated[str, Depends(_fingerprint)],
) -> Context:
    principal = _principal(request, services)
    note_principal(principal)  # for the request's log line
    return Context(request, services, principal, fingerprint)


def _authenticated(context: Annotated[Context, Depends(_context)]) -> Context:
    context.principal  # noqa: B018  (raises NotAuthenticated when nobody signed in)
    return context


Public = Annotated[Context, Depends(_context)]
Auth = Annotated[Context, Depends(_authenticated)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="retrying with the same key returns the first result and creates nothing new",
    ),
]


class Paging(BaseModel):
    offset: int
    limit: int


def _paging(
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Paging:
    return Paging(offset=offset, limit=limit)


Page = Annotated[Paging, Depends(_paging)]
