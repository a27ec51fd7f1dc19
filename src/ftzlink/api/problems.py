"""Domain errors as RFC 9457 problem details: mapped here, once, for the whole API."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ftzlink import errors

__all__ = ["PROBLEM_RESPONSES", "Problem", "install", "problem_response"]

MEDIA_TYPE = "application/problem+json"

# The most specific class wins: the table is searched in order.
STATUS: list[tuple[type[errors.FtzlinkError], int]] = [
    (errors.NotFound, 404),
    (errors.NotAuthenticated, 401),
    (errors.Forbidden, 403),
    (errors.RateLimited, 429),
    (errors.TooLarge, 413),
    (errors.UnsupportedType, 415),
    (errors.InvalidInput, 422),
    (errors.Conflict, 409),
]


class FieldProblem(BaseModel):
    field: str | None = None
    message: str


class Problem(BaseModel):
    """What went wrong, for people (title, detail) and programs (code, extension members)."""

    type: str = Field(description="a URI naming the kind of problem")
    title: str
    status: int
    detail: str | None = None
    code: str = Field(description="stable machine-readable code")
    errors: list[FieldProblem] | None = None
    model_config = {"extra": "allow"}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, description in [
        (400, "Malformed request"),
        (401, "Not signed in"),
        (403, "Not allowed"),
        (404, "Not found, or not yours to see"),
        (409, "Conflicts with the stored state (workflow, caps, budgets)"),
        (413, "Too large"),
        (415, "Unsupported type"),
        (422, "Invalid input"),
        (429, "Too many attempts"),
    ]
}


def _title(code: str) -> str:
    return code.replace("_", " ").capitalize()


def problem_response(
    status: int, code: str, detail: str | None, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"urn:ftzlink:problem:{code}",
        "title": _title(code),
        "status": status,
        "detail": detail,
        "code": code,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def domain_problem(error: errors.FtzlinkError) -> JSONResponse:
    status = next((s for kind, s in STATUS if isinstance(error, kind)), 400)
    extra: dict[str, Any] = {}
    headers = None
    detail = str(error)
    if isinstance(error, errors.InvalidInput):
        detail = error.summary
        extra["errors"] = [{"field": p.field, "message": p.message} for p in error.problems]
    if isinstance(error, errors.CapExceeded):
        extra.update(limit=error.limit, requested=error.requested, remaining=error.remaining)
    if isinstance(error, errors.ValidityTooLong):
        extra.update(last_day=error.last_day.isoformat())
    if isinstance(error, errors.InvalidTransition):
        extra.update(state=error.state, allowed_from=error.allowed_from, workflow=error.workflow)
    if isinstance(error, errors.NotEligible):
        extra.update(eligibility=error.status, questions=error.questions)
    if isinstance(error, errors.MeasureNotInForce):
        extra.update(
            measure_id=error.measure_id,
            state=error.state,
            valid_from=error.start.isoformat() if error.start else None,
            valid_until=error.end.isoformat() if error.end else None,
        )
    if isinstance(error, errors.RuleRefused):
        extra.update(rule=error.rule, source=error.source, article=error.article)
    if isinstance(error, errors.LateFiling):
        first = error.first_day.isoformat() if error.first_day else None
        extra.update(last_day=error.last_day.isoformat(), first_day=first)
    if isinstance(error, errors.AnnualReportRefused):
        extra.update(year=error.year)
    if isinstance(error, errors.RecordRefused):
        extra.update(reason=error.reason, source=error.source, article=error.article)
    if isinstance(error, errors.RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    results = getattr(error, "results", None)
    if results is not None:
        extra["results"] = [
            {k: v for k, v in vars(r).items() if k != "application"} for r in results
        ]
    return problem_response(status, error.code, detail, headers, **extra)


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.FtzlinkError)
    async def _domain(_request: Request, error: errors.FtzlinkError) -> JSONResponse:
        return domain_problem(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
                "message": e["msg"],
            }
            for e in error.errors()
        ]
        return problem_response(422, "invalid_input", "the request is invalid", errors=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}.get(
            error.status_code, "http_error"
        )
        headers = dict(error.headers or {})
        if error.status_code == 405:
            allowed = documented_methods(app.openapi(), request.url.path)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        return problem_response(error.status_code, code, str(error.detail), headers)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def documented_methods(document: dict[str, Any], path: str) -> list[str]:
    """The methods the OpenAPI document lists for the path a request named (none if it names no
    documented path). The router answers 405 with the methods of the first route whose path
    matched, which is one of several routes sharing a path: the document knows them all."""
    best: tuple[int, list[str]] | None = None
    for template, operations in document.get("paths", {}).items():
        segments = template.split("/")
        pattern = "/".join(
            "[^/]+" if s.startswith("{") and s.endswith("}") else re.escape(s) for s in segments
        )
        if not re.fullmatch(pattern, path):
            continue
        fixed = sum(1 for s in segments if not s.startswith("{"))
        if best is None or fixed > best[0]:  # a fixed path before a parameter's
            methods = [m for m in _METHODS if m.lower() in operations]
            best = (fixed, methods)
    return best[1] if best else []
