"""The 免申即享 part of the demo: Changning's reviewer matches the catalogue over the district's
organisations in October 2026, while the trial policy is in force, and works through what it found.

Built through the service as the demo's own users, on fixed days: candidates are left in every
state — pending (eligible, and one answer away), confirmed and awaiting the enterprise's consent
(the AI company and the aviation company each have an offer open), struck, declined, and consented
(its application submitted and waiting for review like any other).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Catalogue
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive import decisions, runs
from ftzlink.proactive.tables import Candidate

__all__ = ["MATCHED_AS_OF", "load_proactive_demo"]

# The run's as-of date: the trial policy (2024-11-15 to 2026-11-14) is in force.
MATCHED_AS_OF = dt.date(2026, 10, 12)
_DECIDED_ON = dt.date(2026, 10, 14)
_ANSWERED_ON = dt.date(2026, 10, 20)

# (organisation key, measure id): what the reviewer confirms; the enterprises then answer some.
_CONFIRMED = (
    ("cn-ai", "cn-trial-focus-entities"),  # awaiting the AI company's consent
    ("cn-ai", "cn-plan-eport-visa"),  # consented: an application under review
    ("cn-air", "cn-trial-focus-entities"),  # awaiting the aviation company's consent
    ("cn-air", "cn-plan-capital-pooling"),  # declined
)
_STRUCK = (
    (
        "chain-hq",
        "cn-trial-focus-entities",
        "已按连锁企业总部政策获得同类支持，不重复推送。Already supported as a chain headquarters "
        "under another programme.",
    ),
)
_CONSENTED = (("cn-ai", "cn-plan-eport-visa"),)
_DECLINED = (("cn-air", "cn-plan-capital-pooling"),)


def load_proactive_demo(
    session: Session,
    *,
    catalogue: Catalogue,
    people: Mapping[str, Principal],
    orgs: Mapping[str, Organisation],
) -> dict[str, int]:
    """One match run over Changning by its reviewer, and candidates in every state. Returns the
    candidates' count by status for the demo's summary."""
    reviewer = people["cn-reviewer"]
    run = runs.run_match(session, principal=reviewer, catalogue=catalogue, as_of=MATCHED_AS_OF)

    def candidate(org: str, measure: str) -> int:
        found = session.scalar(
            select(Candidate.id).where(
                Candidate.run_id == run.id,
                Candidate.organisation_id == orgs[org].id,
                Candidate.measure_id == measure,
            )
        )
        assert found is not None, f"the demo's run found no candidate {org} / {measure}"
        return found

    items = [decisions.Decision(candidate(o, m), "confirm") for o, m in _CONFIRMED]
    items += [decisions.Decision(candidate(o, m), "strike", reason) for o, m, reason in _STRUCK]
    results = decisions.decide(
        session,
        principal=reviewer,
        catalogue=catalogue,
        items=items,
        today=_DECIDED_ON,
        lang="zh",
    )
    refused = [r for r in results if r.outcome not in ("confirmed", "struck")]
    assert not refused, f"the demo's decisions were refused: {refused}"

    admins = {"cn-ai": people["cn-ai-admin"], "cn-air": people["cn-air-admin"]}
    for org, measure in _CONSENTED:
        decisions.consent(
            session,
            principal=admins[org],
            catalogue=catalogue,
            candidate_id=candidate(org, measure),
            today=_ANSWERED_ON,
            lang="zh",
        )
    for org, measure in _DECLINED:
        decisions.decline(
            session,
            principal=admins[org],
            candidate_id=candidate(org, measure),
            today=_ANSWERED_ON,
        )
    statuses = session.scalars(select(Candidate.status).where(Candidate.run_id == run.id))
    return dict(sorted(Counter(statuses).items()))
