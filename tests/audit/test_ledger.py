"""The audit log on the ledger: an attacker with write access to the database who rewrites audit
entries and recomputes every chain hash — and then the ledger's entries and every stored subtree
hash too — is still found, by the ledger's copy and then by the signed checkpoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

import ftzlink.ledger.checkpoints as checkpoints
import ftzlink.ledger.log as ledger
from ftzlink.applications import service as apps
from ftzlink.audit.log import AUDIT_KIND, Verification, catch_up, entry_hash, ledger_body, verify
from ftzlink.audit.tables import AuditEntry
from ftzlink.ledger.keys import Signer, generate
from tests.world import TODAY, World

ORIGIN = "ftzlink.test/ledger"


@pytest.fixture
def signer() -> Signer:
    return generate(ORIGIN)


@pytest.fixture
def signed(world: World, signer: Signer) -> int:
    """Some work on the platform, then a checkpoint signed over it. Returns the last audit seq."""
    world.set_budget(100_000_000)
    world.approve(world.submitted(world.a), 4_000_000)
    world.write(
        apps.withdraw, principal=world.member_a, application_id=world.draft(world.a).id, today=TODAY
    )
    with world.database.write() as session:
        checkpoints.sign_checkpoint(session, signer)
    return world.audit_entries()[-1].seq


@contextmanager
def attacker(world: World, signer: Signer) -> Iterator[tuple[Connection, Any]]:
    """Direct access to the tables, and the platform's check; all rolled back afterwards."""
    with world.database.engine.connect() as conn:
        transaction = conn.begin()
        try:

            def check(**kwargs: Any) -> Verification:
                return verify(Session(bind=conn), key=signer.verifier, **kwargs)

            yield conn, check
        finally:
            transaction.rollback()


def recompute_chain(conn: Connection) -> None:
    """What a careful attacker does after editing audit rows: every chain hash, and the head."""
    session = Session(bind=conn)
    prev = "0" * 64
    rows = list(session.query(AuditEntry).order_by(AuditEntry.seq))
    for seq, entry in enumerate(rows, 1):
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = entry_hash(entry)
        prev = entry.hash
    session.flush()
    conn.execute(
        text("UPDATE audit_head SET seq = :seq, hash = :hash"), {"seq": len(rows), "hash": prev}
    )


def rebuild_ledger(conn: Connection) -> None:
    """...and then the ledger: its audit entries made to agree with the rewritten audit table,
    in order, and every leaf and subtree hash computed anew."""
    session = Session(bind=conn)
    datas = [
        bytes(r.data) for r in conn.execute(text("SELECT data FROM ledger_entries ORDER BY idx"))
    ]
    audit = iter(session.query(AuditEntry).order_by(AuditEntry.seq).all())
    rebuilt = []
    for data in datas:
        if data.startswith(AUDIT_KIND.encode() + b"\n"):
            entry = next(audit, None)
            if entry is None:
                continue  # the attacker removed it
            data = ledger.encode_entry(AUDIT_KIND, ledger_body(entry))
        rebuilt.append(data)
    rebuilt += [ledger.encode_entry(AUDIT_KIND, ledger_body(e)) for e in audit]
    conn.execute(text("DELETE FROM ledger_nodes"))
    conn.execute(text("DELETE FROM ledger_entries"))
    ledger.append_many(session, rebuilt)
    session.flush()


def test_an_untouched_log_verifies_against_the_ledger_and_its_checkpoint(
    world: World, signer: Signer, signed: int
) -> None:
    with attacker(world, signer) as (_, check):
        result = check()
    assert result.ok and result.entries == signed and result.checkpoints == 1
    assert result.notes == ()


def test_an_edit_with_the_chain_recomputed_is_found_by_the_ledger_copy(
    world: World, signer: Signer, signed: int
) -> None:
    with attacker(world, signer) as (conn, check):
        conn.execute(text("UPDATE audit_entries SET action = 'application.reject' WHERE seq = 5"))
        recompute_chain(conn)
        result = check()
    assert not result.ok and result.first_bad_seq == 5
    assert "copy on the ledger" in (result.problem or "")


