"""免申即享, the service: match runs, the officials' confirm-or-strike batch, the enterprise's
consent, grants made directly, and the notification outbox.

A run evaluates the whole catalogue (`ftzlink.matching`, the Polars path) over the platform's
organisations — their stored profiles, the government's own data — and/or a registry file whose
rows link to registered organisations by USCC. It records who ran it, as of when, against which
catalogue (version and SHA-256) and registry (name and SHA-256), and what it found: candidates
(an organisation found eligible for a measure, with the amount to pre-fill) and, listed
separately, organisations one answer away (with the question). Registry rows that link to no
registered organisation are counted and listed on the run, never silently dropped.

An organisation is proposed for a measure (and project, where the measure's cap is per project)
at most once a year — the year of the run's as-of date — whatever became of the proposal. A later
run that finds it again counts it as already proposed; a pending one-answer candidate found
eligible is upgraded in place. So re-running a match never duplicates a candidate, and a struck
or declined one is not offered again that year.

Confirming a candidate pre-fills a draft application for the organisation (through
`applications.service.create_application`: the draft is the organisation's; the official
pre-fills it on the organisation's behalf and the audit log says so) and notifies it; the
enterprise then consents (submits the draft through the normal workflow: re-checked by the
engine) or declines (the draft is withdrawn). A measure the catalogue marks
`granted_without_application` has no consent step: confirming it submits the draft for the
organisation and approves it at once, within the measure's cap, the clause allowance and the
budget (`applications.service.approve`); a refusal leaves that item as it was, with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import polars as pl
from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from ftzlink import __version__
from ftzlink.applications import service as applications
from ftzlink.applications.models import Application
from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.models import Role
from ftzlink.auth.principal import Grant, Principal
from ftzlink.catalogue.models import Catalogue, Measure, MeasureKind, PeriodKind, Policy
from ftzlink.db import utcnow
from ftzlink.errors import (
    Forbidden,
    FtzlinkError,
    InvalidInput,
    NotFound,
    Problem,
)
from ftzlink.money import format_yuan
from ftzlink.ops import metrics
from ftzlink.organisations.models import Organisation
from ftzlink.organisations.service import delegations_to, enterprise_profile
from ftzlink.proactive import workflow
from ftzlink.proactive.tables import (
    Candidate,
    CandidateKind,
    CandidateStatus,
    MatchRun,
    Notification,
    NotificationKind,
    RunSource,
)
from ftzlink.proactive.workflow import Action, WrongState
from ftzlink.rules.determinations import Status
from ftzlink.text import Lang, Text

__all__ = [
    "Decision",
    "DecisionResult",
    "Message",
    "Sink",
    "WrongState",
    "catalogue_sha256",
    "consent",
    "decide",
    "decline",
    "deliver",
    "get_candidate",
    "get_run",
    "list_candidates",
    "list_notifications",
    "list_runs",
    "run_match",
]

UNLINKED_LISTED = 1000  # rows without a registered organisation listed on the run (all counted)
_PER_PROJECT = (PeriodKind.PER_PROJECT, PeriodKind.PER_PROJECT_PER_YEAR, PeriodKind.PER_PERSON)
# Profile fields a registry's facts never pre-fill: they identify the organisation or projects.
_NOT_ANSWERS = {"name", "uscc", "projects", "branch_usccs"}


def _clean(value: Any, limit: int = 200) -> str | None:
    """Text from a registry as it may be stored: no control characters, at most `limit`."""
    if value is None:
        return None
    text = "".join(c for c in str(value) if c >= " " and c != "\x7f").strip()
    return text[:limit] or None


def catalogue_sha256(catalogue: Catalogue) -> str:
    """The catalogue's fingerprint: SHA-256 of its canonical JSON (what a run was judged by)."""
    return hashlib.sha256(catalogue.model_dump_json().encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_snapshot(run: MatchRun) -> dict[str, Any]:
    return {
        "as_of": run.as_of,
        "catalogue_version": run.catalogue_version,
        "catalogue_sha256": run.catalogue_sha256,
        "source": run.source,
        "registry_name": run.registry_name,
        "registry_sha256": run.registry_sha256,
        "districts": run.districts,
        "organisations": run.organisations,
        "registry_rows": run.registry_rows,
        "unlinked_rows": run.unlinked_rows,
        "eligible": run.eligible,
        "one_answer": run.one_answer,
        "new_candidates": run.new_candidates,
        "already_proposed": run.already_proposed,
    }


def candidate_snapshot(c: Candidate) -> dict[str, Any]:
    return {
        "run_id": c.run_id,
        "organisation_id": c.organisation_id,
        "measure_id": c.measure_id,
        "year": c.year,
        "project_name": c.project_name,
        "kind": c.kind,
        "question": c.question,
        "amount": c.amount,
        "answers": c.answers,
        "status": c.status,
        "application_id": c.application_id,
        "version": c.version,
    }


# --- who sees what -----------------------------------------------------------------------------


def _officials(principal: Principal) -> set[str]:
    return principal.districts(Role.REVIEWER) | principal.districts(Role.BUDGET_OFFICER)


def _visible_candidates(session: Session, principal: Principal, on: dt.date) -> Select[Candidate]:
    """Officials see their districts' candidates; an enterprise (or its headquarters under a
    delegation) sees its own once an official confirmed them: pending and struck ones are the
    officials' working papers."""
    query = select(Candidate).join(Organisation, Organisation.id == Candidate.organisation_id)
    if permissions.reads_everything(principal):
        return query
    offered = Candidate.status.not_in([CandidateStatus.PENDING, CandidateStatus.STRUCK])
    own = set(principal.member_of()) | set(delegations_to(session, principal, on=on))
    clauses: list[ColumnElement[bool]] = [Candidate.organisation_id.in_(own) & offered]
    if districts := _officials(principal):
        clauses.append(Organisation.district.in_(districts))
    return query.where(or_(false(), *clauses))


def _visible_runs(principal: Principal) -> Select[MatchRun]:
    query = select(MatchRun)
    if permissions.reads_everything(principal):
        return query
    return query.where(MatchRun.started_by == principal.user_id)


def get_run(session: Session, *, principal: Principal, run_id: int) -> MatchRun:
    run = session.scalar(_visible_runs(principal).where(MatchRun.id == run_id))
    if run is None:
        raise NotFound(f"no match run {run_id}")
    return run


def list_runs(
    session: Session, *, principal: Principal, offset: int = 0, limit: int = 50
) -> tuple[list[MatchRun], int]:
    query = _visible_runs(principal)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(MatchRun.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def get_candidate(
    session: Session, *, principal: Principal, candidate_id: int, on: dt.date, lock: bool = False
) -> Candidate:
    query = _visible_candidates(session, principal, on).where(Candidate.id == candidate_id)
    found = session.scalar(query.with_for_update(of=Candidate) if lock else query)
    if found is None:
        raise NotFound(f"no candidate {candidate_id}")
    return found


@dataclass(frozen=True)
class CandidateFilters:
    run_id: int | None = None
    status: str | None = None
    kind: str | None = None
    measure_id: str | None = None
    organisation_id: int | None = None
    district: str | None = None


def list_candidates(
    session: Session,
    *,
    principal: Principal,
    on: dt.date,
    filters: CandidateFilters = CandidateFilters(),
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Candidate], int]:
    query = _visible_candidates(session, principal, on)
    f = filters
    if f.run_id is not None:
        query = query.where(Candidate.run_id == f.run_id)
    if f.status:
        query = query.where(Candidate.status == f.status)
    if f.kind:
        query = query.where(Candidate.kind == f.kind)
    if f.measure_id:
        query = query.where(Candidate.measure_id == f.measure_id)
    if f.organisation_id is not None:
        query = query.where(Candidate.organisation_id == f.organisation_id)
    if f.district:
        query = query.where(Organisation.district == f.district)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Candidate.id).offset(offset).limit(limit))
    return list(rows), total


