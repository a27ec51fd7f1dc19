"""A small platform for the talent API tests: two Changning enterprises, A and O, one member each,
the two authorities' officers, a Changning reviewer, the auditor and a platform admin, each with an
API token; and helpers that put talent cases of an employer in every state through the services.

Passport numbers are made unique and free of hexadecimal-only text (`PX…`, `SX…`, `CX…`), so that
a test can look for a full number in any response body without false alarms.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ftzlink.api import Platform, create_app
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.organisations import service as orgs
from ftzlink.settings import Settings
from ftzlink.talent import cases
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.tables import TrackKind
from tests.api.conftest import ORGANISATIONS, PDF, PROFILE, SYSTEM
from tests.databases import fresh_database

RULES = bundled_talent_rules()
TODAY = dt.date(2025, 6, 3)  # a Tuesday; every deadline counted from it falls in 2025
V1 = "/api/v1"
WP, RP = TrackKind.WORK_PERMIT, TrackKind.RESIDENCE
USERS = (
    "member_a",
    "member_o",
    "work_permit",
    "exit_entry",
    "reviewer",
    "auditor",
    "platform_admin",
)


@dataclass
class TalentWorld:
    app: Platform
    settings: Settings
    database: Database
    org: dict[str, int] = field(default_factory=dict)  # "a", "o" -> organisation id
    principals: dict[str, Principal] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    # every full passport number recorded, by the employer's key ("a", "o")
    passports: dict[str, set[str]] = field(default_factory=lambda: {"a": set(), "o": set()})
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def client(self, user: str | None = None) -> TestClient:
        headers = {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}
        return TestClient(self.app, headers=headers, raise_server_exceptions=False)

    def passport(self, employer: str, prefix: str = "PX") -> str:
        number = f"{prefix}{employer.upper()}{next(self._serial):07d}"
        self.passports[employer].add(number)
        return number

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.database.write() as session:
            yield session

    # --- talent objects through the services (setup for tests of other things) ---

    def professional(self, s: Session, employer: str = "a") -> Any:
        return cases.add_professional(
            s,
            principal=self.principals[f"member_{employer}"],
            rules=RULES,
            employer_id=self.org[employer],
            data=cases.ProfessionalInput(
                full_name="Anna Schmidt",
                nationality="DEU",
                passport_number=self.passport(employer),
                passport_expiry=dt.date(2034, 5, 1),
                birth_date=dt.date(1988, 4, 12),
                education="doctorate",
                experience_years=9,
                annual_salary_yuan=900_000,
                chinese_level="hsk3",
                post="Head of AI research",
            ),
            today=TODAY,
        )

    def relative(self, s: Session, professional_id: int, relation: str, employer: str = "a") -> Any:
        birth = dt.date(1989, 2, 2) if relation == "spouse" else dt.date(2016, 7, 7)
        return cases.add_family_member(
            s,
            principal=self.principals[f"member_{employer}"],
            professional_id=professional_id,
            data=cases.FamilyInput(
                relation=relation,
                full_name=f"{relation.title()} Schmidt",
                nationality="DEU",
                passport_number=self.passport(employer, "SX" if relation == "spouse" else "CX"),
                passport_expiry=dt.date(2033, 1, 1),
                birth_date=birth,
            ),
            today=TODAY,
        )

    def draft(
        self,
        s: Session,
        professional_id: int,
        *,
        family: list[int] | None = None,
        documents: bool = False,
        employer: str = "a",
    ) -> int:
        member = self.principals[f"member_{employer}"]
        case = cases.create_case(
            s,
            principal=member,
            rules=RULES,
            professional_id=professional_id,
            work_permit_category="A",
            facts={"high_level_professional": True},
            family_member_ids=family or [],
            today=TODAY,
        )
        if documents:
            for kind in cases.REQUIRED_DOCUMENTS:
                cases.add_document(
                    s,
                    principal=member,
                    case_id=case.id,
                    kind=kind,
                    filename=f"{kind}.pdf",
                    content_type="application/pdf",
                    data=PDF,
                    root=self.settings.documents_dir,
                    max_bytes=self.settings.max_upload_bytes,
                    today=TODAY,
                )
        return int(case.id)

    def filed(
        self,
        s: Session,
        professional_id: int,
        *,
        family: list[int] | None = None,
        employer: str = "a",
    ) -> int:
        case_id = self.draft(s, professional_id, family=family, documents=True, employer=employer)
        cases.submit(
            s,
            principal=self.principals[f"member_{employer}"],
            rules=RULES,
            case_id=case_id,
            today=TODAY,
        )
        return case_id

    def officer(self, kind: TrackKind) -> Principal:
        return self.principals["work_permit" if kind is WP else "exit_entry"]

    def accept(self, s: Session, case_id: int, kind: TrackKind) -> None:
        cases.accept(
            s, principal=self.officer(kind), rules=RULES, case_id=case_id, kind=kind, today=TODAY
        )

    def return_(self, s: Session, case_id: int, kind: TrackKind) -> None:
        cases.return_track(
            s,
            principal=self.officer(kind),
            case_id=case_id,
            kind=kind,
            questions=["Upload a health certificate."],
            today=TODAY,
        )

    def approve_work_permit(self, s: Session, case_id: int) -> dt.date:
        until = dt.date(2027, 6, 2)
        cases.approve(
            s,
            principal=self.officer(WP),
            rules=RULES,
            case_id=case_id,
            kind=WP,
            valid_from=TODAY,
            valid_until=until,
            today=TODAY,
        )
        return until


def build_talent_world(database: Database, catalogue: Catalogue, data_dir: Path) -> TalentWorld:
    settings = Settings(data_dir=data_dir, database_url=database.url, today=TODAY)
    app = create_app(settings, catalogue=catalogue, database=database, migrate=False)
    world = TalentWorld(app=app, settings=settings, database=database)
    with database.write() as s:

        def user(key: str, *grants: Grant) -> Principal:
            created = auth.create_user(
                s,
                actor=SYSTEM,
                username=f"talent-{key.replace('_', '-')}",
                display_name=key,
                password=None,
                roles=list(grants),
            )
            world.principals[key] = auth.principal_for(created)
            return world.principals[key]

        admin = user("platform_admin", Grant(Role.PLATFORM_ADMIN))
        for key in ("a", "o"):
            code, name, district = ORGANISATIONS[key]
            world.org[key] = orgs.create_organisation(
                s,
                principal=admin,
                catalogue=catalogue,
                uscc=code,
                name=name,
                district=district,
                zone=district,
                sector="smart_internet",
                profile=PROFILE,
            ).id
        user("member_a", Grant(Role.ENTERPRISE_MEMBER, world.org["a"]))
        user("member_o", Grant(Role.ENTERPRISE_MEMBER, world.org["o"]))
        user("work_permit", Grant(Role.WORK_PERMIT_OFFICER))
        user("exit_entry", Grant(Role.EXIT_ENTRY_OFFICER))
        user("reviewer", Grant(Role.REVIEWER, district="changning"))
        user("auditor", Grant(Role.AUDITOR))
        for key, principal in world.principals.items():
            _, secret = auth.create_token(s, actor=SYSTEM, user_id=principal.user_id, name="t")
            world.tokens[key] = secret
    return world


@contextmanager
def talent_world(backend: str, catalogue: Catalogue, tmp_path: Path) -> Iterator[TalentWorld]:
    with fresh_database(backend, tmp_path) as database:
        yield build_talent_world(database, catalogue, tmp_path)
