"""The pilot-case registry: read by anyone, changed by its editors (platform administrators and
data regulators), every change on the audit log.

A case moves forward one stage at a time — case pilot → innovative supervision → regulatory
solidification — each move dated (not before the last dated step, not after today) and noted.
A case whose stage its source does not state (`stage` NULL) may be given any stage as its first
known one: nothing is skipped that was known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor, append
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound, Problem
from ftzlink.pilots.loader import PilotSeed, SeedCase, bundled_pilot_seed, decimal_text
from ftzlink.pilots.permissions import EDITOR_ROLES, can_edit
from ftzlink.pilots.tables import (
    STAGE_ORDER,
    PilotCase,
    PilotFigure,
    PilotQualifier,
    PilotStage,
    PilotStep,
    PilotUnit,
)
from ftzlink.pilots.workflow import NOT_STATED, WORKFLOW, action_to, next_stages

__all__ = [
    "EDITOR_ROLES",
    "NOT_STATED",
    "SeedReport",
    "StageOutOfOrder",
    "add_figure",
    "advance",
    "can_edit",
    "create_case",
    "figures_of",
    "find_case",
    "get_case",
    "list_cases",
    "next_stages",
    "seed_pilot_cases",
    "snapshot",
    "steps_of",
]


class StageOutOfOrder(InvalidTransition):
    """A move that skips a stage or goes back: refused, the case unchanged (409)."""

    code = "stage_out_of_order"

    def __init__(self, *, case: str, state: str, to: str, allowed: list[str]) -> None:
        self.action, self.state, self.allowed_from = f"advance_to_{to}", state, allowed
        self.to, self.kind, self.workflow = to, WORKFLOW.kind, WORKFLOW.name
        Conflict.__init__(
            self,
            f"case {case} is at {state}: it moves forward one stage at a time, "
            f"so it can go next to {', '.join(allowed) or 'no stage (it is at the last)'}, "
            f"not to {to}",
        )


def _require_editor(principal: Principal) -> Actor:
    if not can_edit(principal):
        raise Forbidden("only platform administrators and data regulators keep the pilot cases")
    return Actor(principal.user_id, principal.username)


def snapshot(case: PilotCase) -> dict[str, Any]:
    return {
        "slug": case.slug,
        "zone": case.zone,
        "title_zh": case.title_zh,
        "title_en": case.title_en,
        "stage": case.stage,
        "stage_on": case.stage_on,
        "version": case.version,
    }


# --- reading -------------------------------------------------------------------------------------


def list_cases(
    session: Session,
    *,
    stage: str | None = None,
    zone: str | None = None,
    offset: int = 0,
    limit: int = 200,
) -> tuple[list[PilotCase], int]:
    """Cases in registry order (by stage, furthest first; not stated last), optionally one stage
    (or NOT_STATED) and one zone. Public: no principal needed."""
    query = select(PilotCase)
    if stage == NOT_STATED:
        query = query.where(PilotCase.stage.is_(None))
    elif stage is not None:
        query = query.where(PilotCase.stage == PilotStage(stage).value)
    if zone is not None:
        query = query.where(PilotCase.zone == zone)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(PilotCase.id)))
    rows.sort(key=lambda c: (-STAGE_ORDER.index(PilotStage(c.stage)) if c.stage else 1, c.id))
    return rows[offset : offset + limit], total


def get_case(session: Session, case_id: int) -> PilotCase:
    case = session.get(PilotCase, case_id)
    if case is None:
        raise NotFound(f"no pilot case {case_id}")
    return case


def find_case(session: Session, ref: str) -> PilotCase:
    """A case by its number or its slug."""
    if ref.isdigit():
        return get_case(session, int(ref))
    case = session.scalar(select(PilotCase).where(PilotCase.slug == ref))
    if case is None:
        raise NotFound(f"no pilot case {ref!r}")
    return case


def steps_of(session: Session, case: PilotCase) -> list[PilotStep]:
    return list(
        session.scalars(
            select(PilotStep).where(PilotStep.case_id == case.id).order_by(PilotStep.id)
        )
    )


def figures_of(session: Session, case: PilotCase) -> list[PilotFigure]:
    return list(
        session.scalars(
            select(PilotFigure).where(PilotFigure.case_id == case.id).order_by(PilotFigure.id)
        )
    )


# --- changing ------------------------------------------------------------------------------------


def _not_after_today(
    day: dt.date | None, today: dt.date, name: str, problems: list[Problem]
) -> None:
    if day is not None and day > today:
        problems.append(
            Problem(f"{day.isoformat()} is after today ({today.isoformat()})", field=name)
        )


def _text(
    value: str, name: str, problems: list[Problem], *, limit: int, required: bool = True
) -> str:
    value = value.strip()
    if required and not value:
        problems.append(Problem("must not be empty", field=name))
    if len(value) > limit:
        problems.append(Problem(f"at most {limit} characters", field=name))
    return value


def create_case(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    slug: str,
    zone: str,
    title_zh: str,
    title_en: str,
    summary_zh: str,
    summary_en: str,
    today: dt.date,
    stage: PilotStage | None = None,
    stage_on: dt.date | None = None,
    note: str = "",
    source: str | None = None,
) -> PilotCase:
    """A new case, at the stage it has reached if that is known (with the day, if known)."""
    who = _require_editor(principal)
    problems: list[Problem] = []
    if zone not in {z.id for z in catalogue.zones}:
        problems.append(Problem(f"no zone {zone!r} in the catalogue", field="zone"))
    values = {
        name: _text(value, name, problems, limit=limit)
        for name, value, limit in (
            ("title_zh", title_zh, 200),
            ("title_en", title_en, 200),
            ("summary_zh", summary_zh, 2000),
            ("summary_en", summary_en, 2000),
        )
    }
    if stage is None and stage_on is not None:
        problems.append(Problem("a day needs the stage it was reached", field="stage_on"))
    _not_after_today(stage_on, today, "stage_on", problems)
    if problems:
        raise InvalidInput("the pilot case cannot be recorded", problems)
    if session.scalar(select(PilotCase.id).where(PilotCase.slug == slug)) is not None:
        raise Conflict(f"a pilot case {slug!r} exists already")
    case = PilotCase(
        slug=slug,
        zone=zone,
        stage=stage.value if stage else None,
        stage_on=stage_on,
        created_by=principal.user_id,
        **values,
    )
    session.add(case)
    session.flush()
    if stage is not None:
        session.add(
            PilotStep(
                case_id=case.id,
                stage=stage.value,
                reached_on=stage_on,
                note=note.strip(),
                source=source,
                recorded_by=principal.user_id,
            )
        )
    append(
        session,
        actor=who,
        action="pilot_case.create",
        object_type="pilot_case",
        object_id=case.id,
        after=snapshot(case),
        detail=note.strip(),
    )
    session.flush()
    return case


def advance(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    to: PilotStage,
    on: dt.date,
    note: str,
    today: dt.date,
    source: str | None = None,
) -> PilotCase:
    """Move a case to its next stage, reached on `on`. Refuses a skip, a step back, a day
    before the case's last dated step or after today."""
    who = _require_editor(principal)
    case = get_case(session, case_id)
    if not WORKFLOW.allowed(action_to(to), case.stage or NOT_STATED):
        allowed = next_stages(case.stage)
        raise StageOutOfOrder(
            case=case.slug,
            state=case.stage or NOT_STATED,
            to=to.value,
            allowed=[s.value for s in allowed],
        )
    problems: list[Problem] = []
    _not_after_today(on, today, "on", problems)
    dated = [s.reached_on for s in steps_of(session, case) if s.reached_on is not None]
    last = max(dated, default=None)
    if last is not None and on < last:
        problems.append(
            Problem(f"{on.isoformat()} is before the last step ({last.isoformat()})", field="on")
        )
    note = _text(note, "note", problems, limit=2000, required=False)
    if problems:
        raise InvalidInput("the stage cannot be recorded", problems)
    before = snapshot(case)
    case.stage, case.stage_on, case.version = to.value, on, case.version + 1
    session.add(
        PilotStep(
            case_id=case.id,
            stage=to.value,
            reached_on=on,
            note=note,
            source=source,
            recorded_by=principal.user_id,
        )
    )
    append(
        session,
        actor=who,
        action="pilot_case.advance",
        object_type="pilot_case",
        object_id=case.id,
        before=before,
        after=snapshot(case),
        detail=f"{before['stage'] or NOT_STATED} -> {to.value} on {on.isoformat()}: {note}"[:2000],
    )
    session.flush()
    return case


