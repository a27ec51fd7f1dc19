"""Errors as pages: the same domain errors the API answers with problem+json, shown to people in
their language. A forbidden or absent object is the same "page not found" (as in the API)."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ftzlink import errors
from ftzlink.web.context import Web, web_for
from ftzlink.web.forms import N_
from ftzlink.web.render import money

__all__ = ["error_page", "message_for"]

# What a person reads for a domain error the page did not handle itself.
MESSAGES = {
    "conflict": N_("This cannot be done in the application's current state."),
    "invalid_transition": N_("This cannot be done in the application's current state."),
    "cap_exceeded": N_("The amount is more than the cap or budget still allows."),
    "not_eligible": N_("The engine no longer finds the organisation eligible for this measure."),
    "invalid_input": N_("Some of the answers are not valid."),
    "too_large": N_("The file is too large."),
    "unsupported_type": N_("The file must be a PDF, PNG or JPEG."),
    "rate_limited": N_("Too many attempts. Wait a while and try again."),
    "own_account": N_("You cannot disable your own account."),
    "measure_not_in_force": N_(
        "The measure is not in force today: nothing can be started, changed or consented to under it."
    ),
}


def message_for(web: Web, error: errors.FtzlinkError) -> str:
    """A translated sentence for a domain error (by its stable code)."""
    code = getattr(error, "code", "error")
    if isinstance(error, errors.CapExceeded):
        return web._(
            "The amount is more than the cap or budget still allows: %(remaining)s remaining.",
            remaining=money(error.remaining, web.lang),
        )
    return web._(MESSAGES.get(code, N_("This could not be done.")))


def _page(
    web: Web,
    status: int,
    heading: str,
    *paragraphs: str,
    detail: str | None = None,
    back: str | None = None,
) -> Response:
    return web.page(
        "pages/errors/error.html",
        status_code=status,
        heading=heading,
        paragraphs=list(paragraphs),
        detail=detail,
        back=back,
    )


def error_page(request: Request, error: Exception) -> Response:
    web = web_for(request)
    if isinstance(error, errors.NotAuthenticated):
        if request.method in ("GET", "HEAD"):
            return web.redirect(web.url("/sign-in", next=web.here()))
        return _page(
            web,
            401,
            web._("Sign in to continue"),
            web._("Your session has ended."),
            back=web.url("/sign-in"),
        )
    if isinstance(error, errors.NotFound) or (
        isinstance(error, StarletteHTTPException) and error.status_code == 404
    ):
        return _page(
            web,
            404,
            web._("Page not found"),
            web._("If you typed the web address, check it is correct."),
            web._(
                "If you followed a link, the page may have moved or you may not have access to it."
            ),
        )
    if isinstance(error, errors.Forbidden):
        if isinstance(error, errors.FormExpired):
            return _page(
                web,
                403,
                web._("The form could not be sent"),
                web._(
                    "It was sent without its security token, or the token has expired. Go back, reload the page and try again."
                ),
            )
        return _page(web, 403, web._("You cannot do this"), web._("Your role does not allow it."))
    if isinstance(error, errors.RateLimited):
        return _page(web, 429, web._("Too many attempts"), message_for(web, error))
    if isinstance(error, errors.FtzlinkError):
        status = 409 if isinstance(error, errors.Conflict) else 400
        return _page(
            web, status, web._("This could not be done"), message_for(web, error), detail=str(error)
        )
    if isinstance(error, RequestValidationError):
        return _page(
            web,
            404,
            web._("Page not found"),
            web._("If you typed the web address, check it is correct."),
        )
    if isinstance(error, StarletteHTTPException):
        if error.status_code == 405:
            return _page(
                web,
                405,
                web._("This page cannot be used like that"),
                web._("Go back and use the page's links and buttons."),
            )
        return _page(web, error.status_code, web._("This could not be done"))
    raise error
