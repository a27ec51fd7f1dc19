"""免申即享 decisions: the officials' confirm-or-strike batch (pre-filling drafts, granting without
application) and the enterprise's consent or refusal, each step checked by the declared workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from ftzlink.applications import service as applications
from ftzlink.applications.tables import Application
from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue, Measure, MeasureKind, Policy
from ftzlink.db import utcnow
from ftzlink.errors import (
    Forbidden,
    FtzlinkError,
    InvalidInput,
    Problem,
)
from ftzlink.money import format_yuan
from ftzlink.organisations.service import delegations_to
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive import permissions as proactive_permissions
from ftzlink.proactive import workflow
from ftzlink.proactive.service import (
    candidate_snapshot,
    get_candidate,
)
from ftzlink.proactive.tables import (
    Candidate,
    CandidateKind,
    CandidateStatus,
    Notification,
    NotificationKind,
)
from ftzlink.proactive.workflow import Action, WrongState
from ftzlink.text import Lang, Text

__all__ = ["Decision", "DecisionResult", "confirm", "consent", "decide", "decline", "strike"]


# --- confirm or strike (batch) -----------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    candidate_id: int
    decision: Literal["confirm", "strike"]
    reason: str | None = None  # striking: why (required)
    amount: int | None = None  # confirming: the amount to request or grant (default: matched)
    project_name: str | None = None  # confirming: where the cap is per project and none matched


Outcome = Literal[
    "confirmed", "granted", "struck", "wrong_state", "forbidden", "not_found", "refused"
]
_OUTCOMES: dict[str, Outcome] = {
    "wrong_state": "wrong_state",
    "forbidden": "forbidden",
    "not_found": "not_found",
}


@dataclass(frozen=True)
class DecisionResult:
    candidate_id: int
    outcome: Outcome
    code: str | None = None  # refused: cap_exceeded, not_eligible, invalid_input, ...
    limit: str | None = None  # cap_exceeded: measure_cap, clause_allowance, budget, ...
    remaining: int | None = None
    detail: str | None = None
    application_id: int | None = None
    candidate: Candidate | None = field(default=None, compare=False)


def _on_behalf_of(principal: Principal, organisation_id: int) -> Principal:
    """The official pre-filling a draft for an organisation: the same user, able to take the
    applicant's steps for that one organisation only, so that the audit log and the
    application's history name the official acting for the organisation."""
    return Principal(
        user_id=principal.user_id,
        username=principal.username,
        language=principal.language,
        grants=frozenset({Grant(Role.ENTERPRISE_MEMBER, organisation_id=organisation_id)}),
    )


def _as_reviewer(session: Session, principal: Principal, candidate: Candidate) -> Organisation:
    org = session.get(Organisation, candidate.organisation_id)
    assert org is not None
    if not permissions.can_review(principal, district=org.district):
        raise Forbidden(f"only a reviewer of district {org.district} decides this candidate")
    return org


def decide(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    items: Sequence[Decision],
    today: dt.date,
    lang: Lang,
) -> list[DecisionResult]:
    """Confirm or strike many candidates at once; each item succeeds or fails on its own."""
    if not items:
        raise InvalidInput("an empty batch", [Problem("give at least one item", field="items")])
    ids = [i.candidate_id for i in items]
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "a batch names a candidate twice", [Problem("each candidate once", field="items")]
        )
    results = []
    for item in items:
        savepoint = session.begin_nested()
        try:
            if item.decision == "strike":
                candidate = strike(
                    session,
                    principal=principal,
                    candidate_id=item.candidate_id,
                    reason=item.reason or "",
                    today=today,
                )
                outcome: Outcome = "struck"
            else:
                candidate = confirm(
                    session,
                    principal=principal,
                    catalogue=catalogue,
                    candidate_id=item.candidate_id,
                    amount=item.amount,
                    project_name=item.project_name,
                    today=today,
                    lang=lang,
                )
                outcome = "granted" if candidate.status == CandidateStatus.GRANTED else "confirmed"
            savepoint.commit()
            results.append(
                DecisionResult(
                    item.candidate_id,
                    outcome,
                    application_id=candidate.application_id,
                    candidate=candidate,
                )
            )
        except FtzlinkError as error:
            savepoint.rollback()
            results.append(
                DecisionResult(
                    item.candidate_id,
                    _OUTCOMES.get(error.code, "refused"),
                    code=error.code,
                    limit=getattr(error, "limit", None),
                    remaining=getattr(error, "remaining", None),
                    detail=str(error),
                )
            )
    return results