# --- match runs --------------------------------------------------------------------------------


@dataclass
class _Found:
    """One organisation's row of a match: its results and what the row says."""

    organisation: Organisation
    results: list[Any]  # ftzlink.matching.results.MeasureResult
    row: dict[str, Any]  # the normalised registry row (vocabulary ids, dates)
    answers: dict[str, Any]  # the row's facts the stored profile does not have


@dataclass
class _Tally:
    eligible: int = 0
    one_answer: int = 0
    new: int = 0
    already: int = 0
    seen: dict[str, Candidate] = field(default_factory=dict)


def _scope(principal: Principal) -> set[str] | None:
    if principal.is_platform_admin:
        return None
    districts = principal.districts(Role.REVIEWER)
    if not districts:
        raise Forbidden(
            "only a reviewer (over the districts they review) or a platform admin runs a match"
        )
    return districts


def _organisations(session: Session, scope: set[str] | None) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.id)
    if scope is not None:
        query = query.where(Organisation.district.in_(scope))
    return list(session.scalars(query))


def run_match(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    as_of: dt.date,
    organisations: bool = True,
    registry: Path | None = None,
    registry_name: str | None = None,
    chunk_size: int = 50_000,
) -> MatchRun:
    """Match the catalogue over the organisations in the caller's scope (a platform admin: all;
    a reviewer: the districts reviewed), from their stored profiles, from a registry, or both."""
    started = time.perf_counter()
    scope = _scope(principal)
    if not organisations and registry is None:
        raise InvalidInput(
            "nothing to match",
            [Problem("match the organisations, a registry, or both", field="registry")],
        )
    run = MatchRun(
        started_by=principal.user_id,
        as_of=as_of,
        catalogue_version=__version__,
        catalogue_sha256=catalogue_sha256(catalogue),
        source=RunSource.REGISTRY.value if registry is not None else RunSource.ORGANISATIONS.value,
        registry_name=_clean(registry_name or registry.name, 300) or "registry"
        if registry is not None
        else None,
        registry_sha256=file_sha256(registry) if registry is not None else None,
        districts=sorted(scope) if scope is not None else None,
        unlinked=[],
    )
    if registry is not None and organisations:
        run.source = RunSource.BOTH.value
    session.add(run)
    session.flush()
    known = _organisations(session, scope)
    tally = _Tally()
    measures = {m.id: (p, m) for p, m in catalogue.measures()}
    if organisations:
        run.organisations = len(known)
        for found in _from_profiles(catalogue, known, as_of, run):
            _propose(session, run, measures, found, tally)
    if registry is not None:
        by_uscc = {o.uscc: o for o in known}
        try:
            for found in _from_registry(catalogue, registry, as_of, by_uscc, run, chunk_size):
                _propose(session, run, measures, found, tally)
        except (pl.exceptions.PolarsError, UnicodeDecodeError, OSError) as error:
            reason = _clean(str(error).splitlines()[0] if str(error) else type(error).__name__)
            raise InvalidInput(
                "cannot read the registry",
                [Problem(f"{run.registry_name}: {reason}", field="registry")],
            ) from None
    run.eligible, run.one_answer = tally.eligible, tally.one_answer
    run.new_candidates, run.already_proposed = tally.new, tally.already
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username, None),
        action="match.run",
        object_type="match_run",
        object_id=run.id,
        after=run_snapshot(run),
        detail=f"{run.new_candidates} new candidates as of {as_of.isoformat()}",
    )
    metrics.MATCH_RUN_SECONDS.observe(time.perf_counter() - started)
    return run


