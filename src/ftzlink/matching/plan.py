"""The catalogue lowered for whole-registry evaluation, and the one builder both compilers use.

Each condition node becomes a numbered node; `exists` over projects is expanded into one node per
project slot, so every node is a plain three-valued column expression (true / false / null, null
for unknown: Kleene logic in both Polars and SQL is exactly the scalar engine's `all`/`any`/`not`).
`build(plan, algebra)` then writes, through a small `Algebra` (Polars expressions or SQLAlchemy
Core), stage 1 (one column per node) and stage 2 (per measure: status code, failed condition,
question mask, matched projects, amount), so both compilers share every decision.

Per in-force measure m, stage 2 gives:

- `m.code`: 0 eligible, 1 ineligible, 2 needs_info (see `STATUS_CODES`);
- `m.failed`: for ineligible, the index in `MeasurePlan.reasons` of the condition the scalar engine
  names as its reason (the first failed condition, descending into unlabelled `all` nodes);
- `m.questions`: for needs_info, a bit mask over `MeasurePlan.positions` (the tree's leaves in
  depth-first order, project leaves once per slot): bit i set when position i is asked, so the
  questions, in the scalar engine's order, are the set positions' fields, first occurrence kept;
- `m.projects`: for eligible, a bit mask of the project slots some `exists` of the measure matched;
- `m.amount`: for eligible with a matched project and a cap, the sum over matched projects of the
  request capped by the measure (the cap when the request is unknown or 0), in integer yuan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ftzlink.catalogue.conditions import AllOf, AnyOf, Condition, Exists, Not
from ftzlink.catalogue.models import Catalogue, Measure, Policy
from ftzlink.errors import InvalidInput, Problem
from ftzlink.matching.columns import PROJECT_COUNT, PROJECTS, column_name, slot_column
from ftzlink.profiles.fields import FieldSpec, profile_fields
from ftzlink.rules.describe import describe
from ftzlink.rules.determinations import Status
from ftzlink.text import Text

__all__ = [
    "MAX_POSITIONS",
    "STATUS_CODES",
    "Algebra",
    "MeasurePlan",
    "Node",
    "Plan",
    "build",
    "compile_plan",
]

STATUS_CODES: tuple[Status, ...] = (
    Status.ELIGIBLE,
    Status.INELIGIBLE,
    Status.NEEDS_INFO,
    Status.EXPIRED,
    Status.NOT_YET_EFFECTIVE,
)
MAX_POSITIONS = 62  # question positions per measure: bits of a signed 64-bit integer

NodeKind = Literal["leaf", "all", "any", "not", "exists", "slot"]


@dataclass(frozen=True)
class Node:
    id: int
    kind: NodeKind
    children: tuple[int, ...] = ()
    column: str | None = None  # leaf: the column it tests
    spec: FieldSpec | None = None
    op: str | None = None
    value: Any = None
    slot: int | None = None  # slot: the project index
    question: str | None = None  # leaf/exists: the field path the scalar engine would ask
    reason_descends: bool = False  # an unlabelled `all`: the reason is one of its children


@dataclass
class MeasurePlan:
    policy: Policy
    measure: Measure
    in_force: Literal["in_force", "expired", "not_yet_effective"]
    tops: list[int]  # the eligibility's and the measure's root nodes
    reasons: list[Text] = field(default_factory=list)  # failed code -> the condition's text
    reason_codes: dict[int, int] = field(default_factory=dict)  # node -> failed code
    positions: list[tuple[int, tuple[int, ...], str]] = field(default_factory=list)
    exists: list[int] = field(default_factory=list)  # exists nodes, for the matched projects

    @property
    def id(self) -> str:
        return self.measure.id

    @property
    def computed(self) -> bool:
        return self.in_force == "in_force"


@dataclass
class Plan:
    catalogue: Catalogue
    as_of: dt.date
    slots: int
    nodes: list[Node]
    measures: list[MeasurePlan]
    compiled: dict[str, Any] = field(default_factory=dict)  # expressions built from the plan

    @property
    def columns(self) -> list[str]:
        """The registry columns the in-force measures test (and the project amounts need)."""
        used = [m for m in self.measures if m.computed]
        wanted = {self.nodes[n].column for m in used for n in _subtree(self.nodes, m.tops)} - {None}
        if any(m.exists for m in used):
            wanted |= {
                PROJECT_COUNT,
                *(slot_column(i, "requested_amount") for i in range(self.slots)),
            }
        return sorted(c for c in wanted if c is not None)


class _Lowering:
    def __init__(self, catalogue: Catalogue, slots: int) -> None:
        self.catalogue = catalogue
        self.slots = slots
        self.nodes: list[Node] = []
        self.texts: dict[int, Text] = {}
        self.problems: list[Problem] = []

    def add(self, **kwargs: Any) -> int:
        node = Node(id=len(self.nodes), **kwargs)
        self.nodes.append(node)
        return node.id

    def lower(
        self,
        node: Condition,
        fields: dict[str, FieldSpec],
        slot: int | None,
        where: str,
    ) -> int:
        text = describe(self.catalogue, node, fields)
        if isinstance(node, AllOf | AnyOf):
            children = node.all if isinstance(node, AllOf) else node.any
            ids = tuple(self.lower(c, fields, slot, where) for c in children)
            kind: NodeKind = "all" if isinstance(node, AllOf) else "any"
            nid = self.add(
                kind=kind,
                children=ids,
                reason_descends=isinstance(node, AllOf) and node.label is None,
            )
        elif isinstance(node, Not):
            nid = self.add(kind="not", children=(self.lower(node.not_, fields, slot, where),))
        elif isinstance(node, Exists):
            if slot is not None or node.field != PROJECTS:
                self.problems.append(
                    Problem(f"exists over {node.field!r} cannot be matched in bulk", field=where)
                )
                return self.add(kind="all")
            item_fields = fields[node.field].item_fields
            slots = tuple(
                self.add(
                    kind="slot", slot=i, children=(self.lower(node.exists, item_fields, i, where),)
                )
                for i in range(self.slots)
            )
            nid = self.add(kind="exists", children=slots, question=PROJECTS)
        else:
            spec = fields.get(node.field)
            if spec is None or spec.type == "list":
                self.problems.append(
                    Problem(f"field {node.field!r} cannot be matched in bulk", field=where)
                )
                return self.add(kind="all")
            if slot is None:
                column, question = column_name(node.field), node.field
            else:
                column = slot_column(slot, node.field)
                question = f"{PROJECTS}[{slot}].{node.field}"
            nid = self.add(
                kind="leaf",
                column=column,
                spec=spec,
                op=node.op,
                value=node.value,
                question=question,
            )
        self.texts[nid] = text
        return nid


def compile_plan(catalogue: Catalogue, as_of: dt.date, slots: int) -> Plan:
    """Lower every measure of the catalogue for a registry with `slots` project slots."""
    lowering = _Lowering(catalogue, slots)
    fields = dict(profile_fields())
    eligibility: dict[str, int] = {}
    measures: list[MeasurePlan] = []
    for policy, measure in catalogue.measures():
        tops = []
        if policy.eligibility is not None:
            if policy.id not in eligibility:
                eligibility[policy.id] = lowering.lower(
                    policy.eligibility, fields, None, f"{policy.id}.eligibility"
                )
            tops.append(eligibility[policy.id])
        if measure.when is not None:
            tops.append(lowering.lower(measure.when, fields, None, f"{measure.id}.when"))
        plan = MeasurePlan(
            policy=policy,
            measure=measure,
            in_force=policy.validity_of(measure).status_on(as_of),
            tops=tops,
        )
        _explain(plan, lowering)
        measures.append(plan)
    if lowering.problems:
        raise InvalidInput("the catalogue cannot be matched in bulk", lowering.problems)
    return Plan(catalogue, as_of, slots, lowering.nodes, measures)


def _explain(plan: MeasurePlan, lowering: _Lowering) -> None:
    """Number the measure's possible reasons, question positions and exists nodes."""
    nodes = lowering.nodes

    def reasons(ids: Sequence[int]) -> None:
        for nid in ids:
            if nodes[nid].reason_descends:
                reasons(nodes[nid].children)
            elif nid not in plan.reason_codes:
                plan.reason_codes[nid] = len(plan.reasons)
                plan.reasons.append(lowering.texts[nid])

    reasons(plan.tops)
    for top in plan.tops:
        plan.positions += top_positions(nodes, top)
    plan.exists = [n for n in sorted(_subtree(nodes, plan.tops)) if nodes[n].kind == "exists"]
    if len(plan.positions) > MAX_POSITIONS:
        lowering.problems.append(
            Problem(
                f"{len(plan.positions)} question positions (at most {MAX_POSITIONS}); "
                "use fewer project slots",
                field=plan.id,
            )
        )


