"""Who may do what in the cross-border data service, as named predicates (Hypha's style).

The service refuses with these and the pages decide what to offer with the same ones, so a page
never shows a button the service would refuse. No HTTP, HTML or database here.
"""

from __future__ import annotations

from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.dataflow.tables import Filing, Inspection, Registration
from ftzlink.dataflow.workflow import (
    EDITABLE,
    FILINGS,
    INSPECTIONS,
    FilingAction,
    InspectionAction,
)

__all__ = [
    "can_close_inspection",
    "can_decide_filing",
    "can_draw_spot_checks",
    "can_edit_filing",
    "can_file_for",
    "can_record_findings",
    "can_report_transfer",
    "can_run_reminders",
    "can_sign_checkpoint",
    "can_submit_filing",
    "is_drawn_inspector",
    "is_inspector",
    "is_regulator",
    "reads_queue",
    "sees_draws",
]


def is_regulator(p: Principal) -> bool:
    return p.has(Role.DATA_REGULATOR)


def is_inspector(p: Principal) -> bool:
    return p.has(Role.INSPECTOR)


def can_file_for(p: Principal, organisation_id: int) -> bool:
    """Only an enterprise's members file and report transfers for it."""
    return organisation_id in p.member_of()


def can_edit_filing(p: Principal, filing: Filing) -> bool:
    """A member of the filing's enterprise, while the filing is a draft or was returned."""
    return can_file_for(p, filing.organisation_id) and filing.status in EDITABLE


def can_submit_filing(p: Principal, filing: Filing) -> bool:
    return can_file_for(p, filing.organisation_id) and FILINGS.allowed(
        FilingAction.SUBMIT, filing.status
    )


def can_decide_filing(p: Principal, filing: Filing) -> bool:
    """A data regulator registers or returns a submitted filing."""
    return is_regulator(p) and FILINGS.allowed(FilingAction.REGISTER, filing.status)


def reads_queue(p: Principal) -> bool:
    """The queue of filings: data regulators, and those who read everything."""
    return is_regulator(p) or permissions.reads_everything(p)


def can_report_transfer(p: Principal, registration: Registration) -> bool:
    return can_file_for(p, registration.organisation_id)


def can_run_reminders(p: Principal) -> bool:
    return is_regulator(p) or p.is_platform_admin


def sees_draws(p: Principal) -> bool:
    return permissions.reads_everything(p) or is_regulator(p) or is_inspector(p)


def can_draw_spot_checks(p: Principal) -> bool:
    return is_regulator(p)


def can_sign_checkpoint(p: Principal) -> bool:
    """From the spot-check pages, a data regulator signs a checkpoint to draw from."""
    return is_regulator(p)


def is_drawn_inspector(p: Principal, inspection: Inspection) -> bool:
    return inspection.inspector_id == p.user_id


def can_record_findings(p: Principal, inspection: Inspection) -> bool:
    return is_drawn_inspector(p, inspection) and INSPECTIONS.allowed(
        InspectionAction.RECORD_FINDINGS, inspection.status
    )


def can_close_inspection(p: Principal, inspection: Inspection) -> bool:
    return is_drawn_inspector(p, inspection) and INSPECTIONS.allowed(
        InspectionAction.CLOSE, inspection.status
    )
