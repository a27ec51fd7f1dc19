"""The application workflow: drafting, submitting (re-checked by the engine), reviewing, approving
under caps and budgets, batch signing. Every change is recorded in the history and the audit log.

Functions take a session inside a write transaction (`Database.write`) and the acting principal,
check permission per object, and raise domain errors; they know nothing of HTTP.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from ftzlink.applications import caps
from ftzlink.applications.tables import Application, ApplicationEvent, Grant, State
from ftzlink.applications.validity import (
    check_request as _check_request,
)
from ftzlink.applications.validity import (
    find_measure,
    needs_action_states,
    not_in_force,
    require_in_force,
)
from ftzlink.applications.workflow import Action, transition
from ftzlink.audit.log import Actor, append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue, MeasureKind
from ftzlink.db import contains_text, utcnow
from ftzlink.errors import (
    CapExceeded,
    Conflict,
    Forbidden,
    FtzlinkError,
    InvalidInput,
    NotEligible,
    NotFound,
    Problem,
)
from ftzlink.organisations.service import delegations_to, english_name, enterprise_profile
from ftzlink.organisations.tables import Organisation
from ftzlink.rules.determinations import Determination, Status
from ftzlink.rules.evaluate import evaluate_measure
from ftzlink.text import Lang, Text

__all__ = [
    "BatchFailed",
    "BatchItem",
    "ItemResult",
    "approve",
    "create_application",
    "determine",
    "find_measure",
    "get_application",
    "history",
    "list_applications",
    "needs_action_states",
    "not_in_force",
    "references_of",
    "reject",
    "remaining",
    "require_in_force",
    "resubmit",
    "return_application",
    "sign_batch",
    "snapshot",
    "submit",
    "update_draft",
    "withdraw",
]

# Profile fields an answer may not overwrite: they identify the organisation or the project.
_FIXED = {"name", "uscc", "projects"}


def snapshot(app: Application) -> dict[str, Any]:
    return {
        "reference": app.reference,
        "organisation_id": app.organisation_id,
        "measure_id": app.measure_id,
        "project_name": app.project_name,
        "project_name_en": app.project_name_en,
        "project_kind": app.project_kind,
        "requested_amount": app.requested_amount,
        "answers": app.answers,
        "status": app.status,
        "submitted_on": app.submitted_on,
        "approved_amount": app.approved_amount,
        "version": app.version,
    }


# --- who sees what -----------------------------------------------------------------------------


def _visible(session: Session, principal: Principal, on: dt.date) -> Select[Application]:
    query = select(Application).join(Organisation, Organisation.id == Application.organisation_id)
    if permissions.reads_everything(principal):
        return query  # the auditor and the platform admin see everything, drafts included
    # Drafts are the applicant's own until submitted: no reviewer or budget officer lists or
    # opens one (it is "not found", as anything else not theirs).
    submitted = Application.status != State.DRAFT.value
    clauses: list[ColumnElement[bool]] = [Application.organisation_id.in_(principal.member_of())]
    for branch_id, delegation in delegations_to(session, principal, on=on).items():
        if delegation.measures is None:
            clauses.append(Application.organisation_id == branch_id)
        else:
            clauses.append(
                and_(
                    Application.organisation_id == branch_id,
                    Application.measure_id.in_(delegation.measures),
                )
            )
    districts = principal.districts(Role.REVIEWER) | principal.districts(Role.BUDGET_OFFICER)
    if districts:
        clauses.append(and_(Organisation.district.in_(districts), submitted))
    return query.where(or_(false(), *clauses))


def get_application(
    session: Session, *, principal: Principal, application_id: int, on: dt.date, lock: bool = False
) -> Application:
    query = _visible(session, principal, on).where(Application.id == application_id)
    app = session.scalar(query.with_for_update(of=Application) if lock else query)
    if app is None:
        raise NotFound(f"no application {application_id}")
    return app


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    measure_id: str | None = None
    organisation_id: int | None = None
    district: str | None = None
    zone: str | None = None
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    q: str | None = None
    needs_action: bool = False  # only what a reviewer may decide now (submitted, resubmitted)
    submitted_only: bool = False  # leave out drafts (an official's queue, whoever reads it)


def list_applications(
    session: Session,
    *,
    principal: Principal,
    on: dt.date,
    filters: Filters = Filters(),
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Application], int]:
    query = _visible(session, principal, on)
    f = filters
    if f.status:
        query = query.where(Application.status == f.status)
    if f.submitted_only:
        query = query.where(Application.status != State.DRAFT.value)
    if f.needs_action:
        query = query.where(Application.status.in_(needs_action_states()))
    if f.measure_id:
        query = query.where(Application.measure_id == f.measure_id)
    if f.organisation_id:
        query = query.where(Application.organisation_id == f.organisation_id)
    if f.district:
        query = query.where(Organisation.district == f.district)
    if f.zone:
        query = query.where(Organisation.zone == f.zone)
    if f.submitted_from:
        query = query.where(Application.submitted_on >= f.submitted_from)
    if f.submitted_to:
        query = query.where(Application.submitted_on <= f.submitted_to)
    if f.q:
        query = query.where(
            or_(
                Application.reference == f.q.upper(),
                contains_text(Application.project_name, f.q),
                contains_text(Application.project_name_en, f.q),
                contains_text(Organisation.name, f.q),
                contains_text(Organisation.name_en, f.q),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    first = case((Application.status.in_(needs_action_states()), 0), else_=1)
    ordered = query.order_by(first, Application.id.desc())
    rows = session.scalars(ordered.offset(offset).limit(limit)).all()
    return list(rows), total


def _as_applicant(
    session: Session, principal: Principal, *, organisation_id: int, measure_id: str, on: dt.date
) -> tuple[Actor, int | None]:
    """The actor for an applicant's step, and the delegation it relies on (None: own org)."""
    if organisation_id in principal.member_of():
        return Actor(principal.user_id, principal.username, organisation_id), None
    delegation = delegations_to(session, principal, on=on, measure_id=measure_id).get(
        organisation_id
    )
    if delegation is not None:
        return Actor(principal.user_id, principal.username, organisation_id), delegation.id
    raise Forbidden(
        "only the organisation, or its headquarters under a delegation for this measure, acts on its applications"
    )


