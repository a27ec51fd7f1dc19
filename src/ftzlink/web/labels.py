"""Names of the platform's states, statuses and roles as the pages show them (translated per
request through the catalogs)."""

from __future__ import annotations

from ftzlink.web.forms import N_

__all__ = ["OUTCOMES", "ROLES", "STATES", "STATUSES"]

# Application workflow states.
STATES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "returned": N_("Returned for information"),
    "resubmitted": N_("Resubmitted"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
}

# What the engine determines for a measure.
STATUSES = {
    "eligible": N_("Eligible"),
    "ineligible": N_("Not eligible"),
    "needs_info": N_("Needs information"),
    "expired": N_("Expired"),
    "not_yet_effective": N_("Not yet in force"),
}

# Each condition's outcome.
OUTCOMES = {
    "passed": N_("Met"),
    "failed": N_("Not met"),
    "unknown": N_("Not known yet"),
}

ROLES = {
    "platform_admin": N_("Platform administrator"),
    "auditor": N_("Auditor"),
    "reviewer": N_("Reviewer"),
    "budget_officer": N_("Budget officer"),
    "work_permit_officer": N_("Work-permit officer"),
    "exit_entry_officer": N_("Exit-entry officer"),
    "data_regulator": N_("Data regulator"),
    "inspector": N_("Inspector"),
    "enterprise_member": N_("Enterprise member"),
    "enterprise_admin": N_("Enterprise administrator"),
}
