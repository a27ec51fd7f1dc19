"""Pages: the audit log for auditors and platform admins (read-only): entries filtered by who acted,
for which organisation, what was done to which object and when; one entry in full; and a check of
the hash chain that names the first entry that does not fit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ftzlink.applications.models import Application
from ftzlink.audit.log import verify
from ftzlink.audit.models import AuditEntry
from ftzlink.auth.models import User
from ftzlink.auth.permissions import can_read_audit
from ftzlink.errors import Forbidden, NotFound
from ftzlink.ledger.keys import configured_verifier
from ftzlink.organisations.models import Organisation
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # the platform's day; no daylight saving

# What each recorded action is called on the page (unknown ones show as recorded).
ACTIONS = {
    "application.create": N_("Application started"),
    "application.update": N_("Application changed"),
    "application.submit": N_("Application submitted"),
    "application.return": N_("Application returned for information"),
    "application.resubmit": N_("Application resubmitted"),
    "application.approve": N_("Application approved"),
    "application.reject": N_("Application rejected"),
    "application.withdraw": N_("Application withdrawn"),
    "budget.set": N_("Budget set"),
    "allowance.set": N_("Annual allowance set"),
    "delegation.create": N_("Delegation granted"),
    "delegation.revoke": N_("Delegation revoked"),
    "document.add": N_("Document added"),
    "organisation.create": N_("Organisation registered"),
    "organisation.update": N_("Organisation profile changed"),
    "token.create": N_("API token issued"),
    "token.revoke": N_("API token revoked"),
    "user.create": N_("User created"),
    "user.disable": N_("User disabled"),
    "user.enable": N_("User enabled again"),
    "user.revoke_tokens": N_("All of a user's API tokens revoked"),
}
OBJECTS = {
    "application": N_("Application"),
    "budget": N_("Budget"),
    "clause_allowance": N_("Annual allowance"),
    "delegation": N_("Delegation"),
    "document": N_("Document"),
    "organisation": N_("Organisation"),
    "user": N_("User"),
    "api_token": N_("API token"),
}


def _require(web: Web) -> None:
    if not can_read_audit(web.require()):
        raise Forbidden("the audit log is for auditors and platform admins")


def action_label(web: Web, action: str) -> str:
    return web._(ACTIONS[action]) if action in ACTIONS else action


def object_label(web: Web, object_type: str) -> str:
    return web._(OBJECTS[object_type]) if object_type in OBJECTS else object_type


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    actor: str = ""
    acted_for: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.actor:
            query = query.where(func.lower(AuditEntry.actor) == self.actor.lower())
        if self.acted_for:
            query = query.where(AuditEntry.acted_for_id == self.acted_for)
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.object_type:
            query = query.where(AuditEntry.object_type == self.object_type)
        if self.object_id:
            query = query.where(AuditEntry.object_id == self.object_id)
        # Entries record their moment in UTC as ISO 8601 text; days are Shanghai days.
        if self.start:
            query = query.where(AuditEntry.at >= _utc_text(self.start))
        if self.end:
            query = query.where(AuditEntry.at < _utc_text(self.end + dt.timedelta(days=1)))
        return query


def _utc_text(day: dt.date) -> str:
    moment = dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)
    return moment.isoformat(timespec="microseconds")


FIELDS = ("actor", "acted_for", "action", "object_type", "object_id", "from", "to")


def _filters(web: Web) -> tuple[Form, Filters]:
    params = web.request.query_params
    form = Form({k: params[k] for k in FIELDS if k in params})

    def day(name: str, message: str) -> dt.date | None:
        text = form.get(name)
        if not text:
            return None
        try:
            if len(text) != 10:
                raise ValueError(text)
            return dt.date.fromisoformat(text)
        except ValueError:
            form.error(name, message)
            return None

    start = day("from", web._("Enter the first day as a date, like 2025-01-31"))
    end = day("to", web._("Enter the last day as a date, like 2025-12-31"))
    if start and end and end < start:
        form.error("to", web._("The last day must be the same as or after the first day"))
    acted_for: int | None = None
    if form.get("acted_for"):
        try:
            acted_for = int(form.get("acted_for"))
        except ValueError:
            form.error("acted_for", web._("Choose an organisation from the list"))
    return form, Filters(
        actor=form.get("actor")[:64],
        acted_for=acted_for,
        action=form.get("action")[:64],
        object_type=form.get("object_type")[:32],
        object_id=form.get("object_id")[:64],
        start=start,
        end=end,
    )


def _page_number(web: Web) -> int:
    try:
        return max(1, min(int(web.request.query_params.get("page", "1")), 1_000_000))
    except ValueError:
        return 1


# --- rows as people read them --------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    moment: dt.datetime
    actor: str
    actor_name: str | None
    acted_for: str | None
    action: str
    object: str


def _rows(session: Session, web: Web, entries: list[AuditEntry]) -> list[Row]:
    user_ids = {e.actor_id for e in entries if e.actor_id}
    org_ids = {e.acted_for_id for e in entries if e.acted_for_id}
    app_ids = {
        int(e.object_id)
        for e in entries
        if e.object_type == "application" and e.object_id.isdigit()
    }
    names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )
    orgs = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
        ).all()
    )
    references = dict(
        session.execute(
            select(Application.id, Application.reference).where(Application.id.in_(app_ids))
        ).all()
    )
    rows = []
    for e in entries:
        what = object_label(web, e.object_type)
        if e.object_type == "application" and e.object_id.isdigit():
            ref = references.get(int(e.object_id))
            what = f"{what} {ref}" if ref else f"{what} {e.object_id}"
        else:
            what = f"{what} {e.object_id}"
        rows.append(
            Row(
                entry=e,
                moment=dt.datetime.fromisoformat(e.at).astimezone(SHANGHAI),
                actor=e.actor,
                actor_name=names.get(e.actor_id) if e.actor_id else None,
                acted_for=orgs.get(e.acted_for_id) if e.acted_for_id else None,
                action=action_label(web, e.action),
                object=what,
            )
        )
    return rows


def _by_label(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda pair: pair[1])


def _choices(session: Session, web: Web) -> dict[str, list[tuple[str, str]]]:
    """The values the filters offer: those present in the log."""
    actions = session.scalars(select(AuditEntry.action).distinct()).all()
    types = session.scalars(select(AuditEntry.object_type).distinct()).all()
    acted_for = session.scalars(
        select(AuditEntry.acted_for_id).distinct().where(AuditEntry.acted_for_id.is_not(None))
    ).all()
    orgs = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(list(acted_for)))
        .order_by(Organisation.name)
    ).all()
    anything = ("", web._("Any"))
    return {
        "action": [anything, *_by_label((a, action_label(web, a)) for a in actions)],
        "object_type": [anything, *_by_label((t, object_label(web, t)) for t in types)],
        "acted_for": [anything, *((str(i), name) for i, name in orgs)],
    }


# --- pages ---------------------------------------------------------------------------------------


@router.get("/audit")
def audit_log(web: WebPage) -> Response:
    _require(web)
    form, filters = _filters(web)
    number = _page_number(web)
    with web.read() as session:
        choices = _choices(session, web)
        rows: list[Row] = []
        total = 0
        if form.ok:
            query = filters.apply(select(AuditEntry))
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            last_page = max(1, -(-total // PAGE_SIZE))
            number = min(number, last_page)
            entries = list(
                session.scalars(
                    query.order_by(AuditEntry.seq.desc())
                    .offset((number - 1) * PAGE_SIZE)
                    .limit(PAGE_SIZE)
                )
            )
            rows = _rows(session, web, entries)
    kept = {k: v for k, v in form.values.items() if v}
    first = (number - 1) * PAGE_SIZE + 1
    return web.page(
        "pages/auditor/log.html",
        block="results",
        # htmx swaps only successful answers: an htmx request gets its errors with a 200.
        status_code=200 if form.ok or web.htmx else 400,
        errors=form.errors,
        values=form.values,
        choices=choices,
        rows=rows,
        total=total,
        first=first,
        last=first + len(rows) - 1,
        previous=web.url("/audit", **kept, page=number - 1) if number > 1 else None,
        next=web.url("/audit", **kept, page=number + 1) if first + len(rows) - 1 < total else None,
        filtered=bool(kept),
    )


@router.get("/audit/entries/{seq}")
def audit_entry(web: WebPage, seq: int) -> Response:
    _require(web)
    with web.read() as session:
        entry = session.get(AuditEntry, seq)
        if entry is None:
            raise NotFound(f"no audit entry {seq}")
        row = _rows(session, web, [entry])[0]
    return web.page("pages/auditor/entry.html", row=row)


@router.post("/audit/verify")
async def verify_chain(web: WebPage) -> Response:
    _require(web)
    await web.form()
    key = configured_verifier(web.services.settings)
    with web.read() as session:
        result = verify(session, key=key)
        exists = (
            result.first_bad_seq is not None
            and session.get(AuditEntry, result.first_bad_seq) is not None
        )
    return web.page("pages/auditor/verified.html", result=result, bad_entry_exists=exists)