def _as_reviewer(session: Session, principal: Principal, app: Application) -> Actor:
    org = session.get(Organisation, app.organisation_id)
    assert org is not None
    if not permissions.can_review(principal, district=org.district):
        raise Forbidden(f"only a reviewer of district {org.district} decides this application")
    return Actor(principal.user_id, principal.username, None)


def _record(
    session: Session,
    app: Application,
    *,
    action: str,
    before: dict[str, Any] | None,
    from_status: str | None,
    actor: Actor,
    amount: int | None = None,
    note: list[str] | None = None,
) -> None:
    app.updated_at = utcnow()
    session.flush()
    session.add(
        ApplicationEvent(
            application_id=app.id,
            action=action,
            from_status=from_status,
            to_status=app.status,
            actor_id=actor.user_id,
            acted_for_id=actor.acted_for_id,
            amount=amount,
            note=note,
        )
    )
    append(
        session,
        actor=actor,
        action=f"application.{action}",
        object_type="application",
        object_id=app.id,
        before=before,
        after=snapshot(app),
        detail="; ".join(note or []),
    )


# --- drafting ----------------------------------------------------------------------------------


def _check_answers(answers: dict[str, Any]) -> None:
    fixed = sorted(_FIXED & set(answers))
    if fixed:
        raise InvalidInput(
            "answers may not change these fields",
            [
                Problem(
                    "identifies the organisation or the project; set it on the organisation or the application",
                    field=f"answers.{k}",
                )
                for k in fixed
            ],
        )