def strike(
    session: Session, *, principal: Principal, candidate_id: int, reason: str, today: dt.date
) -> Candidate:
    candidate = get_candidate(
        session, principal=principal, candidate_id=candidate_id, on=today, lock=True
    )
    _as_reviewer(session, principal, candidate)
    status = workflow.step(Action.STRIKE, candidate.status)
    if not reason.strip():
        raise InvalidInput(
            "cannot strike the candidate", [Problem("say why it is struck", field="reason")]
        )
    before = candidate_snapshot(candidate)
    candidate.status, candidate.strike_reason = status.value, reason.strip()
    _decided(candidate, principal)
    append(
        session,
        actor=Actor(principal.user_id, principal.username, None),
        action="candidate.strike",
        object_type="match_candidate",
        object_id=candidate.id,
        before=before,
        after=candidate_snapshot(candidate),
        detail=reason.strip(),
    )
    return candidate


def _decided(candidate: Candidate, principal: Principal) -> None:
    candidate.decided_by, candidate.decided_at = principal.user_id, utcnow()
    candidate.updated_at, candidate.version = utcnow(), candidate.version + 1


def confirm(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    candidate_id: int,
    amount: int | None = None,
    project_name: str | None = None,
    today: dt.date,
    lang: Lang,
) -> Candidate:
    """Pre-fill the organisation's draft and notify it; for a measure granted without
    application, submit the draft for the organisation and approve it within caps and budget."""
    candidate = get_candidate(
        session, principal=principal, candidate_id=candidate_id, on=today, lock=True
    )
    org = _as_reviewer(session, principal, candidate)
    workflow.step(Action.CONFIRM, candidate.status)
    if candidate.kind != CandidateKind.ELIGIBLE:
        raise WrongState(
            action=Action.CONFIRM,
            state=candidate.status,
            allowed_from=list(workflow.WORKFLOW[Action.CONFIRM].sources),
            question=candidate.question or "",
        )
    policy, measure = applications.find_measure(catalogue, candidate.measure_id)
    action = Action.GRANT if measure.granted_without_application else Action.CONFIRM
    status = workflow.step(action, candidate.status)
    before = candidate_snapshot(candidate)
    grant = measure.kind is MeasureKind.GRANT
    amount = (amount if amount is not None else candidate.amount) if grant else None
    applicant = _on_behalf_of(principal, org.id)
    draft = applications.create_application(
        session,
        principal=applicant,
        catalogue=catalogue,
        organisation_id=org.id,
        measure_id=measure.id,
        project_name=project_name or candidate.project_name,
        project_kind=candidate.project_kind,
        requested_amount=amount,
        answers=dict(candidate.answers or {}),
        today=today,
    )
    candidate.application_id = draft.id
    if measure.granted_without_application:
        applications.submit(
            session,
            principal=applicant,
            catalogue=catalogue,
            application_id=draft.id,
            today=today,
            lang=lang,
        )
        applications.approve(
            session,
            principal=principal,
            catalogue=catalogue,
            application_id=draft.id,
            amount=amount,
            today=today,
        )
        kind = NotificationKind.GRANTED
    else:
        kind = NotificationKind.OFFER
    candidate.status = status.value
    if amount is not None:
        candidate.amount = amount
    _decided(candidate, principal)
    append(
        session,
        actor=Actor(principal.user_id, principal.username, None),
        action="candidate.grant" if kind is NotificationKind.GRANTED else "candidate.confirm",
        object_type="match_candidate",
        object_id=candidate.id,
        before=before,
        after=candidate_snapshot(candidate),
        detail=f"application {draft.reference}",
    )
    _notify(session, principal, candidate, org, policy, measure, draft, kind)
    return candidate