class Algebra(Protocol):
    """What the builder needs of an expression language; nulls are unknowns throughout."""

    def leaf(self, node: Node) -> Any: ...
    def all(self, items: Sequence[Any]) -> Any: ...
    def any(self, items: Sequence[Any]) -> Any: ...
    def not_(self, item: Any) -> Any: ...
    def is_null(self, item: Any) -> Any: ...
    def column(self, name: str) -> Any: ...
    def slot(self, slot: int, child: Any) -> Any: ...
    def exists(self, slots: Sequence[Any]) -> Any: ...
    def case(self, cases: Sequence[tuple[Any, Any]], otherwise: Any | None) -> Any: ...
    def integer(self, value: int) -> Any: ...
    def code(self, value: int) -> Any: ...  # a small integer (a failed condition's index)
    def prelude(self, slots: int) -> list[tuple[str, Any]]: ...  # helper columns, if any
    def status(self, overall: Any) -> Any: ...  # eligible / ineligible / needs_info
    def bits(self, tests: Sequence[Any]) -> Any: ...  # bit i set when tests[i] is true
    def shifted(self, mask: Any, by: int, bits: int) -> Any: ...  # as a mask of `bits` bits
    def total(self, items: Sequence[Any]) -> Any: ...
    def capped(self, slot: int, cap: int) -> Any: ...  # the slot's request, capped


