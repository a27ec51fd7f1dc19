"""A registry to test against: a migrated database (each backend) with the seeded cases, an
editor of each kind, and people who may only read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from sqlalchemy.orm import Session

from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.db import Database
from ftzlink.pilots import service as pilots

TODAY = dt.date(2025, 6, 1)
SYSTEM = Actor(None, "system")
T = TypeVar("T")


@dataclass
class Registry:
    db: Database
    admin: Principal  # platform_admin
    regulator: Principal  # data_regulator
    auditor: Principal
    reviewer: Principal

    def write(self, fn: Callable[..., T], **kwargs: Any) -> T:
        with self.db.write() as session:
            return fn(session, **kwargs)

    def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.db.read() as session:
            return fn(session, *args, **kwargs)

    def case_id(self, slug: str) -> int:
        with self.db.read() as session:
            return pilots.find_case(session, slug).id


def make_users(session: Session) -> dict[str, Principal]:
    people = {
        "admin": Grant(Role.PLATFORM_ADMIN),
        "regulator": Grant(Role.DATA_REGULATOR),
        "auditor": Grant(Role.AUDITOR),
        "reviewer": Grant(Role.REVIEWER, district="changning"),
    }
    return {
        name: auth.principal_for(
            auth.create_user(
                session,
                actor=SYSTEM,
                username=f"pilot-{name}",
                display_name=name,
                password=None,
                roles=[grant],
            )
        )
        for name, grant in people.items()
    }


@pytest.fixture
def registry(database: Database) -> Registry:
    with database.write() as session:
        users = make_users(session)
        pilots.seed_pilot_cases(session, SYSTEM)
    return Registry(database, **users)
