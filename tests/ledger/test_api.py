"""The ledger's public routes: the verifier key, the latest signed checkpoint exactly as signed, and
inclusion and consistency proofs that an independent RFC 9162 verifier accepts."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

import ftzlink.ledger.checkpoints as checkpoints
import ftzlink.ledger.log as log
from ftzlink.api import create_app
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.ledger.verifier import open_checkpoint, parse_vkey
from ftzlink.settings import Settings
from tests.ledger import rfc


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_anyone_checks_the_log_with_the_published_key_and_proofs(
    database: Database, settings: Settings, catalogue: Catalogue
) -> None:
    entries = [f"entry {i}".encode() for i in range(13)]
    with database.write() as session:
        first = log.size(session)  # the audit entries of migrating, if any
        log.append_many(session, entries)
        checkpoints.sign(session, settings)
        everything = [e.data for e in log.entries(session)]
    client = TestClient(create_app(settings, catalogue=catalogue, database=database))

    key = client.get("/api/v1/ledger/key").json()
    note = client.get("/api/v1/ledger/checkpoint")
    assert note.headers["content-type"].startswith("text/plain")
    checkpoint = open_checkpoint(note.text, parse_vkey(key["vkey"]), origin=key["origin"])
    assert checkpoint.size == len(everything)
    assert checkpoint.root_hash == rfc.mth(everything)

    for index in (first, first + 5, len(everything) - 1):
        proof = client.get("/api/v1/ledger/proofs/inclusion", params={"index": index}).json()
        assert _b64(proof["root_hash"]) == checkpoint.root_hash
        path = [_b64(h) for h in proof["hashes"]]
        assert rfc.inclusion_ok(
            index, len(everything), everything[index], path, checkpoint.root_hash
        )
    old = first + 3
    proof = client.get("/api/v1/ledger/proofs/consistency", params={"old_size": old}).json()
    path = [_b64(h) for h in proof["hashes"]]
    assert rfc.consistency_ok(
        old, len(everything), rfc.mth(everything[:old]), checkpoint.root_hash, path
    )


def test_questions_about_entries_the_log_does_not_have_are_refused(
    database: Database, settings: Settings, catalogue: Catalogue
) -> None:
    client = TestClient(create_app(settings, catalogue=catalogue, database=database))
    with database.read() as session:
        size = log.size(session)
    beyond = client.get("/api/v1/ledger/proofs/inclusion", params={"index": size})
    assert beyond.status_code == 404
    too_big = client.get(
        "/api/v1/ledger/proofs/inclusion", params={"index": 0, "tree_size": size + 1}
    )
    assert too_big.status_code == 422
    assert client.get("/api/v1/ledger/proofs/inclusion", params={"index": -1}).status_code == 422
    assert client.get("/api/v1/ledger/checkpoint").status_code == 404  # none signed yet
