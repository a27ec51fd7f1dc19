"""Condition trees as SQL through SQLAlchemy Core: the registry evaluated where its table lives.

Nothing here is specific to one database: SQL's NULL is the unknown, and its AND, OR, NOT, IN and
comparisons are the same Kleene logic as the scalar engine (see `ftzlink.matching.plan`). A
vocabulary value is compared with every spelling of it (its id, its Chinese and English labels,
its aliases), so the table may hold the ids or the labels people type. Stage 1 is a subquery with
one column per condition node; stage 2 selects the measures' outputs from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ftzlink.catalogue.models import Catalogue
from ftzlink.matching.columns import PROJECT_COUNT, slot_column
from ftzlink.matching.plan import Node, Plan, build

__all__ = ["SqlAlgebra", "match_select", "spellings"]


def spellings(catalogue: Catalogue, vocabulary: str, term_id: str) -> list[str]:
    """Every way a registry may write a vocabulary term: id, labels, aliases."""
    term = catalogue.term(vocabulary, term_id)
    if term is None:
        return [term_id]
    return list(dict.fromkeys([term.id, term.label.zh, term.label.en, *term.aliases]))


class SqlAlgebra:
    def __init__(self, catalogue: Catalogue, table: sa.FromClause) -> None:
        self.catalogue = catalogue
        self.table = table

    def _values(self, node: Node, values: Sequence[Any]) -> list[Any]:
        assert node.spec is not None
        if node.spec.vocabulary is None:
            return list(values)
        vocabulary = node.spec.vocabulary
        return [s for v in values for s in spellings(self.catalogue, vocabulary, v)]

    def leaf(self, node: Node) -> Any:
        assert node.column is not None and node.spec is not None
        col: Any = self.table.c[node.column]
        value = node.value
        if node.op in ("eq", "ne", "in", "not_in") and node.spec.vocabulary is not None:
            listed = [value] if node.op in ("eq", "ne") else value
            test = col.in_(self._values(node, listed))
            return sa.not_(test) if node.op in ("ne", "not_in") else test
        match node.op:
            case "eq":
                return col == value
            case "ne":
                return col != value
            case "lt":
                return col < value
            case "le":
                return col <= value
            case "gt":
                return col > value
            case "ge":
                return col >= value
            case "in":
                return col.in_(list(value))
            case "not_in":
                return sa.not_(col.in_(list(value)))
            case "between":
                low, high = value
                tests = []
                if low is not None:
                    tests.append(col >= low)
                if high is not None:
                    tests.append(col <= high)
                return sa.and_(*tests)
        raise AssertionError(f"unhandled operator {node.op}")

    def all(self, items: Sequence[Any]) -> Any:
        return sa.and_(*items) if items else sa.true()

    def any(self, items: Sequence[Any]) -> Any:
        return sa.or_(*items) if items else sa.false()

    def not_(self, item: Any) -> Any:
        return sa.not_(item)

    def is_null(self, item: Any) -> Any:
        return item.is_(None)

    def column(self, name: str) -> Any:
        numeric = (
            name.endswith("requested_amount")
            or name == PROJECT_COUNT
            or name.startswith(("_q", "_c"))
        )
        kind = sa.BigInteger() if numeric else sa.Boolean()
        return sa.column(name, kind)

    def slot(self, slot: int, child: Any) -> Any:
        count = self.column(PROJECT_COUNT)
        return sa.and_(count.is_not(None), count > slot, child)

    def exists(self, slots: Sequence[Any]) -> Any:
        return sa.case((self.column(PROJECT_COUNT).is_(None), sa.null()), else_=self.any(slots))

    def case(self, cases: Sequence[tuple[Any, Any]], otherwise: Any | None) -> Any:
        return sa.case(*cases, else_=otherwise if otherwise is not None else sa.null())

    def integer(self, value: int) -> Any:
        return sa.literal_column(str(value), sa.BigInteger())

    def status(self, overall: Any) -> Any:
        return self.case(
            [(overall, self.integer(0)), (sa.not_(overall), self.integer(1))], self.integer(2)
        )

    def bits(self, tests: Sequence[Any]) -> Any:
        return self.total(
            [self.case([(t, self.integer(1 << i))], self.integer(0)) for i, t in enumerate(tests)]
        )

    def shifted(self, mask: Any, by: int, bits: int) -> Any:
        return mask * self.integer(1 << by) if by else mask

    def total(self, items: Sequence[Any]) -> Any:
        result = items[0]
        for item in items[1:]:
            result = result + item
        return result

    def prelude(self, slots: int) -> list[tuple[str, Any]]:
        return []

    def code(self, value: int) -> Any:
        return self.integer(value)

    def capped(self, slot: int, cap: int) -> Any:
        requested = self.column(slot_column(slot, "requested_amount"))
        limit = self.integer(cap)
        return sa.case(
            (sa.or_(requested.is_(None), requested == 0), limit),
            (requested < cap, requested),
            else_=limit,
        )


def match_select(plan: Plan, table: sa.FromClause, keep: Sequence[str]) -> sa.Select[Any]:
    """One SELECT giving the raw outputs (see `ftzlink.matching.plan`) of every row of `table`,
    with the columns `keep` passed through: each stage of the plan a subquery of the next."""
    algebra = SqlAlgebra(plan.catalogue, table)
    *stages, outputs = build(plan, algebra)
    amounts = [slot_column(i, "requested_amount") for i in range(plan.slots)]
    carried = list(dict.fromkeys([*keep, PROJECT_COUNT, *amounts]))
    source: sa.FromClause = table
    columns: list[Any] = [table.c[name] for name in carried]
    for k, stage in enumerate(stages):
        source = (
            sa.select(*columns, *(e.label(n) for n, e in stage))
            .select_from(source)
            .offset(0)  # a fence: each stage computed once a row, not inlined into the next
            .subquery(f"stage{k + 1}")
        )
        columns = list(source.c)
    return sa.select(
        *(source.c[k] for k in keep),
        *(sa.type_coerce(e, sa.BigInteger()).label(n) for n, e in outputs),
    ).select_from(source)
