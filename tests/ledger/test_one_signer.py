"""One signer at a time: two transactions signing at once (two server processes' timers) make
one checkpoint of a tree, never two, even without the write lock every platform write takes."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session

import ftzlink.ledger.checkpoints as checkpoints
import ftzlink.ledger.log as log
from ftzlink.db import Database
from ftzlink.settings import Settings


def test_a_second_signer_waits_for_the_first_and_does_not_sign_the_same_tree_again(
    database: Database, settings: Settings
) -> None:
    with database.write() as session:
        for n in range(5):
            log.append(session, kind="test/v1", body={"n": n})
    if database.dialect != "postgresql":
        # SQLite: every write transaction is exclusive (BEGIN IMMEDIATE); two signers take turns.
        for _ in range(2):
            with database.write() as session:
                checkpoints.sign_if_grown(session, settings)
    else:
        # Plain transactions, not Database.write(): only the signing lock orders them.
        signed_first = threading.Event()
        results: dict[str, object] = {}

        def first() -> None:
            with Session(database.engine) as session, session.begin():
                results["first"] = checkpoints.sign_if_grown(session, settings)
                signed_first.set()
                time.sleep(0.5)  # the second signer is waiting for the lock meanwhile

        def second() -> None:
            signed_first.wait(10)
            with Session(database.engine) as session, session.begin():
                started = time.monotonic()
                results["second"] = checkpoints.sign_if_grown(session, settings)
                results["waited"] = time.monotonic() - started

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert results["first"] is not None and results["second"] is None
        assert isinstance(results["waited"], float) and results["waited"] >= 0.3
    with database.read() as session:
        assert [c.size for c in checkpoints.issued(session)] == [5]