def node_column(nid: int) -> str:
    return f"_n{nid}"


def build(plan: Plan, alg: Algebra) -> list[list[tuple[str, Any]]]:
    """The stages of the evaluation, each a list of (column, expression) over the previous one:
    0. helper columns, if the algebra wants them;
    1. a column per condition node, layer by layer (leaves first), each node computed once from
       its children's columns;
    2. per root (a policy's eligibility, a measure's `when`): the bit mask of its positions that
       would be asked if the measure were undecided (computed once for a shared eligibility);
    3. the outputs of the in-force measures."""
    nodes = plan.nodes

    def ref(nid: int) -> Any:
        return alg.column(node_column(nid))

    def expression(nid: int) -> Any:
        node = nodes[nid]
        children = [ref(c) for c in node.children]
        combine: dict[str, Callable[[], Any]] = {
            "leaf": lambda: alg.leaf(node),
            "all": lambda: alg.all(children),
            "any": lambda: alg.any(children),
            "not": lambda: alg.not_(children[0]),
            "slot": lambda: alg.slot(node.slot or 0, children[0]),
            "exists": lambda: alg.exists(children),
        }
        return combine[node.kind]()

    computed = [m for m in plan.measures if m.computed]
    used = sorted({n for m in computed for n in _subtree(nodes, m.tops)})
    height: dict[int, int] = {}
    for n in used:  # children are numbered before their parents
        height[n] = 1 + max((height[c] for c in nodes[n].children), default=-1)
    stage0 = alg.prelude(plan.slots)
    layers = [
        [(node_column(n), expression(n)) for n in used if height[n] == h]
        for h in range(max(height.values(), default=-1) + 1)
    ]

    def failed(nid: int) -> Any:
        return alg.not_(ref(nid))  # true only when the node failed (null stays null)

    def asked(nid: int, ancestors: tuple[int, ...]) -> Any:
        tests = [alg.is_null(ref(a)) for a in (*ancestors, nid)]
        if nodes[nid].kind == "exists":  # asked itself only when projects are unknown
            tests.append(alg.is_null(alg.column(PROJECT_COUNT)))
        return alg.all(tests)

    roots = {t: top_positions(nodes, t) for m in computed for t in m.tops}
    stage2 = [
        (root_column(t), alg.bits([asked(n, a) for n, a, _ in positions]))
        for t, positions in roots.items()
        if positions
    ]

    caps = sorted({m.measure.cap.amount for m in computed if m.exists and m.measure.cap})
    stage2 += [
        (capped_column(i, cap), alg.capped(i, cap)) for cap in caps for i in range(plan.slots)
    ]

    stage3: list[tuple[str, Any]] = []
    for m in computed:
        overall = alg.all([ref(t) for t in m.tops])
        stage3.append((f"{m.id}.code", alg.status(overall)))

        def reason(ids: Sequence[int], m: MeasurePlan = m) -> Any:
            return alg.case(
                [
                    (
                        failed(i),
                        reason(nodes[i].children)
                        if nodes[i].reason_descends
                        else alg.code(m.reason_codes[i]),
                    )
                    for i in ids
                ],
                None,
            )

        if m.tops:
            stage3.append((f"{m.id}.failed", reason(m.tops)))
        masks, shift = [], 0
        for top in m.tops:
            if roots[top]:
                masks.append(alg.shifted(alg.column(root_column(top)), shift, len(m.positions)))
            shift += len(roots[top])
        if masks:
            stage3.append(
                (f"{m.id}.questions", alg.case([(alg.is_null(overall), alg.total(masks))], None))
            )
        matched = [
            alg.any([ref(nodes[e].children[i]) for e in m.exists]) for i in range(plan.slots)
        ]
        if not (m.exists and matched):
            continue
        passed = alg.all([overall, alg.any(matched)])
        stage3.append((f"{m.id}.projects", alg.case([(passed, alg.bits(matched))], None)))
        cap = m.measure.cap
        if cap is not None:
            amounts = [
                alg.case(
                    [(x, alg.column(capped_column(i, cap.amount)))],
                    alg.integer(0),
                )
                for i, x in enumerate(matched)
            ]
            stage3.append((f"{m.id}.amount", alg.case([(passed, alg.total(amounts))], None)))
    return [stage for stage in (stage0, *layers, stage2) if stage] + [stage3]


def capped_column(slot: int, cap: int) -> str:
    return f"_c{slot}_{cap}"


def root_column(nid: int) -> str:
    return f"_q{nid}"


def top_positions(nodes: Sequence[Node], top: int) -> list[tuple[int, tuple[int, ...], str]]:
    """The question positions under a root, depth first: (node, its ancestors, field)."""
    positions: list[tuple[int, tuple[int, ...], str]] = []

    def walk(nid: int, ancestors: tuple[int, ...]) -> None:
        node = nodes[nid]
        if node.question is not None:
            positions.append((nid, ancestors, node.question))
        for child in node.children:
            walk(child, (*ancestors, nid))

    walk(top, ())
    return positions


def _subtree(nodes: list[Node], roots: Sequence[int]) -> set[int]:
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        nid = stack.pop()
        if nid not in seen:
            seen.add(nid)
            stack.extend(nodes[nid].children)
    return seen
