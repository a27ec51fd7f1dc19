"""The Merkle log: append entries, compute roots and RFC 9162 proofs from stored subtree hashes.

Entries
    An entry is bytes: its type tag, a line feed, then the payload. `append(kind=, body=)` makes
    the payload canonical JSON: keys sorted, no whitespace (separators `,` and `:`), UTF-8
    without escaping non-ASCII, integers/strings/booleans/null/arrays/objects only (no floats).
    E.g. `audit/v1\\n{"action":"approve","at":"2025-01-02T03:04:05Z"}`. Tags look like
    `name/v1` (lowercase letters, digits, `.`, `-`; a version). Personal data must go on the
    log only as `salted_hash(value, salt)`; keep the salt beside the record, off the log.

Hashes (RFC 9162 §2.1.1)
    leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right); a tree of n > 1 leaves
    splits at the largest power of two smaller than n. The empty tree's root is SHA-256("").

Storage
    Every complete subtree's hash is stored once, when its last leaf is appended: leaf hashes
    beside the entries (level 0), the others in `ledger_nodes` as (level, idx) over the leaves
    [idx·2^level, (idx+1)·2^level). A root or a proof is a fold over O(log n) of them, fetched
    by primary key in one query.

Concurrency
    Appends must run inside `Database.write()`, which serializes writers on both backends; the
    next index is the current size, and the primary key on the index refuses a fork outright.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.errors import Conflict, InvalidInput, NotFound, Problem
from ftzlink.ledger.tables import LedgerEntry
from ftzlink.ledger.verifier import EMPTY_ROOT, entry_kind, leaf_hash, node_hash

__all__ = [
    "Entry",
    "Inclusion",
    "TreeHead",
    "append",
    "append_bytes",
    "append_many",
    "canonical_json",
    "consistency_proof",
    "encode_entry",
    "entries",
    "get_entry",
    "head",
    "inclusion",
    "inclusion_proof",
    "kind_of",
    "leaf_hash",
    "node_hash",
    "root",
    "salted_hash",
    "size",
]

KIND = re.compile(r"[a-z0-9][a-z0-9.-]{0,50}/v[1-9][0-9]{0,3}")
_BATCH = 5000
RAW = "raw"  # the kind of entries appended as bytes without a type tag


# --- entries ------------------------------------------------------------------------------------


def _check_json(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        raise InvalidInput(
            "a ledger entry cannot hold a float (its bytes would not be canonical)",
            [Problem("use an integer or a decimal string", field=path)],
        )
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_json(item, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(
                    "ledger entry keys are strings", [Problem(repr(key), field=path)]
                )
            _check_json(item, f"{path}.{key}")
        return
    raise InvalidInput(
        "a ledger entry holds JSON values only",
        [Problem(f"{type(value).__name__} is not JSON; convert it first", field=path)],
    )


def canonical_json(body: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8; only JSON's own types, and no floats."""
    _check_json(body, "body")
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _check_kind(kind: str) -> None:
    if not KIND.fullmatch(kind):
        raise InvalidInput(
            f"{kind!r} is not a ledger entry type tag",
            [Problem("a tag reads like audit/v1 or transfer-receipt/v1", field="kind")],
        )


def encode_entry(kind: str, body: Mapping[str, Any]) -> bytes:
    """The exact bytes `append` logs: `kind ‖ 0x0A ‖ canonical_json(body)`."""
    _check_kind(kind)
    return kind.encode("ascii") + b"\n" + canonical_json(body)


def kind_of(data: bytes) -> str:
    """The type tag an entry's bytes begin with, or `raw` if they begin with none."""
    return entry_kind(data)  # the standalone verifier's, so that both read a tag alike


