"""The spot-check draw as a pure function: the same checkpoint gives the same targets and
inspectors, another checkpoint another draw, and the documented algorithm is what runs."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ftzlink.dataflow.draw import draw, seed_from_checkpoint
from ftzlink.errors import InvalidInput

ROOT = bytes(range(32))
NOTE = (
    f"ftzlink.example/ledger\n42\n{base64.b64encode(ROOT).decode()}\n\n"
    "— ftzlink.example/ledger AAAA\n"
)


def test_the_seed_is_the_checkpoint_body_hashed_under_the_draws_domain() -> None:
    seed = seed_from_checkpoint(NOTE)
    body = NOTE.split("\n\n")[0] + "\n"
    assert seed.seed == hashlib.sha256(b"ftzlink/spot-check-draw/v1\n" + body.encode()).digest()
    assert (seed.origin, seed.size, seed.root_hash) == ("ftzlink.example/ledger", 42, ROOT)
    # The signature lines do not change the seed: another witness's cosignature adds a line.
    assert seed_from_checkpoint(NOTE + "— witness BBBB\n").seed == seed.seed


def test_the_documented_algorithm_recomputed_by_hand() -> None:
    seed = seed_from_checkpoint(NOTE).seed
    candidates, inspectors = [7, 3, 11, 5, 2], [40, 30]

    def key(label: bytes, n: int) -> bytes:
        return hashlib.sha256(seed + label + str(n).encode()).digest()

    targets = sorted(sorted(candidates), key=lambda c: (key(b"target:", c), c))[:3]
    expected = [
        (t, sorted(inspectors)[int.from_bytes(key(b"inspector:", t), "big") % 2]) for t in targets
    ]
    picks = draw(seed=seed, candidates=candidates, inspectors=inspectors, count=3)
    assert [(p.registration_id, p.inspector_id) for p in picks] == expected
    assert [p.rank for p in picks] == [0, 1, 2]


def test_order_of_the_inputs_does_not_matter_but_the_checkpoint_does() -> None:
    seed = seed_from_checkpoint(NOTE).seed
    one = draw(seed=seed, candidates=range(1, 200), inspectors=[5, 6, 7], count=10)
    two = draw(seed=seed, candidates=reversed(range(1, 200)), inspectors=[7, 6, 5, 5], count=10)  # type: ignore[arg-type]
    assert one == two
    other = NOTE.replace("\n42\n", "\n43\n")
    three = draw(
        seed=seed_from_checkpoint(other).seed,
        candidates=range(1, 200),
        inspectors=[5, 6, 7],
        count=10,
    )
    assert [p.registration_id for p in three] != [p.registration_id for p in one]


def test_more_asked_than_there_are_draws_them_all() -> None:
    picks = draw(seed=b"s", candidates=[1, 2], inspectors=[9], count=5)
    assert sorted(p.registration_id for p in picks) == [1, 2]


@pytest.mark.parametrize("note", ["", "origin\nnot-a-number\nAAAA\n", "o\n1\nAAAA\n"])
def test_a_malformed_checkpoint_is_refused(note: str) -> None:
    with pytest.raises(InvalidInput):
        seed_from_checkpoint(note)


def test_no_inspector_means_no_draw() -> None:
    with pytest.raises(InvalidInput):
        draw(seed=b"s", candidates=[1], inspectors=[], count=1)
