"""Throttling guesses, and who the client is.

The public invitation check answers anyone; a client that sends many codes that match nothing is
guessing, and is refused for a while: a window of failures per client. The failures are rows of
the database (`failed_attempts`), so every server process, on every machine, counts the same
window: ten guesses sent half to one worker and half to another trip the limit exactly as ten
sent to one. Sign-in has its own throttle, also in the database (`auth.service.authenticate`).

Both key on the client's address, `client_address`: the peer of the connection, or what a
trusted reverse proxy says in X-Forwarded-For, and only a trusted one.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from collections.abc import Callable

from sqlalchemy import Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Database, Timestamp, utcnow
from ftzlink.errors import RateLimited

__all__ = ["FailedAttempt", "FailureWindow", "client_address"]

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


class FailedAttempt(Base):
    """One failure counted against a key (a client's address) in a throttle's scope."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))  # which throttle: "invitation_check", ...
    key: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(Timestamp, index=True)


class FailureWindow:
    """At most `limit` failures per key in any `window_seconds`; past that, `check` refuses.

    Kept in the database, shared by every process that serves it. `failed` writes one row in a
    write transaction of its own (a failure counts even if the request then fails) and deletes
    the scope's rows that have left the window, so the table holds only the failures of the last
    window. `check` only reads. Requests of one client that are in flight at the same moment may
    each pass `check` before any of them counts, as within one process: sequential guesses, from
    however many processes, are refused at exactly `limit`.

    Times are the servers' wall clocks (UTC): machines serving one database keep them in step
    (NTP), as they must for sessions and sign-in too.
    """

    def __init__(
        self,
        db: Database,
        *,
        scope: str,
        limit: int,
        window_seconds: int,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be positive")
        if not 1 <= len(scope) <= 32:
            raise ValueError("a scope is 1 to 32 characters")
        self.db, self.scope = db, scope
        self.limit, self.window = limit, dt.timedelta(seconds=window_seconds)
        self._clock = clock

    def _key(self, key: str) -> str:
        return key[:128]

    def check(self, key: str) -> None:
        """Refuse with `RateLimited` (and the seconds to wait) while `key`'s window is full."""
        now = self._clock()
        with self.db.read() as session:
            recent = list(
                session.scalars(
                    select(FailedAttempt.at)
                    .where(
                        FailedAttempt.scope == self.scope,
                        FailedAttempt.key == self._key(key),
                        FailedAttempt.at > now - self.window,
                    )
                    .order_by(FailedAttempt.at.desc())
                    .limit(self.limit)
                )
            )
        if len(recent) < self.limit:
            return
        # Room again once the limit-th most recent failure leaves the window. Rounded first:
        # sums of times can exceed the window by a microsecond's float error.
        left = (recent[-1] + self.window - now).total_seconds()
        raise RateLimited(
            "too many codes that match nothing; try again later",
            retry_after=max(1, math.ceil(round(left, 3))),
        )

    def failed(self, key: str) -> None:
        """Count one failure for `key` now (and forget the scope's failures older than the
        window)."""
        now = self._clock()
        with self.db.write() as session:
            session.execute(
                delete(FailedAttempt).where(
                    FailedAttempt.scope == self.scope, FailedAttempt.at <= now - self.window
                )
            )
            session.add(FailedAttempt(scope=self.scope, key=self._key(key), at=now))
