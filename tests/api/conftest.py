"""A platform to call over HTTP: organisations, people with API tokens, budgets and applications in
every state, made through the same services users call, on every database backend under test.

Who is who:
- A and O are unrelated enterprises of Changning; A is also the headquarters of A2 (delegated).
- HQ is a headquarters in Xuhui; B, in Changning, is its registered branch, delegated to HQ.
- each organisation has a member and an admin; Changning has a reviewer and a budget officer;
  Xuhui has a reviewer; the platform has an admin and an auditor.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ftzlink.api import Platform, create_app
from ftzlink.applications import budgets, documents
from ftzlink.applications import service as apps
from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.ledger import checkpoints
from ftzlink.ledger.keys import generate
from ftzlink.organisations import service as orgs
from ftzlink.profiles.uscc import make_uscc
from ftzlink.settings import Settings
from tests.databases import Template, copy_of, fresh_database, make_template

SYSTEM = Actor(None, "system")
TODAY = dt.date(2025, 6, 1)
YEAR = TODAY.year
# The Changning trial policy is in force from 2024-11-15 to 2026-11-14.
AFTER_EXPIRY = dt.date(2026, 11, 24)

# II.A.1(1) of the Changning trial policy: a grant capped at 100,000,000 yuan a year.
FOCUS = "cn-trial-focus-entities"
# A service measure of the Xuhui linked zone: open to any organisation of the zone.
XUHUI_SERVICE = "xh-ai-industry-integration"
AMOUNT = 1_000_000
BUDGET = 200_000_000

PDF = b"%PDF-1.4\n% a test document\n%%EOF\n"

# What an AI company tells the engine: eligible for FOCUS in Changning, XUHUI_SERVICE in Xuhui.
PROFILE: dict[str, Any] = {
    "legal_form": "corporate",
    "credit_standing": "good",
    "district_approved_recipient": True,
    "sub_sector": "artificial_intelligence",
    "development_criteria_met": True,
    "established_on": "2019-03-18",
}

# The applications each organisation has, named by what a test may do to them next.
PURPOSES = (
    "draft",  # read, edited, documents attached (one is already)
    "to_submit",
    "to_withdraw",
    "to_return",  # submitted
    "to_approve",  # submitted
    "to_reject",  # submitted
    "to_batch",  # submitted
    "returned",  # submitted and returned with a question
)


def uscc(division: str, body: str) -> str:
    return make_uscc("9", "1", division, body)


ORGANISATIONS = {
    # key: (USCC, name, district)
    "a": (uscc("310105", "MA1FL4X5"), "长宁智能科技有限公司", "changning"),
    "o": (uscc("310105", "MA1GK7P2"), "长宁数据服务有限公司", "changning"),
    "hq": (uscc("310104", "MA1BR7K2"), "徐汇总部有限公司", "xuhui"),
    "b": (uscc("310105", "MA1HQ0C8"), "徐汇总部长宁分公司", "changning"),
    "a2": (uscc("310105", "MA1JT3N6"), "长宁智能科技有限公司分公司", "changning"),
}
HEADQUARTERS = {"b": "hq", "a2": "a"}


@dataclass
class User:
    principal: Principal
    token: str  # the API token the tests call with
    spare_token_id: int  # another token of the user's, to revoke


@dataclass
class Api:
    """The application, the database behind it, and who and what is in it."""

    app: Platform
    settings: Settings
    database: Database
    catalogue: Catalogue
    org: dict[str, int] = field(default_factory=dict)  # key -> organisation id
    names: dict[str, str] = field(default_factory=dict)  # key -> organisation name
    users: dict[str, User] = field(default_factory=dict)
    application: dict[tuple[str, str], int] = field(default_factory=dict)  # (org, purpose)
    document: dict[str, int] = field(default_factory=dict)  # org -> a document's id
    delegation: dict[str, int] = field(default_factory=dict)  # branch key -> delegation id

    def client(
        self, user: str | None = None, *, raise_server_exceptions: bool = True
    ) -> TestClient:
        """A client calling as `user` with its API token (None: nobody signed in)."""
        headers = {} if user is None else {"Authorization": f"Bearer {self.users[user].token}"}
        return TestClient(
            self.app, headers=headers, raise_server_exceptions=raise_server_exceptions
        )

    def on(self, today: dt.date) -> Api:
        """The same platform served by an app that believes today is `today`."""
        settings = self.settings.model_copy(update={"today": today})
        app = create_app(settings, catalogue=self.catalogue, database=self.database, migrate=False)
        return Api(
            app=app,
            settings=settings,
            database=self.database,
            catalogue=self.catalogue,
            org=self.org,
            names=self.names,
            users=self.users,
            application=self.application,
            document=self.document,
            delegation=self.delegation,
        )

    def principal(self, user: str) -> Principal:
        return self.users[user].principal

    def status(self, org: str, purpose: str) -> str:
        with self.database.read() as session:
            found = apps.get_application(
                session,
                principal=self.principal("auditor"),
                application_id=self.application[org, purpose],
                on=TODAY,
            )
            return found.status


def _measure(org: str) -> tuple[str, int | None]:
    return (XUHUI_SERVICE, None) if org == "hq" else (FOCUS, AMOUNT)


def build(database: Database, catalogue: Catalogue, data_dir: Path) -> Api:
    settings = Settings(
        data_dir=data_dir,
        database_url=database.url,
        today=TODAY,
        ledger_key=generate("ftzlink.example/ledger").private_text(),
    )
    app = create_app(settings, catalogue=catalogue, database=database, migrate=False)
    api = Api(app=app, settings=settings, database=database, catalogue=catalogue)
    principals: dict[str, Principal] = {}

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
            principals[key] = auth.principal_for(created)
            return principals[key]

        # No passwords: hashing one costs a fifth of a second; API tokens are what tests use.
        admin = user("platform_admin", Grant(Role.PLATFORM_ADMIN))
        for key in ("a", "o", "hq", "b", "a2"):
            code, name, district = ORGANISATIONS[key]
            hq = HEADQUARTERS.get(key)
            org = orgs.create_organisation(
                s,
                principal=admin,
                catalogue=catalogue,
                uscc=code,
                name=name,
                district=district,
                zone=district,
                sector="smart_internet",
                headquarters_id=api.org[hq] if hq else None,
                profile=PROFILE,
            )
            api.org[key], api.names[key] = org.id, name
        user("auditor", Grant(Role.AUDITOR))
        user("reviewer", Grant(Role.REVIEWER, district="changning"))
        user("reviewer_xuhui", Grant(Role.REVIEWER, district="xuhui"))
        user("budget_officer", Grant(Role.BUDGET_OFFICER, district="changning"))
        for key in ("a", "o", "hq", "b", "a2"):
            user(f"member_{key}", Grant(Role.ENTERPRISE_MEMBER, api.org[key]))
            user(f"admin_{key}", Grant(Role.ENTERPRISE_ADMIN, api.org[key]))
        for branch, hq in HEADQUARTERS.items():
            api.delegation[branch] = orgs.create_delegation(
                s,
                principal=principals[f"admin_{branch}"],
                catalogue=catalogue,
                headquarters_id=api.org[hq],
                branch_id=api.org[branch],
                measures=None,
                valid_from=dt.date(YEAR, 1, 1),
                valid_to=None,
                on=TODAY,
            ).id
        budgets.set_budget(
            s,
            principal=principals["budget_officer"],
            catalogue=catalogue,
            measure_id=FOCUS,
            year=YEAR,
            amount=BUDGET,
        )
        for key, principal in principals.items():
            _, secret = auth.create_token(s, actor=SYSTEM, user_id=principal.user_id, name="tests")
            spare, _ = auth.create_token(s, actor=SYSTEM, user_id=principal.user_id, name="spare")
            api.users[key] = User(principal, secret, spare.id)

    for org in ("a", "o", "hq", "b"):
        member = principals[f"member_{org}"]
        reviewer = principals["reviewer_xuhui" if org == "hq" else "reviewer"]
        measure, amount = _measure(org)
        with database.write() as s:
            for purpose in PURPOSES:
                created = apps.create_application(
                    s,
                    principal=member,
                    catalogue=catalogue,
                    organisation_id=api.org[org],
                    measure_id=measure,
                    requested_amount=amount,
                    today=TODAY,
                )
                api.application[org, purpose] = created.id
                if purpose in ("draft", "to_submit", "to_withdraw"):
                    continue
                apps.submit(
                    s,
                    principal=member,
                    catalogue=catalogue,
                    application_id=created.id,
                    today=TODAY,
                    lang="en",
                )
                if purpose == "returned":
                    apps.return_application(
                        s,
                        principal=reviewer,
                        application_id=created.id,
                        questions=["Which products use AI?"],
                        today=TODAY,
                    )
            api.document[org] = documents.add_document(
                s,
                principal=member,
                catalogue=catalogue,
                application_id=api.application[org, "draft"],
                filename="plan.pdf",
                content_type="application/pdf",
                data=PDF,
                root=settings.documents_dir,
                max_bytes=settings.max_upload_bytes,
                today=TODAY,
            ).id
    with database.write() as s:  # a signed checkpoint over all of it, as serving would make
        checkpoints.sign(s, settings)
    return api


@dataclass
class _Built:
    """The platform `build` made once in this process, for tests to copy: its database (a
    template), its data directory (documents, checkpoints) and who and what is in it."""

    template: Template
    data_dir: Path
    api: Api


_BUILT: dict[str, _Built] = {}


@pytest.fixture
def api(
    backend: str,
    catalogue: Catalogue,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Api]:
    """The platform, served by an app whose today is 2025-06-01, on a database of the test's own:
    a copy of the one `build` made once per process (building it takes a second on PostgreSQL),
    with a copy of its data directory."""
    built = _BUILT.get(backend)
    if built is None:
        data_dir = tmp_path_factory.mktemp(f"api-{backend}")
        made: list[Api] = []
        template = make_template(backend, lambda db: made.append(build(db, catalogue, data_dir)))
        if template.source is None:  # a role that may not create databases: built per test
            with fresh_database(backend, tmp_path) as database:
                yield build(database, catalogue, tmp_path)
            return
        built = _BUILT[backend] = _Built(template, data_dir, made[0])
    shutil.copytree(built.data_dir, tmp_path, dirs_exist_ok=True)
    with copy_of(built.template, tmp_path) as database:
        settings = built.api.settings.model_copy(
            update={"data_dir": tmp_path, "database_url": database.url}
        )
        yield Api(
            app=create_app(settings, catalogue=catalogue, database=database, migrate=False),
            settings=settings,
            database=database,
            catalogue=catalogue,
            org=dict(built.api.org),
            names=dict(built.api.names),
            users=dict(built.api.users),
            application=dict(built.api.application),
            document=dict(built.api.document),
            delegation=dict(built.api.delegation),
        )
