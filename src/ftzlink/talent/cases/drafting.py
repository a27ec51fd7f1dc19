"""A case from draft to filing: who sees which cases, drafting and saving, withdrawing, and the
documents uploaded once for both tracks."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from ftzlink.applications.documents import store_upload
from ftzlink.audit.log import append
from ftzlink.auth import permissions
from ftzlink.auth.principal import Principal
from ftzlink.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    Problem,
)
from ftzlink.talent import permissions as talent_permissions
from ftzlink.talent.cases.common import (
    CASE_FACTS,
    DOCUMENT_KINDS,
    ONCE_ONLY,
    POINTS_FACTS,
    _as_employer,
    _event,
    _is_official,
    case_snapshot,
    tracks_of,
)
from ftzlink.talent.cases.people import family_of, get_professional
from ftzlink.talent.models import TalentRules
from ftzlink.talent.tables import (
    Case,
    CaseDocument,
    CaseFamily,
    CaseStatus,
    Professional,
    Track,
    TrackKind,
    TrackState,
)
from ftzlink.talent.workflow import CASE_WORKFLOW, CaseAction

__all__ = [
    "add_document",
    "create_case",
    "find_case",
    "get_case",
    "get_document",
    "list_cases",
    "list_documents",
    "update_case",
    "withdraw",
]

# --- cases: visibility, drafting ---------------------------------------------------------------


def _visible_cases(principal: Principal) -> Select[Case]:
    query = select(Case)
    if permissions.reads_everything(principal):
        return query
    clauses: list[ColumnElement[bool]] = [Case.employer_id.in_(principal.member_of())]
    if _is_official(principal):
        clauses.append(Case.status == CaseStatus.FILED)
    return query.where(or_(false(), *clauses))


def get_case(session: Session, *, principal: Principal, case_id: int, lock: bool = False) -> Case:
    query = _visible_cases(principal).where(Case.id == case_id)
    case = session.scalar(query.with_for_update() if lock else query)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def find_case(session: Session, *, principal: Principal, reference: str) -> Case:
    """A case by its reference (any case), among those the principal sees."""
    case = session.scalar(
        _visible_cases(principal).where(Case.reference == reference.strip().upper())
    )
    if case is None:
        raise NotFound(f"no case {reference}")
    return case


def list_cases(
    session: Session,
    *,
    principal: Principal,
    employer_id: int | None = None,
    track: TrackKind | None = None,
    state: TrackState | None = None,
    status: CaseStatus | None = None,
) -> list[Case]:
    """Cases the principal sees, newest first; `track` and `state` make an official's queue."""
    query = _visible_cases(principal)
    if employer_id is not None:
        query = query.where(Case.employer_id == employer_id)
    if status is not None:
        query = query.where(Case.status == status)
    if track is not None or state is not None:
        tracks = select(Track.case_id)
        if track is not None:
            tracks = tracks.where(Track.kind == track)
        if state is not None:
            tracks = tracks.where(Track.state == state)
        query = query.where(Case.id.in_(tracks))
    return list(session.scalars(query.order_by(Case.id.desc())))


def _facts_problems(rules: TalentRules, facts: dict[str, Any]) -> list[Problem]:
    known = {f.id: f for f in rules.residence.fields if f.id in CASE_FACTS}
    points = {f.id.split(".")[0]: f for f in rules.points.fields}
    problems = []
    for key, value in facts.items():
        if key in known:
            definition = known[key]
        elif key in POINTS_FACTS and key != "distinctions":
            definition = points[key]
        elif key == "distinctions":
            if not isinstance(value, dict) or not all(
                isinstance(v, bool) and f"distinctions.{k}" in {f.id for f in rules.points.fields}
                for k, v in value.items()
            ):
                problems.append(
                    Problem("yes/no answers to the listed distinctions", field=f"facts.{key}")
                )
            continue
        else:
            problems.append(Problem("not a fact the talent rules ask for", field=f"facts.{key}"))
            continue
        ok = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "str": isinstance(value, str),
        }.get(definition.type, False)
        if ok and definition.choices and value not in {c.id for c in definition.choices}:
            ok = False
        if ok and definition.type == "int":
            low, high = definition.minimum, definition.maximum
            ok = (low is None or value >= low) and (high is None or value <= high)
        if not ok:
            problems.append(
                Problem(f"not a valid answer to: {definition.label.en}", field=f"facts.{key}")
            )
    return problems


def _draft_problems(
    session: Session,
    rules: TalentRules,
    person: Professional,
    *,
    category: str | None,
    requested_residence_end: dt.date | None,
    facts: dict[str, Any],
    family_ids: Sequence[int],
    today: dt.date,
) -> list[Problem]:
    problems = _facts_problems(rules, facts)
    if category is not None and category not in ("A", "B", "C"):
        problems.append(Problem("A, B or C", field="work_permit_category"))
    if requested_residence_end is not None and requested_residence_end <= today:
        problems.append(Problem("must be in the future", field="requested_residence_end"))
    own = {m.id for m in family_of(session, person.id)}
    strangers = sorted(set(family_ids) - own)
    if strangers:
        problems.append(
            Problem(f"not family of this professional: {strangers}", field="family_member_ids")
        )
    return problems


def _set_family(session: Session, case: Case, family_ids: Sequence[int]) -> None:
    for row in session.scalars(select(CaseFamily).where(CaseFamily.case_id == case.id)):
        session.delete(row)
    session.flush()
    for member_id in sorted(set(family_ids)):
        session.add(CaseFamily(case_id=case.id, family_member_id=member_id))


