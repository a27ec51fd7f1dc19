"""What every data-service page shares: labels, the sections of a filing, parsing, who is asking,
the refusals a change shows on its form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path

from ftzlink.auth.principal import Principal
from ftzlink.dataflow import permissions as perm
from ftzlink.dataflow import registrations as registration_service
from ftzlink.dataflow.loader import bundled_dataflow_rules
from ftzlink.dataflow.models import DataflowRules
from ftzlink.dataflow.tables import (
    Registration,
)
from ftzlink.errors import (
    Conflict,
    Forbidden,
    FtzlinkError,
    InvalidInput,
)
from ftzlink.ledger.keys import configured_verifier
from ftzlink.ledger.verifier import VerifierKey
from ftzlink.text import Text
from ftzlink.web.context import Web
from ftzlink.web.forms import N_

PAGES = "pages/dataflow/"
# The refusals a data-service form shows beside its field (`forms.change(..., refusals=REFUSALS)`):
# InvalidInput (with CalendarNotCovered) and Conflict; too large / wrong type go to the error page.
REFUSALS: tuple[type[FtzlinkError], ...] = (InvalidInput, Conflict)
DbId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RECEIPT_MAX = 1_000_000  # bytes: a receipt is a few kilobytes
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

ROUTES = {
    "exempt": N_("Exempt"),
    "standard_contract": N_("Standard contract or certification"),
    "security_assessment": N_("Security assessment"),
}
ROUTE_CSS = {
    "exempt": "approved",
    "standard_contract": "needs_info",
    "security_assessment": "ineligible",
}
# What a transfer "would need", in a sentence.
ROUTE_NEEDS = {
    "exempt": N_("no filing"),
    "standard_contract": N_("a standard contract or certification"),
    "security_assessment": N_("a security assessment"),
}
MECHANISMS = {
    "standard_contract": N_("Standard contract, filed with the cyberspace office"),
    "certification": N_("Personal-information protection certification"),
    "security_assessment": N_("Security assessment"),
}
FILING_STATUSES = {
    "draft": (N_("Draft"), "draft"),
    "submitted": (N_("Submitted"), "not_yet_effective"),
    "returned": (N_("Returned"), "returned"),
    "registered": (N_("Registered"), "approved"),
}
INSPECTION_STATUSES = {
    "assigned": (N_("Assigned"), "not_yet_effective"),
    "rectifying": (N_("Rectification due"), "returned"),
    "closed": (N_("Closed"), "approved"),
}
TASK_STATES = {
    "not_started": (N_("Not started"), "draft"),
    "in_progress": (N_("In progress"), "returned"),
    "completed": (N_("Completed"), "approved"),
    "optional": (N_("Optional"), "draft"),
    "cannot_start": (N_("Cannot start yet"), "withdrawn"),
    "nothing_to_file": (N_("Nothing to file"), "withdrawn"),
}
CONFIDENCE = {
    "High": N_("high confidence"),
    "Med": N_("medium confidence"),
    "Low": N_("low confidence"),
}
YES_NO = {"yes": True, "no": False, "unknown": None}
# What the pages call the facts the routing rules do not describe themselves.
DESCRIBED = {
    "data_categories": N_("Categories of data sent"),
    "recipient": N_("Recipient abroad"),
    "recipient_country": N_("Recipient's country or region"),
}
# Why a draw was refused, by the refusal's code.
DRAW_REFUSALS = {
    "no_signed_checkpoint": N_("No checkpoint has been signed yet: sign one first"),
    "nothing_to_draw": N_("No registration is valid today: there is nothing to draw"),
    "invalid_input": N_("There is no active inspector to draw"),
    "conflict": N_("The draw was refused: nothing was drawn"),
}
# What a description the routing rules refuse needs, by field.
DESCRIPTION_LIMITS = {
    "data_categories": N_("Enter up to 50 categories, each 100 characters or fewer"),
    "recipient": N_("The recipient's name must be 200 characters or fewer"),
    "recipient_country": N_("Select the recipient's country or region from the list"),
}


# Why a receipt does not verify, by what the verifier said (its own words are shown too).
@dataclass(frozen=True)
class Section:
    slug: str
    name: str  # a message id
    facts: tuple[str, ...]
    hint: str = ""  # a message id
    optional: bool = False


SECTIONS = (
    Section(
        "transfer",
        N_("What is sent, and to whom"),
        ("data_categories", "recipient", "recipient_country", "purpose"),
    ),
    Section("exporter", N_("About your organisation"), ("ciio", "in_ftz")),
    Section(
        "data",
        N_("About the data"),
        ("important_data", "foreign_pi_returned"),
        N_("Only data a department or region has notified or published as important data counts."),
    ),
    Section(
        "people",
        N_("People since 1 January"),
        ("non_sensitive_people", "sensitive_people"),
        N_(
            "Count people, not records: everyone whose personal information has left or will "
            "leave the country since 1 January of this year, this transfer included. Enter 0 "
            "if none."
        ),
    ),
    Section(
        "lists",
        N_("Free trade zone data lists"),
        ("negative_list_scenario", "on_negative_list", "on_lingang_general_list"),
        N_(
            "Only for an exporter registered in, and exporting from, the Shanghai FTZ or the "
            "Lingang Special Area: these lists can exempt a transfer. The route page says which "
            "answers it still needs."
        ),
        optional=True,
    ),
)
SECTION_BY_SLUG = {s.slug: s for s in SECTIONS}
SECTION_OF = {fact: s for s in SECTIONS for fact in s.facts}


def _rules() -> DataflowRules:
    return bundled_dataflow_rules()


def _label(web: Web, table: dict[str, tuple[str, str]], key: str) -> dict[str, str]:
    text, css = table.get(key, (key, "draft"))
    return {"text": web._(text), "css": css}


def _text(web: Web, value: Text | None) -> str:
    """A name in the reader's language ("" for none)."""
    return value.get(web.lang) if value is not None else ""


def _route(web: Web, route: str | None) -> dict[str, str]:
    if route is None:
        return {"text": web._("Not decided yet"), "css": "needs_info"}
    return {"text": web._(ROUTES[route]), "css": ROUTE_CSS[route]}


def _verifier(web: Web) -> VerifierKey | None:
    """The platform's public key (from its configured signing key), None if none is configured."""
    try:
        return configured_verifier(web.settings)
    except (Conflict, InvalidInput, OSError):  # a key configured wrongly: the page says none
        return None


# --- who --------------------------------------------------------------------------------------


def _member(web: Web) -> tuple[Principal, int]:
    """An enterprise member and the organisation it files for."""
    principal = web.require()
    own = sorted(principal.member_of())
    if not own:
        raise Forbidden("these pages are for an enterprise's members")
    return principal, own[0]


def _reads_queue(web: Web) -> Principal:
    principal = web.require()
    if not perm.reads_queue(principal):
        raise Forbidden("the queue is for data regulators")
    return principal


# --- the enterprise's overview ------------------------------------------------------------------


def _window(
    web: Web, registration: Registration, window: registration_service.ExtensionWindow | None = None
) -> dict[str, Any] | None:
    window = window or registration_service.extension_window(_rules(), registration)
    if window is None:
        return None
    return {
        "expires_on": window.expires_on,
        "opens_on": window.opens_on,
        "working_days": window.working_days,
        "open": window.is_open(web.today),
        "provisional": window.provisional,
        "provisional_years": window.provisional_years,
    }
