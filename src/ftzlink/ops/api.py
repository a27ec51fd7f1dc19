"""/healthz, /readyz and /metrics: for the load balancer, the orchestrator and Prometheus; not in
the OpenAPI document, which describes the platform's own API."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ftzlink.api.deps import Services, platform_state, services_of
from ftzlink.ops import metrics
from ftzlink.ops.readiness import readiness

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process answers: nothing else is checked (that is /readyz)."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: 200, or 503 naming every check that failed and why."""
    state = platform_state(request)
    services: Services = state.services
    result = readiness(db=services.db, settings=services.settings, started_at=state.started_at)
    return JSONResponse(
        result.as_json(), status_code=200 if result.ready else 503, headers=NO_STORE
    )


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics")
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus text format. Off unless FTZLINK_METRICS=on; then for loopback clients, or for
    anyone with the bearer token when FTZLINK_METRICS_TOKEN is set (and then only with it)."""
    services = services_of(request)
    settings = services.settings
    if not settings.metrics:
        return PlainTextResponse("metrics are off (FTZLINK_METRICS=on)\n", status_code=404)
    if settings.metrics_token is not None:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        expected = settings.metrics_token.get_secret_value()
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            return PlainTextResponse(
                "send the metrics token as Authorization: Bearer <token>\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not _loopback(request):
        return PlainTextResponse(
            "metrics answer loopback clients only (or set FTZLINK_METRICS_TOKEN)\n",
            status_code=403,
        )
    body = await run_in_threadpool(metrics.render, services.db, settings)
    return Response(body, media_type=metrics.CONTENT_TYPE_LATEST, headers=NO_STORE)
