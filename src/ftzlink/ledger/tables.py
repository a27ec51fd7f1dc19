"""Tables of the Merkle log: entries (with their leaf hashes), the hash of every complete subtree,
the signed checkpoints issued, and the checkpoints a witness has seen.

A node (level, idx) with level >= 1 is the hash of the complete subtree over the leaves
[idx * 2**level, (idx + 1) * 2**level); level 0 is the leaf hash, kept beside its entry.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow

__all__ = ["LedgerCheckpoint", "LedgerEntry", "LedgerNode", "WitnessedCheckpoint"]


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (CheckConstraint("idx >= 0", name="idx_not_negative"),)

    # Assigned by the appender (current size), never by a sequence: indices have no gap.
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64), index=True)  # the entry's type tag
    data: Mapped[bytes] = mapped_column(LargeBinary)  # the entry's exact bytes (tag included)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerNode(Base):
    __tablename__ = "ledger_nodes"
    __table_args__ = (CheckConstraint("level >= 1", name="level_above_leaves"),)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerCheckpoint(Base):
    """A checkpoint the log signed: the signed note exactly as issued."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(8))  # hex of the signed-note key ID
    issued_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)


class WitnessedCheckpoint(Base):
    """A checkpoint a witness accepted (it verified the signature and consistency first)."""

    __tablename__ = "ledger_witnessed"
    __table_args__ = (CheckConstraint("size >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utcnow)
