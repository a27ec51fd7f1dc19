"""The request's observer, outermost in the app: it gives the request an id (taken from a sane
`X-Request-ID`, else made up) and returns it, then counts the answer by route template and status
and writes the request's log line."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ftzlink.ops import metrics
from ftzlink.ops.logs import RequestInfo, current_request, logger

__all__ = ["RequestObserver", "route_template"]

_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Probes and scrapes come every few seconds: counted, but logged only when they fail.
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/v1/applications/{application_id}`), never the
    raw path, so that the number of label values stays bounded."""
    # FastAPI keeps the full template of a route of an included router here; the route object
    # itself knows only its path inside that router.
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(context, "path_format", None) or getattr(scope.get("route"), "path", None)
    if isinstance(path, str) and path:
        return path
    if "endpoint" in scope and scope.get("root_path"):  # a mount: the static files
        return f"{scope['root_path']}/{{path}}"
    return "unmatched"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = str(value.decode("latin-1")).strip()
            if _GOOD_ID.match(text):
                return text
            break
    return uuid.uuid4().hex


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = RequestInfo(_request_id(scope))
        token = current_request().set(info)
        started = time.perf_counter()
        status = 500
        header = (b"x-request-id", info.request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *(h for h in message.get("headers", ()) if h[0].lower() != b"x-request-id"),
                    header,
                ]
            await send(message)

        try:
            with structlog.contextvars.bound_contextvars(request_id=info.request_id):
                try:
                    await self.app(scope, receive, send_with_id)
                finally:
                    self._finish(scope, info, status, time.perf_counter() - started)
        finally:
            current_request().reset(token)

    @staticmethod
    def _finish(scope: Scope, info: RequestInfo, status: int, seconds: float) -> None:
        route = route_template(scope)
        method = scope.get("method", "")
        metrics.observe_request(method, route, status, seconds)
        if scope.get("path") in _QUIET and status < 400:
            return
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        if info.user_id is not None:
            fields.update(
                user_id=info.user_id, user=info.username, organisations=info.organisations
            )
        logger().info("request", **fields)
