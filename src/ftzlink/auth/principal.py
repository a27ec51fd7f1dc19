"""Who is making a request: a signed-in user with their roles, resolved once per request."""

from __future__ import annotations

from dataclasses import dataclass

from ftzlink.auth.tables import Role

__all__ = ["Grant", "Principal"]


@dataclass(frozen=True)
class Grant:
    """One role held, scoped to an organisation or a district where the role needs one."""

    role: Role
    organisation_id: int | None = None
    district: str | None = None


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    language: str
    grants: frozenset[Grant]

    def has(self, role: Role) -> bool:
        return any(g.role is role for g in self.grants)

    @property
    def is_platform_admin(self) -> bool:
        return self.has(Role.PLATFORM_ADMIN)

    @property
    def is_auditor(self) -> bool:
        return self.has(Role.AUDITOR)

    def member_of(self) -> set[int]:
        """Organisations the user belongs to (as member or admin)."""
        return {
            g.organisation_id
            for g in self.grants
            if g.role in (Role.ENTERPRISE_MEMBER, Role.ENTERPRISE_ADMIN) and g.organisation_id
        }

    def admin_of(self) -> set[int]:
        return {
            g.organisation_id
            for g in self.grants
            if g.role is Role.ENTERPRISE_ADMIN and g.organisation_id
        }

    def districts(self, role: Role) -> set[str]:
        return {g.district for g in self.grants if g.role is role and g.district}
