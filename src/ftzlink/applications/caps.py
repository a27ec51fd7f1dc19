"""The limits an approval must fit under, and how much of each is left.

Three limits, checked together while holding their rows:
- the measure's cap for its period (per year, per project, per project and year, one-time,
  per person), counted over all of the organisation's grants under that measure;
- the organisation's annual allowance for the clause, counted across every measure of the clause:
  the district's own figure if a budget officer set one, else the clause's annual cap where the
  source states one (a `per_year` cap), else none;
- the measure's budget for the year, which must have been set before anything is approved.

The year of an application is the year it was submitted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.applications.tables import Budget, CapUsage, ClauseAllowance
from ftzlink.catalogue.models import Catalogue, Measure, PeriodKind, Policy
from ftzlink.errors import CapExceeded, InvalidInput, Problem
from ftzlink.money import format_yuan

__all__ = ["Limit", "LimitKind", "clause_of", "consume", "limits"]

LimitKind = Literal["measure_cap", "clause_allowance", "budget"]


@dataclass(frozen=True)
class Limit:
    kind: LimitKind
    key: str
    amount: int | None  # None: no budget has been set (nothing can be approved)
    used: int
    basis: str  # where the figure comes from, in words

    @property
    def remaining(self) -> int:
        return 0 if self.amount is None else max(self.amount - self.used, 0)


def clause_of(policy: Policy, measure: Measure) -> str:
    """What allowances are counted over: the policy and the clause as the source numbers it."""
    return f"{policy.id}:{measure.citation.clause or measure.id}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _bucket(measure: Measure, *, year: int, project: str | None) -> str | None:
    assert measure.cap is not None
    period = measure.cap.period
    if period in (PeriodKind.PER_PROJECT, PeriodKind.PER_PROJECT_PER_YEAR, PeriodKind.PER_PERSON):
        if not project:
            return None
        subject = _digest(project)
        return f"{subject}:{year}" if period is PeriodKind.PER_PROJECT_PER_YEAR else subject
    if period is PeriodKind.PER_YEAR:
        return str(year)
    return "once"


def _usage(session: Session, key: str, *, lock: bool) -> int:
    query = select(CapUsage.used).where(CapUsage.key == key)
    used = session.scalar(query.with_for_update() if lock else query)
    return used or 0


def limits(
    session: Session,
    catalogue: Catalogue,
    *,
    organisation_id: int,
    policy: Policy,
    measure: Measure,
    year: int,
    project: str | None,
    lock: bool = False,
) -> list[Limit]:
    """Every limit that applies to a grant under `measure` for the organisation in `year`."""
    found: list[Limit] = []
    if measure.cap is not None:
        bucket = _bucket(measure, year=year, project=project)
        if bucket is not None:
            key = f"cap:{organisation_id}:{measure.id}:{bucket}"
            found.append(
                Limit(
                    "measure_cap",
                    key,
                    measure.cap.amount,
                    _usage(session, key, lock=lock),
                    f"{measure.citation} cap {measure.cap.period.value}",
                )
            )
    clause = clause_of(policy, measure)
    district_figure = session.scalar(
        select(ClauseAllowance.amount).where(
            ClauseAllowance.clause == clause, ClauseAllowance.year == year
        )
    )
    amount: int | None
    if district_figure is not None:
        amount, basis = district_figure, f"district allowance for {clause} in {year}"
    else:
        annual = [
            m.cap.amount
            for m in policy.measures
            if m.cap is not None
            and m.cap.period is PeriodKind.PER_YEAR
            and clause_of(policy, m) == clause
        ]
        amount = min(annual) if annual else None
        basis = f"annual cap of {clause} per organisation"
    if amount is not None:
        key = f"allowance:{organisation_id}:{clause}:{year}"
        found.append(Limit("clause_allowance", key, amount, _usage(session, key, lock=lock), basis))
    query = select(Budget).where(Budget.measure_id == measure.id, Budget.year == year)
    budget = session.scalar(query.with_for_update() if lock else query)
    found.append(
        Limit(
            "budget",
            f"budget:{measure.id}:{year}",
            budget.amount if budget else None,
            budget.granted if budget else 0,
            f"budget of {measure.id} for {year}",
        )
    )
    return sorted(found, key=lambda limit: limit.key)


_WORDS: dict[LimitKind, str] = {
    "measure_cap": "the measure's cap",
    "clause_allowance": "the organisation's allowance for the clause this year",
    "budget": "the measure's budget",
}


def consume(
    session: Session,
    catalogue: Catalogue,
    *,
    organisation_id: int,
    policy: Policy,
    measure: Measure,
    year: int,
    project: str | None,
    amount: int,
) -> list[Limit]:
    """Take `amount` from every limit, or raise CapExceeded naming the first that cannot give it.

    Must run in a write transaction (which serializes approvals); the rows are also locked and
    the database's own checks refuse any total past its limit.
    """
    if (
        measure.cap is not None
        and measure.cap.period
        in (PeriodKind.PER_PROJECT, PeriodKind.PER_PROJECT_PER_YEAR, PeriodKind.PER_PERSON)
        and not project
    ):
        raise InvalidInput(
            "cannot approve",
            [
                Problem(
                    "the measure's cap is per project or person; the application names none",
                    field="project_name",
                )
            ],
        )
    found = limits(
        session,
        catalogue,
        organisation_id=organisation_id,
        policy=policy,
        measure=measure,
        year=year,
        project=project,
        lock=True,
    )
    for limit in found:
        if limit.amount is None:
            raise CapExceeded(
                limit="no_budget",
                requested=amount,
                remaining=0,
                detail=f"no budget is set for {measure.id} in {year}; a budget officer sets it first",
            )
        if amount > limit.remaining:
            raise CapExceeded(
                limit=limit.kind,
                requested=amount,
                remaining=limit.remaining,
                detail=f"{format_yuan(amount, 'en')} is more than what is left of {_WORDS[limit.kind]}: {format_yuan(limit.remaining, 'en')} ({limit.basis})",
            )
    if amount == 0:
        return found
    for limit in found:
        if limit.kind == "budget":
            budget = session.scalar(
                select(Budget).where(Budget.measure_id == measure.id, Budget.year == year)
            )
            assert budget is not None
            budget.granted += amount
            continue
        assert limit.amount is not None
        row = session.get(CapUsage, limit.key)
        if row is None:
            row = CapUsage(
                key=limit.key, organisation_id=organisation_id, limit_amount=limit.amount, used=0
            )
            session.add(row)
        row.limit_amount = limit.amount  # checked above: used + amount fits
        row.used += amount
    session.flush()
    return found
