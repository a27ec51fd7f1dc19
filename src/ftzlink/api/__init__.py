"""The REST API: the domain routers under /api/v1, errors as problem+json, OpenAPI at /openapi.json."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from ftzlink import __version__
from ftzlink.api import problems
from ftzlink.api.deps import PLATFORM_SCOPE_KEY, Services
from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database, utcnow
from ftzlink.ratelimit import FailureWindow
from ftzlink.rules.compiled import compiled
from ftzlink.settings import Settings

__all__ = ["Platform", "create_app"]

PREFIX = "/api/v1"
logger = logging.getLogger(__name__)


async def _sign_checkpoints(services: Services) -> None:
    """While serving: sign a ledger checkpoint every `ledger_checkpoint_seconds` if it grew, so
    that a rewrite of the database is caught by signatures made before it (docs/ledger.md)."""
    from starlette.concurrency import run_in_threadpool

    from ftzlink.ledger.checkpoints import sign_if_grown

    def sign() -> None:
        with services.db.write() as session:
            sign_if_grown(session, services.settings)

    while True:
        await asyncio.sleep(services.settings.ledger_checkpoint_seconds)
        try:
            await run_in_threadpool(sign)
        except Exception:
            logger.exception("signing a ledger checkpoint failed")


@asynccontextmanager
async def _serving(app: Platform) -> AsyncIterator[None]:
    from ftzlink.ledger.keys import configured_verifier

    services: Services = app.state.services
    task = None
    seconds = services.settings.ledger_checkpoint_seconds
    if seconds > 0 and configured_verifier(services.settings) is not None:
        task = asyncio.create_task(_sign_checkpoints(services))
    # Compile the catalogue for the engine now, not on the first check; then move everything
    # start-up made (modules, catalogue, compiled rules, routes) out of the garbage collector's
    # sight: it would otherwise walk those objects on each full collection, pausing requests
    # (gen-2 pauses of several milliseconds were most of the check's p99).
    compiled(services.catalogue)
    worker = None
    if services.settings.worker == "embedded" and app.state.embedded_worker:
        from ftzlink.messages.worker import start_embedded

        worker = start_embedded(db=services.db, settings=services.settings)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if worker is not None:
            thread, stop = worker
            stop.set()
            await asyncio.to_thread(thread.join, 30)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class Platform:
    """One platform: its settings, database and catalogue, served as an ASGI application.

    Every platform of a process shares one FastAPI application, the routing (`_routing`): its
    routes, error handlers and middleware are the same code whatever the settings, and FastAPI
    prepares each route's parameters and models on an application's first requests (about half
    a second for the pages). Each request carries its platform in the ASGI scope
    (`deps.PLATFORM_SCOPE_KEY`), from which routes read the services (`deps.services_of`).
    The lifespan (checkpoint signing, the embedded worker) is the platform's own.
    """

    def __init__(self, services: Services, *, embedded_worker: bool) -> None:
        self.state = State()
        self.state.services = services
        self.state.started_at = utcnow()
        self.state.embedded_worker = embedded_worker
        self.routing = _routing()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        scope[PLATFORM_SCOPE_KEY] = self
        await self.routing(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """The ASGI lifespan protocol around `_serving`, as Starlette's router speaks it."""
        await receive()  # lifespan.startup
        running = _serving(self)
        try:
            await running.__aenter__()
        except BaseException as error:
            await send({"type": "lifespan.startup.failed", "message": repr(error)})
            raise
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        try:
            await running.__aexit__(None, None, None)
        except BaseException as error:
            await send({"type": "lifespan.shutdown.failed", "message": repr(error)})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    @property
    def routes(self) -> list[Any]:
        return self.routing.routes

    def openapi(self) -> dict[str, Any]:
        return self.routing.openapi()