def create_case(
    session: Session,
    *,
    principal: Principal,
    rules: TalentRules,
    professional_id: int,
    work_permit_category: str | None = None,
    requested_residence_end: dt.date | None = None,
    facts: dict[str, Any] | None = None,
    family_member_ids: Sequence[int] = (),
    today: dt.date,
) -> Case:
    person = get_professional(session, principal=principal, professional_id=professional_id)
    actor = _as_employer(principal, person.employer_id)
    facts = dict(facts or {})
    problems = _draft_problems(
        session,
        rules,
        person,
        category=work_permit_category,
        requested_residence_end=requested_residence_end,
        facts=facts,
        family_ids=family_member_ids,
        today=today,
    )
    if problems:
        raise InvalidInput("the application is invalid", problems)
    case = Case(
        reference=f"TAL-{today.year}-{secrets.token_hex(4).upper()}",
        employer_id=person.employer_id,
        professional_id=person.id,
        work_permit_category=work_permit_category,
        requested_residence_end=requested_residence_end,
        facts=facts,
        status=CASE_WORKFLOW.initial,
        created_by=principal.user_id,
    )
    session.add(case)
    session.flush()
    _set_family(session, case, family_member_ids)
    _event(session, case, actor=actor, action="create", today=today, before=None)
    return case


_UNSET: Any = object()


def update_case(
    session: Session,
    *,
    principal: Principal,
    rules: TalentRules,
    case_id: int,
    today: dt.date,
    work_permit_category: str | None = _UNSET,
    requested_residence_end: dt.date | None = _UNSET,
    facts: dict[str, Any] | None = _UNSET,
    family_member_ids: Sequence[int] | None = _UNSET,
    expected_version: int | None = None,
) -> Case:
    """Save a draft (any part of it): the employer resumes where it left off."""
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    CASE_WORKFLOW.step(CaseAction.UPDATE, case.status)
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            f"{case.reference} changed since it was read (version {case.version}, not {expected_version})"
        )
    before = case_snapshot(session, case)
    person = session.get(Professional, case.professional_id)
    assert person is not None
    current_family = [
        f.family_member_id
        for f in session.scalars(select(CaseFamily).where(CaseFamily.case_id == case.id))
    ]
    new_category = (
        case.work_permit_category if work_permit_category is _UNSET else work_permit_category
    )
    new_end = (
        case.requested_residence_end
        if requested_residence_end is _UNSET
        else requested_residence_end
    )
    new_facts = case.facts if facts is _UNSET else {**case.facts, **(facts or {})}
    new_family = current_family if family_member_ids is _UNSET else list(family_member_ids or [])
    problems = _draft_problems(
        session,
        rules,
        person,
        category=new_category,
        requested_residence_end=new_end,
        facts=new_facts,
        family_ids=new_family,
        today=today,
    )
    if problems:
        raise InvalidInput("the application is invalid", problems)
    case.work_permit_category = new_category
    case.requested_residence_end = new_end
    case.facts = new_facts
    if family_member_ids is not _UNSET:
        _set_family(session, case, new_family)
    case.version += 1
    _event(session, case, actor=actor, action="update", today=today, before=before)
    return case


def withdraw(session: Session, *, principal: Principal, case_id: int, today: dt.date) -> Case:
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    target = CASE_WORKFLOW.step(CaseAction.WITHDRAW, case.status)
    before = case_snapshot(session, case)
    case.status = target
    case.version += 1
    _event(session, case, actor=actor, action="withdraw", today=today, before=before)
    return case


# --- documents: uploaded once, shared by both tracks -------------------------------------------


def add_document(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    kind: str,
    filename: str,
    content_type: str,
    data: bytes,
    root: Path,
    max_bytes: int,
    today: dt.date,
) -> CaseDocument:
    case = get_case(session, principal=principal, case_id=case_id, lock=True)
    actor = _as_employer(principal, case.employer_id)
    tracks = tracks_of(session, case)
    if not talent_permissions.documents_open(case.status, (t.state for t in tracks.values())):
        raise Conflict(
            f"documents are added to a draft, or to a case returned for material; {case.reference} is not"
        )
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(
            "cannot upload", [Problem(f"one of: {', '.join(DOCUMENT_KINDS)}", field="kind")]
        )
    if kind in ONCE_ONLY and session.scalar(
        select(CaseDocument.id).where(CaseDocument.case_id == case.id, CaseDocument.kind == kind)
    ):
        raise InvalidInput(
            "cannot upload",
            [Problem("already uploaded: each is uploaded once", field="kind", code="duplicate")],
        )
    name, declared, sha256 = store_upload(
        filename=filename, content_type=content_type, data=data, root=root, max_bytes=max_bytes
    )
    doc = CaseDocument(
        case_id=case.id,
        kind=kind,
        filename=name[:200],
        media_type=declared,
        size=len(data),
        sha256=sha256,
        uploaded_by=principal.user_id,
    )
    session.add(doc)
    session.flush()
    append(
        session,
        actor=actor,
        action="talent_document.add",
        object_type="talent_document",
        object_id=doc.id,
        after={"case_id": case.id, "kind": kind, "filename": doc.filename, "sha256": sha256},
    )
    return doc


def list_documents(session: Session, *, principal: Principal, case_id: int) -> list[CaseDocument]:
    case = get_case(session, principal=principal, case_id=case_id)
    return list(
        session.scalars(
            select(CaseDocument).where(CaseDocument.case_id == case.id).order_by(CaseDocument.id)
        )
    )


def get_document(session: Session, *, principal: Principal, document_id: int) -> CaseDocument:
    doc = session.get(CaseDocument, document_id)
    if doc is None:
        raise NotFound(f"no document {document_id}")
    try:
        get_case(session, principal=principal, case_id=doc.case_id)
    except NotFound:
        raise NotFound(f"no document {document_id}") from None
    return doc