def add_figure(
    session: Session,
    *,
    principal: Principal,
    case_id: int,
    label_zh: str,
    label_en: str,
    value: str,
    unit: PilotUnit,
    source: str,
    today: dt.date,
    value_max: str | None = None,
    qualifier: PilotQualifier = PilotQualifier.EXACT,
    as_of: dt.date | None = None,
    as_of_note: str | None = None,
    source_line: int | None = None,
    quote: str | None = None,
) -> PilotFigure:
    """Record a figure reported about a case: value (or a range up to value_max), unit, as of
    which day (or the source's words for when), and where it was reported."""
    who = _require_editor(principal)
    case = get_case(session, case_id)
    problems: list[Problem] = []
    labels = {
        "label_zh": _text(label_zh, "label_zh", problems, limit=200),
        "label_en": _text(label_en, "label_en", problems, limit=200),
    }
    for name, number in (("value", value), ("value_max", value_max)):
        if number is None:
            continue
        try:
            decimal_text(number.strip())
        except ValueError as error:
            problems.append(Problem(str(error), field=name))
    numbers_ok = not any(p.field in ("value", "value_max") for p in problems)
    if value_max is not None and numbers_ok and Decimal(value_max) <= Decimal(value):
        problems.append(Problem("the top of a range must exceed its bottom", field="value_max"))
    source = _text(source, "source", problems, limit=300)
    _not_after_today(as_of, today, "as_of", problems)
    if problems:
        raise InvalidInput("the figure cannot be recorded", problems)
    figure = PilotFigure(
        case_id=case.id,
        value=value.strip(),
        value_max=value_max.strip() if value_max else None,
        unit=unit.value,
        qualifier=qualifier.value,
        as_of=as_of,
        as_of_note=(as_of_note or "").strip() or None,
        source=source,
        source_line=source_line,
        quote=(quote or "").strip() or None,
        recorded_by=principal.user_id,
        **labels,
    )
    session.add(figure)
    session.flush()
    append(
        session,
        actor=who,
        action="pilot_case.add_figure",
        object_type="pilot_case",
        object_id=case.id,
        after={
            "figure_id": figure.id,
            "label_en": figure.label_en,
            "value": figure.value,
            "value_max": figure.value_max,
            "unit": figure.unit,
            "as_of": figure.as_of,
            "source": figure.source,
        },
        detail=f"{figure.label_en}: {figure.value} {figure.unit}",
    )
    return figure


