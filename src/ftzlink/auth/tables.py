"""Tables: users, their roles, API tokens and web sessions (both stored hashed), login attempts."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ftzlink.db import Base, Timestamp, utcnow

__all__ = ["ApiToken", "LoginAttempt", "Role", "RoleAssignment", "User", "WebSession"]


class Role(StrEnum):
    ENTERPRISE_MEMBER = "enterprise_member"  # of one organisation
    ENTERPRISE_ADMIN = "enterprise_admin"  # of one organisation
    REVIEWER = "reviewer"  # of one district
    BUDGET_OFFICER = "budget_officer"  # of one district
    # The two authorities of the foreign-talent service; municipal, so without a district.
    WORK_PERMIT_OFFICER = "work_permit_officer"  # decides work permits
    EXIT_ENTRY_OFFICER = (
        "exit_entry_officer"  # decides residence permits, registers port-visa inviters
    )
    # The cross-border data service; municipal.
    DATA_REGULATOR = "data_regulator"  # registers or returns filings, draws spot checks
    INSPECTOR = "inspector"  # carries out the inspections drawn
    # Foreign enterprises' representative offices and investor qualification records; municipal.
    REGISTRAR = "registrar"  # the municipal market-regulation registrar
    PLATFORM_ADMIN = "platform_admin"
    AUDITOR = "auditor"  # reads everything, changes nothing


ORGANISATION_ROLES = frozenset({Role.ENTERPRISE_MEMBER, Role.ENTERPRISE_ADMIN})
DISTRICT_ROLES = frozenset({Role.REVIEWER, Role.BUDGET_OFFICER})


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="zh")
    # Where the platform's messages are mailed (ftzlink.messages); None: in-app only.
    email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(
            "(role IN ('enterprise_member', 'enterprise_admin')) = (organisation_id IS NOT NULL)",
            name="organisation_scope",
        ),
        CheckConstraint(
            "(role IN ('reviewer', 'budget_officer')) = (district IS NOT NULL)",
            name="district_scope",
        ),
        UniqueConstraint("user_id", "role", "organisation_id", "district"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    district: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="roles")


class ApiToken(Base):
    """An integrator's bearer token; only its SHA-256 is kept (the token is 256 random bits)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp())


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(Timestamp())


class LoginAttempt(Base):
    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(Timestamp(), default=utcnow, index=True)
