"""What every page handler gets: who is asking, in which language, as of which day, with the CSRF
token of the visit and one way to render a page (whole, or one block of it for htmx)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.routing import Match

from ftzlink.api.deps import SESSION_COOKIE, Services, secure_cookie, services_of
from ftzlink.auth import permissions
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.errors import FormExpired, NotAuthenticated
from ftzlink.ops.logs import note_principal
from ftzlink.text import Lang
from ftzlink.web import i18n
from ftzlink.web.render import environment
from ftzlink.web.tables import responsive_tables

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "LANG_COOKIE",
    "LanguageSwitch",
    "Web",
    "WebPage",
    "safe_next",
    "web_for",
]

LANG_COOKIE = "ftzlink_lang"
CSRF_COOKIE = "ftzlink_csrf"  # for visitors not signed in (the sign-in form itself)
CSRF_FIELD = "csrf_token"


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to; anything else (another origin, `//host`) is ignored."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@dataclass(frozen=True)
class LanguageSwitch:
    """How the header's language switch keeps the reader where they are: a link to the same page
    (`fields` is None), or, on a page answering a form, the same form posted again in the other
    language (`fields`: the answers, sent to `url`, which answers 307 to the form's address)."""

    url: str
    fields: list[tuple[str, str]] | None = None


class Web:
    """One page request."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.services: Services = services_of(request)
        self.catalogue = self.services.catalogue
        self.settings = self.services.settings
        self.today: dt.date = self.settings.current_date()
        self.principal: Principal | None = None
        self._session_csrf: str | None = None
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            try:
                with self.services.db.read() as session:
                    self.principal, self._session_csrf = auth.resolve_session(session, cookie)
            except NotAuthenticated:
                self.principal = None
        note_principal(self.principal)  # for the request's log line
        asked = request.cookies.get(LANG_COOKIE, "")
        self.lang: Lang = "en" if asked == "en" else "zh"
        self.translations = i18n.translations(self.lang)
        self._new_csrf: str | None = None
        self.acting_for: str | None = None  # set by enterprise pages: whom the user acts for
        # The language switch on a page answering a form (see `language_switch`).
        self._posted: FormData | None = None
        self._status = 200
        self.replay: bool | None = None  # True: posting the form again only shows it again
        self.replay_with: dict[str, str] = {}  # answers to post again instead of a file sent
        self.language_back: str | None = None  # where to switch to when not posted again

    # -- language ---------------------------------------------------------------------------

    def _(self, message: str, **values: Any) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **values}

    # -- who --------------------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.principal is not None

    def nav(self) -> list[tuple[str, str]]:
        """The signed-in user's own parts of the site, by role."""
        p = self.principal
        if p is None:
            return []
        items: list[tuple[str, str]] = []
        if p.member_of():
            items.append(("/applications", self._("Applications")))
            items.append(("/talent", self._("Foreign talent")))
            items.append(("/proactive/offers", self._("Support offered")))
        if p.districts(Role.REVIEWER):
            items.append(("/review", self._("Review")))
        if p.districts(Role.REVIEWER) or permissions.reads_everything(p):
            items.append(("/proactive", self._("Proactive benefits")))
        if p.has(Role.WORK_PERMIT_OFFICER):
            items.append(("/talent/queue/work-permit", self._("Work permits")))
        if p.has(Role.EXIT_ENTRY_OFFICER):
            items.append(("/talent/queue/residence", self._("Residence permits")))
        if p.districts(Role.BUDGET_OFFICER) or p.is_platform_admin:
            items.append(("/budgets", self._("Budgets")))
        if p.districts(Role.REVIEWER) or p.districts(Role.BUDGET_OFFICER) or p.is_platform_admin:
            items.append(("/statistics", self._("Statistics")))
        if p.member_of() or p.has(Role.EXIT_ENTRY_OFFICER):
            href = "/invitations" if p.member_of() else "/invitations/units"
            items.append((href, self._("Port visa invitations")))
        if p.member_of():
            items.append(("/dataflow", self._("Data export")))
        if p.has(Role.DATA_REGULATOR):
            items.append(("/dataflow/queue", self._("Data filings")))
        if p.has(Role.INSPECTOR):
            items.append(("/dataflow/inspections", self._("Inspections")))
        if p.member_of() or p.has(Role.REGISTRAR):
            items.append(("/foreign", self._("Representative offices")))
        if permissions.can_read_audit(p):
            items.append(("/audit", self._("Audit log")))
        if p.is_platform_admin:
            items.append(("/admin/calendar", self._("Holiday schedules")))
        if permissions.can_list_users(p):
            items.append(("/admin/users", self._("Users")))
        return items

    def unread_messages(self) -> int:
        """How many of the signed-in user's messages are unread (the header's count)."""
        if self.principal is None:
            return 0
        from ftzlink.messages.service import unread_count

        with self.read() as session:
            return unread_count(session, principal=self.principal)

    def identity(self) -> Any:
        """The signed-in person's name and organisations, for the header (not the login name)."""
        if self.principal is None:
            return None
        from ftzlink.workspace.service import identity

        with self.read() as session:
            return identity(session, principal=self.principal, today=self.today)

    def require(self) -> Principal:
        """The signed-in user; the error handler sends anyone else to the sign-in page."""
        if self.principal is None:
            raise NotAuthenticated("sign in to see this page")
        return self.principal

    # -- forms ------------------------------------------------------------------------------

    @property
    def csrf_token(self) -> str:
        if self._session_csrf is not None:
            return self._session_csrf
        token = self.request.cookies.get(CSRF_COOKIE)
        if token:
            return token
        if self._new_csrf is None:
            self._new_csrf = secrets.token_urlsafe(32)
        return self._new_csrf

    async def form(self) -> FormData:
        """The posted form, once its CSRF token is checked: a form without it changes nothing."""
        form = await self.request.form()
        sent = form.get(CSRF_FIELD)
        expected = self._session_csrf or self.request.cookies.get(CSRF_COOKIE)
        if (
            not isinstance(sent, str)
            or not expected
            or not hmac.compare_digest(sent.encode(), expected.encode())
        ):
            raise FormExpired("the form was sent without its security token")
        self._posted = form
        return form

    # -- data -------------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.services.db.read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.services.db.write() as session:
            yield session

    # -- answers ----------------------------------------------------------------------------

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"

    def url(self, path: str, **query: Any) -> str:
        pairs = {k: v for k, v in query.items() if v not in (None, "")}
        return path + ("?" + urlencode(pairs, doseq=True) if pairs else "")

    def here(self) -> str:
        query = self.request.url.query
        return self.request.url.path + (f"?{query}" if query else "")

    def _has_page(self, path: str) -> bool:
        """Whether `path` is a page one can open (a GET route), not only a form's address."""
        scope = {"type": "http", "path": path, "method": "GET"}
        return any(
            route.matches(scope)[0] is Match.FULL for route in self.request.app.router.routes
        )

    def language_switch(self, lang: str) -> LanguageSwitch:
        """The header's switch to `lang`, keeping the reader where they are.

        A page opened by its address is opened again. A page answering a form is the form posted
        again in the other language when that changes nothing: a form shown again with its
        errors (status 400 or more: nothing was stored), or a page whose handler says so
        (`replay`: a check, a confirmation before a change). A form with a password is never
        echoed into the page. Otherwise the reader goes to `language_back`, or to the same
        address if it is a page, or to the start page."""
        here = self.here()
        url = f"/language/{lang}?next={quote(here, safe='')}"
        if self.request.method != "POST" or self._posted is None:
            return LanguageSwitch(url)
        replay = self.replay if self.replay is not None else self._status >= 400
        fields = [
            (key, value) for key, value in self._posted.multi_items() if isinstance(value, str)
        ]
        if replay and not any("password" in key for key, _ in fields):
            fields = [(k, v) for k, v in fields if k not in self.replay_with]
            return LanguageSwitch(url, fields + list(self.replay_with.items()))
        back = self.language_back or (here if self._has_page(self.request.url.path) else "/")
        return LanguageSwitch(f"/language/{lang}?next={quote(back, safe='')}")

    def page(
        self,
        template: str,
        *,
        status_code: int = 200,
        block: str | None = None,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """Render `template` whole, or only `block` of it when htmx asked for a part."""
        self._status = status_code
        tpl = environment().get_template(template)
        data = {
            "web": self,
            "translations": self.translations,
            "lang": self.lang,
            "errors": [],
            "values": {},
            **values,
        }
        if block is not None and self.htmx:
            context = tpl.new_context(data)
            html = "".join(tpl.blocks[block](context))
        else:
            html = tpl.render(data)
        # Every table stacks on a phone and scrolls by keyboard (web/tables.py).
        html = responsive_tables(html, self.translations.gettext)
        response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
        response.headers["Vary"] = "HX-Request, Cookie"
        self.finish(response)
        return response

    def redirect(self, url: str) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        self.finish(response)
        return response

    def secure_cookie(self) -> bool:
        """Secure cookies unless on plain HTTP to a host other than this machine (tests)."""
        return secure_cookie(self.request, self.settings)

    def finish(self, response: Response) -> None:
        if self._new_csrf is not None:
            response.set_cookie(
                CSRF_COOKIE,
                self._new_csrf,
                httponly=True,
                secure=self.secure_cookie(),
                samesite="lax",
                path="/",
            )


def _web(request: Request) -> Web:
    web: Web | None = getattr(request.state, "web", None)
    if web is None:
        web = Web(request)
        request.state.web = web
    return web


def web_for(request: Request) -> Web:
    """The request's page context, also for error handlers that run outside a route."""
    return _web(request)


WebPage = Annotated[Web, Depends(_web)]
