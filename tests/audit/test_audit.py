"""The audit log is a hash chain: editing, deleting, swapping, reordering or forging any row in
the database, behind the platform's back, is found by `verify`, which names the first bad entry."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from ftzlink.applications import service as apps
from ftzlink.audit.log import Verification, entry_hash, verify
from ftzlink.audit.tables import AuditEntry
from tests.world import TODAY, World

COLUMNS = [c.name for c in AuditEntry.__table__.columns]
CONTENT = [c for c in COLUMNS if c != "seq"]


@pytest.fixture
def history(world: World) -> int:
    """Some months of work: organisations, people, applications decided. Returns the last seq."""
    world.set_budget(100_000_000)
    approved = world.submitted(world.a)
    world.approve(approved, 4_000_000)
    returned = world.return_(world.submitted(world.b), "Which products use AI?")
    world.resubmit(returned)
    world.write(
        apps.withdraw, principal=world.member_a, application_id=world.draft(world.a).id, today=TODAY
    )
    entries = world.audit_entries()
    assert len(entries) > 20
    return entries[-1].seq


@contextmanager
def tampered(world: World) -> Iterator[tuple[Connection, Callable[[], Verification]]]:
    """A connection to change rows on directly, and a check; everything is rolled back after."""
    with world.database.engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn, lambda: verify(Session(bind=conn))
        finally:
            transaction.rollback()


def row(conn: Connection, seq: int) -> dict[str, Any]:
    found = conn.execute(text("SELECT * FROM audit_entries WHERE seq = :seq"), {"seq": seq})
    return dict(found.mappings().one())


def write_row(conn: Connection, seq: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{c} = :{c}" for c in values)
    conn.execute(
        text(f"UPDATE audit_entries SET {assignments} WHERE seq = :where_seq"),
        {**values, "where_seq": seq},
    )


def insert_row(conn: Connection, values: dict[str, Any]) -> None:
    names = ", ".join(values)
    params = ", ".join(f":{c}" for c in values)
    conn.execute(text(f"INSERT INTO audit_entries ({names}) VALUES ({params})"), values)


def forged(conn: Connection, *, seq: int, after: int | None, linked: bool) -> dict[str, Any]:
    """An entry claiming the reviewer approved something; linked: hashed as the appender would."""
    values = row(conn, 1) | {
        "seq": seq,
        "action": "application.approve",
        "object_type": "application",
        "object_id": "4242",
        "detail": "forged",
        "prev_hash": row(conn, after)["hash"] if linked and after else "f" * 64,
        "hash": "e" * 64,
    }
    if linked:
        values["hash"] = entry_hash(AuditEntry(**values))
    return values


def shift_up(conn: Connection, *, after: int, last: int) -> None:
    """Renumber entries after `after` one up, last first so that no number is taken twice."""
    for seq in range(last, after, -1):
        conn.execute(
            text("UPDATE audit_entries SET seq = :new WHERE seq = :old"),
            {"new": seq + 1, "old": seq},
        )


def test_an_untouched_log_verifies_and_links_each_entry_to_the_one_before(
    world: World, history: int
) -> None:
    with world.database.read() as s:
        checked = verify(s)
    assert (checked.ok, checked.entries, checked.first_bad_seq) == (True, history, None)
    entries = world.audit_entries()
    assert [e.seq for e in entries] == list(range(1, history + 1))
    assert entries[0].prev_hash == "0" * 64
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(entries))
    approve = next(e for e in entries if e.action == "application.approve")
    assert (approve.actor, approve.actor_id) == ("reviewer", world.reviewer.user_id)
    assert approve.before_digest and approve.after_digest
    assert approve.before_digest != approve.after_digest


def where(history: int) -> list[int]:
    return [1, history // 2, history]


EDITS = {
    "actor": "mallory",
    "action": "application.reject",
    "object_id": "999999",
    "detail": "nothing happened here",
    "at": "2020-01-01T00:00:00.000000+00:00",
    "after_digest": "0" * 64,
}


def test_editing_any_field_of_any_entry_is_found_at_that_entry(world: World, history: int) -> None:
    for column, value in EDITS.items():
        for k in where(history):
            with tampered(world) as (conn, check):
                write_row(conn, k, {column: value})
                checked = check()
            assert (checked.ok, checked.first_bad_seq) == (False, k), (column, k)
            assert f"entry {k}" in (checked.problem or "")


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_link_to_the_next(
    world: World, history: int
) -> None:
    for k in where(history):
        with tampered(world) as (conn, check):
            values = row(conn, k) | {"detail": "edited, then rehashed"}
            write_row(
                conn, k, {"detail": values["detail"], "hash": entry_hash(AuditEntry(**values))}
            )
            checked = check()
        # The next entry no longer follows; after the last, the head no longer matches.
        assert (checked.ok, checked.first_bad_seq) == (False, min(k + 1, history)), k


def test_deleting_any_entry_or_cutting_off_the_end_is_found_where_entries_go_missing(
    world: World, history: int
) -> None:
    for k in where(history):
        with tampered(world) as (conn, check):
            conn.execute(text("DELETE FROM audit_entries WHERE seq = :seq"), {"seq": k})
            checked = check()
        assert (checked.ok, checked.first_bad_seq) == (False, k), k
        assert "missing" in (checked.problem or "") or "removed" in (checked.problem or "")
    with tampered(world) as (conn, check):
        conn.execute(text("DELETE FROM audit_entries WHERE seq > :seq"), {"seq": history - 3})
        checked = check()
    assert (checked.ok, checked.first_bad_seq) == (False, history - 2)


def test_swapping_or_reordering_entries_is_found_at_the_first_entry_moved(
    world: World, history: int
) -> None:
    middle = history // 2
    for j, k in [(1, middle), (middle, history), (history - 5, history - 4)]:
        with tampered(world) as (conn, check):
            first, second = row(conn, j), row(conn, k)
            # `hash` is unique: park one row's hash while the other takes it.
            write_row(conn, j, {"hash": "parked"})
            write_row(conn, k, {c: first[c] for c in CONTENT})
            write_row(conn, j, {c: second[c] for c in CONTENT})
            checked = check()
        assert (checked.ok, checked.first_bad_seq) == (False, j), ("swap", j, k)
    for k in [1, middle, history - 2]:
        with tampered(world) as (conn, check):
            # k, k+1, k+2 become k+1, k+2, k
            conn.execute(text("UPDATE audit_entries SET seq = -1 WHERE seq = :k"), {"k": k})
            for seq in (k + 1, k + 2):
                conn.execute(
                    text("UPDATE audit_entries SET seq = :new WHERE seq = :old"),
                    {"new": seq - 1, "old": seq},
                )
            conn.execute(text("UPDATE audit_entries SET seq = :k2 WHERE seq = -1"), {"k2": k + 2})
            checked = check()
        assert (checked.ok, checked.first_bad_seq) == (False, k), ("rotate", k)


def test_a_forged_entry_is_found_wherever_it_is_put(world: World, history: int) -> None:
    middle = history // 2
    # (where it goes, hashed as the appender would, the first entry that gives it away)
    cases = [
        (history + 1, False, history + 1),  # at the end
        (history + 1, True, history + 1),  # at the end: the head records no such entry
        (history + 5, True, history + 1),  # after a gap
        (0, False, 0),  # before the first
        (2, False, 2),  # in the middle, after renumbering the rest
        (middle + 1, False, middle + 1),
        # Linked in as a genuine entry would be, it fits after its predecessor; the entry after
        # it then no longer follows from what precedes it.
        (2, True, 3),
        (middle + 1, True, middle + 2),
    ]
    for seq, linked, found_at in cases:
        with tampered(world) as (conn, check):
            if 1 <= seq <= history:
                shift_up(conn, after=seq - 1, last=history)
            after = min(seq - 1, history) if seq > 1 else None
            insert_row(conn, forged(conn, seq=seq, after=after, linked=linked))
            checked = check()
        assert (checked.ok, checked.first_bad_seq) == (False, found_at), (seq, linked)


def test_altering_the_head_is_found_at_the_last_entry(world: World, history: int) -> None:
    with tampered(world) as (conn, check):
        conn.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": "d" * 64})
        checked = check()
    assert (checked.ok, checked.first_bad_seq) == (False, history)
