"""The shared test world (the `world` fixture, registered in tests/conftest.py): a small
platform of people and organisations, made through the same services users call, on every
database backend under test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from ftzlink.applications import budgets
from ftzlink.applications import service as apps
from ftzlink.applications.tables import Application, ApplicationEvent, Grant
from ftzlink.audit.log import Actor
from ftzlink.audit.tables import AuditEntry
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant as RoleGrant
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.organisations import service as orgs
from ftzlink.organisations.tables import Organisation
from ftzlink.text import Lang

T = TypeVar("T")

SYSTEM = Actor(None, "system")
TODAY = dt.date(2025, 6, 1)
YEAR = TODAY.year
# The Changning trial policy (seed 003) is in force from 2024-11-15 to 2026-11-14.
AFTER_EXPIRY = dt.date(2026, 11, 24)

# II.A.1(1): per-year cap of 100,000,000 yuan, which is also the clause's annual allowance.
FOCUS = "cn-trial-focus-entities"
# II.A.1(2): two measures of one clause, capped per project (and year); the clause states no
# annual figure, so it has an allowance only when a budget officer sets one.
LEADERS = "cn-trial-leaders-rd"
BUSINESS = "cn-trial-business-projects"
PROJECT_KIND = {LEADERS: "industry_leader", BUSINESS: "establishment"}

USCC_A = "91310105MA1FL4X59N"  # changning
USCC_B = "91310105MA1HQ0C88D"  # changning, a branch of HQ
USCC_HQ = "91310104MA1BR7K29E"  # xuhui

# What an AI company of Changning tells the engine: eligible for FOCUS, LEADERS and BUSINESS.
PROFILE: dict[str, Any] = {
    "legal_form": "corporate",
    "credit_standing": "good",
    "district_approved_recipient": True,
    "sub_sector": "artificial_intelligence",
    "development_criteria_met": True,
    "established_on": "2019-03-18",
}


@dataclass
class World:
    """Organisations A and B (B a branch of HQ) in Changning, HQ in Xuhui, and their people."""

    database: Database
    catalogue: Catalogue
    admin: Principal
    auditor: Principal
    reviewer: Principal  # of changning
    reviewer_xuhui: Principal
    budget_officer: Principal  # of changning
    a: Organisation
    b: Organisation
    hq: Organisation
    member_a: Principal
    admin_a: Principal
    member_b: Principal
    admin_b: Principal
    member_hq: Principal
    admin_hq: Principal

    # --- doing things, one transaction each ---

    def write(self, step: Callable[..., T], **kwargs: Any) -> T:
        """Run one service call in its own write transaction."""
        with self.database.write() as session:
            return step(session, **kwargs)

    def read(self, step: Callable[..., T], **kwargs: Any) -> T:
        with self.database.read() as session:
            return step(session, **kwargs)

    def user(self, username: str, *roles: RoleGrant, password: str | None = None) -> Principal:
        with self.database.write() as session:
            user = auth.create_user(
                session,
                actor=SYSTEM,
                username=username,
                display_name=username,
                password=password,
                roles=list(roles),
            )
            return auth.principal_for(user)

    def set_budget(self, amount: int, *, measure: str = FOCUS, year: int = YEAR) -> None:
        self.write(
            budgets.set_budget,
            principal=self.budget_officer,
            catalogue=self.catalogue,
            measure_id=measure,
            year=year,
            amount=amount,
        )

    def draft(
        self,
        org: Organisation,
        amount: int | None = 5_000_000,
        *,
        by: Principal | None = None,
        measure: str = FOCUS,
        project: str | None = None,
        today: dt.date = TODAY,
        answers: dict[str, Any] | None = None,
    ) -> Application:
        return self.write(
            apps.create_application,
            principal=by or self.member_of(org),
            catalogue=self.catalogue,
            organisation_id=org.id,
            measure_id=measure,
            project_name=project,
            project_kind=PROJECT_KIND.get(measure) if project else None,
            requested_amount=amount,
            answers=answers,
            today=today,
        )

    def submit(
        self,
        app: Application,
        *,
        by: Principal | None = None,
        today: dt.date = TODAY,
        lang: Lang = "en",
    ) -> Application:
        return self.write(
            apps.submit,
            principal=by or self.member_of_id(app.organisation_id),
            catalogue=self.catalogue,
            application_id=app.id,
            today=today,
            lang=lang,
        )

    def submitted(
        self, org: Organisation, amount: int | None = 5_000_000, **kwargs: Any
    ) -> Application:
        by, today = kwargs.get("by"), kwargs.get("today", TODAY)
        return self.submit(self.draft(org, amount, **kwargs), by=by, today=today)

    def approve(
        self,
        app: Application,
        amount: int | None,
        *,
        by: Principal | None = None,
        today: dt.date = TODAY,
    ) -> Application:
        return self.write(
            apps.approve,
            principal=by or self.reviewer,
            catalogue=self.catalogue,
            application_id=app.id,
            amount=amount,
            today=today,
        )

    def return_(self, app: Application, *questions: str) -> Application:
        return self.write(
            apps.return_application,
            principal=self.reviewer,
            application_id=app.id,
            questions=list(questions) or ["Which products use AI?"],
            today=TODAY,
        )

    def resubmit(
        self, app: Application, *, by: Principal | None = None, today: dt.date = TODAY
    ) -> Application:
        return self.write(
            apps.resubmit,
            principal=by or self.member_of_id(app.organisation_id),
            catalogue=self.catalogue,
            application_id=app.id,
            answers={},
            response="Our products are listed in the attachment.",
            today=today,
            lang="en",
        )

    # --- looking at what happened ---

    def member_of(self, org: Organisation) -> Principal:
        return self.member_of_id(org.id)

    def member_of_id(self, organisation_id: int) -> Principal:
        members = {self.a.id: self.member_a, self.b.id: self.member_b, self.hq.id: self.member_hq}
        return members[organisation_id]

    def application(self, app_id: int) -> Application:
        return self.read(
            apps.get_application, principal=self.auditor, application_id=app_id, on=TODAY
        )

    def history(self, app: Application) -> list[ApplicationEvent]:
        return self.read(apps.history, principal=self.auditor, application_id=app.id, today=TODAY)

    def audit_entries(self, object_type: str | None = None) -> list[AuditEntry]:
        with self.database.read() as session:
            query = select(AuditEntry).order_by(AuditEntry.seq)
            if object_type is not None:
                query = query.where(AuditEntry.object_type == object_type)
            return list(session.scalars(query))

    def grants(self) -> list[Grant]:
        with self.database.read() as session:
            return list(session.scalars(select(Grant).order_by(Grant.id)))


def build_world(database: Database, catalogue: Catalogue) -> World:
    with database.write() as s:

        def user(name: str, *roles: RoleGrant) -> Principal:
            created = auth.create_user(
                s, actor=SYSTEM, username=name, display_name=name, password=None, roles=list(roles)
            )
            return auth.principal_for(created)

        admin = user("admin", RoleGrant(Role.PLATFORM_ADMIN))

        def organisation(uscc: str, name: str, district: str, **extra: Any) -> Organisation:
            return orgs.create_organisation(
                s,
                principal=admin,
                catalogue=catalogue,
                uscc=uscc,
                name=name,
                district=district,
                zone=district,
                sector="smart_internet",
                profile=PROFILE,
                **extra,
            )

        a = organisation(USCC_A, "长宁智能科技有限公司", "changning")
        hq = organisation(USCC_HQ, "徐汇总部有限公司", "xuhui")
        b = organisation(USCC_B, "徐汇总部长宁分公司", "changning", headquarters_id=hq.id)
        return World(
            database=database,
            catalogue=catalogue,
            admin=admin,
            auditor=user("auditor", RoleGrant(Role.AUDITOR)),
            reviewer=user("reviewer", RoleGrant(Role.REVIEWER, district="changning")),
            reviewer_xuhui=user("reviewer-xuhui", RoleGrant(Role.REVIEWER, district="xuhui")),
            budget_officer=user(
                "budget-officer", RoleGrant(Role.BUDGET_OFFICER, district="changning")
            ),
            a=a,
            b=b,
            hq=hq,
            member_a=user("member-a", RoleGrant(Role.ENTERPRISE_MEMBER, a.id)),
            admin_a=user("admin-a", RoleGrant(Role.ENTERPRISE_ADMIN, a.id)),
            member_b=user("member-b", RoleGrant(Role.ENTERPRISE_MEMBER, b.id)),
            admin_b=user("admin-b", RoleGrant(Role.ENTERPRISE_ADMIN, b.id)),
            member_hq=user("member-hq", RoleGrant(Role.ENTERPRISE_MEMBER, hq.id)),
            admin_hq=user("admin-hq", RoleGrant(Role.ENTERPRISE_ADMIN, hq.id)),
        )


@pytest.fixture
def world(database: Database, catalogue: Catalogue) -> World:
    return build_world(database, catalogue)
