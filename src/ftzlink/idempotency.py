"""One answer per idempotency key: the first answer to a change is stored in the same transaction,
and the same key again (same user, same request) finds it instead of changing anything twice.

Used by the API (`Idempotency-Key` header) and by the pages (a token in each form). Knows nothing
of HTTP: it stores and finds answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.applications.tables import IdempotencyRecord
from ftzlink.errors import Conflict

__all__ = ["Answer", "find", "fingerprint", "remember"]


@dataclass(frozen=True)
class Answer:
    """The answer stored for a key: a status code and a JSON body."""

    status_code: int
    body: Any


def fingerprint(*parts: str) -> str:
    """A request's fingerprint from the parts that make it the same request."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def find(session: Session, *, user_id: int, key: str, request_hash: str) -> Answer | None:
    """The answer already given for `key`, None if there is none; Conflict when the key was used
    for a different request."""
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise Conflict("this Idempotency-Key was used for a different request")
    return Answer(record.status_code, record.body)


def remember(
    session: Session, *, user_id: int, key: str, request_hash: str, status_code: int, body: Any
) -> None:
    """Store the answer to `key`, in the transaction that made the change."""
    session.add(
        IdempotencyRecord(
            user_id=user_id,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            body=body,
        )
    )
