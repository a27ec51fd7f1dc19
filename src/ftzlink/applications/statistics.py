"""Statistics of submitted applications for officials: counts and amounts by zone, measure, status
and month of submission, over a period, limited to what the reader may see (their districts; a
platform admin sees every district). Drafts are not counted: nothing has been asked for yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.applications.tables import Application, State
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import Forbidden, InvalidInput
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Text

__all__ = [
    "Dimension",
    "Statistics",
    "Submitted",
    "Tally",
    "districts_in_view",
    "statistics",
    "submitted_applications",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The order statuses are shown in: as far as the workflow got.
STATUS_ORDER = tuple(s.value for s in State if s is not State.DRAFT)


@dataclass(frozen=True)
class Submitted:
    """One submitted application as the statistics see it."""

    id: int
    reference: str
    organisation: str
    district: str | None
    district_label: Text | None
    zone: str | None
    zone_label: Text | None
    measure_id: str
    measure_label: Text | None
    status: str
    requested_amount: int | None
    approved_amount: int | None
    submitted_on: dt.date
    decided_on: dt.date | None  # the day in Shanghai


@dataclass(frozen=True)
class Tally:
    """Applications sharing one value of a dimension, and what they asked for and were given."""

    key: str
    label: Text | None  # a catalogue label; None where the key is its own name (status, month)
    applications: int
    requested: int  # yuan
    approved: int  # yuan
    approved_applications: int


Dimension = str  # "zone" | "measure" | "status" | "month"
DIMENSIONS: tuple[Dimension, ...] = ("zone", "measure", "status", "month")


@dataclass(frozen=True)
class Statistics:
    start: dt.date | None
    end: dt.date | None
    districts: frozenset[str] | None  # None: every district
    applications: list[Submitted]

    @property
    def total(self) -> int:
        return len(self.applications)

    @property
    def approved(self) -> int:
        return sum(a.approved_amount or 0 for a in self.applications)

    @property
    def requested(self) -> int:
        return sum(a.requested_amount or 0 for a in self.applications)

    def by(self, dimension: Dimension) -> list[Tally]:
        """Tallies of one dimension: zones and measures by count (most first), statuses in
        workflow order, months in calendar order with the empty months between included."""
        if dimension == "zone":
            return _by_count(self.applications, lambda a: (a.zone or "", a.zone_label))
        if dimension == "measure":
            return _by_count(self.applications, lambda a: (a.measure_id, a.measure_label))
        if dimension == "status":
            tallies = {t.key: t for t in _tally(self.applications, lambda a: (a.status, None))}
            return [tallies[s] for s in STATUS_ORDER if s in tallies]
        if dimension == "month":
            tallies = {
                t.key: t
                for t in _tally(
                    self.applications, lambda a: (a.submitted_on.strftime("%Y-%m"), None)
                )
            }
            return [tallies.get(m) or Tally(m, None, 0, 0, 0, 0) for m in _months(tallies)]
        raise InvalidInput(f"no statistics by {dimension!r}")


def _tally(
    applications: Iterable[Submitted], key: Callable[[Submitted], tuple[str, Text | None]]
) -> list[Tally]:
    groups: dict[str, list[Submitted]] = {}
    labels: dict[str, Text | None] = {}
    for app in applications:
        k, label = key(app)
        groups.setdefault(k, []).append(app)
        labels[k] = label
    return [
        Tally(
            key=k,
            label=labels[k],
            applications=len(apps),
            requested=sum(a.requested_amount or 0 for a in apps),
            approved=sum(a.approved_amount or 0 for a in apps),
            approved_applications=sum(1 for a in apps if a.status == State.APPROVED.value),
        )
        for k, apps in groups.items()
    ]


def _by_count(
    applications: Iterable[Submitted], key: Callable[[Submitted], tuple[str, Text | None]]
) -> list[Tally]:
    return sorted(_tally(applications, key), key=lambda t: (-t.applications, -t.approved, t.key))


def _months(keys: Iterable[str]) -> list[str]:
    present = sorted(keys)
    if not present:
        return []
    year, month = map(int, present[0].split("-"))
    last = present[-1]
    months = []
    while True:
        current = f"{year:04d}-{month:02d}"
        months.append(current)
        if current >= last:
            return months
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def districts_in_view(principal: Principal) -> frozenset[str] | None:
    """The districts whose applications the principal may count (None: all of them)."""
    if principal.is_platform_admin:
        return None
    districts = principal.districts(Role.REVIEWER) | principal.districts(Role.BUDGET_OFFICER)
    if not districts:
        raise Forbidden("statistics are for the officials of a district and platform admins")
    return frozenset(districts)


def _labels(catalogue: Catalogue) -> tuple[dict[str, Text], dict[str, Text], dict[str, Text]]:
    zones = {z.id: z.name for z in catalogue.zones}
    districts = {t.id: t.label for t in catalogue.terms("districts")}
    measures = {m.id: m.title for _p, m in catalogue.measures()}
    return zones, districts, measures


def submitted_applications(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[Submitted]:
    """Applications submitted from `start` to `end` (both included; None: open), in the
    principal's districts, oldest first."""
    if start is not None and end is not None and end < start:
        raise InvalidInput("the period ends before it starts")
    districts = districts_in_view(principal)
    query = (
        select(Application, Organisation)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.status != State.DRAFT.value, Application.submitted_on.is_not(None))
    )
    if districts is not None:
        query = query.where(Organisation.district.in_(sorted(districts)))
    if start is not None:
        query = query.where(Application.submitted_on >= start)
    if end is not None:
        query = query.where(Application.submitted_on <= end)
    query = query.order_by(Application.submitted_on, Application.id)
    zones, district_names, measures = _labels(catalogue)
    found = []
    for app, org in session.execute(query):
        assert app.submitted_on is not None
        decided = app.decided_at
        found.append(
            Submitted(
                id=app.id,
                reference=app.reference,
                organisation=org.name,
                district=org.district,
                district_label=district_names.get(org.district or ""),
                zone=org.zone,
                zone_label=zones.get(org.zone or ""),
                measure_id=app.measure_id,
                measure_label=measures.get(app.measure_id),
                status=app.status,
                requested_amount=app.requested_amount,
                approved_amount=app.approved_amount,
                submitted_on=app.submitted_on,
                decided_on=decided.astimezone(SHANGHAI).date() if decided else None,
            )
        )
    return found


def statistics(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Statistics:
    """What the principal may see of the applications submitted in the period, to tally."""
    applications = submitted_applications(
        session, principal=principal, catalogue=catalogue, start=start, end=end
    )
    return Statistics(
        start=start, end=end, districts=districts_in_view(principal), applications=applications
    )
