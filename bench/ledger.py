"""The ledger's speed: bulk append, one append per transaction, root, inclusion-proof generation
and verification at --n entries, on SQLite (WAL, synchronous=FULL, as the platform opens it) and
PostgreSQL, beside pymerkle (optional `bench` extra) on the same machine.

Usage (from the repository root):

    .venv/bin/python bench/ledger.py --n 100000
    .venv/bin/python bench/ledger.py --n 20000 --single 1000 --postgres ''   # SQLite only, quick

Per backend, a fresh database (SQLite in a temporary directory; PostgreSQL in a throwaway schema
of --postgres, skipped with a note if unreachable) is migrated, then:

  bulk            --n entries of ~120 bytes appended in transactions of --batch entries
  single          --single more entries, one `append` per `Database.write()` transaction
  root            `log.root` of the whole log (read transaction reused), --ops times
  inclusion_proof `log.inclusion_proof` of a random index at the full size, --ops times; the
                  proof's length is checked against RFC 9162's (ceil(log2 n) or one less);
                  `_before`: the same proofs read the way they were before issue 19, same run
  inclusion_with_root  `log.inclusion` (size, leaf hash, proof and root in one statement, what
                  the API's inclusion route answers) beside `_before`: the four statements
                  the route made before (size, proof, entry, root)
  verify          `verifier.verify_inclusion` of those proofs, in memory
  consistency     `log.consistency_proof` from a random older size, --ops times

and pymerkle's InmemoryTree (if installed) for append, root, inclusion proof and its verification.
One JSON line per measurement: {"name", "backend", "count", "seconds", "per_second", "us_each",
"loadavg"}.
The temporary directory and schema are removed at the end. Not a test: pytest collects only tests/.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ftzlink.db import Database
from ftzlink.ledger import log
from ftzlink.ledger.verifier import verify_inclusion

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def emit(name: str, backend: str, count: int, seconds: float, **extra: Any) -> None:
    line = {
        "name": name,
        "backend": backend,
        "count": count,
        "seconds": round(seconds, 4),
        "per_second": round(count / seconds, 1) if seconds else None,
        "us_each": round(seconds / count * 1e6, 2) if count else None,
        **extra,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    print(json.dumps(line), flush=True)


def entry(i: int) -> bytes:
    return log.encode_entry(
        "bench/v1",
        {"i": i, "action": "transfer", "manifest": f"{i:064x}", "records": i % 977},
    )


@contextmanager
def sqlite_database(root: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{root / 'bench.db'}")
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[Database]:
    base = make_url(url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    target = base.set(
        drivername="postgresql+psycopg", query={**base.query, "options": f"-csearch_path={schema}"}
    )
    db = Database(target.render_as_string(hide_password=False))
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def rfc_proof_length(index: int, size: int) -> int:
    """RFC 9162 PATH(m, D[n]) length, by its recursion."""
    length = 0
    while size > 1:
        k = 1 << ((size - 1).bit_length() - 1)
        if index < k:
            size = k
        else:
            index, size = index - k, size - k
        length += 1
    return length


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bench_database(db: Database, backend: str, args: argparse.Namespace) -> None:
    n = args.n
    seconds = 0.0
    for start in range(0, n, args.batch):
        batch = [entry(i) for i in range(start, min(n, start + args.batch))]
        begin = time.perf_counter()
        with db.write() as session:
            log.append_many(session, batch)
        seconds += time.perf_counter() - begin
    emit("bulk_append", backend, n, seconds, batch=args.batch)

    begin = time.perf_counter()
    for i in range(n, n + args.single):
        with db.write() as session:
            log.append_bytes(session, entry(i))
    emit("single_append_per_transaction", backend, args.single, time.perf_counter() - begin)

    rng = random.Random(7)
    with db.read() as session:
        size = log.size(session)
        data = {}
        seconds, roots = timed(lambda: [log.root(session) for _ in range(args.ops)])
        emit("root", backend, args.ops, seconds, size=size)
        root = roots[0]
        indices = [rng.randrange(size) for _ in range(args.ops)]
        seconds, proofs = timed(lambda: [log.inclusion_proof(session, m, size) for m in indices])
        emit("inclusion_proof", backend, args.ops, seconds, size=size, statements=1)
        # The anchor, same run, same session: the proof as read before issue 19 (the subtrees
        # fetched by primary key, the SQL text varying with their number).
        seconds, before = timed(
            lambda: [
                log._range_hashes(session, log._inclusion_ranges(m, 0, size), size) for m in indices
            ]
        )
        assert before == proofs
        emit("inclusion_proof_before", backend, args.ops, seconds, size=size, statements=1)
        # What GET /ledger/proofs/inclusion needs (the log's size, the entry's leaf hash, the
        # proof, the root): one statement now, four before.
        seconds, bundles = timed(lambda: [log.inclusion(session, m) for m in indices])
        emit("inclusion_with_root", backend, args.ops, seconds, size=size, statements=1)

        def four(m: int) -> tuple[bytes, bytes, list[bytes]]:
            n = log.size(session)
            proof = log._range_hashes(session, log._inclusion_ranges(m, 0, n), n)
            return log.get_entry(session, m).leaf_hash, log.root(session, n), proof

        seconds, fours = timed(lambda: [four(m) for m in indices])
        assert fours == [(b.leaf_hash, b.root_hash, b.proof) for b in bundles]
        emit("inclusion_with_root_before", backend, args.ops, seconds, size=size, statements=4)
        wrong = [
            m for m, p in zip(indices, proofs, strict=True) if len(p) != rfc_proof_length(m, size)
        ]
        for m in set(indices):
            data[m] = log.get_entry(session, m).leaf_hash
        pairs = list(zip(indices, proofs, strict=True))
        seconds, oks = timed(
            lambda: [verify_inclusion(data[m], m, size, p, root) for m, p in pairs]
        )
        emit(
            "verify_inclusion",
            backend,
            args.ops,
            seconds,
            all_ok=all(oks),
            proofs_of_rfc_length=not wrong,
            proof_length=len(proofs[0]),
        )
        olds = [rng.randrange(1, size) for _ in range(args.ops)]
        seconds, _ = timed(lambda: [log.consistency_proof(session, m, size) for m in olds])
        emit("consistency_proof", backend, args.ops, seconds, size=size)


def bench_pymerkle(args: argparse.Namespace) -> None:
    try:
        from pymerkle import InmemoryTree
        from pymerkle import verify_inclusion as pm_verify
    except ImportError:
        print(json.dumps({"name": "pymerkle", "skipped": "not installed (pip install pymerkle)"}))
        return
    tree = InmemoryTree(algorithm="sha256")
    entries = [entry(i) for i in range(args.n)]
    seconds, _ = timed(lambda: [tree.append_entry(e) for e in entries])
    emit("bulk_append", "pymerkle-inmemory", args.n, seconds)
    size = tree.get_size()
    seconds, states = timed(lambda: [tree.get_root() for _ in range(args.ops)])
    emit("root", "pymerkle-inmemory", args.ops, seconds, size=size)
    rng = random.Random(7)
    indices = [rng.randrange(1, size + 1) for _ in range(args.ops)]  # pymerkle counts from 1
    seconds, proofs = timed(lambda: [tree.prove_inclusion(m, size) for m in indices])
    emit("inclusion_proof", "pymerkle-inmemory", args.ops, seconds, size=size)
    state = states[0]
    leaves = {m: tree.get_leaf(m) for m in set(indices)}
    pairs = list(zip(indices, proofs, strict=True))
    seconds, _ = timed(lambda: [pm_verify(leaves[m], state, p) for m, p in pairs])
    emit("verify_inclusion", "pymerkle-inmemory", args.ops, seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="entries appended in bulk")
    parser.add_argument("--batch", type=int, default=50_000, help="entries per bulk transaction")
    parser.add_argument("--single", type=int, default=5_000, help="one-per-transaction appends")
    parser.add_argument("--ops", type=int, default=2_000, help="roots/proofs to time")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="'' to skip PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sqlite_database(Path(tmp)) as db:
        bench_database(db, "sqlite", args)
    if args.postgres:
        try:
            with postgres_database(args.postgres) as db:
                bench_database(db, "postgresql", args)
        except Exception as error:  # unreachable server: say so and go on
            print(json.dumps({"name": "postgresql", "skipped": str(error).splitlines()[0]}))
    bench_pymerkle(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
