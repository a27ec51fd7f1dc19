"""The certificates issued: the signed document exactly as issued, and where it is on the log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ftzlink.db import Base, Timestamp, utcnow

__all__ = ["CertificateRow"]

KINDS = (
    "grant-approval",
    "work-permit",
    "residence-permit",
    "port-visa-invitation",
    "transfer",
    "foreign-office-registration",
    "foreign-office-card",
)
_KINDS = ", ".join(f"'{k}'" for k in KINDS)


class CertificateRow(Base):
    """One certificate; a replaced or revoked one stays, marked, so its old paper still answers."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_KINDS})", name="known_kind"),
        CheckConstraint("length(sha256) = 64", name="sha256_hex"),
        CheckConstraint("ledger_index >= 0", name="ledger_index_not_negative"),
        CheckConstraint(
            "replaced_by IS NULL OR revoked_at IS NOT NULL", name="replaced_only_when_revoked"
        ),
        # One live certificate per object and kind: issuing again returns it (idempotent).
        Index(
            "uq_certificates_live_object",
            "kind",
            "object_ref",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    object_ref: Mapped[str] = mapped_column(String(64), index=True)  # e.g. application:12
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # exactly what was signed
    sha256: Mapped[str] = mapped_column(String(64))  # hex of SHA-256(canonical document)
    signature: Mapped[str] = mapped_column(Text)  # base64(key ID ‖ Ed25519 signature)
    key_id: Mapped[str] = mapped_column(String(8))
    ledger_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())
    replaced_by: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
