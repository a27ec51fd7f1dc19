"""Whether work may start under a measure today, and which states a reviewer acts on: asked by the
service before it changes anything and by pages before they show a form."""

from __future__ import annotations

import datetime as dt

from ftzlink.applications.workflow import WORKFLOW, Action
from ftzlink.catalogue.models import Catalogue, Measure, MeasureKind, PeriodKind, Policy
from ftzlink.errors import MeasureNotInForce, NotFound, Problem

__all__ = [
    "check_request",
    "find_measure",
    "needs_action_states",
    "not_in_force",
    "require_in_force",
]


def find_measure(catalogue: Catalogue, measure_id: str) -> tuple[Policy, Measure]:
    for policy, measure in catalogue.measures():
        if measure.id == measure_id:
            return policy, measure
    raise NotFound(f"no measure {measure_id!r} in the catalogue")


def not_in_force(policy: Policy, measure: Measure, *, on: dt.date) -> MeasureNotInForce | None:
    """Why nothing may be started under the measure on `on` (ended or not begun), or None.

    Pages ask this before showing a form, so that the refusal comes before the work."""
    period = policy.validity_of(measure)
    state = period.status_on(on)
    if state == "in_force":
        return None
    return MeasureNotInForce(
        measure_id=measure.id, state=state, on=on, start=period.start, end=period.end
    )


def require_in_force(policy: Policy, measure: Measure, *, on: dt.date) -> None:
    """Refuse work under a measure that has ended or not begun on `on`, naming its dates."""
    refusal = not_in_force(policy, measure, on=on)
    if refusal is not None:
        raise refusal


def needs_action_states() -> tuple[str, ...]:
    """The states a reviewer acts on (from the declared workflow): the queue's default."""
    return tuple(WORKFLOW[Action.APPROVE].sources)


def check_request(
    measure: Measure, *, requested_amount: int | None, project_name: str | None
) -> list[Problem]:
    """What a measure asks of a request: an amount for a grant, none for a service, a named
    project or person where the cap counts per project or person."""
    problems = []
    if measure.kind is MeasureKind.GRANT and requested_amount is None:
        problems.append(
            Problem(
                "a grant measure needs the amount requested (integer yuan)",
                field="requested_amount",
            )
        )
    if measure.kind is MeasureKind.SERVICE and requested_amount is not None:
        problems.append(
            Problem(
                "a service measure pays no money; leave out requested_amount",
                field="requested_amount",
            )
        )
    if (
        measure.cap is not None
        and measure.cap.period
        in (PeriodKind.PER_PROJECT, PeriodKind.PER_PROJECT_PER_YEAR, PeriodKind.PER_PERSON)
        and not project_name
    ):
        what = "person or team" if measure.cap.period is PeriodKind.PER_PERSON else "project"
        problems.append(
            Problem(f"the measure's cap is per {what}: name the {what}", field="project_name")
        )
    return problems
