"""Per-enterprise results: the same columns from the Polars path, the SQL path and (for checks)
the scalar engine, and their decoding back into the scalar engine's words.

For every measure m of the catalogue the results frame has:

| column | type | holds |
| --- | --- | --- |
| `m.status` | Enum | eligible, ineligible, needs_info, expired, not_yet_effective |
| `m.max_amount` | Int64 | the cap, for eligible and needs_info; else null |
| `m.amount` | Int64 | eligible with matched projects: the sum of their capped requests |
| `m.projects` | UInt8… | eligible: bit i set when project slot i matched; else null |
| `m.failed` | UInt8 | ineligible: index of the failed condition in the measure's reasons |
| `m.questions` | UInt8… | needs_info: bit mask over the measure's question positions |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from ftzlink.catalogue.models import Catalogue
from ftzlink.matching.compile_polars import STATUS_ENUM, mask_type
from ftzlink.matching.plan import STATUS_CODES, MeasurePlan, Plan
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.determinations import Determination, Question, Status
from ftzlink.rules.evaluate import _reason, evaluate
from ftzlink.text import Text

__all__ = [
    "OUTPUTS",
    "STATUS_ENUM",
    "MeasureResult",
    "decode",
    "expected",
    "finish",
    "potential",
    "question_fields",
    "readable",
]

OUTPUTS = ("status", "max_amount", "amount", "projects", "failed", "questions")


def finish(plan: Plan, raw: pl.DataFrame, keep: Sequence[str]) -> pl.DataFrame:
    """The results frame from the compilers' raw outputs (codes), for every measure."""
    columns: list[pl.Expr] = [pl.col(k) for k in keep]
    for m in plan.measures:
        cap = m.measure.cap
        if m.computed:
            code = pl.col(f"{m.id}.code")
            if raw.schema[f"{m.id}.code"] == STATUS_ENUM:
                status = code
            else:
                status = code.cast(pl.UInt8).replace_strict(
                    list(range(len(STATUS_CODES))),
                    [s.value for s in STATUS_CODES],
                    return_dtype=STATUS_ENUM,
                )
            open_amount = status.is_in(["eligible", "needs_info"])
        else:
            status = pl.lit(m.in_force, STATUS_ENUM)
            open_amount = pl.lit(False)
        max_amount = pl.when(open_amount).then(pl.lit(cap.amount if cap else None, pl.Int64))
        columns += [
            status.alias(f"{m.id}.status"),
            max_amount.otherwise(None).cast(pl.Int64).alias(f"{m.id}.max_amount"),
        ]
        for name, kind in (
            ("amount", pl.Int64()),
            ("projects", mask_type(plan.slots)),
            ("failed", pl.UInt8()),
            ("questions", mask_type(len(m.positions))),
        ):
            column = f"{m.id}.{name}"
            given = m.computed and column in raw.columns
            columns.append((pl.col(column) if given else pl.lit(None)).cast(kind).alias(column))
    return raw.lazy().select(columns).collect(engine="streaming")


def potential(measure_id: str) -> pl.Expr:
    """The support an eligible enterprise may receive under a measure: its projects' capped
    requests where it has matched projects, else the cap; 0 when not eligible or no amount."""
    return (
        pl.when(pl.col(f"{measure_id}.status") == "eligible")
        .then(pl.coalesce(f"{measure_id}.amount", f"{measure_id}.max_amount", pl.lit(0, pl.Int64)))
        .otherwise(pl.lit(0, pl.Int64))
    )


def question_fields(m: MeasurePlan, mask: int | None) -> list[str]:
    """The fields asked, in the scalar engine's order, from a question mask."""
    if not mask:
        return []
    fields = [field for i, (_, _, field) in enumerate(m.positions) if mask >> i & 1]
    return list(dict.fromkeys(fields))


@dataclass(frozen=True)
class MeasureResult:
    """One enterprise × measure, decoded: what a determination says, without the explanation."""

    measure_id: str
    policy_id: str
    status: Status
    max_amount: int | None
    amount: int | None  # the matched projects' capped requests, summed
    projects: tuple[int, ...]  # matched project slots (0-based), eligible only
    failed: Text | None  # the condition the reason names, ineligible only
    questions: tuple[str, ...]  # field paths, needs_info only
    reason: Text  # word for word the scalar engine's reason


