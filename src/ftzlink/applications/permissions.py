"""Who may do what to an application, and which states allow each step, as named predicates.

The roles come from `ftzlink.auth.permissions`; the states from the declared workflow, so a page
and the service never disagree on what is "under review" or "withdrawable".
"""

from __future__ import annotations

from ftzlink.applications.tables import Application
from ftzlink.applications.workflow import WORKFLOW, Action
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role

__all__ = [
    "can_add_documents",
    "can_answer_return",
    "can_decide",
    "can_edit_draft",
    "can_withdraw",
    "is_official",
    "is_under_review",
    "official_districts",
]


def official_districts(p: Principal) -> set[str]:
    """The districts where the principal reviews or keeps a budget."""
    return p.districts(Role.REVIEWER) | p.districts(Role.BUDGET_OFFICER)


def is_official(p: Principal) -> bool:
    """Reviewers, budget officers, the platform admin and the auditor: the officials' pages."""
    return bool(official_districts(p)) or permissions.reads_everything(p)


def can_edit_draft(app: Application) -> bool:
    """The applicant still changes its answers (before it is submitted)."""
    return WORKFLOW.allowed(Action.SUBMIT, app.status)


def can_answer_return(app: Application) -> bool:
    return WORKFLOW.allowed(Action.RESUBMIT, app.status)


def can_add_documents(app: Application) -> bool:
    """The applicant attaches documents while it may still change the application: a draft, or
    one returned for answers."""
    return can_edit_draft(app) or can_answer_return(app)


def can_withdraw(app: Application) -> bool:
    return WORKFLOW.allowed(Action.WITHDRAW, app.status)


def is_under_review(app: Application) -> bool:
    """A reviewer may decide it now (approve, reject or return it)."""
    return WORKFLOW.allowed(Action.APPROVE, app.status)


def can_decide(p: Principal, app: Application, *, district: str | None) -> bool:
    """The principal may approve, reject or return this application now."""
    return is_under_review(app) and permissions.can_review(p, district=district)
