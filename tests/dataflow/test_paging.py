"""Lists come a page at a time from the database, within what the reader may see."""

from __future__ import annotations

from ftzlink.dataflow import filings as filing_service
from ftzlink.dataflow import registrations as registration_service
from tests.dataflow.conftest import Dataflow


def test_a_page_of_filings_is_counted_within_the_readers_scope(dataflow: Dataflow) -> None:
    d = dataflow
    made = [d.filing() for _ in range(3)]
    d.filing(by=d.world.member_b, organisation=d.world.b.id)
    first = d.read(filing_service.page_filings, principal=d.world.member_a, offset=0, limit=2)
    rest = d.read(filing_service.page_filings, principal=d.world.member_a, offset=2, limit=2)
    assert first.total == rest.total == 3
    assert [f.id for f in first.items + rest.items] == [f.id for f in reversed(made)]


def test_a_page_of_registrations_for_a_stranger_is_empty(dataflow: Dataflow) -> None:
    d = dataflow
    d.registered()
    page = d.read(
        registration_service.page_registrations, principal=d.world.member_b, offset=0, limit=50
    )
    assert page.items == [] and page.total == 0