def _unlinked(run: MatchRun, entry: dict[str, Any]) -> None:
    run.unlinked_rows += 1
    if len(run.unlinked) < UNLINKED_LISTED:
        run.unlinked = [*run.unlinked, entry]


def _from_profiles(
    catalogue: Catalogue, known: Sequence[Organisation], as_of: dt.date, run: MatchRun
) -> Iterator[_Found]:
    """The stored profiles, evaluated together (one frame through the Polars compiler)."""
    from ftzlink.matching.columns import row_from_profile

    profiles = []
    for org in known:
        try:
            profiles.append((org, enterprise_profile(org, catalogue)))
        except InvalidInput as error:
            _unlinked(
                run,
                {
                    "source": "organisations",
                    "uscc": org.uscc,
                    "name": org.name,
                    "reason": "profile_invalid",
                    "detail": str(error)[:500],
                },
            )
    if not profiles:
        return
    slots = max(1, *(len(p.projects or []) for _, p in profiles))
    rows = [row_from_profile(p, slots) for _, p in profiles]
    frame = pl.DataFrame(rows, infer_schema_length=None)
    for (org, _), (row, results) in zip(
        profiles, _evaluate(catalogue, frame, as_of, slots), strict=True
    ):
        yield _Found(org, results, row, {})


def _evaluate(
    catalogue: Catalogue, raw: pl.DataFrame, as_of: dt.date, slots: int
) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    from ftzlink.matching.match import match_frame
    from ftzlink.matching.plan import compile_plan
    from ftzlink.matching.registry import normalise
    from ftzlink.matching.results import decode

    plan = compile_plan(catalogue, as_of, slots)
    frame = normalise(raw, catalogue, slots)
    results = match_frame(plan, frame)
    for row, result in zip(frame.iter_rows(named=True), results.iter_rows(named=True), strict=True):
        yield row, decode(plan, result)