def _notify(
    session: Session,
    principal: Principal,
    candidate: Candidate,
    org: Organisation,
    policy: Policy,
    measure: Measure,
    draft: Application,
    kind: NotificationKind,
) -> Notification:
    # Plain strings, not a Text: a service measure has no amount, and a Text is never empty.
    money = {
        "zh": f"，金额 {format_yuan(candidate.amount, 'zh')}"
        if candidate.amount is not None
        else "",
        "en": f", {format_yuan(candidate.amount, 'en')}" if candidate.amount is not None else "",
    }
    if kind is NotificationKind.GRANTED:
        subject = Text(zh=f"免申即享：{measure.title.zh}", en=f"Granted: {measure.title.en}")
        body = Text(
            zh=f"{org.name}：经区审核，您单位无需申请即获{measure.title.zh}支持{money['zh']}"
            f"（申请编号 {draft.reference}）。",
            en=f"{org.name_in('en')}: without an application, you were granted {measure.title.en}"
            f"{money['en']} (application {draft.reference}).",
        )
    else:
        subject = Text(zh=f"政策匹配：{measure.title.zh}", en=f"You qualify: {measure.title.en}")
        body = Text(
            zh=f"{org.name}：根据政府掌握的信息，您单位符合{measure.title.zh}的条件{money['zh']}。"
            f"已为您预填申请 {draft.reference}，确认同意后即提交。",
            en=f"{org.name_in('en')}: from the data the government holds, you qualify for "
            f"{measure.title.en}{money['en']}. Application {draft.reference} is pre-filled for you; "
            "consent and it is submitted.",
        )
    note = Notification(
        organisation_id=org.id,
        candidate_id=candidate.id,
        application_id=draft.id,
        kind=kind.value,
        subject=subject.model_dump(),
        body=body.model_dump(),
    )
    session.add(note)
    session.flush()
    append(
        session,
        actor=Actor(principal.user_id, principal.username, org.id),
        action="notification.create",
        object_type="notification",
        object_id=note.id,
        after={"kind": note.kind, "organisation_id": org.id, "candidate_id": candidate.id},
    )
    return note


# --- the enterprise's answer -------------------------------------------------------------------


def _offered(
    session: Session, principal: Principal, candidate_id: int, today: dt.date, action: Action
) -> Candidate:
    candidate = get_candidate(
        session, principal=principal, candidate_id=candidate_id, on=today, lock=True
    )
    delegated = set(delegations_to(session, principal, on=today))
    if not proactive_permissions.can_answer_offer(principal, candidate, delegated=delegated):
        raise Forbidden(
            "only the organisation, or its headquarters under a delegation, answers its offer"
        )
    workflow.step(action, candidate.status)
    assert candidate.application_id is not None
    return candidate


def _answered(
    session: Session,
    principal: Principal,
    candidate: Candidate,
    before: dict[str, Any],
    action: Action,
) -> None:
    candidate.status = workflow.step(action, candidate.status).value
    candidate.updated_at, candidate.version = utcnow(), candidate.version + 1
    append(
        session,
        actor=Actor(principal.user_id, principal.username, candidate.organisation_id),
        action=f"candidate.{action}",
        object_type="match_candidate",
        object_id=candidate.id,
        before=before,
        after=candidate_snapshot(candidate),
    )


def consent(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    candidate_id: int,
    today: dt.date,
    lang: Lang,
) -> Candidate:
    """The enterprise consents: its pre-filled draft is submitted through the normal workflow,
    re-checked by the engine as of today."""
    candidate = _offered(session, principal, candidate_id, today, Action.CONSENT)
    policy, measure = applications.find_measure(catalogue, candidate.measure_id)
    applications.require_in_force(policy, measure, on=today)
    before = candidate_snapshot(candidate)
    assert candidate.application_id is not None
    applications.submit(
        session,
        principal=principal,
        catalogue=catalogue,
        application_id=candidate.application_id,
        today=today,
        lang=lang,
    )
    _answered(session, principal, candidate, before, Action.CONSENT)
    return candidate


def decline(
    session: Session, *, principal: Principal, candidate_id: int, today: dt.date
) -> Candidate:
    """The enterprise declines: the pre-filled draft is withdrawn; nothing is granted."""
    candidate = _offered(session, principal, candidate_id, today, Action.DECLINE)
    before = candidate_snapshot(candidate)
    assert candidate.application_id is not None
    applications.withdraw(
        session, principal=principal, application_id=candidate.application_id, today=today
    )
    _answered(session, principal, candidate, before, Action.DECLINE)
    return candidate
