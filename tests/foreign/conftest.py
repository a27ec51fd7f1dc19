"""A small foreign-investment world: enterprise A files as agent for foreign parents, a registrar
decides, and the platform has a ledger signing key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.foreign import service
from ftzlink.foreign.models import bundled_foreign_rules
from ftzlink.foreign.tables import ForeignFiling, Office
from ftzlink.ledger import keys
from tests.world import World, build_world

RULES = bundled_foreign_rules()
TODAY = dt.date(2025, 3, 3)
ALL_MATERIALS = [
    "application_form",
    "existence_proof",
    "articles",
    "appointment_letters",
    "identity_and_cv",
    "bank_letter",
    "premises_proof",
    "signatory_authorisation",
]


def particulars(**changes: Any) -> dict[str, Any]:
    """A French parent opening a Shanghai office: every rule of the regulation met."""
    base: dict[str, Any] = {
        "name": "法国蓝河贸易有限公司上海代表处",
        "parent_name": "蓝河贸易有限公司",
        "parent_nationality": "法国",
        "parent_jurisdiction": "FR",
        "parent_established_on": "2015-06-01",
        "parent_existence_until": "2035-05-31",
        "city": "上海",
        "premises": "上海市长宁区仙霞路99号",
        "scope": ["market_research", "liaison"],
        "profit_making": False,
        "chief": {"name": "Claire Martin", "document": "FR1234567"},
        "representatives": [{"name": "Luc Bernard", "document": "FR7654321"}],
        "term_until": "2028-03-02",
    }
    return base | changes


@dataclass
class Foreign:
    world: World
    registrar: Principal
    signer: keys.Signer

    @property
    def agent(self) -> Principal:
        return self.world.member_a

    def write(self, step: Any, **kwargs: Any) -> Any:
        return self.world.write(step, **kwargs)

    def read(self, step: Any, **kwargs: Any) -> Any:
        return self.world.read(step, **kwargs)

    def establish(self, today: dt.date = TODAY, **changes: Any) -> ForeignFiling:
        filing: ForeignFiling = self.write(
            service.file_establishment,
            principal=self.agent,
            rules=RULES,
            organisation_id=self.world.a.id,
            particulars=particulars(**changes),
            materials=ALL_MATERIALS,
            today=today,
        )
        return filing

    def office(self, today: dt.date = TODAY, **changes: Any) -> Office:
        filing = self.establish(today, **changes)
        approved = self.write(
            service.approve_filing,
            principal=self.registrar,
            rules=RULES,
            filing_id=filing.id,
            today=today,
        )
        office: Office = self.read(
            service.get_office, principal=self.registrar, office_id=approved.office_id
        )
        return office


@pytest.fixture
def foreign(database: Database, catalogue: Catalogue) -> Foreign:
    world = build_world(database, catalogue)
    return Foreign(
        world=world,
        registrar=world.user("registrar", Grant(Role.REGISTRAR)),
        signer=keys.generate("ftzlink.test/ledger"),
    )
