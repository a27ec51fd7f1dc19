"""Pages of the cross-border data service and of the public ledger.

- Enterprise members: their filings, registrations (validity, extension window) and reminders;
  pre-filing as a task list with save and resume, the route explanation (each reason with its
  citation, questions for what is not known yet), check answers, submit, confirmation; the
  transfer history of a registration with each transfer's downloadable receipt; reporting a
  transfer, refused in words when it would need a stricter route.
- Data regulators: the queue of filings to register or return; the spot-check draw from the
  latest signed checkpoint (signing one first if need be) and how anyone recomputes it.
- Inspectors: the inspections drawn for them; findings with a rectification deadline in working
  days, and closure.
- Anyone: `/ledger` (the latest signed checkpoint and how to verify) and `/ledger/verify`, which
  checks an uploaded or pasted receipt against the platform's public key.

Thin adapters over the data service modules (the same permission checks as the API): an object
the reader may not see is "page not found".
"""

from __future__ import annotations

from fastapi import APIRouter

from ftzlink.web.dataflow import filings, inspections, ledger, sections, transfers

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
# The sections last: "/dataflow/filings/{filing_id}/{slug}" would catch the filing's other pages.
for part in (filings, transfers, inspections, ledger, sections):
    router.include_router(part.router)
