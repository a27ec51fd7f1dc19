"""Receipts verify offline with the public key alone; one changed byte anywhere makes them fail.
Checkpoints are signed only over a log consistent with the previous one; the witness refuses
what is inconsistent with what it saw."""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, update

import ftzlink.ledger.checkpoints as checkpoints
import ftzlink.ledger.log as log
import ftzlink.ledger.verifier as verifier
from ftzlink.db import Database
from ftzlink.errors import Conflict, InvalidInput
from ftzlink.ledger.keys import Signer, generate, parse_private_key
from ftzlink.ledger.receipts import build_receipt
from ftzlink.ledger.tables import LedgerCheckpoint, LedgerEntry, LedgerNode
from ftzlink.ledger.witness import Witness
from ftzlink.settings import Settings
from tests.ledger.rfc import mth, proof

VERIFIER = Path(verifier.__file__)


def _fill(db: Database, n: int) -> None:
    with db.write() as session:
        for i in range(n):
            log.append(session, kind="audit/v1", body={"seq": i, "action": "test", "名": "值"})


def _receipt(db: Database, signer: Signer, index: int) -> dict[str, object]:
    with db.write() as session:
        checkpoints.sign_checkpoint(session, signer)
    with db.read() as session:
        return build_receipt(session, index).as_dict()


def test_a_receipt_verifies_with_the_public_key_alone(database: Database, signer: Signer) -> None:
    _fill(database, 11)
    receipt = _receipt(database, signer, 6)
    result = verifier.verify_receipt(json.dumps(receipt), signer.vkey)
    assert result.ok, result.why
    assert (result.index, result.size) == (6, 11)
    assert result.entry is not None and result.entry.startswith(b"audit/v1\n")
    assert receipt["body"] == {"seq": 6, "action": "test", "名": "值"}
    other = generate(signer.name)
    assert not verifier.verify_receipt(json.dumps(receipt), other.vkey).ok


def _flip(data: bytes, i: int) -> bytes:
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


def test_one_changed_byte_of_entry_proof_or_checkpoint_fails(
    database: Database, signer: Signer
) -> None:
    _fill(database, 13)
    receipt = _receipt(database, signer, 5)
    assert verifier.verify_receipt(receipt, signer.vkey).ok
    entry = base64.b64decode(str(receipt["entry"]))
    for i in range(len(entry)):
        changed = {**receipt, "entry": base64.b64encode(_flip(entry, i)).decode()}
        assert not verifier.verify_receipt(changed, signer.vkey).ok, i
    proof_text = str(receipt["tlog_proof"])
    head, _, note = proof_text.partition("\n\n")
    index_line, hashes = head.split("\n")[1], head.split("\n")[2:]
    assert index_line == "index 5" and len(hashes) == 4  # ceil(log2(13)) for entry 5
    for h_number, h in enumerate(hashes):
        raw = base64.b64decode(h)
        for i in range(len(raw)):
            lines = list(hashes)
            lines[h_number] = base64.b64encode(_flip(raw, i)).decode()
            text = "\n".join([head.split("\n")[0], index_line, *lines]) + "\n\n" + note
            assert not verifier.verify_receipt({**receipt, "tlog_proof": text}, signer.vkey).ok
    for bad_index in ("index 4", "index 6", "index 13"):
        text = proof_text.replace("index 5", bad_index)
        assert not verifier.verify_receipt({**receipt, "tlog_proof": text}, signer.vkey).ok
    dropped = "\n".join([head.split("\n")[0], index_line, *hashes[:-1]]) + "\n\n" + note
    assert not verifier.verify_receipt({**receipt, "tlog_proof": dropped}, signer.vkey).ok
    note_bytes = note.encode()
    for i in range(len(note_bytes)):
        try:
            changed_note = _flip(note_bytes, i).decode()
        except UnicodeDecodeError:
            continue  # not text any more: cannot even be put in the file
        text = head + "\n\n" + changed_note
        check = verifier.verify_receipt({**receipt, "tlog_proof": text}, signer.vkey)
        assert not check.ok, (i, changed_note)


