"""Named locks (ftzlink.locks): on PostgreSQL one transaction at a time holds a name, whatever
process it is in, until it ends; the same name with another key is another lock."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ftzlink import locks
from ftzlink.db import Database


def _free(other: Session, name: str, key: str = "") -> bool:
    """Whether another transaction could take (name, key) now, without waiting."""
    with other.begin():
        return bool(
            other.execute(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": locks.lock_id(name, key)}
            ).scalar()
        )


def test_a_held_name_is_taken_by_no_other_transaction_until_the_holder_ends(
    database: Database,
) -> None:
    if database.dialect != "postgresql":
        # Every SQLite write transaction is already exclusive; holding a name there is a no-op.
        with database.write() as session:
            locks.hold(session, "ledger.checkpoint")
        return
    with Session(database.engine) as holder, Session(database.engine) as other:
        with holder.begin():
            locks.hold(holder, "sign_in", "member\0198.51.100.7")
            assert not _free(other, "sign_in", "member\0198.51.100.7")
            assert _free(other, "sign_in", "member\0203.0.113.9")  # another pair
            assert _free(other, "ledger.checkpoint")
        assert _free(other, "sign_in", "member\0198.51.100.7")  # released at commit


def test_lock_ids_are_stable_and_distinct() -> None:
    assert locks.lock_id("ledger.checkpoint") == locks.lock_id("ledger.checkpoint")
    assert locks.lock_id("sign_in", "a\0b") != locks.lock_id("sign_in", "a\0c")
    assert -(2**63) <= locks.lock_id("x") < 2**63