def _from_registry(
    catalogue: Catalogue,
    path: Path,
    as_of: dt.date,
    by_uscc: Mapping[str, Organisation],
    run: MatchRun,
    chunk_size: int,
) -> Iterator[_Found]:
    """The registry's rows that link to a registered organisation; the others are listed."""
    from ftzlink.matching.columns import RegistryColumns, profile_from_row
    from ftzlink.matching.registry import iter_file_chunks, scan_registry

    header = scan_registry(path).collect_schema().names()
    if "uscc" not in header:
        raise InvalidInput(
            "the registry cannot be linked to organisations",
            [Problem(f"{path.name}: a registry to match needs a uscc column", field="uscc")],
        )
    slots = RegistryColumns.of(header).slots
    _, chunks = iter_file_chunks(path, chunk_size)
    offset = 0
    for raw in chunks:
        run.registry_rows += raw.height
        codes = raw.get_column("uscc").cast(pl.String).str.strip_chars()
        linked = codes.is_in(list(by_uscc)).fill_null(False)
        names = (
            raw.get_column("name").cast(pl.String)
            if "name" in raw.columns
            else pl.Series([None] * raw.height, dtype=pl.String)
        )
        for i in (~linked).arg_true().to_list():
            code = codes[i]
            _unlinked(
                run,
                {
                    "source": "registry",
                    "row": offset + i + 1,  # 1-based, as a spreadsheet counts data rows
                    "uscc": _clean(code, 18 * 2),
                    "name": _clean(names[i]),
                    "reason": "no_uscc" if not code else "not_registered",
                },
            )
        offset += raw.height
        rows = raw.filter(linked)
        if not rows.height:
            continue
        for row, results in _evaluate(catalogue, rows, as_of, slots):
            org = by_uscc[str(row["uscc"]).strip()]
            yield _Found(org, results, row, _answers(catalogue, org, profile_from_row(row, slots)))


def _answers(catalogue: Catalogue, org: Organisation, registry: Any) -> dict[str, Any]:
    """What the registry says that the stored profile does not: pre-filled as the draft's
    answers, so that the engine re-checks the draft on the data the match used."""
    stored = enterprise_profile(org, catalogue).model_dump(mode="json", exclude_none=True)
    given = registry.model_dump(mode="json", exclude_none=True)
    answers: dict[str, Any] = {}
    for key, value in given.items():
        if key in _NOT_ANSWERS:
            continue
        if isinstance(value, dict):
            merged = {**stored.get(key, {}), **value}
            if merged != stored.get(key):
                answers[key] = merged
        elif stored.get(key) != value:
            answers[key] = value
    return answers


def _capped(request: int | None, cap: int | None) -> int | None:
    """A project's request capped by the measure: the cap when the request is unknown or 0."""
    if cap is None:
        return request or None
    return cap if not request else min(request, cap)


