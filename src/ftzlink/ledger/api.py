"""Routes: the ledger's public face — its verifier key, its latest signed checkpoint, inclusion and
consistency proofs. Public: the log holds no personal data (docs/ledger.md), and anyone holding a
receipt or a checkpoint should be able to check it against the log."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import Field

from ftzlink.api.deps import Public
from ftzlink.api.schemas import Strict
from ftzlink.errors import InvalidInput, NotFound, Problem
from ftzlink.ledger import checkpoints, log, published
from ftzlink.ledger.keys import configured_verifier

router = APIRouter(tags=["ledger"])

Index = Annotated[int, Query(ge=0, le=2**62)]


class KeyOut(Strict):
    origin: str
    vkey: str = Field(description="the verifier key: name+<hex key ID>+<base64(0x01 ‖ key)>")


class ProofOut(Strict):
    tree_size: int
    root_hash: str = Field(description="base64 of the root at tree_size")
    hashes: list[str] = Field(description="the proof's hashes, base64, in RFC 9162 order")


class InclusionOut(ProofOut):
    index: int
    leaf_hash: str = Field(description="base64 of SHA-256(0x00 ‖ entry)")


class ConsistencyOut(ProofOut):
    old_size: int


class PublishedOut(Strict):
    size: int
    url: str = Field(description="the signed checkpoint, as text/plain, exactly as written")


class PublishedListOut(Strict):
    checkpoints: list[PublishedOut] = Field(
        description="every checkpoint written to the checkpoint directory, smallest first"
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@router.get("/ledger/key", response_model=KeyOut)
def verifier_key(ctx: Public) -> KeyOut:
    """The public key that checkpoints and receipts are checked with."""
    key = configured_verifier(ctx.services.settings)
    if key is None:
        raise NotFound("the ledger has no signing key configured")
    return KeyOut(origin=key.name, vkey=key.vkey)


@router.get(
    "/ledger/checkpoint",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "a C2SP signed checkpoint"}},
)
def latest_checkpoint(ctx: Public) -> PlainTextResponse:
    """The latest signed checkpoint, exactly as signed (C2SP tlog-checkpoint, signed note)."""
    with ctx.read() as session:
        latest = checkpoints.latest(session)
    if latest is None:
        raise NotFound("no checkpoint has been signed yet")
    return PlainTextResponse(latest.note)


@router.get("/ledger/checkpoints", response_model=PublishedListOut)
def published_checkpoints(ctx: Public) -> PublishedListOut:
    """Every checkpoint published outside the database (the checkpoint directory), for witnesses
    and monitors to keep: each must also be in the database (docs/ledger.md)."""
    found = published.read(ctx.services.settings.ledger_checkpoints_path)
    return PublishedListOut(
        checkpoints=[
            PublishedOut(size=f.size, url=f"/api/v1/ledger/checkpoints/{f.size}") for f in found
        ]
    )


@router.get(
    "/ledger/checkpoints/{size}",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "a C2SP signed checkpoint"}},
)
def published_checkpoint(
    ctx: Public, size: Annotated[int, Path(ge=0, le=2**62)]
) -> PlainTextResponse:
    """The checkpoint of `size` entries from the checkpoint directory, exactly as written."""
    path = ctx.services.settings.ledger_checkpoints_path / published.file_name(size)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise NotFound(f"no checkpoint of size {size} was published") from None
    return PlainTextResponse(text)


def _tree_size(size: int | None, current: int) -> int:
    if size is None:
        return current
    if size > current:
        raise InvalidInput(
            "the tree is smaller",
            [Problem(f"the log has {current} entries", field="tree_size")],
        )
    return size


@router.get("/ledger/proofs/inclusion", response_model=InclusionOut)
def inclusion(ctx: Public, index: Index, tree_size: Index | None = None) -> InclusionOut:
    """The proof that entry `index` is in the tree of `tree_size` entries (default: all)."""
    with ctx.read() as session:
        found = log.inclusion(session, index, tree_size)  # one statement
    return InclusionOut(
        index=index,
        tree_size=found.tree_size,
        leaf_hash=_b64(found.leaf_hash),
        root_hash=_b64(found.root_hash),
        hashes=[_b64(h) for h in found.proof],
    )


@router.get("/ledger/proofs/consistency", response_model=ConsistencyOut)
def consistency(ctx: Public, old_size: Index, tree_size: Index | None = None) -> ConsistencyOut:
    """The proof that the tree of `tree_size` entries (default: all) extends that of `old_size`."""
    with ctx.read() as session:
        size = _tree_size(tree_size, log.size(session))
        if old_size > size:
            raise InvalidInput(
                "the old tree is larger", [Problem(f"at most {size}", field="old_size")]
            )
        proof = log.consistency_proof(session, old_size, size)
        root = log.root(session, size)
    return ConsistencyOut(
        old_size=old_size, tree_size=size, root_hash=_b64(root), hashes=[_b64(h) for h in proof]
    )