def test_the_verifier_stands_alone(tmp_path: Path, database: Database, signer: Signer) -> None:
    tree = ast.parse(VERIFIER.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "ftzlink" not in imported
    assert imported <= {
        "__future__",
        "base64",
        "binascii",
        "hashlib",
        "json",
        "re",
        "sys",
        "collections",
        "dataclasses",
        "typing",
        "cryptography",
    }
    _fill(database, 3)
    receipt = tmp_path / "r.json"
    receipt.write_text(json.dumps(_receipt(database, signer, 2)), encoding="utf-8")
    copy = tmp_path / "alone" / "verifier.py"
    copy.parent.mkdir()
    copy.write_text(VERIFIER.read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-I", str(copy), str(receipt), "--key", signer.vkey],
        capture_output=True,
        text=True,
        cwd=copy.parent,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("OK: entry 2")


def test_no_receipt_before_a_checkpoint_covers_the_entry(
    database: Database, signer: Signer
) -> None:
    _fill(database, 2)
    with database.write() as session:
        checkpoints.sign_checkpoint(session, signer)
        log.append(session, kind="audit/v1", body={"late": True})
    with database.read() as session, pytest.raises(Conflict, match="no signed checkpoint covers"):
        build_receipt(session, 2)


def test_a_checkpoint_is_signed_only_over_a_consistent_log(
    database: Database, signer: Signer
) -> None:
    _fill(database, 9)
    with database.write() as session:
        first = checkpoints.sign_checkpoint(session, signer)
    assert first.note.startswith(f"{signer.name}\n9\n")
    assert verifier.open_checkpoint(first.note, signer.verifier).root_hash == first.root_hash
    with database.write() as session:  # rewrite entry 3 and recompute every stored hash
        data = [e.data for e in log.entries(session)]
        data[3] = data[3].replace(b"test", b"TEST")
        session.execute(delete(LedgerEntry))
        session.execute(delete(LedgerNode))
        log.append_many(session, data)
    with database.write() as session, pytest.raises(Conflict, match="not consistent"):
        checkpoints.sign_checkpoint(session, signer)
    with database.write() as session:
        session.execute(delete(LedgerEntry).where(LedgerEntry.idx >= 5))
    with database.write() as session, pytest.raises(Conflict):
        checkpoints.sign_checkpoint(session, signer)


def test_the_witness_refuses_an_inconsistent_checkpoint(database: Database, signer: Signer) -> None:
    _fill(database, 6)
    with database.write() as session:
        six = checkpoints.sign_checkpoint(session, signer)
    _fill(database, 5)
    with database.write() as session:
        eleven = checkpoints.sign_checkpoint(session, signer)
    with database.read() as session:
        good_proof = log.consistency_proof(session, 6, 11)
        data = [e.data for e in log.entries(session)]
    # A log operator holding the key signs a tree in which entry 2 was rewritten: a fork.
    forked = [*data[:2], b'audit/v1\n{"rewritten":true}', *data[3:]]
    fork_note = signer.sign_note(checkpoints.checkpoint_body(signer.name, 11, mth(forked)))
    fork_proof = proof(6, forked)
    with database.write() as session:
        witness = Witness(session, [signer.verifier])
        witness.observe(six.note)
        with pytest.raises(Conflict, match="not consistent"):
            witness.observe(fork_note, fork_proof)
        with pytest.raises(Conflict, match="not consistent"):
            witness.observe(fork_note, good_proof)
        with pytest.raises(Conflict, match="consistency proof"):
            witness.observe(eleven.note)
        witness.observe(eleven.note, good_proof)
        with pytest.raises(Conflict, match="forked"):
            witness.observe(fork_note, [])
        with pytest.raises(Conflict, match="older"):
            witness.observe(six.note)
        with pytest.raises(InvalidInput):
            witness.observe(generate(signer.name).sign_note(six.note.partition("\n\n")[0] + "\n"))
        assert [s.size for s in witness.seen(signer.name)] == [6, 11]


def test_keys_round_trip_and_settings_default(tmp_path: Path) -> None:
    signer = generate("ftzlink.example/ledger")
    assert parse_private_key(signer.private_text()).vkey == signer.vkey
    assert verifier.parse_vkey(signer.vkey) == signer.verifier
    settings = Settings.from_env({"FTZLINK_DATA_DIR": str(tmp_path)})
    assert settings.ledger_key_path == tmp_path / "ledger.key"
    assert settings.ledger_origin == "ftzlink.example/ledger"
    with pytest.raises(InvalidInput):
        parse_private_key(signer.private_text().replace("PRIVATE", "PUBLIC"))


def test_entries_are_canonical_tagged_json() -> None:
    data = log.encode_entry("transfer-receipt/v1", {"b": [1, "二"], "a": None, "c": True})
    assert data == 'transfer-receipt/v1\n{"a":null,"b":[1,"二"],"c":true}'.encode()
    with pytest.raises(InvalidInput):
        log.encode_entry("Audit", {})
    with pytest.raises(InvalidInput):
        log.encode_entry("audit/v1", {"x": 1.5})
    with pytest.raises(InvalidInput):
        log.encode_entry("audit/v1", {"x": object()})
    assert log.kind_of(b"audit/v1\n{}") == "audit/v1"
    assert log.kind_of(b"\x00\x01") == log.RAW
    h = log.salted_hash("E12345678", "0123456789abcdef")
    assert len(h) == 64 and h != log.salted_hash("E12345678", "0123456789abcdeX")
    with pytest.raises(InvalidInput):
        log.salted_hash("E12345678", "short")


def test_settings_key_from_env(settings: Settings, signer: Signer) -> None:
    from ftzlink.ledger.keys import load_signer

    assert load_signer(settings).vkey == signer.vkey


def test_a_stored_checkpoint_changed_in_place_is_refused(
    database: Database, signer: Signer
) -> None:
    _fill(database, 4)
    with database.write() as session:
        checkpoints.sign_checkpoint(session, signer)
    with database.write() as session:
        session.execute(update(LedgerCheckpoint).values(size=3))
    with database.write() as session, pytest.raises(Conflict, match="differ"):
        checkpoints.sign_checkpoint(session, signer)
