"""Routes: the catalogue (zones, policies, measures) and the eligibility check. Public."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import Field

from ftzlink.api.deps import Public
from ftzlink.api.schemas import Day, SafeText, Strict
from ftzlink.catalogue.zones import find_zones
from ftzlink.errors import NotFound
from ftzlink.profiles.loader import checked_profile
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.reports import (
    CheckReport,
    MeasureReport,
    PolicyReport,
    ZoneReport,
    ZonesReport,
    check_report,
    policies_report,
    zones_report,
)
from ftzlink.rules.evaluate import evaluate

router = APIRouter(tags=["catalogue"])

AsOf = Annotated[Day | None, Query(description="the day to evaluate on; default today")]


@router.get("/zones", response_model=ZonesReport)
def list_zones(
    ctx: Public, find: Annotated[SafeText | None, Query(max_length=100)] = None
) -> ZonesReport:
    """Zones, or those whose names, aliases or sub-areas match `find` (Chinese or English)."""
    matches = find_zones(ctx.catalogue, find) if find else None
    return zones_report(ctx.catalogue, matches, find)


@router.get("/zones/{zone_id}", response_model=ZoneReport)
def get_zone(ctx: Public, zone_id: str) -> ZoneReport:
    for zone in zones_report(ctx.catalogue, None, None).zones:
        if zone.id == zone_id:
            return zone
    raise NotFound(f"no zone {zone_id!r}")


@router.get("/policies", response_model=list[PolicyReport])
def list_policies(ctx: Public, as_of: AsOf = None) -> list[PolicyReport]:
    return policies_report(ctx.catalogue.policies, as_of or ctx.today).policies


@router.get("/policies/{policy_id}", response_model=PolicyReport)
def get_policy(ctx: Public, policy_id: str, as_of: AsOf = None) -> PolicyReport:
    policy = ctx.catalogue.policy(policy_id)
    if policy is None:
        raise NotFound(f"no policy {policy_id!r}")
    return policies_report([policy], as_of or ctx.today).policies[0]


class MeasureOut(MeasureReport):
    policy_id: str


def _measures(ctx: Public, as_of: dt.date) -> list[MeasureOut]:
    return [
        MeasureOut(policy_id=p.id, **m.model_dump())
        for p in policies_report(ctx.catalogue.policies, as_of).policies
        for m in p.measures
    ]


@router.get("/measures", response_model=list[MeasureOut])
def list_measures(
    ctx: Public,
    as_of: AsOf = None,
    policy_id: Annotated[str | None, Query(max_length=80)] = None,
    kind: Annotated[str | None, Query(pattern="^(grant|service)$")] = None,
) -> list[MeasureOut]:
    found = _measures(ctx, as_of or ctx.today)
    return [
        m
        for m in found
        if (policy_id is None or m.policy_id == policy_id) and (kind is None or m.kind == kind)
    ]


@router.get("/measures/{measure_id}", response_model=MeasureOut)
def get_measure(ctx: Public, measure_id: str, as_of: AsOf = None) -> MeasureOut:
    for m in _measures(ctx, as_of or ctx.today):
        if m.id == measure_id:
            return m
    raise NotFound(f"no measure {measure_id!r}")


class CheckRequest(Strict):
    profile: EnterpriseProfile = Field(
        description="an enterprise profile (see `ftzlink schema profile`)"
    )
    as_of: Day | None = Field(default=None, description="default today")


@router.post("/check", response_model=CheckReport)
async def check(ctx: Public, request: CheckRequest) -> Response:
    """Every measure's determination for the profile: status, maximum amount, conditions, questions."""
    # On the event loop (the engine takes about a millisecond, less than handing it to a
    # thread), and encoded once, straight from the report: FastAPI would otherwise check the
    # report against `CheckReport` again and convert it twice on the way out.
    profile = checked_profile(request.profile, ctx.catalogue)
    day = request.as_of or ctx.today
    report = check_report(profile, day, evaluate(ctx.catalogue, profile, day))
    return Response(report.model_dump_json().encode(), media_type="application/json")