def _propose(
    session: Session,
    run: MatchRun,
    measures: Mapping[str, tuple[Policy, Measure]],
    found: _Found,
    tally: _Tally,
) -> None:
    from ftzlink.matching.columns import slot_column

    org, year = found.organisation, run.as_of.year
    proposals: list[dict[str, Any]] = []
    for result in found.results:
        policy, measure = measures[result.measure_id]
        cap = measure.cap.amount if measure.cap else None
        common: dict[str, Any] = {
            "policy_id": policy.id,
            "measure_id": measure.id,
            "max_amount": result.max_amount,
            "without_application": measure.granted_without_application,
        }
        if result.status is Status.ELIGIBLE:
            tally.eligible += 1
            grant = measure.kind is MeasureKind.GRANT
            per_project = measure.cap is not None and measure.cap.period in _PER_PROJECT
            if per_project and result.projects:
                for slot in result.projects:
                    request = found.row.get(slot_column(slot, "requested_amount"))
                    proposals.append(
                        common
                        | {
                            "kind": CandidateKind.ELIGIBLE.value,
                            "project_name": _clean(found.row.get(slot_column(slot, "name"))),
                            "project_kind": found.row.get(slot_column(slot, "kind")),
                            "amount": _capped(request, cap) if grant else None,
                        }
                    )
            else:
                amount = result.amount if result.amount is not None else result.max_amount
                proposals.append(
                    common
                    | {"kind": CandidateKind.ELIGIBLE.value, "amount": amount if grant else None}
                )
        elif result.status is Status.NEEDS_INFO and len(result.questions) == 1:
            tally.one_answer += 1
            proposals.append(
                common | {"kind": CandidateKind.ONE_ANSWER.value, "question": result.questions[0]}
            )
    if not proposals:
        return
    keys = {_key(org.id, p["measure_id"], p.get("project_name"), year): p for p in proposals}
    existing = {
        c.dedupe_key: c
        for c in session.scalars(select(Candidate).where(Candidate.dedupe_key.in_(list(keys))))
    }
    existing.update({k: c for k, c in tally.seen.items() if k in keys})
    for key, p in keys.items():
        values = {
            "project_name": None,
            "project_kind": None,
            "question": None,
            "amount": None,
            **p,
            "answers": found.answers,
        }
        old = existing.get(key)
        if old is None:
            candidate = Candidate(
                run_id=run.id,
                organisation_id=org.id,
                year=year,
                dedupe_key=key,
                status=CandidateStatus.PENDING.value,
                **values,
            )
            session.add(candidate)
            tally.seen[key] = candidate
            tally.new += 1
        elif (
            old.status == CandidateStatus.PENDING
            and old.kind == CandidateKind.ONE_ANSWER
            and p["kind"] == CandidateKind.ELIGIBLE
        ):
            for name, value in values.items():
                setattr(old, name, value)
            old.run_id, old.updated_at, old.version = run.id, utcnow(), old.version + 1
            tally.new += 1
        else:
            tally.already += 1


def _key(organisation_id: int, measure_id: str, project: str | None, year: int) -> str:
    return f"{organisation_id}|{measure_id}|{project or ''}|{year}"


# --- confirm or strike (batch) -----------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    candidate_id: int
    decision: Literal["confirm", "strike"]
    reason: str | None = None  # striking: why (required)
    amount: int | None = None  # confirming: the amount to request or grant (default: matched)
    project_name: str | None = None  # confirming: where the cap is per project and none matched


Outcome = Literal[
    "confirmed", "granted", "struck", "wrong_state", "forbidden", "not_found", "refused"
]
_OUTCOMES: dict[str, Outcome] = {
    "wrong_state": "wrong_state",
    "forbidden": "forbidden",
    "not_found": "not_found",
}


@dataclass(frozen=True)
class DecisionResult:
    candidate_id: int
    outcome: Outcome
    code: str | None = None  # refused: cap_exceeded, not_eligible, invalid_input, ...
    limit: str | None = None  # cap_exceeded: measure_cap, clause_allowance, budget, ...
    remaining: int | None = None
    detail: str | None = None
    application_id: int | None = None
    candidate: Candidate | None = field(default=None, compare=False)


def _on_behalf_of(principal: Principal, organisation_id: int) -> Principal:
    """The official pre-filling a draft for an organisation: the same user, able to take the
    applicant's steps for that one organisation only, so that the audit log and the
    application's history name the official acting for the organisation."""
    return Principal(
        user_id=principal.user_id,
        username=principal.username,
        language=principal.language,
        grants=frozenset({Grant(Role.ENTERPRISE_MEMBER, organisation_id=organisation_id)}),
    )


def _as_reviewer(session: Session, principal: Principal, candidate: Candidate) -> Organisation:
    org = session.get(Organisation, candidate.organisation_id)
    assert org is not None
    if not permissions.can_review(principal, district=org.district):
        raise Forbidden(f"only a reviewer of district {org.district} decides this candidate")
    return org


