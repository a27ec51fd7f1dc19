"""The public invitation check throttles guessing: a client whose codes keep matching nothing is
refused for a while, told how long; others and later attempts are not. The window is kept in the
database, so two windows over one database (two server processes) count as one."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ftzlink.db import Database
from ftzlink.errors import RateLimited
from ftzlink.ratelimit import FailedAttempt, FailureWindow


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def test_a_client_is_refused_once_its_window_is_full_and_told_how_long_to_wait(
    database: Database,
) -> None:
    clock = Clock()
    window = FailureWindow(database, scope="test", limit=3, window_seconds=60, clock=clock)
    for _ in range(3):
        window.check("198.51.100.7")
        window.failed("198.51.100.7")
        clock.advance(10)
    with pytest.raises(RateLimited) as refused:
        window.check("198.51.100.7")
    assert refused.value.retry_after == 30  # the first failure leaves the window 30 s from now
    window.check("203.0.113.9")  # another client is not affected
    clock.advance(30)
    window.check("198.51.100.7")  # the oldest failure has left the window


def test_two_windows_over_one_database_count_as_one(database: Database) -> None:
    """What two server processes do: each has its own window object over the same rows."""
    clock = Clock()
    one, other = (
        FailureWindow(database, scope="test", limit=4, window_seconds=60, clock=clock)
        for _ in range(2)
    )
    for window in (one, other, one, other):
        window.check("198.51.100.7")
        window.failed("198.51.100.7")
    for window in (one, other):
        with pytest.raises(RateLimited):
            window.check("198.51.100.7")
    # another throttle's scope is not affected
    FailureWindow(database, scope="other", limit=1, window_seconds=60, clock=clock).check(
        "198.51.100.7"
    )


def test_failures_that_left_the_window_are_deleted(database: Database) -> None:
    clock = Clock()
    window = FailureWindow(database, scope="test", limit=5, window_seconds=60, clock=clock)
    for client in ("a", "b", "c"):
        window.failed(client)
    clock.advance(61)
    window.failed("d")
    with database.read() as session:
        assert session.scalars(select(FailedAttempt.key)).all() == ["d"]
        assert session.scalar(select(func.count()).select_from(FailedAttempt)) == 1


def test_nonsense_limits_are_refused(database: Database) -> None:
    with pytest.raises(ValueError):
        FailureWindow(database, scope="test", limit=0, window_seconds=60)
    with pytest.raises(ValueError):
        FailureWindow(database, scope="", limit=1, window_seconds=60)


_guessers = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(min_value=1, max_value=5),
    window_seconds=st.integers(min_value=1, max_value=30),
    gaps=st.lists(st.floats(min_value=0, max_value=20, allow_nan=False), max_size=30),
)
def test_no_window_ever_accepts_more_than_the_limit_and_no_refusal_is_needless(
    database: Database, limit: int, window_seconds: int, gaps: list[float]
) -> None:
    """A guesser trying at the given gaps: at most `limit` tries are let through in any window,
    and a try is refused only when `limit` tries already went through in the window before it."""
    clock = Clock()
    window = FailureWindow(
        database, scope="test", limit=limit, window_seconds=window_seconds, clock=clock
    )
    guesser = f"guesser-{next(_guessers)}"  # the examples share the database
    accepted: list[dt.datetime] = []
    span = dt.timedelta(seconds=window_seconds)
    for gap in gaps:
        clock.advance(round(gap, 6))
        before = [t for t in accepted if t > clock.now - span]
        try:
            window.check(guesser)
        except RateLimited as refused:
            assert len(before) >= limit
            assert 1 <= refused.retry_after <= window_seconds
            continue
        assert len(before) < limit
        window.failed(guesser)
        accepted.append(clock.now)
    for start in accepted:
        inside = [t for t in accepted if start <= t < start + span]
        assert len(inside) <= limit
