"""Structured logs: one line per request and one per domain event (each audit entry, once its
transaction commits), JSON for machines or readable text on a terminal.

Every line carries the request id it belongs to. Nothing secret reaches a line: the fields are
chosen here (never a request body, header or query string), and any field whose name suggests a
secret, or whose value looks like an API token, is masked on the way out.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, cast

import structlog
from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from ftzlink.auth.principal import Principal

__all__ = [
    "RequestInfo",
    "configure",
    "current_request",
    "logger",
    "mask_secrets",
    "note_principal",
    "record_event",
]

MASK = "***"
# A field with one of these in its name never shows its value.
_SECRET_NAME = re.compile(
    r"pass(word|port)|secret|token|session|cookie|authori[sz]ation|csrf|api[_-]?key|content|"
    r"document|body|file|data$",
    re.IGNORECASE,
)
# Values that are secrets wherever they appear: API tokens ("ftz_" + 43 characters).
_SECRET_VALUE = re.compile(r"ftz_[A-Za-z0-9_-]{20,}")
_EVENTS_KEY = "ftzlink_log_events"


@dataclass
class RequestInfo:
    """What the request line names besides method, route, status and duration: filled in by the
    code that resolves who is asking (`note_principal`)."""

    request_id: str
    user_id: int | None = None
    username: str | None = None
    organisations: list[int] = field(default_factory=list)


_current: ContextVar[RequestInfo | None] = ContextVar("ftzlink_request", default=None)


def current_request() -> ContextVar[RequestInfo | None]:
    return _current


def note_principal(principal: Principal | None) -> None:
    """Remember who the current request acts as, for its log line (no-op outside a request)."""
    info = _current.get()
    if info is None or principal is None:
        return
    info.user_id, info.username = principal.user_id, principal.username
    info.organisations = sorted(principal.member_of())


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return _SECRET_VALUE.sub(MASK, value)
    if isinstance(value, dict):
        return {k: MASK if _SECRET_NAME.search(str(k)) else _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def mask_secrets(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: hide the value of every field named like a secret, and tokens anywhere."""
    for key in list(event_dict):
        if key != "event" and _SECRET_NAME.search(key):
            event_dict[key] = MASK
        else:
            event_dict[key] = _masked(event_dict[key])
    return event_dict


def _dumps(value: Any, **kwargs: Any) -> str:
    kwargs.setdefault("default", str)
    return json.dumps(value, ensure_ascii=False, **kwargs)


class _Stderr(io.TextIOBase):
    """Whatever `sys.stderr` is when a line is written (it may be replaced after configuring)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure(*, fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Send the platform's log lines to `stream` (stderr): JSON lines, or readable text when
    `fmt` is "console", or "auto" and the stream is a terminal."""
    out: TextIO = stream or cast(TextIO, _Stderr())
    console = fmt == "console" or (fmt == "auto" and out.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if console
        else structlog.processors.JSONRenderer(serializer=_dumps)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            mask_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    if not event.contains(Session, "after_commit", _emit_events):
        event.listen(Session, "after_commit", _emit_events)
        event.listen(Session, "after_rollback", _drop_events)


def logger() -> Any:
    return structlog.get_logger("ftzlink")


def record_event(session: Session, **fields: Any) -> None:
    """Log a domain event of the current request once `session` commits (nothing, if it rolls
    back). Outside a request (a CLI command) nothing is logged: the command reports itself."""
    if _current.get() is None:
        return
    session.info.setdefault(_EVENTS_KEY, []).append(fields)


def _emit_events(session: Session) -> None:
    events = session.info.pop(_EVENTS_KEY, None)
    if not events:
        return
    log = logger()
    for fields in events:
        log.info("event", **fields)


def _drop_events(session: Session) -> None:
    session.info.pop(_EVENTS_KEY, None)
