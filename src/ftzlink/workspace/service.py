"""Everything an enterprise's workspace shows, gathered from the domains in one call.

The page only renders: which application is a to-do, which draft's measure has ended, which step
of 受理 → 审核 → 办结 an application has reached, and which measures the organisation's own
stored profile qualifies for are all decided here, by the domains' own functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ftzlink.applications import permissions as application_rules
from ftzlink.applications import service as applications
from ftzlink.applications.tables import Application, State
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import MeasureNotInForce, NotFound
from ftzlink.organisations import service as organisations
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive import service as proactive
from ftzlink.proactive.tables import Candidate, CandidateStatus
from ftzlink.rules.determinations import Determination, Status
from ftzlink.rules.evaluate import evaluate
from ftzlink.text import Text

__all__ = [
    "Identity",
    "Progress",
    "Step",
    "Workspace",
    "enterprise_workspace",
    "identity",
    "landing",
    "progress_of",
]

# The steps a person sees, whatever the workflow's finer states: 受理 → 审核 → 办结.
STEPS = ("submitted", "under_review", "decided")
_DECIDED = {State.APPROVED.value, State.REJECTED.value, State.WITHDRAWN.value}


@dataclass(frozen=True)
class Step:
    key: str  # one of STEPS
    done: bool
    current: bool
    on: dt.date | None = None  # the day it was reached, where known


@dataclass(frozen=True)
class Progress:
    steps: tuple[Step, ...]


def progress_of(app: Application) -> Progress | None:
    """Where a submitted application stands on 受理 → 审核 → 办结 (None for a draft)."""
    if app.status == State.DRAFT.value:
        return None
    decided = app.status in _DECIDED
    reviewing = not decided  # submitted, returned or resubmitted: with the reviewer or back
    return Progress(
        (
            Step("submitted", True, False, app.submitted_on),
            Step("under_review", decided, reviewing),
            Step("decided", decided, decided),
        )
    )


@dataclass(frozen=True)
class DraftItem:
    application: Application
    closed: MeasureNotInForce | None  # the measure has ended or not begun: flagged, not editable


@dataclass(frozen=True)
class ApplicationItem:
    application: Application
    progress: Progress | None


@dataclass
class Workspace:
    organisations: list[Organisation]
    returned: list[Application] = field(default_factory=list)  # to-dos: answer the reviewer
    offers: list[Candidate] = field(default_factory=list)  # to-dos: consent or decline
    drafts: list[DraftItem] = field(default_factory=list)
    applications: list[ApplicationItem] = field(default_factory=list)
    eligible: list[Determination] = field(default_factory=list)  # policies for my company
    one_answer_away: list[Determination] = field(default_factory=list)

    @property
    def todo_count(self) -> int:
        return len(self.returned) + len(self.offers)


def _policies_for(
    catalogue: Catalogue, orgs: list[Organisation], today: dt.date
) -> tuple[list[Determination], list[Determination]]:
    """The engine over each organisation's stored profile: eligible now, and one answer away."""
    eligible: dict[str, Determination] = {}
    close: dict[str, Determination] = {}
    for org in orgs:
        for d in evaluate(catalogue, organisations.enterprise_profile(org, catalogue), today):
            if d.status is Status.ELIGIBLE:
                eligible.setdefault(d.measure_id, d)
            elif d.status is Status.NEEDS_INFO and len(d.questions) == 1:
                close.setdefault(d.measure_id, d)
    return list(eligible.values()), [d for m, d in close.items() if m not in eligible]


def enterprise_workspace(
    session: Session, *, principal: Principal, catalogue: Catalogue, today: dt.date
) -> Workspace:
    """The enterprise's to-dos, drafts, applications and the measures its profile qualifies for."""
    orgs = [
        organisations.get_organisation(session, principal=principal, organisation_id=i, on=today)
        for i in sorted(principal.member_of())
    ]
    space = Workspace(orgs)
    own = {o.id for o in orgs}
    rows, _ = applications.list_applications(session, principal=principal, on=today, limit=500)
    for app in rows:
        if app.organisation_id not in own:
            continue
        if application_rules.can_answer_return(app):
            space.returned.append(app)
        if application_rules.can_edit_draft(app):
            try:
                policy, measure = applications.find_measure(catalogue, app.measure_id)
                closed = applications.not_in_force(policy, measure, on=today)
            except NotFound:
                closed = None
            space.drafts.append(DraftItem(app, closed))
        else:
            space.applications.append(ApplicationItem(app, progress_of(app)))
    for org_id in sorted(own):
        offers, _ = proactive.list_candidates(
            session,
            principal=principal,
            on=today,
            filters=proactive.CandidateFilters(
                status=CandidateStatus.CONFIRMED.value, organisation_id=org_id
            ),
            limit=200,
        )
        space.offers.extend(offers)
    space.eligible, space.one_answer_away = _policies_for(catalogue, orgs, today)
    return space


@dataclass(frozen=True)
class Identity:
    """How the header names the signed-in person: their name and their organisations."""

    display_name: str
    organisations: tuple[Text, ...]  # in Chinese and (where given) in English


def identity(session: Session, *, principal: Principal, today: dt.date) -> Identity:
    names = auth.display_names(session, [principal.user_id])
    found = (
        organisations.get_organisation(session, principal=principal, organisation_id=i, on=today)
        for i in sorted(principal.member_of())
    )
    orgs = tuple(Text(zh=o.name, en=o.name_in("en")) for o in found)
    return Identity(names.get(principal.user_id, principal.username), orgs)


def landing(principal: Principal) -> str | None:
    """Where an official lands after sign-in (their queue); None: the enterprise workspace."""
    if principal.member_of():
        return None
    if application_rules.official_districts(principal):
        return "/review"
    if principal.has(Role.WORK_PERMIT_OFFICER):
        return "/talent/queue/work-permit"
    if principal.has(Role.EXIT_ENTRY_OFFICER):
        return "/talent/queue/residence"
    if principal.has(Role.DATA_REGULATOR):
        return "/dataflow/queue"
    if principal.has(Role.REGISTRAR):
        return "/foreign"
    if principal.has(Role.INSPECTOR):
        return "/dataflow/inspections"
    return "/"