def decide(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    items: Sequence[Decision],
    today: dt.date,
    lang: Lang,
) -> list[DecisionResult]:
    """Confirm or strike many candidates at once; each item succeeds or fails on its own."""
    if not items:
        raise InvalidInput("an empty batch", [Problem("give at least one item", field="items")])
    ids = [i.candidate_id for i in items]
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "a batch names a candidate twice", [Problem("each candidate once", field="items")]
        )
    results = []
    for item in items:
        savepoint = session.begin_nested()
        try:
            if item.decision == "strike":
                candidate = strike(
                    session,
                    principal=principal,
                    candidate_id=item.candidate_id,
                    reason=item.reason or "",
                    today=today,
                )
                outcome: Outcome = "struck"
            else:
                candidate = confirm(
                    session,
                    principal=principal,
                    catalogue=catalogue,
                    candidate_id=item.candidate_id,
                    amount=item.amount,
                    project_name=item.project_name,
                    today=today,
                    lang=lang,
                )
                outcome = "granted" if candidate.status == CandidateStatus.GRANTED else "confirmed"
            savepoint.commit()
            results.append(
                DecisionResult(
                    item.candidate_id,
                    outcome,
                    application_id=candidate.application_id,
                    candidate=candidate,
                )
            )
        except FtzlinkError as error:
            savepoint.rollback()
            results.append(
                DecisionResult(
                    item.candidate_id,
                    _OUTCOMES.get(error.code, "refused"),
                    code=error.code,
                    limit=getattr(error, "limit", None),
                    remaining=getattr(error, "remaining", None),
                    detail=str(error),
                )
            )
    return results


def strike(
    session: Session, *, principal: Principal, candidate_id: int, reason: str, today: dt.date
) -> Candidate:
    candidate = get_candidate(
        session, principal=principal, candidate_id=candidate_id, on=today, lock=True
    )
    _as_reviewer(session, principal, candidate)
    status = workflow.step(Action.STRIKE, candidate.status)
    if not reason.strip():
        raise InvalidInput(
            "cannot strike the candidate", [Problem("say why it is struck", field="reason")]
        )
    before = candidate_snapshot(candidate)
    candidate.status, candidate.strike_reason = status.value, reason.strip()
    _decided(candidate, principal)
    append(
        session,
        actor=Actor(principal.user_id, principal.username, None),
        action="candidate.strike",
        object_type="match_candidate",
        object_id=candidate.id,
        before=before,
        after=candidate_snapshot(candidate),
        detail=reason.strip(),
    )
    return candidate


def _decided(candidate: Candidate, principal: Principal) -> None:
    candidate.decided_by, candidate.decided_at = principal.user_id, utcnow()
    candidate.updated_at, candidate.version = utcnow(), candidate.version + 1


def confirm(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    candidate_id: int,
    amount: int | None = None,
    project_name: str | None = None,
    today: dt.date,
    lang: Lang,
) -> Candidate:
    """Pre-fill the organisation's draft and notify it; for a measure granted without
    application, submit the draft for the organisation and approve it within caps and budget."""
    candidate = get_candidate(
        session, principal=principal, candidate_id=candidate_id, on=today, lock=True
    )
    org = _as_reviewer(session, principal, candidate)
    workflow.step(Action.CONFIRM, candidate.status)
    if candidate.kind != CandidateKind.ELIGIBLE:
        raise WrongState(
            action=Action.CONFIRM,
            state=candidate.status,
            allowed_from=list(workflow.WORKFLOW[Action.CONFIRM].sources),
            question=candidate.question or "",
        )
    policy, measure = applications.find_measure(catalogue, candidate.measure_id)
    action = Action.GRANT if measure.granted_without_application else Action.CONFIRM
    status = workflow.step(action, candidate.status)
    before = candidate_snapshot(candidate)
    grant = measure.kind is MeasureKind.GRANT
    amount = (amount if amount is not None else candidate.amount) if grant else None
    applicant = _on_behalf_of(principal, org.id)
    draft = applications.create_application(
        session,
        principal=applicant,
        catalogue=catalogue,
        organisation_id=org.id,
        measure_id=measure.id,
        project_name=project_name or candidate.project_name,
        project_kind=candidate.project_kind,
        requested_amount=amount,
        answers=dict(candidate.answers or {}),
        today=today,
    )
    candidate.application_id = draft.id
    if measure.granted_without_application:
        applications.submit(
            session,
            principal=applicant,
            catalogue=catalogue,
            application_id=draft.id,
            today=today,
            lang=lang,
        )
        applications.approve(
            session,
            principal=principal,
            catalogue=catalogue,
            application_id=draft.id,
            amount=amount,
            today=today,
        )
        kind = NotificationKind.GRANTED
    else:
        kind = NotificationKind.OFFER
    candidate.status = status.value
    if amount is not None:
        candidate.amount = amount
    _decided(candidate, principal)
    append(
        session,
        actor=Actor(principal.user_id, principal.username, None),
        action="candidate.grant" if kind is NotificationKind.GRANTED else "candidate.confirm",
        object_type="match_candidate",
        object_id=candidate.id,
        before=before,
        after=candidate_snapshot(candidate),
        detail=f"application {draft.reference}",
    )
    _notify(session, principal, candidate, org, policy, measure, draft, kind)
    return candidate