def create_application(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    organisation_id: int,
    measure_id: str,
    project_name: str | None = None,
    project_name_en: str | None = None,
    project_kind: str | None = None,
    requested_amount: int | None = None,
    answers: dict[str, Any] | None = None,
    today: dt.date,
) -> Application:
    org = session.get(Organisation, organisation_id)
    if org is None or not permissions.can_read_organisation(
        principal,
        organisation_id=org.id,
        district=org.district,
        delegated=set(delegations_to(session, principal, on=today)),
    ):
        raise NotFound(f"no organisation {organisation_id}")
    policy, measure = find_measure(catalogue, measure_id)
    actor, delegation_id = _as_applicant(
        session, principal, organisation_id=org.id, measure_id=measure.id, on=today
    )
    require_in_force(policy, measure, on=today)
    answers = dict(answers or {})
    _check_answers(answers)
    problems = _check_request(measure, requested_amount=requested_amount, project_name=project_name)
    if project_kind is not None and project_kind not in catalogue.known_terms("project_kinds"):
        problems.append(
            Problem(f"{project_kind!r} is not a known project kind", field="project_kind")
        )
    if problems:
        raise InvalidInput("cannot create the application", problems)
    app = Application(
        reference=f"FTZ-{today.year}-{secrets.token_hex(4).upper()}",
        organisation_id=org.id,
        delegation_id=delegation_id,
        created_by=principal.user_id,
        policy_id=policy.id,
        measure_id=measure.id,
        clause=caps.clause_of(policy, measure),
        project_name=project_name,
        project_name_en=english_name(project_name_en, field="project_name_en"),
        project_kind=project_kind,
        requested_amount=requested_amount,
        answers=answers,
        status=State.DRAFT.value,
    )
    _profile(catalogue, org, app)  # refuse answers the profile model would refuse, now
    session.add(app)  # inserted by _record's flush, with its updated_at: one statement
    _record(session, app, action="create", before=None, from_status=None, actor=actor)
    return app


def update_draft(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    application_id: int,
    changes: dict[str, Any],
    today: dt.date,
) -> Application:
    """Change a draft's project, amount or answers (answers are merged; None removes one)."""
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor, _ = _as_applicant(
        session, principal, organisation_id=app.organisation_id, measure_id=app.measure_id, on=today
    )
    if app.status != State.DRAFT:
        raise Conflict(f"only a draft can be edited; application {app.reference} is {app.status}")
    before = snapshot(app)
    for key in ("project_name", "project_kind", "requested_amount"):
        if key in changes:
            setattr(app, key, changes[key])
    if "project_name_en" in changes:
        app.project_name_en = english_name(changes["project_name_en"], field="project_name_en")
    if "answers" in changes:
        new = dict(changes["answers"] or {})
        _check_answers(new)
        merged = {**app.answers, **new}
        app.answers = {k: v for k, v in merged.items() if v is not None}
    policy, measure = find_measure(catalogue, app.measure_id)
    require_in_force(policy, measure, on=today)
    problems = _check_request(
        measure, requested_amount=app.requested_amount, project_name=app.project_name
    )
    if problems:
        raise InvalidInput("cannot change the application", problems)
    org = session.get(Organisation, app.organisation_id)
    assert org is not None
    _profile(catalogue, org, app)
    app.version += 1
    _record(session, app, action="update", before=before, from_status=app.status, actor=actor)
    return app


# --- the workflow ------------------------------------------------------------------------------


def _profile(catalogue: Catalogue, org: Organisation, app: Application) -> Any:
    extra = dict(app.answers)
    if app.project_name and app.project_kind:
        project: dict[str, Any] = {"name": app.project_name, "kind": app.project_kind}
        if app.requested_amount is not None:
            project["requested_amount"] = app.requested_amount
        extra["projects"] = [project]
    return enterprise_profile(org, catalogue, extra)


def determine(
    catalogue: Catalogue, org: Organisation, app: Application, *, as_of: dt.date
) -> Determination:
    """The engine's determination of an application: its organisation, answers and project."""
    policy, measure = find_measure(catalogue, app.measure_id)
    return evaluate_measure(catalogue, policy, measure, _profile(catalogue, org, app), as_of)


def _check_eligible(
    catalogue: Catalogue, org: Organisation, app: Application, *, as_of: dt.date, lang: Lang
) -> None:
    determination = determine(catalogue, org, app, as_of=as_of)
    if determination.status is Status.ELIGIBLE:
        return
    lead = Text(
        zh=f"截至{as_of.isoformat()}不能提交：",
        en=f"Cannot be submitted as of {as_of.isoformat()}: ",
    )
    raise NotEligible(
        lead.join(determination.reason, en_sep="").get(lang),
        status=determination.status.value,
        questions=[q.field for q in determination.questions],
    )


def submit(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    application_id: int,
    today: dt.date,
    lang: Lang,
) -> Application:
    """Submit a draft. The engine decides, as of today, whether it may go in; if not, says why."""
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor, _ = _as_applicant(
        session, principal, organisation_id=app.organisation_id, measure_id=app.measure_id, on=today
    )
    before, source = snapshot(app), app.status
    target = transition(Action.SUBMIT, app.status)
    org = session.get(Organisation, app.organisation_id)
    assert org is not None
    _check_eligible(catalogue, org, app, as_of=today, lang=lang)
    app.status, app.submitted_on = target.value, today
    app.version += 1
    _record(session, app, action="submit", before=before, from_status=source, actor=actor)
    return app