def salted_hash(value: str | bytes, salt: str | bytes) -> str:
    """HMAC-SHA-256 of a personal datum under a per-record salt, in hex: what goes on the log.

    The salt (at least 16 bytes; `secrets.token_hex(16)` will do) stays with the record, off
    the log: whoever holds value and salt can show the entry is about them, nobody else can
    test guesses (passport numbers are few enough to enumerate without one).
    """
    salt_bytes = salt.encode() if isinstance(salt, str) else salt
    if len(salt_bytes) < 16:
        raise InvalidInput("a salt has at least 16 bytes", [Problem("too short", field="salt")])
    data = value.encode() if isinstance(value, str) else value
    return hmac.new(salt_bytes, data, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Entry:
    index: int
    kind: str
    data: bytes
    leaf_hash: bytes

    @property
    def payload(self) -> bytes:
        return self.data if self.kind == RAW else self.data.partition(b"\n")[2]

    @property
    def body(self) -> Any:
        """The payload as JSON (entries appended with `append`)."""
        return json.loads(self.payload)


@dataclass(frozen=True)
class TreeHead:
    size: int
    root_hash: bytes


# --- tree arithmetic ----------------------------------------------------------------------------

Key = tuple[int, int]  # (level, idx) of a complete subtree


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtrees(lo: int, hi: int) -> list[Key]:
    """[lo, hi) as complete subtrees, left to right (lo aligned as RFC 9162 splits leave it)."""
    keys: list[Key] = []
    start, n = lo, hi - lo
    for level in reversed(range(n.bit_length())):
        if n >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def _fold(hashes: Sequence[bytes]) -> bytes:
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def _inclusion_ranges(m: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]) as the ranges whose hashes it lists, bottom up."""
    path: list[tuple[int, int]] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo, m = lo + k, m - k
    return path[::-1]


def _consistency_ranges(m: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], true) as ranges, in proof order."""
    outer: list[tuple[int, int]] = []
    complete = True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                outer.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            outer.append((lo + k, hi))
            hi = lo + k
        else:
            outer.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    # SUBPROOF appends its sibling after the recursive part: the deepest range comes first.
    return outer[::-1] if complete else [outer[-1], *outer[-2::-1]]


def _fetch(session: Session, keys: Iterable[Key], tree_size: int) -> dict[Key, bytes]:
    """The stored hashes of these subtrees, in one round trip by primary key."""
    wanted = set(keys)
    if tree_size > 0:
        wanted.add((0, tree_size - 1))  # the tree's last entry: a size beyond the log is missed
    leaves = [i for level, i in wanted if level == 0]
    inner = [k for k in wanted if k[0] > 0]
    connection = session.connection()
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    parts: list[str] = []
    params: list[int] = []
    if leaves:
        parts.append(
            "SELECT 0, idx, leaf_hash FROM ledger_entries WHERE idx IN "
            f"({', '.join([mark] * len(leaves))})"
        )
        params += leaves
    if inner:
        condition = " OR ".join([f"(level = {mark} AND idx = {mark})"] * len(inner))
        parts.append(f"SELECT level, idx, hash FROM ledger_nodes WHERE {condition}")
        params += [x for key in inner for x in key]
    found: dict[Key, bytes] = {}
    if parts:
        rows = connection.exec_driver_sql(" UNION ALL ".join(parts), tuple(params))
        found = {(int(level), int(idx)): bytes(h) for level, idx, h in rows}
    if missing := wanted - found.keys():
        current = size(session)
        if tree_size > current:
            raise NotFound(
                f"the ledger has {current} entries; there is no tree of size {tree_size}"
            )
        level, idx = min(missing)
        raise Conflict(
            f"the ledger lacks the stored hash of subtree (level {level}, index {idx}); "
            "run `ftzlink ledger verify`"
        )
    return found


def _range_hashes(
    session: Session, ranges: Sequence[tuple[int, int]], tree_size: int
) -> list[bytes]:
    plans = [_subtrees(lo, hi) for lo, hi in ranges]
    found = _fetch(session, (key for plan in plans for key in plan), tree_size)
    return [_fold([found[key] for key in plan]) for plan in plans]


# --- reading ------------------------------------------------------------------------------------


def size(session: Session) -> int:
    # Through the driver: the ORM's statement handling costs more than the indexed lookup.
    last = session.connection().exec_driver_sql("SELECT max(idx) FROM ledger_entries").scalar()
    return 0 if last is None else int(last) + 1