# --- the seeded cases ----------------------------------------------------------------------------


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)  # slugs
    figures_added: int = 0
    unchanged: list[str] = field(default_factory=list)


def _seed_case(session: Session, actor: Actor, data: SeedCase, seed: PilotSeed) -> PilotCase:
    stage = data.stage
    case = PilotCase(
        slug=data.id,
        zone=data.zone,
        title_zh=data.title.zh,
        title_en=data.title.en,
        summary_zh=data.summary.zh,
        summary_en=data.summary.en,
        progress_zh=data.progress.zh if data.progress else None,
        progress_en=data.progress.en if data.progress else None,
        stage=stage.stage.value if stage else None,
        stage_on=stage.reached_on if stage else None,
        created_by=actor.user_id,
    )
    session.add(case)
    session.flush()
    if stage is not None:
        session.add(
            PilotStep(
                case_id=case.id,
                stage=stage.stage.value,
                reached_on=stage.reached_on,
                note="",
                source=seed.source(stage.citation.source).seed_file,
                source_line=stage.citation.line,
                quote=stage.citation.quote,
                recorded_by=actor.user_id,
            )
        )
    source = seed.source(data.citation.source).seed_file
    append(
        session,
        actor=actor,
        action="pilot_case.create",
        object_type="pilot_case",
        object_id=case.id,
        after=snapshot(case),
        detail=f"seeded from {source} line {data.citation.line}",
    )
    return case


def seed_pilot_cases(
    session: Session, actor: Actor, *, seed: PilotSeed | None = None
) -> SeedReport:
    """Record the seeded cases (catalogue/data/pilots) that are not in the registry yet, and
    their figures that are missing. Idempotent: a case already there keeps its stage and its
    history (editors may have moved it on); only a missing seeded figure is added."""
    seed = seed or bundled_pilot_seed()
    report = SeedReport()
    for data in seed.cases:
        case = session.scalar(select(PilotCase).where(PilotCase.slug == data.id))
        if case is None:
            case = _seed_case(session, actor, data, seed)
            report.created.append(data.id)
        have = set(
            session.scalars(select(PilotFigure.seed_key).where(PilotFigure.case_id == case.id))
        )
        added = 0
        for f in data.figures:
            if f.id in have:
                continue
            session.add(
                PilotFigure(
                    case_id=case.id,
                    seed_key=f.id,
                    label_zh=f.label.zh,
                    label_en=f.label.en,
                    value=f.value,
                    value_max=f.value_max,
                    unit=f.unit.value,
                    qualifier=f.qualifier.value,
                    as_of=f.as_of,
                    as_of_note=f.as_of_note,
                    source=seed.source(f.citation.source).seed_file,
                    source_line=f.citation.line,
                    quote=f.citation.quote,
                    recorded_by=actor.user_id,
                )
            )
            added += 1
        if added:
            session.flush()
            append(
                session,
                actor=actor,
                action="pilot_case.seed_figures",
                object_type="pilot_case",
                object_id=case.id,
                detail=f"{added} seeded figure(s) of {data.id}",
            )
        report.figures_added += added
        if data.id not in report.created and not added:
            report.unchanged.append(data.id)
    session.flush()
    return report
