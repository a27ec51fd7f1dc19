"""免申即享, the service: who sees which runs and candidates, and what the steps share. The steps
live beside it: `runs` (match runs), `decisions` (the officials' confirm-or-strike batch, grants
made directly, the enterprise's consent or refusal) and `outbox` (notifications).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from ftzlink.applications.permissions import official_districts
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Catalogue, PeriodKind
from ftzlink.errors import (
    NotFound,
)
from ftzlink.organisations.service import delegations_to, organisations_of
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive import permissions as proactive_permissions
from ftzlink.proactive.tables import (
    Candidate,
    MatchRun,
)
from ftzlink.proactive.workflow import WrongState

__all__ = [
    "UNLINKED_LISTED",
    "WrongState",
    "candidate_snapshot",
    "catalogue_sha256",
    "file_sha256",
    "get_candidate",
    "get_run",
    "list_candidates",
    "list_runs",
    "organisations_of",
    "run_snapshot",
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


def _visible_candidates(session: Session, principal: Principal, on: dt.date) -> Select[Candidate]:
    """Officials see their districts' candidates; an enterprise (or its headquarters under a
    delegation) sees its own once an official confirmed them: pending and struck ones are the
    officials' working papers."""
    query = select(Candidate).join(Organisation, Organisation.id == Candidate.organisation_id)
    if permissions.reads_everything(principal):
        return query
    offered = Candidate.status.in_(proactive_permissions.OFFERED)
    own = set(principal.member_of()) | set(delegations_to(session, principal, on=on))
    clauses: list[ColumnElement[bool]] = [Candidate.organisation_id.in_(own) & offered]
    if districts := official_districts(principal):
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