def decode(plan: Plan, row: Mapping[str, Any]) -> list[MeasureResult]:
    """A results row (a dict, e.g. from `frame.iter_rows(named=True)`) as one record a measure."""
    fields = _fields()
    out = []
    for m in plan.measures:
        status = Status(row[f"{m.id}.status"])
        failed_code = row[f"{m.id}.failed"]
        failed = m.reasons[failed_code] if failed_code is not None else None
        asked = question_fields(m, row[f"{m.id}.questions"])
        questions = [
            Question(field=f, label=_spec(f, fields).label, type=_spec(f, fields).type)
            for f in asked
        ]
        if status is Status.INELIGIBLE:
            assert failed is not None
            reason = Text(zh=f"未满足条件：{failed.zh}", en=f"Condition not met: {failed.en}")
        else:
            reason = _reason(status, m.policy, m.measure, [], questions)
        mask = row[f"{m.id}.projects"] or 0
        out.append(
            MeasureResult(
                measure_id=m.id,
                policy_id=m.policy.id,
                status=status,
                max_amount=row[f"{m.id}.max_amount"],
                amount=row[f"{m.id}.amount"],
                projects=tuple(i for i in range(plan.slots) if mask >> i & 1),
                failed=failed,
                questions=tuple(asked),
                reason=reason,
            )
        )
    return out


def _fields() -> dict[str, Any]:
    from ftzlink.profiles.fields import profile_fields

    return dict(profile_fields())


def _spec(path: str, fields: Mapping[str, Any]) -> Any:
    if "[" not in path:
        return fields[path]
    collection, rest = path.split("[", 1)
    return fields[collection].item_fields[rest.split("].", 1)[1]]


def expected(
    catalogue: Catalogue, profile: EnterpriseProfile, as_of: dt.date
) -> list[MeasureResult]:
    """The same records from the scalar engine (`rules.evaluate`), for checks and the benchmark."""
    out = []
    for d in evaluate(catalogue, profile, as_of):
        out.append(_from_determination(d, profile))
    return out


def _from_determination(d: Determination, profile: EnterpriseProfile) -> MeasureResult:
    slots: list[int] = []
    names = [p.name for p in profile.projects or []]
    for p in d.projects:  # matched projects by name; names are unique within a registry row
        slots.append(next(i for i, n in enumerate(names) if n == p.project and i not in slots))
    amounts = [p.amount for p in d.projects]
    failed = None
    if d.status is Status.INELIGIBLE:
        failed = Text(
            zh=d.reason.zh.removeprefix("未满足条件："),
            en=d.reason.en.removeprefix("Condition not met: "),
        )
    return MeasureResult(
        measure_id=d.measure_id,
        policy_id=d.policy_id,
        status=d.status,
        max_amount=d.max_amount,
        amount=sum(a for a in amounts if a is not None)
        if amounts and None not in amounts
        else None,
        projects=tuple(sorted(slots)),
        failed=failed,
        questions=tuple(q.field for q in d.questions),
        reason=d.reason,
    )


def readable(plan: Plan, frame: pl.DataFrame, lang: str = "zh") -> pl.DataFrame:
    """The results as people read them: the failed condition's words and the questions' field
    paths instead of codes (written by `ftzlink match --out`)."""
    columns: list[pl.Expr] = []
    for name in frame.columns:
        measure_id, _, output = name.rpartition(".")
        m = next((m for m in plan.measures if m.id == measure_id), None)
        if m is None or output not in ("failed", "questions"):
            columns.append(pl.col(name))
        elif output == "failed":
            texts = [t.zh if lang == "zh" else t.en for t in m.reasons]
            mapping = dict(enumerate(texts))
            columns.append(
                pl.col(name)
                .replace_strict(mapping, default=None, return_dtype=pl.String)
                .alias(name)
            )
        else:
            masks = [v for v in frame.get_column(name).unique().to_list() if v is not None]
            mapping_q = {v: ", ".join(question_fields(m, v)) for v in masks}
            columns.append(
                pl.col(name)
                .replace_strict(mapping_q, default=None, return_dtype=pl.String)
                .alias(name)
            )
    return frame.select(columns)
