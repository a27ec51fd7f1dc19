"""Throttling guesses, and who the client is.

The public invitation check answers anyone; a client that sends many codes that match nothing is
guessing, and is refused for a while: a window of failures per client, kept in the serving
process's memory. Sign-in has its own throttle, in the database (`auth.service.authenticate`),
because a password guess must count across restarts and workers; a verification code carries
about 98 bits, so this one only has to make guessing slow, and a restart that forgets the window
costs nothing.

Both key on the client's address, `client_address`: the peer of the connection, or what a
trusted reverse proxy says in X-Forwarded-For, and only a trusted one.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from ftzlink.errors import RateLimited

__all__ = ["FailureWindow", "client_address"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: list[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address: the connection's peer, unless the peer is one of the `trusted`
    proxies (addresses or networks); then the nearest address in X-Forwarded-For that is not a
    trusted proxy. Nothing else is believed: a client can write any X-Forwarded-For it likes, so
    only the hops we run can vouch for the one before them."""
    peer = peer or "unknown"
    if not trusted or not forwarded_for:
        return peer
    networks = [ipaddress.ip_network(t, strict=False) for t in trusted]
    if not _trusted(peer, networks):
        return peer
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        if _address(hop) is None:
            break  # a hop that is not an address: believe nothing further out
        client = hop.strip()
        if not _trusted(client, networks):
            break
    return client


class FailureWindow:
    """At most `limit` failures per key in any `window_seconds`; past that, `check` refuses.

    Memory is bounded: at most `max_keys` keys are remembered (the least recently failed are
    forgotten first), each with at most `limit` times.
    """

    def __init__(
        self,
        *,
        limit: int,
        window_seconds: int,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_seconds < 1 or max_keys < 1:
            raise ValueError("limit, window_seconds and max_keys must be positive")
        self.limit, self.window, self.max_keys = limit, window_seconds, max_keys
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def check(self, key: str) -> None:
        """Refuse with `RateLimited` (and the seconds to wait) while `key`'s window is full."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now)
            if times is not None and len(times) >= self.limit:
                # Rounded first: float sums (t + window - now) can exceed the window by 1e-15.
                wait = max(1, math.ceil(round(times[0] + self.window - now, 6)))
                raise RateLimited(
                    "too many codes that match nothing; try again later", retry_after=wait
                )

    def failed(self, key: str) -> None:
        """Count one failure for `key` now."""
        with self._lock:
            now = self._clock()
            times = self._recent(key, now) or deque(maxlen=self.limit)
            times.append(now)
            self._failures[key] = times
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
