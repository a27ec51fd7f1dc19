"""Pages: the audit log for auditors and platform admins (read-only): entries filtered by who acted,
for which organisation, what was done to which object and when; one entry in full; and a check of
the hash chain that names the first entry that does not fit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.audit import service as audit
from ftzlink.audit.log import verify
from ftzlink.audit.service import SHANGHAI, EntryFilters
from ftzlink.audit.tables import AuditEntry
from ftzlink.auth.permissions import can_read_audit
from ftzlink.errors import Forbidden
from ftzlink.ledger.keys import configured_verifier
from ftzlink.web import labels
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form, parse_day

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50

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
    if action in ACTIONS:
        return web._(ACTIONS[action])
    parts = labels.audit_action_parts(action)
    if parts is None:
        return action
    return web._("%(object)s %(verb)s", object=web._(parts[0]), verb=web._(parts[1]))


def object_label(web: Web, object_type: str) -> str:
    if object_type in OBJECTS:
        return web._(OBJECTS[object_type])
    if object_type in labels.AUDIT_OBJECTS:
        return web._(labels.AUDIT_OBJECTS[object_type])
    return object_type


# --- filters -------------------------------------------------------------------------------------


FIELDS = ("actor", "acted_for", "action", "object_type", "object_id", "from", "to")


def _filters(web: Web) -> tuple[Form, EntryFilters]:
    params = web.request.query_params
    form = Form({k: params[k] for k in FIELDS if k in params})

    def day(name: str, message: str) -> dt.date | None:
        text = form.get(name)
        if not text:
            return None
        found = parse_day(text)
        if found is None:
            form.error(name, message)
        return found

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
    return form, EntryFilters(
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
    known = audit.names_of(session, principal=web.require(), entries=entries)
    names, orgs, references = known.users, known.organisations, known.references
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
                acted_for=orgs[e.acted_for_id].get(web.lang) if e.acted_for_id in orgs else None,
                action=action_label(web, e.action),
                object=what,
            )
        )
    return rows


def _by_label(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda pair: pair[1])


def _choices(session: Session, web: Web) -> dict[str, list[tuple[str, str]]]:
    """The values the filters offer: those present in the log."""
    present = audit.filter_choices(session, principal=web.require())
    anything = ("", web._("Any"))
    return {
        "action": [anything, *_by_label((a, action_label(web, a)) for a in present.actions)],
        "object_type": [
            anything,
            *_by_label((t, object_label(web, t)) for t in present.object_types),
        ],
        "acted_for": [
            anything,
            *_by_label((str(i), name.get(web.lang)) for i, name in present.organisations),
        ],
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
            entries, total, number = audit.list_entries(
                session, principal=web.require(), filters=filters, page=number, page_size=PAGE_SIZE
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
        entry = audit.get_entry(session, principal=web.require(), seq=seq)
        row = _rows(session, web, [entry])[0]
    return web.page("pages/auditor/entry.html", row=row)


@router.post("/audit/verify")
async def verify_chain(web: WebPage) -> Response:
    _require(web)
    await web.form()
    key = configured_verifier(web.services.settings)
    with web.read() as session:
        result = verify(session, key=key)
        exists = audit.entry_exists(session, principal=web.require(), seq=result.first_bad_seq)
    web.replay = True  # verifying changes nothing
    return web.page("pages/auditor/verified.html", result=result, bad_entry_exists=exists)