def return_application(
    session: Session,
    *,
    principal: Principal,
    application_id: int,
    questions: Sequence[str],
    today: dt.date,
) -> Application:
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor = _as_reviewer(session, principal, app)
    questions = [q.strip() for q in questions if q.strip()]
    if not questions:
        raise InvalidInput(
            "cannot return the application",
            [Problem("ask at least one question", field="questions")],
        )
    before, source = snapshot(app), app.status
    app.status = transition(Action.RETURN, app.status).value
    app.version += 1
    _record(
        session,
        app,
        action="return",
        before=before,
        from_status=source,
        actor=actor,
        note=questions,
    )
    return app


def resubmit(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    application_id: int,
    answers: dict[str, Any],
    response: str | None,
    today: dt.date,
    lang: Lang,
) -> Application:
    """Answer a return and resubmit. Eligibility is judged as of the original submission date."""
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor, _ = _as_applicant(
        session, principal, organisation_id=app.organisation_id, measure_id=app.measure_id, on=today
    )
    before, source = snapshot(app), app.status
    target = transition(Action.RESUBMIT, app.status)
    _check_answers(answers)
    merged = {**app.answers, **answers}
    app.answers = {k: v for k, v in merged.items() if v is not None}
    org = session.get(Organisation, app.organisation_id)
    assert org is not None and app.submitted_on is not None
    _check_eligible(catalogue, org, app, as_of=app.submitted_on, lang=lang)
    app.status = target.value
    app.version += 1
    note = [response.strip()] if response and response.strip() else None
    _record(
        session, app, action="resubmit", before=before, from_status=source, actor=actor, note=note
    )
    return app


def approve(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    application_id: int,
    amount: int | None,
    today: dt.date,
) -> Application:
    """Approve with an amount that fits the measure's cap, the clause allowance and the budget.

    Validity is not re-checked: an application submitted while the policy was in force can be
    decided after it expires.
    """
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor = _as_reviewer(session, principal, app)
    before, source = snapshot(app), app.status
    target = transition(Action.APPROVE, app.status)
    policy, measure = find_measure(catalogue, app.measure_id)
    if measure.kind is MeasureKind.SERVICE:
        if amount is not None:
            raise InvalidInput(
                "cannot approve",
                [Problem("a service measure pays no money; leave out the amount", field="amount")],
            )
    else:
        if amount is None or amount < 0:
            raise InvalidInput(
                "cannot approve",
                [
                    Problem(
                        "approve a grant with an amount in integer yuan, 0 or more", field="amount"
                    )
                ],
            )
        if app.requested_amount is not None and amount > app.requested_amount:
            raise CapExceeded(
                limit="requested",
                requested=amount,
                remaining=app.requested_amount,
                detail=f"{amount} yuan is more than the {app.requested_amount} yuan requested",
            )
        assert app.submitted_on is not None
        year = app.submitted_on.year
        caps.consume(
            session,
            catalogue,
            organisation_id=app.organisation_id,
            policy=policy,
            measure=measure,
            year=year,
            project=app.project_name,
            amount=amount,
        )
        session.add(
            Grant(
                application_id=app.id,
                organisation_id=app.organisation_id,
                measure_id=measure.id,
                clause=app.clause,
                year=year,
                amount=amount,
                approved_by=principal.user_id,
            )
        )
    app.status, app.approved_amount, app.decided_at = target.value, amount, utcnow()
    app.version += 1
    _record(
        session,
        app,
        action="approve",
        before=before,
        from_status=source,
        actor=actor,
        amount=amount,
    )
    return app


def reject(
    session: Session,
    *,
    principal: Principal,
    application_id: int,
    reasons: Sequence[str],
    today: dt.date,
) -> Application:
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor = _as_reviewer(session, principal, app)
    reasons = [r.strip() for r in reasons if r.strip()]
    if not reasons:
        raise InvalidInput(
            "cannot reject the application", [Problem("give at least one reason", field="reasons")]
        )
    before, source = snapshot(app), app.status
    app.status, app.decided_at = transition(Action.REJECT, app.status).value, utcnow()
    app.version += 1
    _record(
        session, app, action="reject", before=before, from_status=source, actor=actor, note=reasons
    )
    return app