def _size_arg(session: Session, tree_size: int | None) -> int:
    """The tree size asked for (default: the whole log). A size beyond the log is found out
    when its hashes are missing, which saves a query on every proof."""
    if tree_size is None:
        return size(session)
    if tree_size < 0:
        raise NotFound(f"there is no tree of size {tree_size}")
    return tree_size


def root(session: Session, tree_size: int | None = None) -> bytes:
    """The root hash of the first `tree_size` entries (default: all)."""
    n = _size_arg(session, tree_size)
    if n == 0:
        return EMPTY_ROOT
    return _range_hashes(session, [(0, n)], n)[0]


def head(session: Session) -> TreeHead:
    n = size(session)
    return TreeHead(n, root(session, n))


def inclusion_proof(session: Session, index: int, tree_size: int | None = None) -> list[bytes]:
    """RFC 9162's inclusion proof of entry `index` in the tree of `tree_size` entries (default:
    all), read in one statement. A tree beyond the log is not found."""
    if tree_size is not None and tree_size >= 0:
        # The size known, the subtrees are fetched by primary key: one statement, and cheaper
        # for SQLite to run than `inclusion`'s, which works the size and the subtrees out.
        if not 0 <= index < tree_size:
            raise NotFound(f"there is no entry {index} in a tree of size {tree_size}")
        return _range_hashes(session, _inclusion_ranges(index, 0, tree_size), tree_size)
    try:
        return inclusion(session, index, tree_size).proof
    except InvalidInput:
        raise NotFound(f"there is no tree of size {tree_size}") from None


# One statement for everything an inclusion proof needs: the log's size and, for the tree asked
# for (or the whole log), the entry's leaf hash, the siblings on its path at every level and
# the complete subtrees the tree's right edge is made of (they fold into the root and into the
# path's right-hand ranges). Siblings beyond the tree are harmless extra rows.
_INCLUSION_SQL = """
WITH RECURSIVE
  s(n) AS (SELECT coalesce(max(idx) + 1, 0) FROM ledger_entries),
  t(n) AS (SELECT coalesce(CAST({size} AS BIGINT), s.n) FROM s),
  lv(l) AS (SELECT 1 UNION ALL SELECT l + 1 FROM lv, t WHERE (t.n >> (l + 1)) > 0),
  m(i) AS (SELECT CAST({index} AS BIGINT)),
  k(level, idx) AS (
    SELECT l, (m.i >> l) + 1 - 2 * ((m.i >> l) & 1) FROM lv, m
    UNION SELECT l, (t.n >> l) - 1 FROM lv, t WHERE ((t.n >> l) & 1) = 1
  )
SELECT s.n, t.n, 0, e.idx, e.leaf_hash FROM s, t, m, ledger_entries e
  WHERE e.idx IN (m.i, m.i + 1 - 2 * (m.i & 1), t.n - 1)
UNION ALL
SELECT s.n, t.n, k.level, k.idx, nd.hash FROM s, t, k, ledger_nodes nd
  WHERE nd.level = k.level AND nd.idx = k.idx
UNION ALL
SELECT s.n, t.n, -1, -1, NULL FROM s, t
"""


@dataclass(frozen=True)
class Inclusion:
    """An entry's inclusion proof with what checking it needs, read in one statement."""

    index: int
    tree_size: int
    log_size: int  # the whole log's, when it was read
    leaf_hash: bytes
    root_hash: bytes
    proof: list[bytes]


def _inclusion_nodes(
    session: Session, index: int, tree_size: int | None
) -> tuple[int, int, dict[Key, bytes]]:
    """(log size, tree size, stored hashes) for an inclusion proof, in one round trip."""
    connection = session.connection()
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    sql = _INCLUSION_SQL.format(size=mark, index=mark)
    found: dict[Key, bytes] = {}
    log_size = n = 0
    for current, size_, level, idx, h in connection.exec_driver_sql(sql, (tree_size, index)):
        log_size, n = int(current), int(size_)
        if level >= 0:
            found[(int(level), int(idx))] = bytes(h)
    return log_size, n, found


