"""Names of the platform's states, statuses and roles as the pages show them (translated per
request through the catalogs)."""

from __future__ import annotations

from ftzlink.web.forms import N_

__all__ = [
    "AUDIT_OBJECTS",
    "AUDIT_VERBS",
    "OUTCOMES",
    "ROLES",
    "STATES",
    "STATUSES",
    "audit_action_parts",
]

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
    "registrar": N_("Registrar"),
    "enterprise_member": N_("Enterprise member"),
    "enterprise_admin": N_("Enterprise administrator"),
}


# --- the audit log: what was acted on, and what was done ---------------------------------------

# Each kind of object the audit log records (an entry's `object_type`).
AUDIT_OBJECTS = {
    "api_token": N_("API token"),
    "application": N_("Application"),
    "budget": N_("Budget"),
    "calendar_year": N_("Working-day calendar year"),
    "clause_allowance": N_("Annual allowance"),
    "dataflow_draw": N_("Spot-check draw"),
    "dataflow_filing": N_("Cross-border data filing"),
    "dataflow_inspection": N_("Inspection"),
    "dataflow_registration": N_("Cross-border data registration"),
    "dataflow_reminder": N_("Registration reminder"),
    "dataflow_transfer": N_("Data transfer"),
    "delegation": N_("Delegation"),
    "document": N_("Document"),
    "family_member": N_("Family member"),
    "foreign_filing": N_("Representative office filing"),
    "foreign_office": N_("Representative office"),
    "foreign_record": N_("Recognition record"),
    "foreign_correction": N_("Correction case"),
    "foreign_annual_report": N_("Annual report"),
    "foreign_term_end": N_("End of term"),
    "inviting_unit": N_("Inviting unit"),
    "key_enterprise": N_("Key enterprise"),
    "ledger": N_("Public ledger"),
    "match": N_("Match run"),
    "match_candidate": N_("免申即享 candidate"),
    "candidate": N_("免申即享 candidate"),
    "match_run": N_("Match run"),
    "notification": N_("Notification"),
    "organisation": N_("Organisation"),
    "pilot_case": N_("Pilot case"),
    "port_visa_invitation": N_("Port visa invitation"),
    "professional": N_("Foreign professional"),
    "talent_case": N_("Talent case"),
    "talent_document": N_("Talent case document"),
    "token": N_("API token"),
    "user": N_("User"),
}

# What was done (the last part of an entry's `action`: talent_case.approve → approve).
AUDIT_VERBS = {
    "accept": N_("accepted"),
    "add": N_("added"),
    "add_figure": N_("figure added"),
    "advance": N_("moved to the next stage"),
    "answer": N_("answered"),
    "apply": N_("applied"),
    "approve": N_("approved"),
    "change": N_("changed"),
    "checkpoint": N_("checkpoint signed"),
    "close": N_("closed"),
    "confirm": N_("confirmed"),
    "consent": N_("consented"),
    "corrected": N_("corrected"),
    "create": N_("created"),
    "deadline_recomputed": N_("deadline worked out again"),
    "decline": N_("declined"),
    "disable": N_("disabled"),
    "enable": N_("enabled again"),
    "file": N_("filed"),
    "findings": N_("findings recorded"),
    "grant": N_("granted"),
    "issue": N_("issued"),
    "opened": N_("opened"),
    "recognise": N_("recognised"),
    "refuse": N_("refused"),
    "register": N_("registered"),
    "reject": N_("rejected"),
    "reminded": N_("reminder sent"),
    "replace": N_("replaced"),
    "report": N_("reported"),
    "respond": N_("answered"),
    "resubmit": N_("resubmitted"),
    "return": N_("returned for information"),
    "revoke": N_("revoked"),
    "revoke_tokens": N_("all API tokens revoked"),
    "run": N_("run"),
    "seed_figures": N_("figures recorded"),
    "send": N_("sent"),
    "set": N_("set"),
    "strike": N_("struck out"),
    "submit": N_("submitted"),
    "update": N_("changed"),
    "withdraw": N_("withdrawn"),
}


def audit_action_parts(action: str) -> tuple[str, str] | None:
    """(object label, verb label), untranslated, of a recorded action; None for one unknown.

    `foreign.filing.file` is a foreign_filing filed; `candidate.confirm` a candidate confirmed."""
    head, _, verb = action.rpartition(".")
    kind = head.replace(".", "_")
    if kind in AUDIT_OBJECTS and verb in AUDIT_VERBS:
        return AUDIT_OBJECTS[kind], AUDIT_VERBS[verb]
    return None
