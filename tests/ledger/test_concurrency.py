"""Two processes, each with its own engine, append 5,000 entries each at the same time: the
indices run 0–9,999 without a gap and the root is the one recomputed from the entries."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import ftzlink.ledger.log as log
from ftzlink.db import Database
from tests.ledger import rfc

PER_PROCESS = 5000
BATCH = 10  # entries per transaction: 500 transactions a process, interleaving with the other

SCRIPT = textwrap.dedent(
    """
    import sys
    from ftzlink.db import Database
    from ftzlink.ledger import log

    url, name, count, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    db = Database(url)
    for start in range(0, count, batch):
        with db.write() as session:
            for i in range(start, start + batch):
                log.append(session, kind="test/v1", body={"writer": name, "n": i})
    db.dispose()
    """
)


def test_two_processes_append_without_gap_or_fork(database: Database) -> None:
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, database.url, name, str(PER_PROCESS), str(BATCH)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    with database.read() as session:
        everything = list(log.entries(session))
        assert [e.index for e in everything] == list(range(2 * PER_PROCESS))
        datas = [e.data for e in everything]
        assert log.root(session) == rfc.mth(datas)
        for name in ("a", "b"):
            mine = [e.body["n"] for e in everything if e.body["writer"] == name]
            assert mine == list(range(PER_PROCESS))  # each writer's entries in its own order
        sample = [0, 1, 4999, 5000, 9998, 9999]
        root = log.root(session)
        for m in sample:
            assert rfc.inclusion_ok(m, len(datas), datas[m], log.inclusion_proof(session, m), root)
