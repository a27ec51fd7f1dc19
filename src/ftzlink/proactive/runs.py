"""免申即享 match runs: evaluate the catalogue over the platform's organisations and/or a registry
file, record the run and propose each candidate at most once a year (see `proactive.service`)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink import __version__
from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Catalogue, Measure, MeasureKind, Policy
from ftzlink.db import utcnow
from ftzlink.errors import (
    Forbidden,
    InvalidInput,
    Problem,
)
from ftzlink.ops import metrics
from ftzlink.organisations.service import enterprise_profile
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive import permissions as proactive_permissions
from ftzlink.proactive.service import (
    _NOT_ANSWERS,
    _PER_PROJECT,
    UNLINKED_LISTED,
    _clean,
    catalogue_sha256,
    file_sha256,
    run_snapshot,
)
from ftzlink.proactive.tables import (
    Candidate,
    CandidateKind,
    CandidateStatus,
    MatchRun,
    RunSource,
)
from ftzlink.rules.determinations import Status

__all__ = ["run_match"]


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
    if not proactive_permissions.can_run_match(principal):
        raise Forbidden(
            "only a reviewer (over the districts they review) or a platform admin runs a match"
        )
    return proactive_permissions.match_scope(principal)


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
