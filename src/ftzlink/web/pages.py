"""The start page, signing in and out, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse, Response

from ftzlink.api.deps import SESSION_COOKIE, client_of
from ftzlink.auth import service as auth
from ftzlink.errors import FtzlinkError, NotAuthenticated, RateLimited
from ftzlink.web.context import LANG_COOKIE, WebPage, safe_next
from ftzlink.web.errors import message_for
from ftzlink.web.forms import Form

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(web: WebPage) -> Response:
    measures = sum(len(p.measures) for p in web.catalogue.policies)
    return web.page("pages/home/index.html", catalogue=web.catalogue, measure_count=measures)


def _language_cookie(web: WebPage, response: Response, lang: str) -> Response:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        path="/",
        secure=web.secure_cookie(),
    )
    return response


@router.get("/language/{lang}")
def switch_language(
    web: WebPage, lang: Annotated[str, Path(pattern="^(zh|en)$")], next: str | None = None
) -> Response:
    return _language_cookie(web, web.redirect(safe_next(next)), lang)


@router.post("/language/{lang}")
def switch_language_of_form(
    web: WebPage, lang: Annotated[str, Path(pattern="^(zh|en)$")], next: str | None = None
) -> Response:
    """The switch on a page answering a form: the browser posts the form's answers here and is
    sent on with them (307 keeps the method and the body) to the form's own address, which
    answers in the new language. The body is not read here; the form's page checks its token."""
    response = RedirectResponse(safe_next(next), status_code=307)
    web.finish(response)
    return _language_cookie(web, response, lang)


def _demo_password(web: WebPage) -> str | None:
    from ftzlink.demo import DEMO_PASSWORD, demo_logins, present_logins

    with web.read() as session:
        return DEMO_PASSWORD if present_logins(session) == demo_logins() else None


@router.get("/sign-in")
def sign_in_page(web: WebPage, next: str | None = None) -> Response:
    if web.principal is not None:
        target = safe_next(next)
        return web.redirect(target if target != "/" else "/workspace")
    return web.page("pages/account/sign_in.html", next=safe_next(next), demo=_demo_password(web))


@router.post("/sign-in")
async def sign_in(web: WebPage) -> Response:
    form = Form(await web.form())
    username, password = form.get("username"), form.lists.get("password", [""])[0]
    target = safe_next(form.get("next"))
    if not username:
        form.error("username", web._("Enter your username"))
    if not password:
        form.error("password", web._("Enter your password"))
    opened = None
    if form.ok:
        settings = web.settings
        client = client_of(web.request, settings)
        failure: FtzlinkError | None = None
        with web.write() as session:
            try:
                user = auth.authenticate(
                    session,
                    username=username[:64],
                    password=password,
                    client=client,
                    limit=settings.login_attempts,
                    window_seconds=settings.login_window_seconds,
                    delay_cap_seconds=settings.login_delay_cap_seconds,
                )
                opened = auth.open_session(session, user=user, hours=settings.session_hours)
            except FtzlinkError as error:
                failure = error  # the failed attempt is committed, then reported
        if isinstance(failure, RateLimited):
            form.error("username", message_for(web, failure), code=failure.code)
        elif isinstance(failure, NotAuthenticated):
            form.error("username", web._("The username or password is wrong"))
        elif failure is not None:
            raise failure
    if opened is None:
        return web.page(
            "pages/account/sign_in.html",
            status_code=429 if form.has_code(RateLimited.code) else 400,
            errors=form.errors,
            values={"username": username},
            next=target,
            demo=_demo_password(web),
        )
    response = web.redirect(target if target != "/" else "/workspace")
    response.set_cookie(
        SESSION_COOKIE,
        opened.secret,
        max_age=web.settings.session_hours * 3600,
        httponly=True,
        secure=web.secure_cookie(),
        samesite="lax",
        path="/",
    )
    return response


@router.post("/sign-out")
async def sign_out(web: WebPage) -> Response:
    await web.form()
    cookie = web.request.cookies.get(SESSION_COOKIE)
    if cookie:
        with web.write() as session:
            auth.end_session(session, cookie)
    response = web.redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
