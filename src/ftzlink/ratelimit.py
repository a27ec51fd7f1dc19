"""Throttling guesses: a window of failures per client, kept in the serving process's memory.

The public invitation check answers anyone; a client that sends many codes that match nothing is
guessing, and is refused for a while. Sign-in has its own throttle, in the database
(`auth.service.authenticate`), because a password guess must count across restarts and workers;
a verification code carries about 98 bits, so this one only has to make guessing slow, and a
restart that forgets the window costs nothing.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from ftzlink.errors import RateLimited

__all__ = ["FailureWindow"]


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
                wait = max(1, math.ceil(times[0] + self.window - now))
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
