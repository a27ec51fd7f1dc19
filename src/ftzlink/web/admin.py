"""Pages: the users of the platform, for platform admins (who disable, re-enable them and revoke
their API tokens, each change audited) and auditors (who read the list)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ftzlink.audit.log import Actor
from ftzlink.auth import permissions
from ftzlink.auth import service as auth
from ftzlink.errors import Forbidden
from ftzlink.web.context import WebPage
from ftzlink.web.forms import N_

router = APIRouter(include_in_schema=False)

# What the list says after a change (?done=…); anything else says nothing.
DONE = {
    "disabled": N_(
        "%(user)s is disabled: they cannot sign in, and their sessions and API tokens no longer work."
    ),
    "enabled": N_("%(user)s can sign in again."),
    "revoked": N_("Every API token of %(user)s is revoked, and their sessions have ended."),
}


@router.get("/admin/users")
def users(web: WebPage, done: str | None = None, user: str | None = None) -> Response:
    principal = web.require()
    with web.read() as session:
        listed = auth.list_users(session, principal=principal)
        tokens = auth.live_token_counts(session)
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "active": u.active,
                "roles": sorted(r.role for r in u.roles),
                "scopes": sorted(
                    {r.district for r in u.roles if r.district}
                    | {str(r.organisation_id) for r in u.roles if r.organisation_id}
                ),
                "tokens": tokens.get(u.id, 0),
                "self": u.id == principal.user_id,
            }
            for u in listed
        ]
    notice = (
        web._(DONE[done], user=user)
        if done in DONE and user and any(r["username"] == user for r in rows)
        else None
    )
    return web.page(
        "pages/admin/users.html",
        rows=rows,
        notice=notice,
        may_change=permissions.can_administer_users(principal),
    )


async def _administer(web: WebPage, user_id: int, what: str) -> Response:
    principal = web.require()
    if not permissions.can_administer_users(principal):
        raise Forbidden("only a platform admin administers users")
    await web.form()
    actor = Actor(principal.user_id, principal.username)
    with web.write() as session:
        if what == "revoked":
            auth.revoke_all_tokens(session, principal=principal, actor=actor, user_id=user_id)
            name = auth.get_user(session, user_id=user_id).username
        else:
            name = auth.set_active(
                session,
                principal=principal,
                actor=actor,
                user_id=user_id,
                active=what == "enabled",
            ).username
    return web.redirect(web.url("/admin/users", done=what, user=name) + f"#user-{user_id}")


@router.post("/admin/users/{user_id}/disable")
async def disable(web: WebPage, user_id: int) -> Response:
    return await _administer(web, user_id, "disabled")


@router.post("/admin/users/{user_id}/enable")
async def enable(web: WebPage, user_id: int) -> Response:
    return await _administer(web, user_id, "enabled")


@router.post("/admin/users/{user_id}/revoke-tokens")
async def revoke_tokens(web: WebPage, user_id: int) -> Response:
    return await _administer(web, user_id, "revoked")
