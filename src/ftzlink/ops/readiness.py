"""Is this instance ready for traffic? Each check names itself and, when it fails, why; the
checks know nothing of HTTP (`ftzlink.ops.api` serves them at /readyz).

A check that needs the database is skipped, and says so, once the database itself does not answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ftzlink.db import Database, utcnow
from ftzlink.settings import Settings

__all__ = ["Check", "Readiness", "calendar_years", "newest_revision", "readiness"]


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str = ""  # why not, when not ok; what was seen, when ok
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "not_ready",
            "reasons": [f"{c.name}: {c.reason}" for c in self.checks if not c.ok],
            "checks": {c.name: {"ok": c.ok, "reason": c.reason, **c.detail} for c in self.checks},
        }


def calendar_years(session: Session | None = None) -> range:
    """The years with an official holiday schedule (bundled, and loaded in the database when a
    session is given). Later years are counted provisionally; readiness wants today's year
    official. The one place readiness asks the calendar."""
    from ftzlink.workdays import bundled_calendar
    from ftzlink.workdays.service import current_calendar

    calendar = current_calendar(session) if session is not None else bundled_calendar()
    return range(calendar.first_year, calendar.last_official_year + 1)


@cache
def newest_revision() -> str | None:
    """The newest Alembic revision shipped with this code (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from ftzlink.migrations import HERE

    config = Config()
    config.set_main_option("script_location", str(HERE))
    return ScriptDirectory.from_config(config).get_current_head()


def _schema(session: Session) -> Check:
    from alembic.runtime.migration import MigrationContext

    current = MigrationContext.configure(session.connection()).get_current_revision()
    newest = newest_revision()
    detail = {"revision": current, "newest": newest}
    if current != newest:
        return Check(
            "schema",
            False,
            f"the database is at revision {current or 'none'}, not the newest ({newest}): "
            "run ftzlink db upgrade",
            detail,
        )
    return Check("schema", True, f"at the newest revision {newest}", detail)


def _messages(session: Session, settings: Settings, now: dt.datetime) -> Check:
    """The message outbox (ftzlink.messages): fails when a due delivery has waited too long."""
    from ftzlink.messages.outbox import due_backlog

    backlog, oldest, failed = due_backlog(session, now=now)
    limit = settings.outbox_max_age_seconds
    detail = {"backlog": backlog, "failed": failed, "limit_seconds": limit}
    if oldest is None:
        return Check("messages", True, "no message waits to be delivered", detail)
    age = int((now - oldest).total_seconds())
    detail["oldest_seconds"] = age
    if age > limit:
        return Check(
            "messages",
            False,
            f"{backlog} delivery(ies) due, the oldest for {age} s (limit {limit} s): "
            "is ftzlink worker (or FTZLINK_WORKER=embedded) running?",
            detail,
        )
    return Check("messages", True, f"{backlog} delivery(ies) due, draining", detail)


def _outbox(session: Session, settings: Settings, now: dt.datetime) -> Check:
    from ftzlink.proactive.tables import Notification

    backlog, oldest = session.execute(
        select(func.count(), func.min(Notification.created_at)).where(
            Notification.sent_at.is_(None)
        )
    ).one()
    limit = settings.outbox_max_age_seconds
    if oldest is None:
        return Check("outbox", True, "nothing waits to be sent", {"backlog": 0})
    if oldest.tzinfo is None:  # SQLite hands aggregates back naive (and as text on some drivers)
        oldest = oldest.replace(tzinfo=dt.UTC)
    age = int((now - oldest).total_seconds())
    detail = {"backlog": int(backlog), "oldest_seconds": age, "limit_seconds": limit}
    if age > limit:
        return Check(
            "outbox",
            False,
            f"{backlog} notification(s) unsent, the oldest for {age} s (limit {limit} s): "
            "is ftzlink proactive deliver running?",
            detail,
        )
    return Check("outbox", True, f"{backlog} notification(s) waiting, draining", detail)


def _checkpoint(
    session: Session, settings: Settings, now: dt.datetime, since: dt.datetime
) -> Check:
    from ftzlink.ledger import checkpoints, log
    from ftzlink.ledger.keys import configured_verifier

    interval = settings.ledger_checkpoint_seconds
    if interval <= 0 or configured_verifier(settings) is None:
        return Check("checkpoint", True, "no signing key configured, or signing turned off")
    size = log.size(session)
    latest = checkpoints.latest(session)
    signed = latest.size if latest is not None else 0
    detail: dict[str, Any] = {"ledger_size": size, "signed_size": signed}
    if size <= signed:
        return Check("checkpoint", True, "every ledger entry is under a signed checkpoint", detail)
    # Entries wait for the next checkpoint; that may take one interval (from the last checkpoint,
    # or from when this process started its signer), never two.
    reference = max(latest.issued_at, since) if latest is not None else since
    age = int((now - reference).total_seconds())
    detail.update(age_seconds=age, limit_seconds=2 * interval)
    if age > 2 * interval:
        return Check(
            "checkpoint",
            False,
            f"{size - signed} ledger entries unsigned; the newest checkpoint is {age} s old, "
            f"more than twice the interval of {interval} s",
            detail,
        )
    return Check("checkpoint", True, f"newest checkpoint {age} s old", detail)


def _calendar(today: dt.date, years: Callable[[], range]) -> Check:
    covered = years()
    detail = {
        "today": today.isoformat(),
        "first_year": covered.start,
        "last_year": covered.stop - 1,
    }
    if today.year not in covered:
        return Check(
            "calendar",
            False,
            f"the working-day calendar covers {covered.start}–{covered.stop - 1}, not today "
            f"({today.isoformat()}): update chinese-calendar",
            detail,
        )
    return Check("calendar", True, f"covers {covered.start}–{covered.stop - 1}", detail)


def _reason(error: BaseException) -> str:
    text_ = str(getattr(error, "orig", None) or error).strip()
    return (text_.splitlines() or [type(error).__name__])[0][:300]


def readiness(
    *,
    db: Database,
    settings: Settings,
    started_at: dt.datetime,
    now: dt.datetime | None = None,
    years: Callable[[], range] = calendar_years,
) -> Readiness:
    """Every check, in order: database, schema, outbox, messages, checkpoint, calendar."""
    now = now or utcnow()
    checks: list[Check] = []
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
        checks.append(Check("database", True, "answers"))
    except Exception as error:  # whatever keeps the database from answering means "not ready"
        checks.append(Check("database", False, f"does not answer: {_reason(error)}"))
    steps: list[tuple[str, Callable[[Session], Check]]] = [
        ("schema", _schema),
        ("outbox", lambda s: _outbox(s, settings, now)),
        ("messages", lambda s: _messages(s, settings, now)),
        ("checkpoint", lambda s: _checkpoint(s, settings, now, started_at)),
    ]
    for name, step in steps:
        if not checks[0].ok:
            checks.append(Check(name, False, "not checked: the database does not answer"))
            continue
        if name != "schema" and not checks[1].ok:
            checks.append(Check(name, False, "not checked: the schema is not current"))
            continue
        try:
            with db.read() as session:
                checks.append(step(session))
        except Exception as error:
            checks.append(Check(name, False, f"cannot be checked: {_reason(error)}"))
    if years is calendar_years and checks[0].ok and checks[1].ok:
        with db.read() as session:
            loaded = calendar_years(session)
        years = lambda: loaded  # noqa: E731
    checks.append(_calendar(settings.current_date(), years))
    return Readiness(tuple(checks))
