"""The web UI: pages rendered on the server in the app `ftzlink serve` runs, in Chinese (default)
and English, on the same domain services as the REST API. htmx only enhances; every form works
without JavaScript."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ftzlink.api.deps import SESSION_COOKIE
from ftzlink.errors import FtzlinkError

__all__ = ["CONTENT_SECURITY_POLICY", "install"]

STATIC = Path(__file__).parent / "static"

# Only the site's own scripts, styles and images; no inline script; nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/openapi.json"


def _personal(request: Request, response: Response) -> bool:
    """An answer to someone signed in (a session cookie or an API token), or one that signs in."""
    return (
        SESSION_COOKIE in request.cookies
        or "authorization" in request.headers
        or any(
            value.startswith(f"{SESSION_COOKIE}=")
            for value in response.headers.getlist("set-cookie")
        )
    )


def install(app: FastAPI) -> None:
    """Add the pages, the static files and the security headers to the platform's app."""
    from ftzlink.web import (
        admin,
        auditor,
        calendar,
        certificates,
        countries,
        dataflow,
        enterprise,
        foreign,
        invitations,
        messages,
        official,
        pages,
        pilots,
        proactive,
        public,
        statistics,
        talent,
        workspace,
    )
    from ftzlink.web.errors import error_page
    from ftzlink.web.foreign import offices as foreign_offices

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        pages,
        public,
        countries,
        enterprise,
        official,
        statistics,
        auditor,
        calendar,
        admin,
        invitations,
        talent,
        pilots,
        dataflow,
        proactive,
        certificates,
        messages,
        foreign,
        foreign_offices,
        workspace,
    ):
        app.include_router(module.router)

    # Errors: problem+json under /api, pages everywhere else.
    for kind in (FtzlinkError, RequestValidationError, StarletteHTTPException):
        api_handler = app.exception_handlers[kind]

        async def handler(
            request: Request, error: Exception, api_handler: Any = api_handler
        ) -> Response:
            if _is_api(request):
                answer: Response = await api_handler(request, error)
                return answer
            return error_page(request, error)

        app.add_exception_handler(kind, handler)

    @app.middleware("http")
    async def _security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # How long the app took, for bench/web.py and the browser's developer tools.
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=86400"
        elif _personal(request, response):
            # What a signed-in person sees is theirs: no shared or browser cache keeps it.
            cache = response.headers.get("Cache-Control", "")
            if "no-store" not in cache:
                response.headers["Cache-Control"] = "no-store"
        return response
