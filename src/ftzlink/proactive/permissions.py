"""Who may do what in 免申即享, as named predicates checked by the service and asked by pages."""

from __future__ import annotations

from ftzlink.applications.permissions import is_official
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.proactive.tables import Candidate, CandidateKind, CandidateStatus
from ftzlink.proactive.workflow import WORKFLOW, Action

__all__ = [
    "OFFERED",
    "can_answer_offer",
    "can_decide_candidates",
    "can_run_match",
    "is_confirmable",
    "is_official",
    "is_open_offer",
    "is_strikable",
    "match_scope",
]

# What an enterprise sees of its candidates: those an official has confirmed or granted, and
# what became of them. Pending and struck ones are the officials' working papers.
OFFERED: tuple[CandidateStatus, ...] = tuple(
    s for s in CandidateStatus if s not in (CandidateStatus.PENDING, CandidateStatus.STRUCK)
)


def can_run_match(p: Principal) -> bool:
    """A reviewer (over the districts they review) or a platform admin runs a match."""
    return p.is_platform_admin or bool(p.districts(Role.REVIEWER))


def match_scope(p: Principal) -> set[str] | None:
    """The districts a match by `p` covers; None for all (a platform admin)."""
    return None if p.is_platform_admin else p.districts(Role.REVIEWER)


def can_decide_candidates(p: Principal) -> bool:
    """A reviewer confirms or strikes candidates (each one also checked against its district)."""
    return bool(p.districts(Role.REVIEWER))


def is_confirmable(c: Candidate) -> bool:
    """Pending and found eligible: an official may confirm it now."""
    return WORKFLOW.allowed(Action.CONFIRM, c.status) and c.kind == CandidateKind.ELIGIBLE


def is_strikable(c: Candidate) -> bool:
    """Pending, found eligible or one answer away: an official may strike it now."""
    return WORKFLOW.allowed(Action.STRIKE, c.status)


def is_open_offer(c: Candidate) -> bool:
    """Confirmed and waiting for the enterprise's consent or refusal."""
    return WORKFLOW.allowed(Action.CONSENT, c.status)


def can_answer_offer(p: Principal, c: Candidate, *, delegated: set[int]) -> bool:
    """The organisation (or its headquarters under a delegation) consents or declines; an
    official who can see the offer may not answer it for the enterprise."""
    return c.organisation_id in p.member_of() or c.organisation_id in delegated
