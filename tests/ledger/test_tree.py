"""Roots and proofs against the RFC: the published vectors, and every proof up to size 130
checked by the independent reference in tests/ledger/rfc.py."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from sqlalchemy import event

import ftzlink.ledger.log as log
from ftzlink.db import Database
from ftzlink.errors import InvalidInput, NotFound
from tests.ledger import rfc

MAX = 130


def test_roots_equal_the_rfc_6962_vectors(database: Database) -> None:
    with database.read() as session:
        assert log.root(session).hex() == rfc.RFC_ROOTS[0]
    for leaf in rfc.RFC_LEAVES:
        with database.write() as session:
            log.append_bytes(session, leaf)
    with database.read() as session:
        for n in range(len(rfc.RFC_ROOTS)):
            assert log.root(session, n).hex() == rfc.RFC_ROOTS[n], n
        assert log.head(session).root_hash.hex() == rfc.RFC_ROOTS[8]


def test_every_proof_up_to_130_is_the_rfcs_and_verifies_independently(database: Database) -> None:
    leaves = [b"leaf %d" % i for i in range(MAX)]
    with database.write() as session:
        log.append_many(session, leaves[:1])
    with database.write() as session:
        log.append_many(session, leaves[1:77])  # bulk from a non-empty, unaligned start
    for leaf in leaves[77:]:
        with database.write() as session:
            log.append_bytes(session, leaf)
    roots = [rfc.mth(leaves[:n]) for n in range(MAX + 1)]
    with database.read() as session:
        for n in range(1, MAX + 1):
            assert log.root(session, n) == roots[n]
            for m in range(n):
                got = log.inclusion_proof(session, m, n)
                assert got == rfc.path(m, leaves[:n]), (m, n)
                bundle = log.inclusion(session, m, n)  # the one-statement reading
                assert (bundle.proof, bundle.root_hash) == (got, roots[n]), (m, n)
                assert bundle.leaf_hash == log.leaf_hash(leaves[m])
                assert (bundle.tree_size, bundle.log_size) == (n, MAX)
                assert rfc.inclusion_ok(m, n, leaves[m], got, roots[n]), (m, n)
                assert not rfc.inclusion_ok(m, n, leaves[m] + b"!", got, roots[n])
            for m in range(1, n):
                got = log.consistency_proof(session, m, n)
                assert got == rfc.proof(m, leaves[:n]), (m, n)
                assert rfc.consistency_ok(m, n, roots[m], roots[n], got), (m, n)
                assert not rfc.consistency_ok(m, n, roots[m - 1], roots[n], got)
            assert log.consistency_proof(session, n, n) == []
            assert log.consistency_proof(session, 0, n) == []


def test_an_inclusion_proof_with_its_root_is_one_statement(database: Database) -> None:
    leaves = [b"entry %d" % i for i in range(37)]
    with database.write() as session:
        log.append_many(session, leaves)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with database.read() as session:
            session.connection()  # the transaction begun (SQLite's BEGIN is a statement)
            statements.clear()
            bundle = log.inclusion(session, 5)
            assert len(statements) == 1
            assert bundle.proof == rfc.path(5, leaves)
            assert bundle.root_hash == rfc.mth(leaves) and bundle.tree_size == 37
            with pytest.raises(InvalidInput):  # a tree larger than the log
                log.inclusion(session, 0, 38)
            with pytest.raises(NotFound):
                log.inclusion(session, 37)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    with database.read() as session, pytest.raises(NotFound):
        log.inclusion(session, 0, 0)


def test_proofs_outside_the_tree_are_not_found(database: Database) -> None:
    with database.write() as session:
        log.append_many(session, [b"a", b"b", b"c"])
    with database.read() as session:
        with pytest.raises(NotFound):
            log.inclusion_proof(session, 3)
        with pytest.raises(NotFound):
            log.inclusion_proof(session, 0, 4)
        with pytest.raises(NotFound):
            log.consistency_proof(session, 4)
        with pytest.raises(NotFound):
            log.get_entry(session, 3)
        with pytest.raises(NotFound):
            log.root(session, 4)
        with pytest.raises(NotFound):
            log.consistency_proof(session, 4, 4)
        with pytest.raises(NotFound):
            log.inclusion_proof(session, 0, 5)


def test_an_empty_log_has_no_tree_of_size_one(database: Database) -> None:
    with database.read() as session, pytest.raises(NotFound):
        log.inclusion_proof(session, 0, 1)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.binary(max_size=8), min_size=1, max_size=9), min_size=1, max_size=6))
def test_batches_of_any_sizes_give_the_rfc_root(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[bytes]]
) -> None:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('h') / 'l.db'}")
    db.upgrade()
    try:
        everything: list[bytes] = []
        for batch in batches:
            with db.write() as session:
                got = log.append_many(session, batch)
            assert list(got) == list(range(len(everything), len(everything) + len(batch)))
            everything += batch
            with db.read() as session:
                assert log.root(session) == rfc.mth(everything)
        with db.read() as session:
            n = len(everything)
            for m in range(n):
                assert log.inclusion_proof(session, m) == rfc.path(m, everything)
            assert [e.data for e in log.entries(session)] == everything
    finally:
        db.dispose()
