"""Named locks held for one write transaction, the same in every server process on every machine.

Some decisions read and then write ("how many wrong passwords from here?", "has a checkpoint been
signed at this size?"); with several processes on one database, two of them must not decide at
once. `hold` makes the rest of the write transaction exclusive for one name (and key): on
PostgreSQL a transaction-level advisory lock, released at commit or rollback; on SQLite every
write transaction is already exclusive (`BEGIN IMMEDIATE`, ftzlink.db), so there is nothing more
to take. It does not depend on how the platform otherwise orders its writers.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["hold", "lock_id"]


def lock_id(name: str, key: str = "") -> int:
    """A stable signed 64-bit number for (name, key): the same in every process and release."""
    digest = hashlib.sha256(f"ftzlink\0{name}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def hold(session: Session, name: str, key: str = "") -> None:
    """Wait until no other transaction holds (name, key), then hold it until this one ends.
    Call it inside `Database.write()`, before reading what the decision depends on."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(name, key)})
