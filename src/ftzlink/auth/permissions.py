"""Who may do what, as small named predicates, checked per object by the services.

Objects a principal may not see are reported as not found, never as forbidden: a 404 does not
confirm that another organisation's application exists.
"""

from __future__ import annotations

from collections.abc import Collection

from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role

__all__ = [
    "can_act_for_organisation",
    "can_administer_users",
    "can_list_users",
    "can_manage_organisation",
    "can_read_audit",
    "can_read_organisation",
    "can_review",
    "can_set_budget",
    "reads_everything",
]


def reads_everything(p: Principal) -> bool:
    return p.is_platform_admin or p.is_auditor


def can_read_organisation(
    p: Principal, *, organisation_id: int, district: str | None, delegated: Collection[int]
) -> bool:
    """Own organisation, a branch delegated to it, an organisation of an official's district."""
    if reads_everything(p) or organisation_id in p.member_of() or organisation_id in delegated:
        return True
    officials = p.districts(Role.REVIEWER) | p.districts(Role.BUDGET_OFFICER)
    return district is not None and district in officials


def can_act_for_organisation(p: Principal, *, organisation_id: int, delegated: bool) -> bool:
    """File and manage applications: members of the organisation, or its HQ under delegation."""
    return organisation_id in p.member_of() or delegated


def can_manage_organisation(p: Principal, *, organisation_id: int) -> bool:
    """Change the profile, grant delegations: the organisation's admin or a platform admin."""
    return p.is_platform_admin or organisation_id in p.admin_of()


def can_review(p: Principal, *, district: str | None) -> bool:
    return district is not None and district in p.districts(Role.REVIEWER)


def can_set_budget(p: Principal, *, districts: Collection[str]) -> bool:
    return p.is_platform_admin or bool(p.districts(Role.BUDGET_OFFICER) & set(districts))


def can_read_audit(p: Principal) -> bool:
    return reads_everything(p)


def can_administer_users(p: Principal) -> bool:
    """Create, disable, re-enable users and revoke their tokens: platform admins only."""
    return p.is_platform_admin


def can_list_users(p: Principal) -> bool:
    """See every account and whether it is active: those who administer or audit them."""
    return reads_everything(p)
