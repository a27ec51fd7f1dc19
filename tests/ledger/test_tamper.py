"""Tampering with the stored log is detected by `ftzlink ledger verify`, on both backends: altering,
deleting, inserting, reordering or truncating entries — also after the attacker recomputes every
stored hash, through the signed checkpoints (whose key is not in the database)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update

import ftzlink.ledger.checkpoints as checkpoints
import ftzlink.ledger.log as log
from ftzlink.db import Database
from ftzlink.ledger.keys import Signer
from ftzlink.ledger.tables import LedgerCheckpoint, LedgerEntry, LedgerNode
from ftzlink.settings import Settings

N = 20
SIGNED_AT = (5, 10, 15, 20)
TAMPERED = 7


def _build(db: Database, signer: Signer) -> list[bytes]:
    for start, stop in zip((0, *SIGNED_AT), SIGNED_AT, strict=False):
        with db.write() as session:
            for i in range(start, stop):
                log.append(session, kind="audit/v1", body={"seq": i, "who": f"user{i}"})
            checkpoints.sign_checkpoint(session, signer)
    with db.read() as session:
        return [e.data for e in log.entries(session)]


def _rewrite(db: Database, datas: list[bytes], *, recompute: bool) -> None:
    """Replace the entries; with `recompute`, rebuild every stored hash to match them."""
    with db.write() as session:
        session.execute(delete(LedgerEntry))
        if recompute:
            session.execute(delete(LedgerNode))
            log.append_many(session, datas)
        else:
            for i, data in enumerate(datas):
                session.add(
                    LedgerEntry(
                        idx=i, kind=log.kind_of(data), data=data, leaf_hash=log.leaf_hash(data)
                    )
                )


def _altered(d: list[bytes]) -> list[bytes]:
    return [*d[:TAMPERED], d[TAMPERED].replace(b"user", b"USER"), *d[TAMPERED + 1 :]]


def _deleted(d: list[bytes]) -> list[bytes]:
    return d[:TAMPERED] + d[TAMPERED + 1 :]


def _inserted(d: list[bytes]) -> list[bytes]:
    return [*d[:TAMPERED], log.encode_entry("audit/v1", {"forged": True}), *d[TAMPERED:]]


def _reordered(d: list[bytes]) -> list[bytes]:
    return [*d[:TAMPERED], d[TAMPERED + 1], d[TAMPERED], *d[TAMPERED + 2 :]]


def _truncated(d: list[bytes]) -> list[bytes]:
    return d[:17]


CHANGES: dict[str, Callable[[list[bytes]], list[bytes]]] = {
    "alter": _altered,
    "delete": _deleted,
    "insert": _inserted,
    "reorder": _reordered,
    "truncate": _truncated,
}


def _verify(cli: Callable[..., Any], *extra: str) -> dict[str, Any]:
    run = cli("ledger", "verify", "--format", "json", *extra)
    report: dict[str, Any] = json.loads(run.out)
    assert run.code == (0 if report["ok"] else 1), run.err
    return report


def test_an_intact_log_verifies(
    cli: Callable[..., Any], database: Database, signer: Signer, settings: Settings
) -> None:
    _build(database, signer)
    report = _verify(cli)
    assert report["ok"] and report["entries"] == N and report["checkpoints"] == 4
    run = cli("ledger", "verify", "--lang", "en")
    assert run.code == 0 and "OK" in run.out


@pytest.mark.parametrize("recompute", [False, True], ids=["raw", "recomputed"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_tampering_is_detected(
    cli: Callable[..., Any],
    database: Database,
    signer: Signer,
    settings: Settings,
    change: str,
    recompute: bool,
) -> None:
    datas = _build(database, signer)
    _rewrite(database, CHANGES[change](datas), recompute=recompute)
    report = _verify(cli)
    assert not report["ok"], report
    bad = report["first_bad_index"]
    if change == "truncate":
        assert bad == 17 or (not recompute and bad is not None), report
    elif recompute:
        assert bad == 5 and "between 5 and 9" in report["problem"], report
    else:
        assert bad is not None and bad <= TAMPERED + 1, report
    run = cli("ledger", "verify", "--lang", "en")
    assert run.code == 1 and "BROKEN" in run.out
    assert "损坏" in cli("ledger", "verify").out


def test_an_entry_changed_in_place_is_named(
    cli: Callable[..., Any], database: Database, signer: Signer, settings: Settings
) -> None:
    _build(database, signer)
    with database.write() as session:
        session.execute(
            update(LedgerEntry).where(LedgerEntry.idx == TAMPERED).values(data=b"audit/v1\n{}")
        )
    report = _verify(cli)
    assert report["first_bad_index"] == TAMPERED and "leaf hash" in report["problem"]


def test_truncation_with_the_checkpoints_deleted_is_caught_by_a_kept_checkpoint(
    cli: Callable[..., Any], database: Database, signer: Signer, settings: Settings, tmp_path: Path
) -> None:
    datas = _build(database, signer)
    with database.read() as session:
        kept = tmp_path / "checkpoint.txt"
        latest = checkpoints.latest(session)
        assert latest is not None
        kept.write_text(latest.note + "\n", encoding="utf-8")
    _rewrite(database, datas[:12], recompute=True)
    with database.write() as session:
        session.execute(delete(LedgerCheckpoint))
    assert _verify(cli)["ok"]  # nothing inside the database can tell
    report = _verify(cli, "--checkpoint", str(kept))
    assert not report["ok"] and report["first_bad_index"] == 12


def test_a_forged_signature_is_detected(
    cli: Callable[..., Any], database: Database, signer: Signer, settings: Settings
) -> None:
    _build(database, signer)
    with database.write() as session:  # a checkpoint's size changed, its signature kept
        row = session.query(LedgerCheckpoint).filter_by(size=10).one()
        row.note = row.note.replace("\n10\n", "\n9\n")
    report = _verify(cli)
    assert not report["ok"] and "does not verify" in report["problem"]
