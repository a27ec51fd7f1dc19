"""A small data-service world: enterprises A and B with their members (tests/world.py), a data
regulator, two inspectors, the auditor, a ledger signing key; helpers that file, register and
report through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.catalogue.models import Catalogue
from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow import transfers as transfer_service
from ftzlink.dataflow.loader import bundled_dataflow_rules
from ftzlink.dataflow.tables import Filing, Registration, Transfer
from ftzlink.db import Database
from ftzlink.ledger import checkpoints, keys
from ftzlink.ledger.checkpoints import IssuedCheckpoint
from tests.world import World, build_world

RULES = bundled_dataflow_rules()
TODAY = dt.date(2025, 3, 3)

# A non-CIIO outside the FTZ sending its customers' data to its parent: the counts decide.
SCENARIO: dict[str, Any] = {
    "data_categories": ["customer contact details", "order history"],
    "recipient": "Example GmbH",
    "recipient_country": "DE",
    "ciio": False,
    "important_data": False,
    "purpose": "other",
    "foreign_pi_returned": False,
    "in_ftz": False,
    "non_sensitive_people": 150_000,
    "sensitive_people": 0,
}
MANIFEST = "ab" * 32


@dataclass
class Dataflow:
    world: World
    regulator: Principal
    inspectors: list[Principal]
    signer: keys.Signer

    def write(self, step: Any, **kwargs: Any) -> Any:
        return self.world.write(step, **kwargs)

    def read(self, step: Any, **kwargs: Any) -> Any:
        return self.world.read(step, **kwargs)

    def filing(
        self, by: Principal | None = None, organisation: int | None = None, **changes: Any
    ) -> Filing:
        filing: Filing = self.write(
            filing_service.create_filing,
            principal=by or self.world.member_a,
            rules=RULES,
            organisation_id=organisation or self.world.a.id,
            title="Customer service from Frankfurt",
            scenario=SCENARIO | changes,
            today=TODAY,
        )
        return filing

    def submitted(self, by: Principal | None = None, **changes: Any) -> Filing:
        filing = self.filing(by, **changes)
        submitted: Filing = self.write(
            filing_service.submit_filing,
            principal=by or self.world.member_a,
            rules=RULES,
            filing_id=filing.id,
            today=TODAY,
        )
        return submitted

    def registered(self, on: dt.date = TODAY, **changes: Any) -> Registration:
        filing = self.submitted(**changes)
        registration: Registration = self.write(
            filing_service.register_filing,
            principal=self.regulator,
            rules=RULES,
            filing_id=filing.id,
            today=on,
        )
        return registration

    def transfer(
        self,
        registration_id: int,
        *,
        non_sensitive: int = 1_000,
        sensitive: int = 0,
        at: dt.datetime | None = None,
        by: Principal | None = None,
        signed: bool = False,
    ) -> Transfer:
        transfer: Transfer = self.write(
            transfer_service.report_transfer,
            principal=by or self.world.member_a,
            rules=RULES,
            registration_id=registration_id,
            manifest_sha256=MANIFEST,
            record_count=non_sensitive * 3,
            non_sensitive_people=non_sensitive,
            sensitive_people=sensitive,
            transferred_at=at or dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC),
            signer=self.signer if signed else None,
        )
        return transfer

    def checkpoint(self) -> IssuedCheckpoint:
        issued: IssuedCheckpoint = self.write(checkpoints.sign_checkpoint, signer=self.signer)
        return issued


@pytest.fixture
def dataflow(database: Database, catalogue: Catalogue) -> Dataflow:
    world = build_world(database, catalogue)
    return Dataflow(
        world=world,
        regulator=world.user("regulator", Grant(Role.DATA_REGULATOR)),
        inspectors=[
            world.user("inspector-1", Grant(Role.INSPECTOR)),
            world.user("inspector-2", Grant(Role.INSPECTOR)),
        ],
        signer=keys.generate("ftzlink.test/ledger"),
    )