def create_app(
    settings: Settings | None = None,
    *,
    catalogue: Catalogue | None = None,
    database: Database | None = None,
    migrate: bool = True,
    embedded_worker: bool = False,
) -> Platform:
    """The platform's web application. Migrates the database first unless told not to.

    `embedded_worker`: deliver messages in a thread of this process unless FTZLINK_WORKER=off
    (`ftzlink serve` asks for it; tests build apps without it).

    Without `settings`, as `uvicorn --factory` serves it, it is configured by the environment and
    refuses the test suite's cheap password hashing (ftzlink.auth.passwords).
    """
    from ftzlink.ops import logs, metrics

    if settings is None:  # served as configured by the environment (uvicorn --factory)
        from ftzlink.auth.passwords import refuse_test_profile

        refuse_test_profile()
        settings = Settings.from_env()
        embedded_worker = True
    logs.configure(fmt=settings.log_format)
    db = database or Database(settings.database_url)
    if migrate:
        db.upgrade()
    metrics.instrument_pool(db.engine)
    services = Services(
        settings=settings,
        db=db,
        catalogue=catalogue or bundled_catalogue(),
        invitation_checks=FailureWindow(
            db,
            scope="invitation_check",
            limit=settings.invitation_check_failures,
            window_seconds=settings.invitation_check_window_seconds,
        ),
    )
    return Platform(services, embedded_worker=embedded_worker)


_ROUTING: FastAPI | None = None
_ROUTING_LOCK = threading.Lock()


def _routing() -> FastAPI:
    """The process's one FastAPI application: every route, error handler and middleware, made on
    first use. It holds no settings and no services: requests bring their platform."""
    global _ROUTING
    with _ROUTING_LOCK:
        if _ROUTING is None:
            _ROUTING = _build_routing()
        return _ROUTING


def _build_routing() -> FastAPI:
    from ftzlink.applications.api import router as applications
    from ftzlink.audit.api import router as audit
    from ftzlink.auth.api import router as auth
    from ftzlink.catalogue.api import router as catalogue_routes
    from ftzlink.certificates.api import router as certificates
    from ftzlink.dataflow.api import router as dataflow
    from ftzlink.foreign.api import router as foreign
    from ftzlink.ledger.api import router as ledger
    from ftzlink.messages.api import router as messages
    from ftzlink.ops.api import router as operations
    from ftzlink.ops.middleware import RequestObserver
    from ftzlink.organisations.api import router as organisations
    from ftzlink.pilots.api import router as pilots
    from ftzlink.proactive.api import router as proactive
    from ftzlink.talent.api import router as talent
    from ftzlink.talent.invitations_api import router as talent_invitations

    app = FastAPI(
        title="ftzlink",
        version=__version__,
        summary="Policies, applications and grants of Shanghai's FTZ-linked innovation zones",
        openapi_url="/openapi.json",
        # FastAPI's interactive docs pull their scripts from a CDN; the platform loads nothing
        # from outside. Read docs/schemas/openapi.json or /openapi.json with any OpenAPI viewer.
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app)
    app.include_router(operations)

    @app.middleware("http")
    async def _refuse_control_characters(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # A NUL in a path or query cannot be stored or compared by PostgreSQL; refuse it here.
        raw = request.url.path + "?" + (request.url.query or "")
        if "%00" in raw or "\x00" in raw:
            return problems.problem_response(400, "bad_request", "the URL contains a NUL character")
        return await call_next(request)

    for router in (
        catalogue_routes,
        auth,
        organisations,
        applications,
        audit,
        talent,
        talent_invitations,
        pilots,
        proactive,
        dataflow,
        foreign,
        ledger,
        certificates,
        messages,
    ):
        app.include_router(router, prefix=PREFIX, responses=problems.PROBLEM_RESPONSES)

    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(base_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    from ftzlink.web import install as install_web

    install_web(app)
    # Outermost: the request id and the request's log line and metrics cover everything inside.
    app.add_middleware(RequestObserver)
    return app


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's document with the problem+json errors and the bearer tokens described."""
    problem = problems.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = problems.PROBLEM_RESPONSES[422]
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    schema["components"].setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token (`ftzlink users token`, or POST /api/v1/tokens)",
    }
    schema["security"] = [{"bearer": []}, {}]
    return schema
