"""Pages for 免申即享: officials start match runs, read a run's record, and confirm or strike
candidates in a batch; an enterprise sees what the government offers it and consents or declines.
The handlers call the same service functions as `/api/v1/proactive`, with the same checks."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from ftzlink.applications import service as applications
from ftzlink.auth import service as users
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Measure, MeasureKind, PeriodKind
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    MeasureNotInForce,
    NotEligible,
    NotFound,
)
from ftzlink.organisations.service import delegations_to
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive import decisions as candidate_decisions
from ftzlink.proactive import runs as match_runs
from ftzlink.proactive import service
from ftzlink.proactive.permissions import (
    OFFERED,
    can_decide_candidates,
    can_run_match,
    is_confirmable,
    is_official,
    is_open_offer,
    is_strikable,
)
from ftzlink.proactive.tables import Candidate
from ftzlink.web.context import Web, WebPage
from ftzlink.web.errors import MESSAGES
from ftzlink.web.forms import N_, FieldError, Form, parse_day
from ftzlink.web.official import _label
from ftzlink.web.render import money

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
BATCH_LIMIT = 200  # candidates in one batch of decisions
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]

STATUSES = {
    "pending": N_("Pending confirmation"),
    "confirmed": N_("Confirmed: awaiting consent"),
    "struck": N_("Struck"),
    "consented": N_("Consented"),
    "declined": N_("Declined"),
    "granted": N_("Granted without application"),
}
KINDS = {"eligible": N_("Eligible"), "one_answer": N_("One answer away")}
SOURCES = {
    "organisations": N_("The organisations' stored profiles"),
    "registry": N_("A registry file"),
    "both": N_("A registry file and the stored profiles"),
}
UNLINKED = {
    "no_uscc": N_("No credit code"),
    "not_registered": N_("No registered organisation has this credit code"),
    "profile_invalid": N_("The stored profile cannot be read"),
}
OUTCOMES = {
    "confirmed": N_("Confirmed: the enterprise is notified"),
    "granted": N_("Granted without application"),
    "struck": N_("Struck"),
    "wrong_state": N_("Not done"),
    "forbidden": N_("Not done: not yours to decide"),
    "not_found": N_("Not done: not found"),
    "refused": N_("Not done"),
}
# What an official may choose for one candidate on the page that checks the decisions: "keep"
# leaves it pending (a candidate one answer away cannot be confirmed yet).
CHOICES = ("confirm", "strike", "keep")
_DONE = ("confirmed", "granted", "struck")
_OFFERED = OFFERED


def _official(web: Web) -> Principal:
    """Reviewers, budget officers, the platform admin and the auditor see these pages."""
    principal = web.require()
    if not is_official(principal):
        raise Forbidden("these pages are for district officials")
    return principal


def _measure(web: Web, measure_id: str) -> Measure | None:
    return next((m for _, m in web.catalogue.measures() if m.id == measure_id), None)


def _title(web: Web, measure_id: str) -> str:
    measure = _measure(web, measure_id)
    return measure.title.get(web.lang) if measure else measure_id


def _people(session: Session, ids: set[int]) -> dict[int, str]:
    return users.display_names(session, ids)


# --- match runs --------------------------------------------------------------------------------


def _runs_page(
    web: Web,
    principal: Principal,
    *,
    status_code: int = 200,
    errors: list[Any] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    with web.read() as session:
        runs, total = service.list_runs(session, principal=principal, limit=PAGE_SIZE)
        people = _people(session, {r.started_by for r in runs})
        today = web.today.isoformat()
        return web.page(
            "pages/proactive/runs.html",
            status_code=status_code,
            errors=errors or [],
            values={"as_of": today, "registry_as_of": today, **(values or {})},
            runs=runs,
            total=total,
            people=people,
            can_run=can_run_match(principal),
            sources=SOURCES,
        )


@router.get("/proactive")
def runs_page(web: WebPage) -> Response:
    return _runs_page(web, _official(web))


def _as_of(web: Web, form: Form, field: str) -> Any:
    text = form.get(field)
    if not text:
        form.error(field, web._("Enter the date to match as of"))
        return None
    day = parse_day(text)
    if day is None:
        form.error(field, web._("Enter a real date in the form 2026-03-31"))
    return day


@router.post("/proactive/runs")
async def start_run(web: WebPage) -> Response:
    principal = _official(web)
    form = Form(await web.form())
    as_of = _as_of(web, form, "as_of")
    if form.ok:
        with web.write() as session:
            run = match_runs.run_match(
                session, principal=principal, catalogue=web.catalogue, as_of=as_of
            )
            run_id = run.id
        return web.redirect(f"/proactive/runs/{run_id}")
    return _runs_page(web, principal, status_code=400, errors=form.errors, values=form.values)


@router.post("/proactive/runs/registry")
async def start_registry_run(web: WebPage) -> Response:
    principal = _official(web)
    data = await web.form()
    form = Form(data)
    as_of = _as_of(web, form, "registry_as_of")
    upload = data.get("registry")
    name, raw = "", b""
    limit = web.settings.max_upload_bytes
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.error("registry", web._("Choose a registry file, CSV or Parquet"))
    else:
        name = FilePath(upload.filename).name
        if FilePath(name).suffix.lower() not in (".csv", ".parquet"):
            form.error("registry", web._("The registry must be a .csv or a .parquet file"))
        else:
            raw = await upload.read(limit + 1)
            if len(raw) > limit:
                form.error("registry", web._("The file is too large."))
    if form.ok:
        with tempfile.TemporaryDirectory(prefix="ftzlink-registry-") as tmp:
            path = FilePath(tmp) / f"registry{FilePath(name).suffix.lower()}"
            path.write_bytes(raw)
            try:
                with web.write() as session:
                    run = match_runs.run_match(
                        session,
                        principal=principal,
                        catalogue=web.catalogue,
                        as_of=as_of,
                        organisations=form.get("organisations") == "1",
                        registry=path,
                        registry_name=name,
                    )
                    run_id = run.id
                return web.redirect(f"/proactive/runs/{run_id}")
            except InvalidInput:
                form.error(
                    "registry",
                    web._(
                        "The registry cannot be read: it needs a uscc column and the columns of a match"
                    ),
                )
    return _runs_page(web, principal, status_code=400, errors=form.errors, values=form.values)


@router.get("/proactive/runs/{run_id}")
def run_page(web: WebPage, run_id: DbId) -> Response:
    principal = _official(web)
    with web.read() as session:
        run = service.get_run(session, principal=principal, run_id=run_id)
        people = _people(session, {run.started_by})
        return web.page(
            "pages/proactive/run.html",
            run=run,
            who=people.get(run.started_by, ""),
            sources=SOURCES,
            unlinked_reasons=UNLINKED,
            district_names=[_label(web, "districts", d) for d in run.districts or []],
        )


# --- candidates and the batch of decisions -----------------------------------------------------


@dataclass(frozen=True)
class Row:
    candidate: Candidate
    organisation: str
    measure: str
    grant: bool
    # "person" or "project" when confirming needs a name the match did not give (the measure's
    # cap counts per person or per project); "" otherwise.
    needs_name: str = ""
    confirmable: bool = False  # pending and found eligible
    strikable: bool = False  # pending


PER_NAME = {
    PeriodKind.PER_PERSON: "person",
    PeriodKind.PER_PROJECT: "project",
    PeriodKind.PER_PROJECT_PER_YEAR: "project",
}
NAME_MAX = 200


def _needs_name(c: Candidate, measure: Measure | None) -> str:
    if measure is None or measure.cap is None or c.project_name:
        return ""
    if not is_confirmable(c):
        return ""
    return PER_NAME.get(measure.cap.period, "")


def _rows(web: Web, session: Session, candidates: list[Candidate]) -> list[Row]:
    orgs = service.organisations_of(session, {c.organisation_id for c in candidates})
    rows = []
    for c in candidates:
        measure = _measure(web, c.measure_id)
        rows.append(
            Row(
                c,
                orgs[c.organisation_id].name_in(web.lang) if c.organisation_id in orgs else "",
                measure.title.get(web.lang) if measure else c.measure_id,
                measure is not None and measure.kind is MeasureKind.GRANT,
                _needs_name(c, measure),
                is_confirmable(c),
                is_strikable(c),
            )
        )
    return rows


FILTERS = ("run", "measure", "kind", "status")


def _candidates(web: Web, principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    form = Form(params)
    run_text, measure, kind, status = (form.get(k) for k in FILTERS)
    measures = sorted(
        {(m.id, m.title.get(web.lang)) for _, m in web.catalogue.measures()}, key=lambda x: x[0]
    )
    run_id = int(run_text) if run_text.isdigit() and 0 < int(run_text) < 2**31 else None
    if run_text and run_id is None:
        form.error("run", web._("Enter a run number, like 3"))
    if measure and measure not in {m for m, _ in measures}:
        form.error("measure", web._("Choose a measure from the list"))
    if kind and kind not in KINDS:
        form.error("kind", web._("Choose a kind from the list"))
    if status and status not in STATUSES:
        form.error("status", web._("Choose a status from the list"))
    page_text = form.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 1
    rows: list[Row] = []
    total = 0
    if form.ok:
        filters = service.CandidateFilters(
            run_id=run_id, status=status or None, kind=kind or None, measure_id=measure or None
        )
        with web.read() as session:
            found, total = service.list_candidates(
                session,
                principal=principal,
                on=web.today,
                filters=filters,
                offset=(page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
            rows = _rows(web, session, found)
    query = {k: form.get(k) for k in FILTERS if form.get(k)}
    return {
        "errors": form.errors,
        "values": form.values,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "page_url": lambda n: web.url("/proactive/candidates", **query, page=n),
        "query": web.url("", **query).lstrip("?"),
        "decides": can_decide_candidates(principal),
        "measures": [("", web._("All measures"))] + [(m, t) for m, t in measures],
        "kinds": [("", web._("All kinds"))] + [(k, web._(v)) for k, v in KINDS.items()],
        "statuses": [("", web._("All statuses"))] + [(k, web._(v)) for k, v in STATUSES.items()],
        "status_names": STATUSES,
        "kind_names": KINDS,
    }


@router.get("/proactive/candidates")
def candidates_page(web: WebPage) -> Response:
    principal = _official(web)
    data = _candidates(web, principal, dict(web.request.query_params))
    return web.page(
        "pages/proactive/candidates.html",
        status_code=400 if data["errors"] else 200,
        block="results",
        **data,
    )


def _ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for v in values:
        if v.isdigit() and 0 < int(v) < 2**31 and int(v) not in ids:
            ids.append(int(v))
    return ids[:BATCH_LIMIT]


def _selected(web: Web, principal: Principal, session: Session, ids: list[int]) -> list[Row]:
    found = []
    for candidate_id in ids:
        try:
            found.append(
                service.get_candidate(
                    session, principal=principal, candidate_id=candidate_id, on=web.today
                )
            )
        except NotFound:
            continue
    return _rows(web, session, found)


def _decision_page(
    web: Web,
    principal: Principal,
    ids: list[int],
    decisions: dict[int, str],
    *,
    back: str,
    status_code: int = 200,
    errors: list[Any] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    with web.read() as session:
        rows = _selected(web, principal, session, ids)
        return web.page(
            "pages/proactive/decide.html",
            status_code=status_code,
            errors=errors or [],
            values=values or {},
            rows=rows,
            decisions=decisions,
            back=back,
            status_names=STATUSES,
        )


def _default_choice(row: Row, decision: str) -> str:
    """What the page proposes for a candidate when the official chose `decision` for the batch:
    a candidate that cannot be confirmed is left as it is unless the batch strikes."""
    if decision == "strike" and row.strikable:
        return "strike"
    return "confirm" if row.confirmable else "keep"


@router.post("/proactive/candidates/decide")
async def decide(web: WebPage) -> Response:
    principal = _official(web)
    form = Form(await web.form())
    back = form.get("back")
    back = back if not back.startswith(("/", "http")) else ""
    ids = _ids(form.getlist("ids"))
    if form.get("step") != "decide":
        batch = "strike" if form.get("decision") == "strike" else "confirm"
        if not ids:
            data = _candidates(web, principal, dict(parse_qsl(back)))
            form.error("ids", web._("Select at least one candidate"))
            return web.page(
                "pages/proactive/candidates.html",
                status_code=400,
                **{**data, "errors": data["errors"] + form.errors},
            )
        with web.read() as session:
            chosen = {
                r.candidate.id: _default_choice(r, batch)
                for r in _selected(web, principal, session, ids)
            }
        web.replay = True  # the check before deciding decides nothing
        return _decision_page(web, principal, ids, chosen, back=back)
    if not ids:
        raise InvalidInput("an empty batch")
    decisions = {i: (d if (d := form.get(f"decision-{i}")) in CHOICES else "confirm") for i in ids}
    reason = form.get("reason")
    names = {i: form.get(f"name-{i}") for i in ids}
    with web.read() as session:
        selected = {r.candidate.id: r for r in _selected(web, principal, session, ids)}
    for i in ids:
        row = selected.get(i)
        if decisions[i] != "confirm" or row is None or not row.needs_name:
            continue
        if not names[i]:
            form.error(
                f"name-{i}",
                web._("Name the person or team for %(organisation)s", organisation=row.organisation)
                if row.needs_name == "person"
                else web._("Name the project for %(organisation)s", organisation=row.organisation),
            )
        elif len(names[i]) > NAME_MAX:
            form.error(f"name-{i}", web._("Write the name in 200 characters or fewer"))
    if "strike" in decisions.values() and not reason:
        form.error("reason", web._("Say why the candidates are struck"))
    elif len(reason) > 2000:
        form.error("reason", web._("Write the reason in 2,000 characters or fewer"))
    if not form.ok:
        return _decision_page(
            web,
            principal,
            ids,
            decisions,
            back=back,
            status_code=400,
            errors=form.errors,
            values=form.values,
        )
    items = [
        candidate_decisions.Decision(i, "strike", reason=reason)
        if decisions[i] == "strike"
        else candidate_decisions.Decision(i, "confirm", project_name=names[i] or None)
        for i in ids
        if decisions[i] != "keep"
    ]
    kept = [selected[i] for i in ids if decisions[i] == "keep" and i in selected]
    results = []
    with web.write() as session:
        if items:
            results = candidate_decisions.decide(
                session,
                principal=principal,
                catalogue=web.catalogue,
                items=items,
                today=web.today,
                lang=web.lang,
            )
        rows = {r.candidate.id: r for r in _selected(web, principal, session, ids)}
        outcomes = [
            (rows.get(r.candidate_id), r, _explain(web, r, selected.get(r.candidate_id)))
            for r in results
        ]
        web.language_back = "/proactive/candidates" + (f"?{back}" if back else "")
        counts = {
            "done": sum(r.outcome in _DONE for r in results),
            "not_done": sum(r.outcome not in _DONE for r in results),
            "kept": len(kept),
        }
        return web.page(
            "pages/proactive/results.html",
            outcomes=outcomes,
            kept=kept,
            counts=counts,
            back=back,
            outcome_names=OUTCOMES,
            status_names=STATUSES,
        )


def _explain(
    web: Web, result: candidate_decisions.DecisionResult, before: Row | None = None
) -> str:
    """Why an item was not done, in the reader's language (`before`: the candidate as it was
    when the official decided)."""
    if result.outcome in _DONE:
        return ""
    if result.outcome == "wrong_state":
        if before is not None and before.strikable and not before.confirmable:
            return web._(
                "It still needs an answer before it can be confirmed; it can only be struck"
            )
        return web._("It was already decided")
    if result.outcome == "forbidden":
        return web._("Only a reviewer of the organisation's district decides it")
    if result.outcome == "not_found":
        return web._("It is not there, or not in your districts")
    if result.code == "invalid_input" and result.detail and "project_name" in result.detail:
        return web._("The measure's cap is per person or team: it needs a name to be confirmed")
    if result.code == "cap_exceeded" and result.remaining is not None:
        return web._(
            "The amount is more than the cap or budget still allows: %(remaining)s remaining.",
            remaining=money(result.remaining, web.lang),
        )
    return web._(MESSAGES.get(result.code or "", N_("This could not be done.")))


# --- the enterprise's offers -------------------------------------------------------------------


def _own(web: Web, session: Session, principal: Principal) -> set[int]:
    """The organisations the user answers for: its own and the branches delegating to it."""
    return set(principal.member_of()) | set(delegations_to(session, principal, on=web.today))


def _offer(web: Web, session: Session, principal: Principal, candidate_id: int) -> Candidate:
    candidate = service.get_candidate(
        session, principal=principal, candidate_id=candidate_id, on=web.today
    )
    if candidate.organisation_id not in _own(web, session, principal):
        raise NotFound(f"no offer {candidate_id}")
    return candidate


@dataclass(frozen=True)
class Offer:
    candidate: Candidate
    organisation: Organisation
    measure: str
    grant: bool
    answers: list[tuple[str, str]]
    reference: str | None
    closed: MeasureNotInForce | None  # the measure has ended or not begun: no consent


def _answers(answers: dict[str, Any]) -> list[tuple[str, str]]:
    flat: list[tuple[str, str]] = []
    for key, value in sorted(answers.items()):
        if isinstance(value, dict):
            flat += [(f"{key}.{k}", str(v)) for k, v in sorted(value.items())]
        else:
            flat.append((key, str(value)))
    return flat


def _offers(web: Web, session: Session, principal: Principal) -> list[Offer]:
    own = _own(web, session, principal)
    found = []
    for status in _OFFERED:
        rows, _ = service.list_candidates(
            session,
            principal=principal,
            on=web.today,
            filters=service.CandidateFilters(status=status.value),
            limit=500,
        )
        found += [c for c in rows if c.organisation_id in own]
    found.sort(key=lambda c: (not is_open_offer(c), -c.id))
    orgs = service.organisations_of(session, {c.organisation_id for c in found})
    app_ids = {c.application_id for c in found if c.application_id}
    references = applications.references_of(session, app_ids)
    offers = []
    for c in found:
        measure = _measure(web, c.measure_id)
        offers.append(
            Offer(
                c,
                orgs[c.organisation_id],
                measure.title.get(web.lang) if measure else c.measure_id,
                measure is not None and measure.kind is MeasureKind.GRANT,
                _answers(c.answers or {}),
                references.get(c.application_id) if c.application_id else None,
                _closed(web, c.measure_id),
            )
        )
    return offers


def _closed(web: Web, measure_id: str) -> MeasureNotInForce | None:
    try:
        policy, measure = applications.find_measure(web.catalogue, measure_id)
    except NotFound:
        return None
    return applications.not_in_force(policy, measure, on=web.today)


def _member(web: Web) -> Principal:
    principal = web.require()
    if not principal.member_of():
        raise Forbidden("these pages are for the members of an organisation")
    return principal


# Why a consent could not be submitted, by the engine's status as of today.
NOT_SUBMITTED = {
    "needs_info": N_(
        "The engine needs more information before this can be submitted: open the pre-filled "
        "application and answer its questions."
    ),
    "ineligible": N_(
        "As of today the engine no longer finds your organisation eligible for this measure, so "
        "nothing was submitted."
    ),
    "expired": N_("The measure is no longer in force, so nothing was submitted."),
    "not_yet_effective": N_("The measure is not yet in force, so nothing was submitted."),
}


def _offers_page(
    web: Web, principal: Principal, *, errors: list[FieldError] | None = None, status: int = 200
) -> Response:
    done = web.request.query_params.get("done", "")
    shown = web.request.query_params.get("offer", "")
    with web.read() as session:
        offers = _offers(web, session, principal)
        just = next((o for o in offers if str(o.candidate.id) == shown), None)
        return web.page(
            "pages/proactive/offers.html",
            status_code=status,
            offers=offers,
            done=done if done in ("consented", "declined") and just else "",
            just=just,
            status_names=STATUSES,
            errors=errors or [],
        )


@router.get("/proactive/offers")
def offers_page(web: WebPage) -> Response:
    return _offers_page(web, _member(web))


@router.post("/proactive/offers/{candidate_id}/consent")
async def consent(web: WebPage, candidate_id: DbId) -> Response:
    principal = _member(web)
    await web.form()
    try:
        with web.write() as session:
            _offer(web, session, principal, candidate_id)
            candidate_decisions.consent(
                session,
                principal=principal,
                catalogue=web.catalogue,
                candidate_id=candidate_id,
                today=web.today,
                lang=web.lang,
            )
    except (NotEligible, MeasureNotInForce) as refused:
        state = refused.state if isinstance(refused, MeasureNotInForce) else refused.status
        reason = NOT_SUBMITTED.get(state, NOT_SUBMITTED["ineligible"])
        return _offers_page(
            web,
            principal,
            errors=[FieldError(f"consent-{candidate_id}", web._(reason))],
            status=409,
        )
    except Conflict:
        message = web._("This offer can no longer be consented to in its current state.")
        return _offers_page(
            web, principal, errors=[FieldError(f"consent-{candidate_id}", message)], status=409
        )
    return web.redirect(web.url("/proactive/offers", done="consented", offer=candidate_id))


@router.get("/proactive/offers/{candidate_id}/decline")
def decline_page(web: WebPage, candidate_id: DbId) -> Response:
    principal = _member(web)
    with web.read() as session:
        candidate = _offer(web, session, principal, candidate_id)
        org = service.organisations_of(session, {candidate.organisation_id}).get(
            candidate.organisation_id
        )
        return web.page(
            "pages/proactive/decline.html",
            candidate=candidate,
            organisation=org,
            measure=_title(web, candidate.measure_id),
            open=is_open_offer(candidate),
            status_names=STATUSES,
        )


@router.post("/proactive/offers/{candidate_id}/decline")
async def decline(web: WebPage, candidate_id: DbId) -> Response:
    principal = _member(web)
    await web.form()
    with web.write() as session:
        _offer(web, session, principal, candidate_id)
        candidate_decisions.decline(
            session, principal=principal, candidate_id=candidate_id, today=web.today
        )
    return web.redirect(web.url("/proactive/offers", done="declined", offer=candidate_id))