def _notify(
    session: Session,
    principal: Principal,
    candidate: Candidate,
    org: Organisation,
    policy: Policy,
    measure: Measure,
    draft: Application,
    kind: NotificationKind,
) -> Notification:
    # Plain strings, not a Text: a service measure has no amount, and a Text is never empty.
    money = {
        "zh": f"，金额 {format_yuan(candidate.amount, 'zh')}"
        if candidate.amount is not None
        else "",
        "en": f", {format_yuan(candidate.amount, 'en')}" if candidate.amount is not None else "",
    }
    if kind is NotificationKind.GRANTED:
        subject = Text(zh=f"免申即享：{measure.title.zh}", en=f"Granted: {measure.title.en}")
        body = Text(
            zh=f"{org.name}：经区审核，您单位无需申请即获{measure.title.zh}支持{money['zh']}"
            f"（申请编号 {draft.reference}）。",
            en=f"{org.name}: without an application, you were granted {measure.title.en}"
            f"{money['en']} (application {draft.reference}).",
        )
    else:
        subject = Text(zh=f"政策匹配：{measure.title.zh}", en=f"You qualify: {measure.title.en}")
        body = Text(
            zh=f"{org.name}：根据政府掌握的信息，您单位符合{measure.title.zh}的条件{money['zh']}。"
            f"已为您预填申请 {draft.reference}，确认同意后即提交。",
            en=f"{org.name}: from the data the government holds, you qualify for "
            f"{measure.title.en}{money['en']}. Application {draft.reference} is pre-filled for you; "
            "consent and it is submitted.",
        )
    note = Notification(
        organisation_id=org.id,
        candidate_id=candidate.id,
        application_id=draft.id,
        kind=kind.value,
        subject=subject.model_dump(),
        body=body.model_dump(),
    )
    session.add(note)
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username, org.id),
        action="notification.create",
        object_type="notification",
        object_id=note.id,
        after={"kind": note.kind, "organisation_id": org.id, "candidate_id": candidate.id},
    )
    return note


# --- the enterprise's answer -------------------------------------------------------------------


def _offered(
    session: Session, principal: Principal, candidate_id: int, today: dt.date, action: Action
) -> Candidate:
    candidate = get_candidate(
        session, principal=principal, candidate_id=candidate_id, on=today, lock=True
    )
    workflow.step(action, candidate.status)
    assert candidate.application_id is not None
    return candidate


def _answered(
    session: Session,
    principal: Principal,
    candidate: Candidate,
    before: dict[str, Any],
    action: Action,
) -> None:
    candidate.status = workflow.step(action, candidate.status).value
    candidate.updated_at, candidate.version = utcnow(), candidate.version + 1
    append(
        session,
        actor=Actor(principal.user_id, principal.username, candidate.organisation_id),
        action=f"candidate.{action}",
        object_type="match_candidate",
        object_id=candidate.id,
        before=before,
        after=candidate_snapshot(candidate),
    )


