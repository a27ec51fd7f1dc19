"""The two-track status page, the employer's answer to a returned track, the officials'
decisions on their own track, and their queues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ValidityTooLong,
)
from ftzlink.talent import cases
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.privacy import mask_passport
from ftzlink.talent.rules import ResidenceLimit
from ftzlink.talent.tables import (
    CaseEvent,
    CaseStatus,
    TrackKind,
    TrackState,
)
from ftzlink.web import forms
from ftzlink.web.context import Web, WebPage
from ftzlink.web.forms import N_, Form
from ftzlink.web.render import format_day
from ftzlink.web.talent.common import (
    ACTIONS,
    CASE_STATUSES,
    CATEGORIES,
    DOCUMENT_NAMES,
    FACTOR_OUTCOMES,
    PAGES,
    QUEUES,
    RELATIONS,
    TRACK_NAMES,
    TRACK_STATES,
    DbId,
    _official,
    _own_case,
    _refusal,
    _rules,
)
from ftzlink.web.talent.drafts import _draft, _draft_values

router = APIRouter(include_in_schema=False)

__all__ = ["router"]

# --- the two-track status page ------------------------------------------------------------------


@router.get("/talent/cases/{case_id}")
def case_page(web: WebPage, case_id: DbId) -> Response:
    principal = web.require()
    with web.read() as session:
        case = cases.get_case(session, principal=principal, case_id=case_id)
        if case.status == CaseStatus.DRAFT and talent_permissions.files_for(
            principal, case.employer_id
        ):
            draft = _draft(web, session, principal, case_id)
            return web.page(PAGES + "tasks.html", **_draft_values(web, draft))
        return _status(web, session, principal, case_id)


def _status(
    web: Web,
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    status_code: int = 200,
    form: Form | None = None,
) -> Response:
    view = cases.case_view(
        session, principal=principal, rules=_rules(), case_id=case_id, today=web.today
    )
    users, orgs = view.actors, view.acted_for
    days_left: dict[str, int | None] = {}
    for kind in TrackKind:
        try:
            days_left[kind.value] = view.working_days_left(kind, web.today)
        except InvalidInput:
            days_left[kind.value] = None
    deciding = [k for k in TrackKind if cases.decides(principal, k) and k in view.tracks]
    limit: ResidenceLimit | None = None
    limit_start = web.today
    if TrackKind.RESIDENCE in deciding and view.tracks[TrackKind.RESIDENCE].state in (
        TrackState.ACCEPTED,
    ):
        start = forms.parse_day(form.get("valid_from")) if form else None
        limit_start = start if start and start >= web.today else web.today
        try:
            limit = cases.residence_limit(
                session, _rules(), view.case, start=limit_start, on=web.today
            )
        except (Conflict, InvalidInput):
            limit = None
    own = talent_permissions.files_for(principal, view.case.employer_id)
    notes = {e.id: _event_notes(web, e) for e in view.events}
    return web.page(
        PAGES + "status.html",
        notes=notes,
        status_code=status_code,
        errors=form.errors if form else [],
        values=form.values if form else {},
        view=view,
        case=view.case,
        person=view.professional,
        passport=view.passport,
        own=own,
        deciding=deciding,
        days_left=days_left,
        limit=limit,
        limit_start=limit_start,
        users=users,
        orgs=orgs,
        track_states=TRACK_STATES,
        track_names=TRACK_NAMES,
        statuses=CASE_STATUSES,
        overall=cases.overall_status(view.case, view.tracks.values()),
        actions=ACTIONS,
        relations=RELATIONS,
        document_names=DOCUMENT_NAMES,
        categories=CATEGORIES,
        factor_outcomes=FACTOR_OUTCOMES,
        kinds=list(TrackKind),
        sources={src.id: src.title.get(web.lang) for src in _rules().sources},
        documents_open=own
        and view.case.status == CaseStatus.FILED
        and talent_permissions.documents_open(
            view.case.status, (t.state for t in view.tracks.values())
        ),
        last_day=limit.end if limit else None,
    )


def _event_notes(web: Web, event: CaseEvent) -> list[str]:
    """What a history row says beyond its action: questions, reasons, an answer, a validity."""
    notes = list(event.note or [])
    if event.action == "deadline_recomputed" and event.due_before and event.due_after:
        notes.append(
            web._(
                "Deadline counted again: %(before)s → %(after)s, because the official holiday schedule for %(year)s was loaded",
                before=format_day(event.due_before, web.lang),
                after=format_day(event.due_after, web.lang),
                year=event.calendar_year,
            )
        )
    if event.valid_from is not None and event.valid_until is not None:
        notes.append(
            web._(
                "Valid from %(start)s to %(end)s",
                start=format_day(event.valid_from, web.lang),
                end=format_day(event.valid_until, web.lang),
            )
        )
    return notes


def _kind(value: str) -> TrackKind:
    try:
        return TrackKind(value)
    except ValueError:
        raise NotFound(f"no track {value}") from None


@router.post("/talent/cases/{case_id}/tracks/{kind}/respond")
async def respond(web: WebPage, case_id: DbId, kind: str) -> Response:
    principal = web.require()
    track = _kind(kind)
    form = Form(await web.form())
    with web.read() as session:
        _own_case(web, session, principal, case_id)
    name = f"response-{track.value}"
    answer = form.get(name)
    if form.ok:
        _, refusal = forms.change(
            web,
            lambda session: cases.respond(
                session,
                principal=principal,
                case_id=case_id,
                kind=track,
                response=answer,
                today=web.today,
            ),
        )
        problems = refusal.problems if isinstance(refusal, InvalidInput) else []
        if problems and problems[0].field == "response":
            form.error(
                name,
                web._("Your answer must be 2,000 characters or fewer")
                if problems[0].code == "too_long"
                else web._("Enter your answer to the questions"),
            )
        elif refusal is not None:
            form.error(name, _refusal(web, refusal))
    if not form.ok:
        with web.read() as session:
            return _status(web, session, principal, case_id, status_code=400, form=form)
    return web.redirect(f"/talent/cases/{case_id}")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/talent/cases/{case_id}/tracks/{kind}/{decision}")
async def decide(web: WebPage, case_id: DbId, kind: str, decision: str) -> Response:
    principal = web.require()
    track = _kind(kind)
    if decision not in ("accept", "return", "approve", "refuse"):
        raise NotFound(f"no decision {decision}")
    if not cases.decides(principal, track):
        raise Forbidden("only the track's officials decide it")
    form = Form(await web.form())
    with web.read() as session:
        cases.get_case(session, principal=principal, case_id=case_id)
    rules = _rules()
    change: Callable[[Session], Any] | None = None
    fields: dict[str, str] = {}
    if decision == "accept":
        fields = {"": "accept"}

        def change(session: Session) -> Any:
            return cases.accept(
                session,
                principal=principal,
                rules=rules,
                case_id=case_id,
                kind=track,
                today=web.today,
            )
    elif decision in ("return", "refuse"):
        name = "questions" if decision == "return" else "reasons"
        given = _lines(form.get(name))
        fields = {name: name}
        for problem in cases.lines_problems(given, name, ""):
            form.error(
                name,
                web._("Write 4,000 characters or fewer")
                if problem.code == "too_long"
                else web._("Enter at least one question, one a line")
                if decision == "return"
                else web._("Enter at least one reason, one a line"),
            )
        if decision == "return":

            def change(session: Session) -> Any:
                return cases.return_track(
                    session,
                    principal=principal,
                    case_id=case_id,
                    kind=track,
                    questions=given,
                    today=web.today,
                )
        else:

            def change(session: Session) -> Any:
                return cases.refuse(
                    session,
                    principal=principal,
                    case_id=case_id,
                    kind=track,
                    reasons=given,
                    today=web.today,
                )
    else:
        fields = {"valid_from": "valid_from", "valid_until": "valid_until", "category": "category"}
        start = forms.parse_day(form.get("valid_from"))
        until = forms.parse_day(form.get("valid_until"))
        if start is None:
            form.error("valid_from", web._("Enter the first valid day, like 2026-11-09"))
        if until is None:
            form.error("valid_until", web._("Enter the last valid day, like 2028-11-08"))
        for problem in cases.validity_problems(start, until, today=web.today):
            form.error(problem.field or "valid_until", web._(VALIDITY_PROBLEMS[problem.code or ""]))
        # Not chosen: the category applied for (the service's default).
        category = form.get("category") or None
        if track is TrackKind.WORK_PERMIT and category is not None and category not in CATEGORIES:
            form.error("category", web._("Select the category of the work permit"))

        def change(session: Session) -> Any:
            assert start is not None and until is not None
            return cases.approve(
                session,
                principal=principal,
                rules=rules,
                case_id=case_id,
                kind=track,
                valid_from=start,
                valid_until=until,
                category=category if track is TrackKind.WORK_PERMIT else None,
                today=web.today,
            )

    if form.ok and change is not None:
        _, refusal = forms.change(web, change)
        if refusal is not None:
            target = next(iter(fields.values()))
            if decision == "approve":
                target = "valid_until"
                problems = getattr(refusal, "problems", []) or []
                if problems and problems[0].field in fields:
                    target = fields[problems[0].field or ""]
                message = (
                    web._(
                        "The validity is longer than the rules allow: the last day may be %(day)s at the latest",
                        day=format_day(refusal.last_day, web.lang),
                    )
                    if isinstance(refusal, ValidityTooLong)
                    else _refusal(web, refusal)
                )
                form.error(target, message)
            else:
                form.error(target, _refusal(web, refusal))
    if not form.ok:
        with web.read() as session:
            return _status(web, session, principal, case_id, status_code=400, form=form)
    return web.redirect(f"/talent/cases/{case_id}")


VALIDITY_PROBLEMS = {
    "past": N_("The permit cannot start in the past"),
    "before_start": N_("The last valid day must be after the first"),
}


# --- the officials' queues ----------------------------------------------------------------------


@router.get("/talent/queue/{queue}")
def queue(web: WebPage, queue: str, state: str = "") -> Response:
    kind = QUEUES.get(queue)
    if kind is None:
        raise NotFound(f"no queue {queue}")
    principal = _official(web, kind)
    chosen = TrackState(state) if state in TRACK_STATES else None
    with web.read() as session:
        found = cases.official_queue(
            session, principal=principal, kind=kind, state=chosen, today=web.today
        )
    rows, people, employers, tracks = found.rows, found.people, found.employers, found.tracks
    days, counts = found.days_left, found.counts
    return web.page(
        PAGES + "queue.html",
        block="results" if web.htmx else None,
        queue=queue,
        kind=kind,
        rows=rows,
        people=people,
        employers=employers,
        tracks=tracks,
        days=days,
        state=state if chosen else "",
        counts=counts,
        mask=mask_passport,
        track_states=TRACK_STATES,
        track_names=TRACK_NAMES,
    )
