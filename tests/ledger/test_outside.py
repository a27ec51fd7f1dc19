"""Trust that survives an attacker with the database: a receipt whose readable part was changed is
refused with the field named; every signed checkpoint is also written to a directory outside the
database, which `ftzlink ledger verify` and `ftzlink audit verify` read; a witness of its own (its
own process, its own directory) refuses a rewritten log."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import delete

import ftzlink.ledger.checkpoints as checkpoints
import ftzlink.ledger.log as log
import ftzlink.ledger.verifier as verifier
from ftzlink.api import create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.errors import Conflict
from ftzlink.ledger import published
from ftzlink.ledger.keys import Signer, load_signer, parse_private_key
from ftzlink.ledger.receipts import build_receipt
from ftzlink.ledger.tables import LedgerCheckpoint, LedgerEntry, LedgerNode, WitnessedCheckpoint
from ftzlink.ledger.witness import cosignature_vkey, open_cosignature
from ftzlink.settings import Settings

VERIFIER = Path(verifier.__file__)
TRANSFER = {"transfer": 7, "non_sensitive_people": 800, "sensitive_people": 0, "route": "contract"}


def _transfers(db: Database, settings: Settings, n: int = 5) -> None:
    """Some entries, signed with the configured key (and so published)."""
    with db.write() as session:
        for i in range(n):
            log.append(session, kind="transfer-receipt/v1", body={**TRANSFER, "transfer": i})
        checkpoints.sign(session, settings)


def _rewrite(db: Database, change: Callable[[list[bytes]], list[bytes]]) -> None:
    """An attacker with the database: the entries changed, every stored hash recomputed."""
    with db.write() as session:
        datas = change([e.data for e in log.entries(session)])
        session.execute(delete(LedgerEntry))
        session.execute(delete(LedgerNode))
        log.append_many(session, datas)


def _forge_first(datas: list[bytes]) -> list[bytes]:
    return [
        datas[0].replace(b'"non_sensitive_people":800', b'"non_sensitive_people":8'),
        *datas[1:],
    ]


def _delete_checkpoints(db: Database) -> None:
    with db.write() as session:
        session.execute(delete(LedgerCheckpoint))
        session.execute(delete(WitnessedCheckpoint))


# --- receipts: what a person reads is what was signed ------------------------------------------


def _tampered_receipts(receipt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    body = dict(receipt["body"])
    return {
        "body": {**receipt, "body": {**body, "non_sensitive_people": 801}},
        "kind": {**receipt, "kind": "audit/v1"},
        "index": {**receipt, "index": receipt["index"] + 1},
        "origin": {**receipt, "origin": "another.example/ledger"},
        "body.extra": {**receipt, "body": {**body, "approved_by": "the regulator"}},
        "a field of its own": {**receipt, "note": "approved"},
        "800.0": {**receipt, "body": {**body, "non_sensitive_people": 800.0}},
    }


@pytest.fixture
def receipt(database: Database, settings: Settings) -> dict[str, Any]:
    _transfers(database, settings)
    with database.read() as session:
        return build_receipt(session, 3).as_dict()


def test_a_receipt_whose_readable_part_was_changed_is_refused_with_the_field_named(
    receipt: dict[str, Any], signer: Signer
) -> None:
    assert verifier.verify_receipt(receipt, signer.vkey).ok
    why = {
        name: verifier.verify_receipt(json.dumps(changed), signer.vkey)
        for name, changed in _tampered_receipts(receipt).items()
    }
    assert not any(check.ok for check in why.values()), why
    assert "body.non_sensitive_people" in why["body"].why
    assert "kind" in why["kind"].why and "'audit/v1'" in why["kind"].why
    assert "index" in why["index"].why
    assert "origin" in why["origin"].why
    assert "body.approved_by" in why["body.extra"].why
    assert "note" in why["a field of its own"].why
    assert "body.non_sensitive_people" in why["800.0"].why
    # A key given twice in the file: a reader might see the first, json.loads takes the last.
    text_twice = json.dumps(receipt).replace('"body": {', '"body": {"transfer": 99}, "body": {', 1)
    assert "twice" in verifier.verify_receipt(text_twice, signer.vkey).why
    # ... and by code and field, for a page to say it in its reader's language
    coded = {name: (check.reason, check.field) for name, check in why.items()}
    assert coded == {
        "body": ("body_differs", "body.non_sensitive_people"),
        "kind": ("field_differs", "kind"),
        "index": ("field_differs", "index"),
        "origin": ("field_differs", "origin"),
        "body.extra": ("body_differs", "body.approved_by"),
        "a field of its own": ("unsigned_field", "note"),
        "800.0": ("body_differs", "body.non_sensitive_people"),
    }
    twice = verifier.verify_receipt(text_twice, signer.vkey)
    assert (twice.reason, twice.field) == ("duplicate_field", "body")
    assert verifier.verify_receipt(receipt, signer.vkey).reason == ""
    assert verifier.verify_receipt("[]", signer.vkey).reason == "not_a_receipt"
    assert verifier.verify_receipt("{", signer.vkey).reason == "not_a_receipt"
    assert {reason for reason, _ in coded.values()} <= set(verifier.REASONS)


@pytest.mark.parametrize("field", ["body", "kind", "index"])
def test_the_cli_and_the_standalone_verifier_refuse_a_tampered_receipt(
    cli: Callable[..., Any],
    receipt: dict[str, Any],
    signer: Signer,
    tmp_path: Path,
    field: str,
) -> None:
    changed = tmp_path / "receipt.json"
    changed.write_text(json.dumps(_tampered_receipts(receipt)[field]), encoding="utf-8")
    run = cli("ledger", "verify-receipt", changed, "--key", signer.vkey)
    assert run.code == 1 and run.out.startswith("收据无效：") and field in run.out
    english = cli("ledger", "verify-receipt", changed, "--key", signer.vkey, "--lang", "en")
    assert english.code == 1 and english.out.startswith("FAILED: ")

    copy = tmp_path / "alone" / "verifier.py"
    copy.parent.mkdir()
    copy.write_text(VERIFIER.read_text(encoding="utf-8"), encoding="utf-8")
    alone = subprocess.run(
        [sys.executable, "-I", str(copy), str(changed), "--key", signer.vkey],
        capture_output=True,
        text=True,
        cwd=copy.parent,
        check=False,
    )
    assert alone.returncode == 1 and alone.stdout.startswith("FAILED: ") and field in alone.stdout


# --- checkpoints outside the database -----------------------------------------------------------


def _verify(cli: Callable[..., Any], command: str, *extra: str) -> tuple[int, dict[str, Any]]:
    run = cli(command, "verify", "--format", "json", *extra)
    return run.code, json.loads(run.out)


def test_every_signed_checkpoint_is_written_once_outside_the_database(
    database: Database, settings: Settings, catalogue: Catalogue
) -> None:
    _transfers(database, settings, 3)
    _transfers(database, settings, 2)
    directory = settings.ledger_checkpoints_path
    files = published.read(directory)
    with database.read() as session:
        stored = [c.note for c in checkpoints.issued(session)]
    assert [f.text for f in files] == stored and [f.size for f in files] == [3, 5]
    assert all(not f.path.stat().st_mode & 0o222 for f in files)  # read-only
    with pytest.raises(Conflict, match="never replaced"):
        published.publish(directory, 5, stored[0])

    client = TestClient(create_app(settings, catalogue=catalogue, database=database))
    listing = client.get("/api/v1/ledger/checkpoints").json()["checkpoints"]
    assert [c["size"] for c in listing] == [3, 5]
    served = client.get(listing[1]["url"])
    assert served.headers["content-type"].startswith("text/plain") and served.text == stored[1]
    assert client.get("/api/v1/ledger/checkpoints/4").status_code == 404


def test_a_checkpoint_is_not_written_when_its_transaction_rolls_back(
    database: Database, settings: Settings
) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        log.append(session, kind="audit/v1", body={"seq": 1})
        checkpoints.sign(session, settings)
        raise RuntimeError("the rest of the work failed")
    assert published.read(settings.ledger_checkpoints_path) == []


def test_deleting_the_checkpoints_in_the_database_makes_both_commands_fail(
    cli: Callable[..., Any], database: Database, settings: Settings
) -> None:
    _transfers(database, settings)
    assert cli("ledger", "checkpoint").code == 0
    note = settings.ledger_checkpoints_path / published.file_name(5)
    assert cli("ledger", "witness", "submit", note).code == 0
    for command in ("ledger", "audit"):
        code, report = _verify(cli, command)
        assert code == 0 and report["ok"] and report["published"] == 1, report

    _rewrite(database, _forge_first)
    _delete_checkpoints(database)  # ... and the in-database witness
    for command in ("ledger", "audit"):
        code, report = _verify(cli, command)
        assert code == 1 and not report["ok"], report
    code, report = _verify(cli, "ledger")
    assert "000000000005.checkpoint" in report["problem"], report
    run = cli("ledger", "verify", "--lang", "en")
    assert run.code == 1 and run.out.startswith("BROKEN")
    assert cli("audit", "verify").out.startswith("损坏")
    # Nor does the log sign the forged history: the published checkpoint holds it back.
    signing = cli("ledger", "checkpoint", "--lang", "en")
    assert signing.code == 1 and "not consistent with the checkpoint of size 5" in signing.err


def test_a_checkpoint_missing_from_the_database_is_named(
    cli: Callable[..., Any], database: Database, settings: Settings
) -> None:
    _transfers(database, settings, 3)
    _transfers(database, settings, 2)
    with database.write() as session:
        session.execute(delete(LedgerCheckpoint).where(LedgerCheckpoint.size == 3))
    code, report = _verify(cli, "ledger")
    assert code == 1 and "missing from the database" in report["problem"]
    assert "000000000003.checkpoint" in report["problem"]
    code, report = _verify(cli, "audit")
    assert code == 1 and "missing from the database" in report["problem"]


def test_old_entries_no_checkpoint_covers_fail_a_keyed_log(
    cli: Callable[..., Any],
    database: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with database.write() as session:  # logged an hour ago, never signed (or signed, deleted)
        log.append(session, kind="test/v1", body={"at": "2025-01-01T08:00:00+00:00"})
    code, report = _verify(cli, "ledger")
    assert code == 1 and "no signed checkpoint covers entries" in report["problem"], report
    # With the server's signing turned off there is no interval to hold the log to.
    monkeypatch.setenv("FTZLINK_LEDGER_CHECKPOINT_SECONDS", "0")
    unsigned = cli("ledger", "verify")
    assert unsigned.code == 0, unsigned.out
    monkeypatch.delenv("FTZLINK_LEDGER_CHECKPOINT_SECONDS")
    assert cli("ledger", "checkpoint").code == 0
    assert _verify(cli, "ledger")[0] == 0


@pytest.mark.parametrize("command", ["ledger", "audit"])
def test_a_garbage_checkpoint_file_exits_2_in_one_line(
    cli: Callable[..., Any], database: Database, settings: Settings, tmp_path: Path, command: str
) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("checkpoint:\n  size: 12\n", encoding="utf-8")
    binary = tmp_path / "garbage.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for path, lang in ((garbage, ()), (binary, ("--lang", "en")), (tmp_path / "absent", ())):
        run = cli(command, "verify", "--checkpoint", path, *lang)
        assert run.code == 2, run
        assert run.err.strip().count("\n") == 0 and str(path) in run.err, run.err
        assert "Traceback" not in run.err
    assert "不是签名检查点" in cli(command, "verify", "--checkpoint", garbage).err
    assert (
        "is not a signed checkpoint"
        in cli(command, "verify", "--checkpoint", garbage, "--lang", "en").err
    )


def test_a_garbage_file_in_the_checkpoint_directory_fails_verification(
    cli: Callable[..., Any], database: Database, settings: Settings
) -> None:
    _transfers(database, settings, 2)
    (settings.ledger_checkpoints_path / published.file_name(9)).write_text("nonsense\n")
    code, report = _verify(cli, "ledger")
    assert code == 1 and "is not a signed checkpoint of this log" in report["problem"]


# --- a witness of its own -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def platform_url(database: Database, settings: Settings, catalogue: Catalogue) -> Iterator[str]:
    """The platform serving over loopback, as a witness elsewhere would reach it."""
    port = _free_port()
    app = create_app(
        settings.model_copy(update={"ledger_checkpoint_seconds": 0}),
        catalogue=catalogue,
        database=database,
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _witness(state: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """The witness as its own process, with nothing of the platform's but the URL."""
    return subprocess.run(
        [sys.executable, "-m", "ftzlink", "ledger", "witness", "--state", str(state), "--url", url,
         "--lang", "en", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "FTZLINK_DATA_DIR": str(state.parent / "witness-data")},
        check=False,
    )  # fmt: skip


