"""Who keeps the pilot-case registry, as a named predicate checked by the service and asked by
the pages: the platform's administrators and the municipal data regulator (the body that runs
the data-service platform the cases come from). Everyone else reads it."""

from __future__ import annotations

from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role

__all__ = ["EDITOR_ROLES", "can_edit"]

EDITOR_ROLES = (Role.PLATFORM_ADMIN, Role.DATA_REGULATOR)


def can_edit(principal: Principal | None) -> bool:
    return principal is not None and any(principal.has(role) for role in EDITOR_ROLES)