def inclusion(session: Session, index: int, tree_size: int | None = None) -> Inclusion:
    """Entry `index`'s leaf hash and inclusion proof, and the root of the tree of `tree_size`
    entries (default: the whole log), in one statement (one round trip to PostgreSQL).

    `InvalidInput` (field `tree_size`) if the tree is larger than the log, `NotFound` if the
    entry is not in the tree."""
    if tree_size is not None and tree_size < 0:
        raise NotFound(f"there is no tree of size {tree_size}")
    if index < 0:
        raise NotFound(f"there is no entry {index}")
    log_size, n, found = _inclusion_nodes(session, index, tree_size)
    if n > log_size:
        raise InvalidInput(
            "the tree is smaller", [Problem(f"the log has {log_size} entries", field="tree_size")]
        )
    if index >= n:
        raise NotFound(f"there is no entry {index} in a tree of size {n}")
    plans = [_subtrees(lo, hi) for lo, hi in _inclusion_ranges(index, 0, n)]
    top = _subtrees(0, n)
    if missing := {key for plan in [*plans, top, [(0, index)]] for key in plan} - found.keys():
        level, idx = min(missing)
        raise Conflict(
            f"the ledger lacks the stored hash of subtree (level {level}, index {idx}); "
            "run `ftzlink ledger verify`"
        )
    return Inclusion(
        index=index,
        tree_size=n,
        log_size=log_size,
        leaf_hash=found[(0, index)],
        root_hash=_fold([found[key] for key in top]),
        proof=[_fold([found[key] for key in plan]) for plan in plans],
    )


def consistency_proof(session: Session, old: int, new: int | None = None) -> list[bytes]:
    n = _size_arg(session, new)
    if not 0 <= old <= n:
        raise NotFound(f"there is no tree of size {old} before one of size {n}")
    if old in (0, n):
        _fetch(session, [], n)  # that the tree exists
        return []
    return _range_hashes(session, _consistency_ranges(old, 0, n), n)


def _entry(row: Any) -> Entry:
    return Entry(int(row.idx), row.kind, bytes(row.data), bytes(row.leaf_hash))


def get_entry(session: Session, index: int) -> Entry:
    row = session.execute(select(LedgerEntry.__table__).where(LedgerEntry.idx == index)).first()
    if row is None:
        raise NotFound(f"there is no ledger entry {index}")
    return _entry(row)


def entries(session: Session, start: int = 0, stop: int | None = None) -> Iterator[Entry]:
    """Entries in index order, read in batches (rows as stored, gaps and all)."""
    table = LedgerEntry.__table__
    position = start
    while True:
        query = select(table).where(table.c.idx >= position)
        if stop is not None:
            query = query.where(table.c.idx < stop)
        rows = session.execute(query.order_by(table.c.idx).limit(_BATCH)).all()
        for row in rows:
            yield _entry(row)
        if len(rows) < _BATCH:
            return
        position = int(rows[-1].idx) + 1


# --- appending ----------------------------------------------------------------------------------


# The log's size and the hashes of the complete subtrees it is made of (its right edge), in
# one statement: all an append needs to read.
_FRONTIER_SQL = """
WITH RECURSIVE
  s(n) AS (SELECT coalesce(max(idx) + 1, 0) FROM ledger_entries),
  lv(l) AS (SELECT 1 UNION ALL SELECT l + 1 FROM lv, s WHERE (s.n >> (l + 1)) > 0)
SELECT s.n, 0, e.idx, e.leaf_hash FROM s, ledger_entries e
  WHERE e.idx = s.n - 1 AND (s.n & 1) = 1
UNION ALL
SELECT s.n, nd.level, nd.idx, nd.hash FROM s, lv, ledger_nodes nd
  WHERE ((s.n >> lv.l) & 1) = 1 AND nd.level = lv.l AND nd.idx = (s.n >> lv.l) - 1
UNION ALL
SELECT s.n, -1, -1, NULL FROM s
"""


