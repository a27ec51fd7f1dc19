"""A platform for the 免申即享 pipeline, made through the services users call, on every backend.

Who is who:
- A (Changning) is an AI company: eligible for the focus-industry grant (FOCUS, consent path) and,
  with its AI platform project, for the AI industry grant (AI), which the catalogue copy used
  here marks "granted without application" (no seed says so of any measure: the bundled
  catalogue marks none).
- O (Changning) is the same kind of company, but its credit standing is not on record: one
  answer away from the Changning measures.
- X (Xuhui) is an AI company of Xuhui: nothing of the Changning policy applies to it.
- Changning has a reviewer and a budget officer; Xuhui a reviewer; the platform an admin and an
  auditor; A and O each have a member.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ftzlink.api import Platform, create_app
from ftzlink.applications import budgets
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.loader import load_catalogue
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.ledger.keys import generate
from ftzlink.organisations import service as orgs
from ftzlink.profiles.uscc import make_uscc
from ftzlink.settings import Settings

SYSTEM = Actor(None, "system")
TODAY = dt.date(2025, 6, 1)
YEAR = TODAY.year
FOCUS = "cn-trial-focus-entities"  # 003 II.A.1(1): 100 M a year
AI = "cn-trial-ai-industry"  # 003 II.A.2(1) item 2: 10 M per project
AI_PROJECT = "长宁AI平台"
AI_REQUEST = 2_000_000
BUDGET = 500_000_000

PROFILE: dict[str, Any] = {
    "legal_form": "corporate",
    "credit_standing": "good",
    "district_approved_recipient": False,
    "sub_sector": "artificial_intelligence",
    "development_criteria_met": True,
    "established_on": "2019-03-18",
    "projects": [{"name": AI_PROJECT, "kind": "ai_industry", "requested_amount": AI_REQUEST}],
}
ORGANISATIONS = {
    # key: (USCC, name, district, profile)
    "a": (make_uscc("9", "1", "310105", "MA1FL4X5"), "长宁智能科技有限公司", "changning", PROFILE),
    "o": (
        make_uscc("9", "1", "310105", "MA1GK7P2"),
        "长宁数据服务有限公司",
        "changning",
        {k: v for k, v in PROFILE.items() if k not in ("credit_standing", "projects")},
    ),
    "x": (make_uscc("9", "1", "310104", "MA1BR7K2"), "徐汇智能有限公司", "xuhui", PROFILE),
}
# Registered nowhere: a registry row with this code is reported, not matched.
STRANGER = make_uscc("9", "1", "310105", "MA1HT3N8")


def marked_catalogue(directory: Path) -> Catalogue:
    """The bundled catalogue (a copy in `directory`) with AI marked granted without application."""
    path = directory / "policies" / "changning-trial-2024.yaml"
    text = path.read_text(encoding="utf-8")
    marked, count = re.subn(
        r"(  - id: cn-trial-ai-industry\n(?:    .*\n)*?    cap: .*\n)",
        r"\1    granted_without_application: true\n",
        text,
    )
    assert count == 1
    path.write_text(marked, encoding="utf-8")
    return load_catalogue(directory)


@pytest.fixture
def marked(catalogue_copy: Path) -> Catalogue:
    return marked_catalogue(catalogue_copy)


@dataclass
class World:
    app: Platform
    settings: Settings
    database: Database
    catalogue: Catalogue
    catalogue_dir: Path
    org: dict[str, int] = field(default_factory=dict)
    users: dict[str, Principal] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, user: str) -> TestClient:
        return TestClient(self.app, headers={"Authorization": f"Bearer {self.tokens[user]}"})


def build(database: Database, catalogue: Catalogue, catalogue_dir: Path, data_dir: Path) -> World:
    settings = Settings(
        data_dir=data_dir,
        database_url=database.url,
        today=TODAY,
        ledger_key=generate("ftzlink.example/ledger").private_text(),
    )
    app = create_app(settings, catalogue=catalogue, database=database, migrate=False)
    world = World(app, settings, database, catalogue, catalogue_dir)
    with database.write() as s:

        def user(key: str, *grants: Grant) -> Principal:
            created = auth.create_user(
                s,
                actor=SYSTEM,
                username=key.replace("_", "-"),
                display_name=key,
                password=None,
                roles=list(grants),
            )
            world.users[key] = principal = auth.principal_for(created)
            _, world.tokens[key] = auth.create_token(
                s, actor=SYSTEM, user_id=created.id, name="tests"
            )
            return principal

        admin = user("platform_admin", Grant(Role.PLATFORM_ADMIN))
        for key, (code, name, district, profile) in ORGANISATIONS.items():
            world.org[key] = orgs.create_organisation(
                s,
                principal=admin,
                catalogue=catalogue,
                uscc=code,
                name=name,
                district=district,
                zone=district,
                sector="smart_internet",
                profile=profile,
            ).id
        user("auditor", Grant(Role.AUDITOR))
        user("reviewer", Grant(Role.REVIEWER, district="changning"))
        user("reviewer_xuhui", Grant(Role.REVIEWER, district="xuhui"))
        officer = user("budget_officer", Grant(Role.BUDGET_OFFICER, district="changning"))
        for key in ORGANISATIONS:
            user(f"member_{key}", Grant(Role.ENTERPRISE_MEMBER, world.org[key]))
        for measure in (FOCUS, AI):
            budgets.set_budget(
                s,
                principal=officer,
                catalogue=catalogue,
                measure_id=measure,
                year=YEAR,
                amount=BUDGET,
            )
    return world


@pytest.fixture
def world(
    database: Database, marked: Catalogue, catalogue_copy: Path, tmp_path: Path
) -> Iterator[World]:
    yield build(database, marked, catalogue_copy, tmp_path / "data")
