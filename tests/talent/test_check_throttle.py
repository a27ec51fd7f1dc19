"""The public invitation check throttles guessing: a client whose codes keep matching nothing is
refused for a while, told how long; others and later attempts are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftzlink.errors import RateLimited
from ftzlink.ratelimit import FailureWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_is_refused_once_its_window_is_full_and_told_how_long_to_wait() -> None:
    clock = Clock()
    window = FailureWindow(limit=3, window_seconds=60, clock=clock)
    for _ in range(3):
        window.check("198.51.100.7")
        window.failed("198.51.100.7")
        clock.now += 10
    with pytest.raises(RateLimited) as refused:
        window.check("198.51.100.7")
    assert refused.value.retry_after == 30  # the first failure leaves the window 30 s from now
    window.check("203.0.113.9")  # another client is not affected
    clock.now += 30
    window.check("198.51.100.7")  # the oldest failure has left the window


def test_memory_is_bounded_by_forgetting_the_least_recent_clients() -> None:
    window = FailureWindow(limit=1, window_seconds=60, max_keys=2, clock=Clock())
    for client in ("a", "b", "c"):
        window.failed(client)
    window.check("a")  # forgotten: the two most recent are kept
    for client in ("b", "c"):
        with pytest.raises(RateLimited):
            window.check(client)


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        FailureWindow(limit=0, window_seconds=60)


@given(
    limit=st.integers(min_value=1, max_value=5),
    window_seconds=st.integers(min_value=1, max_value=30),
    gaps=st.lists(st.floats(min_value=0, max_value=20, allow_nan=False), max_size=60),
)
def test_no_window_ever_accepts_more_than_the_limit_and_no_refusal_is_needless(
    limit: int, window_seconds: int, gaps: list[float]
) -> None:
    """A guesser trying at the given gaps: at most `limit` tries are let through in any window,
    and a try is refused only when `limit` tries already went through in the window before it."""
    clock = Clock()
    window = FailureWindow(limit=limit, window_seconds=window_seconds, clock=clock)
    accepted: list[float] = []
    for gap in gaps:
        clock.now += gap
        before = [t for t in accepted if t > clock.now - window_seconds]
        try:
            window.check("guesser")
        except RateLimited as refused:
            assert len(before) >= limit
            assert 1 <= refused.retry_after <= window_seconds
            continue
        assert len(before) < limit
        window.failed("guesser")
        accepted.append(clock.now)
    for start in accepted:
        inside = [t for t in accepted if start <= t < start + window_seconds]
        assert len(inside) <= limit