def _size_and_frontier(session: Session) -> tuple[int, list[tuple[int, bytes]]]:
    """The log's size, and (level, hash) of the complete subtrees making it up, left to right."""
    n = 0
    found: dict[Key, bytes] = {}
    for current, level, idx, h in session.connection().exec_driver_sql(_FRONTIER_SQL):
        n = int(current)
        if level >= 0:
            found[(int(level), int(idx))] = bytes(h)
    keys = _subtrees(0, n)
    if missing := set(keys) - found.keys():
        level, idx = min(missing)
        raise Conflict(
            f"the ledger lacks the stored hash of subtree (level {level}, index {idx}); "
            "run `ftzlink ledger verify`"
        )
    return n, [(level, found[(level, idx)]) for level, idx in keys]


_FEW = 16  # up to this many entries, PostgreSQL gets one INSERT statement instead of COPY


def _insert(
    session: Session, entries_rows: list[tuple[Any, ...]], nodes: list[tuple[Any, ...]]
) -> None:
    """Insert through the driver: the ORM's per-row work would be most of a bulk append's time."""
    connection = session.connection()
    raw: Any = connection.connection.driver_connection
    if connection.dialect.name == "postgresql" and len(entries_rows) <= _FEW:
        # One round trip: COPY costs two per table, which is most of a single append.
        sql = "INSERT INTO ledger_entries (idx, kind, data, leaf_hash) VALUES " + ", ".join(
            ["(%s, %s, %s, %s)"] * len(entries_rows)
        )
        params = [x for row in entries_rows for x in row]
        if nodes:
            sql = (
                f"WITH e AS ({sql}) INSERT INTO ledger_nodes (level, idx, hash) VALUES "
                + ", ".join(["(%s, %s, %s)"] * len(nodes))
            )
            params += [x for row in nodes for x in row]
        with raw.cursor() as cursor:
            cursor.execute(sql, params)
        return
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy("COPY ledger_entries (idx, kind, data, leaf_hash) FROM STDIN") as copy:
                for row in entries_rows:
                    copy.write_row(row)
            if nodes:
                with cursor.copy("COPY ledger_nodes (level, idx, hash) FROM STDIN") as copy:
                    for row in nodes:
                        copy.write_row(row)
        return
    cursor = raw.cursor()
    try:
        cursor.executemany(
            "INSERT INTO ledger_entries (idx, kind, data, leaf_hash) VALUES (?, ?, ?, ?)",
            entries_rows,
        )
        if nodes:
            cursor.executemany(
                "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes
            )
    finally:
        cursor.close()


def append_many(session: Session, datas: Iterable[bytes]) -> range:
    """Append entries given as their exact bytes; the indices they got.

    The platform's entries begin with a type tag (`encode_entry`); bytes without one are logged
    as they are, of kind `raw` (the RFC test vectors are such).

    Runs inside `Database.write()`. Reads O(log n) stored hashes once, then hashes and inserts
    the whole batch.
    """
    session.flush()
    n, stack = _size_and_frontier(session)
    start = n
    entry_rows: list[tuple[Any, ...]] = []
    node_rows: list[tuple[Any, ...]] = []
    sha256 = hashlib.sha256
    for data in datas:
        if not isinstance(data, bytes | bytearray):
            raise InvalidInput("ledger entries are bytes", [Problem(type(data).__name__)])
        kind = kind_of(data)
        cur = sha256(b"\x00" + data).digest()
        entry_rows.append((n, kind, bytes(data), cur))
        level = 0
        while stack and stack[-1][0] == level:
            cur = sha256(b"\x01" + stack.pop()[1] + cur).digest()
            level += 1
            node_rows.append((level, n >> level, cur))
        stack.append((level, cur))
        n += 1
    if entry_rows:
        _insert(session, entry_rows, node_rows)
    return range(start, n)


def append_bytes(session: Session, data: bytes) -> Entry:
    """Append one entry given as its exact bytes (normally `tag ‖ 0x0A ‖ payload`)."""
    index = append_many(session, [data])[0]
    return Entry(index, kind_of(data), bytes(data), leaf_hash(data))


def append(session: Session, *, kind: str, body: Mapping[str, Any]) -> Entry:
    """Append `kind ‖ 0x0A ‖ canonical_json(body)`; the entry with its index and leaf hash."""
    return append_bytes(session, encode_entry(kind, body))