def withdraw(
    session: Session, *, principal: Principal, application_id: int, today: dt.date
) -> Application:
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor, _ = _as_applicant(
        session, principal, organisation_id=app.organisation_id, measure_id=app.measure_id, on=today
    )
    before, source = snapshot(app), app.status
    app.status = transition(Action.WITHDRAW, app.status).value
    app.version += 1
    _record(session, app, action="withdraw", before=before, from_status=source, actor=actor)
    return app


def history(
    session: Session, *, principal: Principal, application_id: int, today: dt.date
) -> list[ApplicationEvent]:
    app = get_application(session, principal=principal, application_id=application_id, on=today)
    return list(
        session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == app.id)
            .order_by(ApplicationEvent.id)
        )
    )


# --- batch signing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    application_id: int
    decision: Literal["approve", "reject"]
    amount: int | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemResult:
    application_id: int
    outcome: Literal["approved", "rejected", "refused"]
    code: str | None = None  # why refused: cap_exceeded, invalid_transition, not_found, ...
    limit: str | None = None  # for cap_exceeded: measure_cap, clause_allowance, budget, ...
    remaining: int | None = None
    detail: str | None = None
    application: Application | None = field(default=None, compare=False)


class BatchFailed(Conflict):
    """An all-or-nothing batch in which an item was refused: nothing was signed."""

    code = "batch_failed"

    def __init__(self, results: list[ItemResult]) -> None:
        self.results = results
        refused = sum(r.outcome == "refused" for r in results)
        super().__init__(f"{refused} of {len(results)} items were refused, so none was signed")


def sign_batch(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    items: Sequence[BatchItem],
    all_or_nothing: bool,
    today: dt.date,
) -> list[ItemResult]:
    """Decide many applications at once; each item succeeds or is refused on its own.

    With `all_or_nothing`, one refusal raises BatchFailed and the caller's transaction rolls
    back every item.
    """
    if not items:
        raise InvalidInput("an empty batch", [Problem("give at least one item", field="items")])
    ids = [i.application_id for i in items]
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "a batch names an application twice", [Problem("each application once", field="items")]
        )
    results: list[ItemResult] = []
    for item in items:
        savepoint = session.begin_nested()
        try:
            if item.decision == "approve":
                app = approve(
                    session,
                    principal=principal,
                    catalogue=catalogue,
                    application_id=item.application_id,
                    amount=item.amount,
                    today=today,
                )
            else:
                app = reject(
                    session,
                    principal=principal,
                    application_id=item.application_id,
                    reasons=item.reasons,
                    today=today,
                )
            savepoint.commit()
            results.append(
                ItemResult(
                    item.application_id,
                    "approved" if item.decision == "approve" else "rejected",
                    application=app,
                )
            )
        except FtzlinkError as error:
            savepoint.rollback()
            results.append(
                ItemResult(
                    item.application_id,
                    "refused",
                    code=error.code,
                    limit=getattr(error, "limit", None),
                    remaining=getattr(error, "remaining", None),
                    detail=str(error),
                )
            )
    if all_or_nothing and any(r.outcome == "refused" for r in results):
        raise BatchFailed(results)
    return results


# --- what is left ------------------------------------------------------------------------------


def remaining(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    organisation_id: int,
    measure_id: str,
    year: int,
    project: str | None,
    today: dt.date,
) -> list[caps.Limit]:
    """What the organisation could still be granted under the measure in `year`, limit by limit."""
    org = session.get(Organisation, organisation_id)
    if org is None or not permissions.can_read_organisation(
        principal,
        organisation_id=org.id,
        district=org.district,
        delegated=set(delegations_to(session, principal, on=today)),
    ):
        raise NotFound(f"no organisation {organisation_id}")
    policy, measure = find_measure(catalogue, measure_id)
    return caps.limits(
        session,
        catalogue,
        organisation_id=org.id,
        policy=policy,
        measure=measure,
        year=year,
        project=project,
    )


def references_of(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Application references by id (for applications the caller was allowed to see)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(Application.id, Application.reference).where(Application.id.in_(wanted))
    return dict(session.execute(query).all())
