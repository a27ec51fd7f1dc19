"""An independent reference for the tests, written from RFC 9162's text, sharing no code with
`ftzlink.ledger`: MTH, PATH and PROOF (§2.1.1, §2.1.3.1, §2.1.4.1) by their recursive
definitions over a list of entries, and the two verification algorithms (§2.1.3.2, §2.1.4.2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# RFC 6962 / certificate-transparency test inputs and the roots of their first n (n = 0..8).
RFC_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
RFC_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def k_of(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: Sequence[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return H(b"")
    if n == 1:
        return H(b"\x00" + d[0])
    k = k_of(n)
    return H(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = k_of(n)
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = k_of(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    return subproof(m, d, True)


def lsb(x: int) -> bool:
    return x % 2 == 1


def inclusion_ok(
    leaf_index: int, tree_size: int, leaf: bytes, inclusion_path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, step by step (`leaf` is the entry, hashed here)."""
    if leaf_index >= tree_size:
        return False
    fn, sn = leaf_index, tree_size - 1
    r = H(b"\x00" + leaf)
    for p in inclusion_path:
        if sn == 0:
            return False
        if lsb(fn) or fn == sn:
            r = H(b"\x01" + p + r)
            if not lsb(fn):
                while not (lsb(fn) or fn == 0):
                    fn, sn = fn // 2, sn // 2
        else:
            r = H(b"\x01" + r + p)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r == root


def consistency_ok(
    first: int, second: int, first_hash: bytes, second_hash: bytes, path_: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, step by step, for 0 < first < second."""
    c = list(path_)
    if not c:
        return False
    if first & (first - 1) == 0:
        c = [first_hash, *c]
    fn, sn = first - 1, second - 1
    if lsb(fn):
        while lsb(fn):
            fn, sn = fn // 2, sn // 2
    fr = sr = c[0]
    for item in c[1:]:
        if sn == 0:
            return False
        if lsb(fn) or fn == sn:
            fr = H(b"\x01" + item + fr)
            sr = H(b"\x01" + item + sr)
            if not lsb(fn):
                while not (lsb(fn) or fn == 0):
                    fn, sn = fn // 2, sn // 2
        else:
            sr = H(b"\x01" + sr + item)
        fn, sn = fn // 2, sn // 2
    return fr == first_hash and sr == second_hash and sn == 0