def test_a_witness_of_its_own_refuses_a_rewritten_log(
    database: Database, settings: Settings, platform_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "witness"
    _transfers(database, settings, 5)
    first = _witness(state, platform_url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "witnessed and cosigned: ftzlink.example/ledger at size 5" in first.stdout
    _transfers(database, settings, 3)
    grown = _witness(state, platform_url)
    assert grown.returncode == 0 and "at size 8" in grown.stdout, grown.stdout + grown.stderr
    kept = sorted((state / "ftzlink.example%2Fledger").iterdir())
    assert [p.name for p in kept] == [published.file_name(5), published.file_name(8)]
    assert "cosignature key:" in first.stderr
    witness_key = parse_private_key((state / "witness.key").read_text(encoding="ascii"))
    cosigned = kept[-1].read_text(encoding="utf-8")
    assert open_cosignature(cosigned, cosignature_vkey(witness_key)) > 0
    assert verifier.open_checkpoint(cosigned, load_signer(settings).verifier).size == 8

    # An attacker with the database and the server's files: entry 0 rewritten, every hash
    # recomputed, every checkpoint deleted, and a fresh checkpoint signed over the forgery.
    _rewrite(database, _forge_first)
    _delete_checkpoints(database)
    for found in published.read(settings.ledger_checkpoints_path):
        found.path.unlink()
    with database.write() as session:
        log.append(session, kind="transfer-receipt/v1", body={**TRANSFER, "transfer": 9})
        checkpoints.sign(session, settings)
    refused = _witness(state, platform_url)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "not consistent with the one of size 8" in refused.stderr
    assert len(list((state / "ftzlink.example%2Fledger").iterdir())) == 2  # nothing kept

    # The same size with another root: a fork, refused too.
    _rewrite(database, lambda datas: datas[:8])
    _delete_checkpoints(database)
    for found in published.read(settings.ledger_checkpoints_path):
        found.path.unlink()
    with database.write() as session:
        checkpoints.sign(session, settings)
    forked = _witness(state, platform_url)
    assert forked.returncode == 1 and "forked" in forked.stderr, forked.stdout + forked.stderr


def test_the_witness_keeps_the_log_key_it_first_saw(
    database: Database, settings: Settings, platform_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "witness"
    _transfers(database, settings, 2)
    assert _witness(state, platform_url).returncode == 0
    assert (state / "log.vkey").read_text().strip() == load_signer(settings).vkey
    other = "ftzlink.example/ledger+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode()
    refused = _witness(state, platform_url, "--key", other)
    assert refused.returncode == 2 and "differs" in refused.stderr
    no_url = subprocess.run(
        [sys.executable, "-m", "ftzlink", "ledger", "witness", "--state", str(state)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert no_url.returncode == 2 and "--url" in no_url.stderr