def consent(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    candidate_id: int,
    today: dt.date,
    lang: Lang,
) -> Candidate:
    """The enterprise consents: its pre-filled draft is submitted through the normal workflow,
    re-checked by the engine as of today."""
    candidate = _offered(session, principal, candidate_id, today, Action.CONSENT)
    before = candidate_snapshot(candidate)
    assert candidate.application_id is not None
    applications.submit(
        session,
        principal=principal,
        catalogue=catalogue,
        application_id=candidate.application_id,
        today=today,
        lang=lang,
    )
    _answered(session, principal, candidate, before, Action.CONSENT)
    return candidate


def decline(
    session: Session, *, principal: Principal, candidate_id: int, today: dt.date
) -> Candidate:
    """The enterprise declines: the pre-filled draft is withdrawn; nothing is granted."""
    candidate = _offered(session, principal, candidate_id, today, Action.DECLINE)
    before = candidate_snapshot(candidate)
    assert candidate.application_id is not None
    applications.withdraw(
        session, principal=principal, application_id=candidate.application_id, today=today
    )
    _answered(session, principal, candidate, before, Action.DECLINE)
    return candidate


# --- notifications -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A notification as a sink sends it."""

    id: int
    organisation_id: int
    organisation_name: str
    uscc: str
    kind: str
    subject: Mapping[str, str]
    body: Mapping[str, str]
    application_reference: str | None
    created_at: dt.datetime


class Sink(Protocol):
    """Where notifications go: a file, the console, or (not built in) e-mail or SMS."""

    name: str

    def send(self, message: Message) -> None: ...


def list_notifications(
    session: Session,
    *,
    principal: Principal,
    on: dt.date,
    unsent: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Notification], int]:
    """Members see their organisation's; officials their districts'; admins and auditors all."""
    query = select(Notification).join(Organisation, Organisation.id == Notification.organisation_id)
    if not permissions.reads_everything(principal):
        own = set(principal.member_of()) | set(delegations_to(session, principal, on=on))
        clauses: list[ColumnElement[bool]] = [Notification.organisation_id.in_(own)]
        if districts := _officials(principal):
            clauses.append(Organisation.district.in_(districts))
        query = query.where(or_(false(), *clauses))
    if unsent:
        query = query.where(Notification.sent_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Notification.id).offset(offset).limit(limit))
    return list(rows), total


def message_of(session: Session, note: Notification) -> Message:
    org = session.get(Organisation, note.organisation_id)
    assert org is not None
    app = session.get(Application, note.application_id) if note.application_id else None
    return Message(
        id=note.id,
        organisation_id=org.id,
        organisation_name=org.name,
        uscc=org.uscc,
        kind=note.kind,
        subject=note.subject,
        body=note.body,
        application_reference=app.reference if app else None,
        created_at=note.created_at,
    )


def deliver(
    session: Session, *, actor: Actor, sink: Sink, limit: int | None = None
) -> list[Notification]:
    """Send the notifications not yet sent, oldest first, and mark them sent. Idempotent: what
    was sent is not sent again. A message is handed to the sink before the transaction commits,
    so a crash in between may send it twice (at least once); receivers dedupe by its id."""
    query = (
        select(Notification)
        .where(Notification.sent_at.is_(None))
        .order_by(Notification.id)
        .with_for_update()
    )
    if limit is not None:
        query = query.limit(limit)
    sent = []
    for note in session.scalars(query):
        try:
            sink.send(message_of(session, note))
        except Exception:
            metrics.OUTBOX_FAILURES.labels(sink.name).inc()
            raise
        metrics.OUTBOX_DELIVERED.labels(sink.name).inc()
        note.sent_at, note.channel = utcnow(), sink.name
        append(
            session,
            actor=actor,
            action="notification.send",
            object_type="notification",
            object_id=note.id,
            after={"sent_at": note.sent_at, "channel": note.channel},
        )
        sent.append(note)
    return sent


def deliver_as(
    session: Session, *, principal: Principal, sink: Sink, limit: int | None = None
) -> list[Notification]:
    """`deliver` for a signed-in operator: a platform admin."""
    if not principal.is_platform_admin:
        raise Forbidden("only a platform admin delivers notifications")
    return deliver(
        session, actor=Actor(principal.user_id, principal.username, None), sink=sink, limit=limit
    )


def organisations_of(session: Session, ids: Iterable[int]) -> dict[int, Organisation]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))
    }
