"""Who may do what in the foreign-talent service, as named predicates (Hypha's style): used by the
services before they act and by the pages to decide what to offer. Nothing here reads the database."""

from __future__ import annotations

from collections.abc import Iterable

from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.talent.tables import CaseStatus, TrackKind, TrackState

__all__ = [
    "DECIDER",
    "decides",
    "decides_inviting_units",
    "documents_open",
    "files_for",
    "filing_employer",
    "is_official",
    "reads_all_invitations",
    "reads_queue",
    "sees_invitation_passport",
    "sees_passports",
]

DECIDER = {
    TrackKind.WORK_PERMIT: Role.WORK_PERMIT_OFFICER,
    TrackKind.RESIDENCE: Role.EXIT_ENTRY_OFFICER,
}
_OFFICIALS = (Role.WORK_PERMIT_OFFICER, Role.EXIT_ENTRY_OFFICER)


def is_official(p: Principal) -> bool:
    """A work-permit or exit-entry officer: reads filed cases."""
    return any(p.has(r) for r in _OFFICIALS)


def decides(p: Principal, kind: TrackKind | str) -> bool:
    """Decides the track of this kind: its own authority's officer only."""
    return p.has(DECIDER[TrackKind(kind)])


def reads_queue(p: Principal, kind: TrackKind | str) -> bool:
    """Sees the officials' queue of a track: its deciders, the auditor and platform admins."""
    return decides(p, kind) or permissions.reads_everything(p)


def files_for(p: Principal, employer_id: int) -> bool:
    """Files for the employer's professionals: the employer's members only."""
    return employer_id in p.member_of()


def filing_employer(p: Principal) -> int | None:
    """The organisation a member files for on the employer's pages (its first), if any."""
    return min(p.member_of(), default=None)


def sees_passports(p: Principal, employer_id: int) -> bool:
    """Passport numbers in full: the employer's members and the deciding officials only."""
    return files_for(p, employer_id) or is_official(p)


def documents_open(status: str, track_states: Iterable[str]) -> bool:
    """Documents are added to a draft, or to a filed case while a track is returned for material."""
    return status == CaseStatus.DRAFT or any(s == TrackState.RETURNED for s in track_states)


def reads_all_invitations(p: Principal) -> bool:
    """Every inviting unit and invitation: the auditor, platform admins and exit-entry officers."""
    return permissions.reads_everything(p) or p.has(Role.EXIT_ENTRY_OFFICER)


def decides_inviting_units(p: Principal) -> bool:
    return p.has(Role.EXIT_ENTRY_OFFICER)


def sees_invitation_passport(p: Principal | None, organisation_id: int) -> bool:
    """The inviting organisation's members and exit-entry officers; nobody else."""
    if p is None:
        return False
    return organisation_id in p.member_of() or p.has(Role.EXIT_ENTRY_OFFICER)