@pytest.mark.parametrize("how", ["alter", "delete", "insert", "reorder", "truncate"])
def test_rewriting_both_logs_with_every_hash_recomputed_is_found_by_the_checkpoint(
    world: World, signer: Signer, signed: int, how: str
) -> None:
    with attacker(world, signer) as (conn, check):
        if how == "alter":
            conn.execute(text("UPDATE audit_entries SET detail = 'nothing happened' WHERE seq = 3"))
        elif how == "delete":
            conn.execute(text("DELETE FROM audit_entries WHERE seq = 4"))
        elif how == "insert":
            conn.execute(text("UPDATE audit_entries SET seq = seq + 1000"))
            conn.execute(
                text(
                    "INSERT INTO audit_entries (seq, at, actor_id, actor, acted_for_id, action, "
                    "object_type, object_id, before_digest, after_digest, detail, prev_hash, hash) "
                    "VALUES (1, '2025-01-01T00:00:00', NULL, 'system', NULL, 'forged', 'x', '1', "
                    "NULL, NULL, '', '', 'forged')"
                )
            )
        elif how == "reorder":
            conn.execute(text("UPDATE audit_entries SET seq = -seq WHERE seq IN (6, 7)"))
            conn.execute(text("UPDATE audit_entries SET seq = 7 WHERE seq = -6"))
            conn.execute(text("UPDATE audit_entries SET seq = 6 WHERE seq = -7"))
        else:  # truncate: the last entries gone
            conn.execute(text("DELETE FROM audit_entries WHERE seq > :keep"), {"keep": signed - 3})
        recompute_chain(conn)
        rebuild_ledger(conn)
        result = check()
    assert not result.ok, how
    assert "ledger does not verify" in (result.problem or ""), result.problem


def test_truncating_both_logs_and_their_checkpoints_needs_a_checkpoint_kept_outside(
    world: World, signer: Signer, signed: int
) -> None:
    with world.database.read() as session:
        kept = checkpoints.latest(session)
    assert kept is not None
    with attacker(world, signer) as (conn, check):
        conn.execute(text("DELETE FROM audit_entries WHERE seq > :keep"), {"keep": signed - 3})
        recompute_chain(conn)
        rebuild_ledger(conn)
        conn.execute(text("DELETE FROM ledger_checkpoints"))
        inside = check()
        outside = check(outside_checkpoints=[kept.note])
    assert inside.ok and any("no signed checkpoint" in n for n in inside.notes)
    assert not outside.ok


def test_without_the_key_the_signatures_are_not_checked_and_it_says_so(
    world: World, signed: int
) -> None:
    with world.database.read() as session:
        result = verify(session)
    assert result.ok and result.checkpoints == 1
    assert any("signatures were not checked" in n for n in result.notes)


def test_a_database_from_before_the_ledger_catches_up_in_order(
    world: World, signer: Signer
) -> None:
    with world.database.engine.begin() as conn:  # as if the ledger had never existed
        conn.execute(text("DELETE FROM ledger_nodes"))
        conn.execute(text("DELETE FROM ledger_entries"))
    with world.database.read() as session:
        assert not verify(session).ok  # entries missing from the ledger
    world.database.upgrade()  # what `ftzlink db upgrade` and `serve` run
    with world.database.write() as session:
        assert catch_up(session) == 0  # already done
        checkpoints.sign_checkpoint(session, signer)
    with world.database.read() as session:
        result = verify(session, key=signer.verifier)
        seqs = [e.body["seq"] for e in ledger.entries(session) if e.kind == AUDIT_KIND]
    assert result.ok and seqs == list(range(1, result.entries + 1))


def test_both_commands_find_a_rewrite_with_every_hash_recomputed(
    world: World, cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    world.set_budget(100_000_000)
    world.approve(world.submitted(world.a), 4_000_000)
    monkeypatch.setenv("FTZLINK_DATABASE_URL", world.database.url)
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path))
    assert cli("ledger", "keygen").code == 0
    assert cli("ledger", "checkpoint").code == 0
    assert cli("audit", "verify").code == 0
    with world.database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET detail = 'nothing happened' WHERE seq = 3"))
        recompute_chain(conn)
        rebuild_ledger(conn)
    audit = cli("audit", "verify")
    assert audit.code == 1 and "ledger does not verify" in audit.out
    assert cli("ledger", "verify").code == 1
