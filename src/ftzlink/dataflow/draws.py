"""Spot-check draws, seeded from a signed ledger checkpoint so that anyone can recompute them (see
dataflow.draw), each creating an inspection per registration drawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from ftzlink.audit.log import append
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role, RoleAssignment, User
from ftzlink.dataflow.common import (
    Page,
    _as_regulator,
    _organisation_names,
    _people,
    _registrations_by_id,
    _sees_draws,
    page_of,
)
from ftzlink.dataflow.draw import CheckpointSeed, Pick, draw, seed_from_checkpoint
from ftzlink.dataflow.inspections import list_inspections
from ftzlink.dataflow.tables import (
    Draw,
    Inspection,
    InspectionStatus,
    Registration,
)
from ftzlink.dataflow.validation import (
    draw_count_problems,
)
from ftzlink.errors import (
    InvalidInput,
    NoSignedCheckpoint,
    NotFound,
    NothingToDraw,
)
from ftzlink.ledger.tables import LedgerCheckpoint
from ftzlink.text import Text

if TYPE_CHECKING:
    pass


__all__ = [
    "DrawView",
    "draw_spot_checks",
    "draw_view",
    "get_draw",
    "list_draws",
    "recompute_draw",
]

# --- spot checks -------------------------------------------------------------------------------


def _checkpoint(session: Session, checkpoint_id: int | None) -> LedgerCheckpoint:
    query = select(LedgerCheckpoint)
    if checkpoint_id is not None:
        row = session.scalar(query.where(LedgerCheckpoint.id == checkpoint_id))
        if row is None:
            raise NotFound(f"no signed checkpoint {checkpoint_id}")
        return row
    row = session.scalar(
        query.order_by(LedgerCheckpoint.size.desc(), LedgerCheckpoint.id.desc()).limit(1)
    )
    if row is None:
        raise NoSignedCheckpoint()
    return row


def _inspector_ids(session: Session) -> list[int]:
    return sorted(
        set(
            session.scalars(
                select(RoleAssignment.user_id)
                .join(User, User.id == RoleAssignment.user_id)
                .where(RoleAssignment.role == Role.INSPECTOR, User.active)
            )
        )
    )


def draw_spot_checks(
    session: Session,
    *,
    principal: Principal,
    count: int,
    today: dt.date,
    checkpoint_id: int | None = None,
) -> Draw:
    """Draw `count` registrations valid today and an inspector for each, seeded from a signed
    checkpoint the ledger published (the latest, unless one is named): see `dataflow.draw`."""
    actor = _as_regulator(principal, "draws spot checks")
    if problems := draw_count_problems(count):
        raise InvalidInput("cannot draw", problems)
    checkpoint = _checkpoint(session, checkpoint_id)
    seed = seed_from_checkpoint(checkpoint.note)
    candidates = sorted(
        session.scalars(
            select(Registration.id).where(
                Registration.valid_from <= today,
                or_(Registration.valid_until.is_(None), Registration.valid_until >= today),
            )
        )
    )
    inspectors = _inspector_ids(session)
    if not candidates:
        raise NothingToDraw(on=today)
    picks = draw(seed=seed.seed, candidates=candidates, inspectors=inspectors, count=count)
    row = Draw(
        drawn_on=today,
        requested=count,
        checkpoint=checkpoint.note,
        checkpoint_size=seed.size,
        checkpoint_root=seed.root_hash.hex(),
        seed=seed.seed.hex(),
        candidates=candidates,
        inspectors=inspectors,
        drawn_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    organisations: dict[int, int] = {}
    for registration_id, organisation_id in session.execute(
        select(Registration.id, Registration.organisation_id).where(
            Registration.id.in_([p.registration_id for p in picks])
        )
    ):
        organisations[registration_id] = organisation_id
    for pick in picks:
        session.add(
            Inspection(
                draw_id=row.id,
                rank=pick.rank,
                registration_id=pick.registration_id,
                organisation_id=organisations[pick.registration_id],
                inspector_id=pick.inspector_id,
                status=InspectionStatus.ASSIGNED,
            )
        )
    session.flush()
    append(
        session,
        actor=actor,
        action="dataflow_draw.create",
        object_type="dataflow_draw",
        object_id=row.id,
        after={
            "checkpoint_size": row.checkpoint_size,
            "checkpoint_root": row.checkpoint_root,
            "seed": row.seed,
            "requested": count,
            "candidates": candidates,
            "inspectors": inspectors,
            "picks": [[p.registration_id, p.inspector_id] for p in picks],
        },
    )
    return row


def recompute_draw(draw_row: Draw) -> tuple[CheckpointSeed, list[Pick]]:
    """The draw again from what it stored (the checkpoint, the candidates, the inspectors)."""
    seed = seed_from_checkpoint(draw_row.checkpoint)
    picks = draw(
        seed=seed.seed,
        candidates=draw_row.candidates,
        inspectors=draw_row.inspectors,
        count=draw_row.requested,
    )
    return seed, picks


def get_draw(session: Session, *, principal: Principal, draw_id: int) -> Draw:
    row = session.get(Draw, draw_id) if _sees_draws(principal) else None
    if row is None:
        raise NotFound(f"no draw {draw_id}")
    return row


def list_draws(session: Session, *, principal: Principal) -> list[Draw]:
    return list(session.scalars(_draws(principal)))


def page_draws(session: Session, *, principal: Principal, offset: int, limit: int) -> Page[Draw]:
    return page_of(session, _draws(principal), offset=offset, limit=limit)


def _draws(principal: Principal) -> Select[Any]:
    query = select(Draw).order_by(Draw.id.desc())
    return query if _sees_draws(principal) else query.where(false())


@dataclass(frozen=True)
class DrawView:
    """A draw as anyone who may see draws reads it: recomputed from what it stored, beside the
    inspections it created (`visible`: those the reader may open)."""

    draw: Draw
    seed: CheckpointSeed
    picks: list[Pick]
    inspections: dict[int, Inspection]  # by registration
    registrations: dict[int, Registration]
    organisations: dict[int, Text]  # names by id
    inspectors: dict[int, str]
    visible: set[int]

    @property
    def same(self) -> bool:
        """The recomputed picks are the stored ones, in order."""
        stored = sorted(self.inspections.values(), key=lambda i: i.rank)
        return [(p.registration_id, p.inspector_id) for p in self.picks] == [
            (i.registration_id, i.inspector_id) for i in stored
        ]


def draw_view(session: Session, *, principal: Principal, draw_id: int) -> DrawView:
    row = get_draw(session, principal=principal, draw_id=draw_id)
    seed, picks = recompute_draw(row)
    # Part of the draw: whoever may see the draw sees whom it picked (not the inspections' work).
    inspections = {
        i.registration_id: i
        for i in session.scalars(select(Inspection).where(Inspection.draw_id == row.id))
    }
    registrations = _registrations_by_id(session, list(row.candidates))
    return DrawView(
        row,
        seed,
        picks,
        inspections,
        registrations,
        _organisation_names(session, [r.organisation_id for r in registrations.values()]),
        _people(session, list(row.inspectors)),
        {i.id for i in list_inspections(session, principal=principal, draw_id=row.id)},
    )
