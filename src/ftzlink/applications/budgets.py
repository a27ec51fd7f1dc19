"""Budgets per measure per year, and district allowances per clause, set by budget officers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.applications.caps import clause_of
from ftzlink.applications.service import find_measure
from ftzlink.applications.tables import Budget, ClauseAllowance
from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue, MeasureKind, Policy
from ftzlink.db import utcnow
from ftzlink.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem

__all__ = ["list_budgets", "measure_districts", "set_budget", "set_clause_allowance"]


def measure_districts(catalogue: Catalogue, policy: Policy) -> set[str]:
    """The districts whose officials fund a policy: those of the zones it applies in."""
    return {z.district for zid in policy.zones if (z := catalogue.zone(zid)) and z.district}


def _budget_snapshot(b: Budget) -> dict[str, Any]:
    return {"measure_id": b.measure_id, "year": b.year, "amount": b.amount, "granted": b.granted}


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise InvalidInput(
            "cannot set the budget", [Problem("a year between 2000 and 2100", field="year")]
        )


def set_budget(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    measure_id: str,
    year: int,
    amount: int,
) -> Budget:
    """Set (or change) a measure's budget for a year; never below what is already granted."""
    policy, measure = find_measure(catalogue, measure_id)
    if not permissions.can_set_budget(principal, districts=measure_districts(catalogue, policy)):
        raise Forbidden(
            f"only a budget officer of the policy's district sets the budget of {measure_id}"
        )
    if measure.kind is not MeasureKind.GRANT:
        raise InvalidInput(
            "cannot set the budget",
            [Problem(f"{measure_id} is a service measure; it pays no money", field="measure_id")],
        )
    _check_year(year)
    if amount < 0:
        raise InvalidInput(
            "cannot set the budget", [Problem("0 or more integer yuan", field="amount")]
        )
    budget = session.scalar(
        select(Budget).where(Budget.measure_id == measure_id, Budget.year == year).with_for_update()
    )
    before = _budget_snapshot(budget) if budget else None
    if budget is None:
        budget = Budget(
            measure_id=measure_id, year=year, amount=amount, granted=0, updated_by=principal.user_id
        )
        session.add(budget)
    else:
        if amount < budget.granted:
            raise Conflict(
                f"{amount} yuan is less than the {budget.granted} yuan already granted from this budget"
            )
        budget.amount, budget.updated_by, budget.updated_at = amount, principal.user_id, utcnow()
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username),
        action="budget.set",
        object_type="budget",
        object_id=f"{measure_id}:{year}",
        before=before,
        after=_budget_snapshot(budget),
    )
    return budget


def list_budgets(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    year: int | None = None,
    measure_id: str | None = None,
) -> list[Budget]:
    """Budgets officials and auditors may see; enterprises see none (a budget is not theirs)."""
    officials = principal.districts(Role.BUDGET_OFFICER) | principal.districts(Role.REVIEWER)
    if not (permissions.reads_everything(principal) or officials):
        return []
    query = select(Budget).order_by(Budget.measure_id, Budget.year)
    if year is not None:
        query = query.where(Budget.year == year)
    if measure_id is not None:
        query = query.where(Budget.measure_id == measure_id)
    rows = list(session.scalars(query))
    if permissions.reads_everything(principal):
        return rows
    return [
        b
        for b in rows
        if measure_districts(catalogue, find_measure(catalogue, b.measure_id)[0]) & officials
    ]


def get_budget(
    session: Session, *, principal: Principal, catalogue: Catalogue, measure_id: str, year: int
) -> Budget:
    for b in list_budgets(
        session, principal=principal, catalogue=catalogue, year=year, measure_id=measure_id
    ):
        return b
    raise NotFound(f"no budget for {measure_id} in {year}")


def set_clause_allowance(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    measure_id: str,
    year: int,
    amount: int,
) -> ClauseAllowance:
    """The district's annual ceiling per organisation for the clause of `measure_id`."""
    policy, measure = find_measure(catalogue, measure_id)
    if not permissions.can_set_budget(principal, districts=measure_districts(catalogue, policy)):
        raise Forbidden("only a budget officer of the policy's district sets allowances")
    _check_year(year)
    if amount < 0:
        raise InvalidInput(
            "cannot set the allowance", [Problem("0 or more integer yuan", field="amount")]
        )
    clause = clause_of(policy, measure)
    row = session.scalar(
        select(ClauseAllowance).where(
            ClauseAllowance.clause == clause, ClauseAllowance.year == year
        )
    )
    before = {"amount": row.amount} if row else None
    if row is None:
        row = ClauseAllowance(clause=clause, year=year, amount=amount, updated_by=principal.user_id)
        session.add(row)
    else:
        row.amount, row.updated_by, row.updated_at = amount, principal.user_id, utcnow()
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username),
        action="allowance.set",
        object_type="clause_allowance",
        object_id=f"{clause}:{year}",
        before=before,
        after={"clause": clause, "year": year, "amount": amount},
    )
    return row
