"""The declared filing and inspection workflows: what each step allows, and that the API serves
every route the table names."""

from __future__ import annotations

import pytest

from ftzlink.dataflow.workflow import (
    EDITABLE,
    FILINGS,
    INSPECTIONS,
    FilingAction,
    InspectionAction,
    require_editable,
)
from ftzlink.errors import InvalidTransition
from ftzlink.workflow import all_workflows


def test_both_dataflow_workflows_are_registered_for_the_docs() -> None:
    names = {wf.name for wf in all_workflows()}
    assert {"dataflow_filings", "dataflow_inspections"} <= names


def test_a_filing_is_editable_exactly_while_it_may_be_submitted() -> None:
    assert EDITABLE == ("draft", "returned")
    require_editable("draft")
    with pytest.raises(InvalidTransition) as refused:
        require_editable("submitted")
    assert refused.value.kind == "filing" and refused.value.allowed_from == ["draft", "returned"]


def test_only_a_submitted_filing_is_registered_or_returned() -> None:
    assert FILINGS.step(FilingAction.REGISTER, "submitted") == "registered"
    assert FILINGS.step(FilingAction.RETURN, "submitted") == "returned"
    for state in ("draft", "returned", "registered"):
        with pytest.raises(InvalidTransition):
            FILINGS.step(FilingAction.REGISTER, state)
    assert FILINGS.terminal() == ("registered",)


def test_an_inspection_records_findings_once_and_closes_once() -> None:
    assert INSPECTIONS.step(InspectionAction.RECORD_FINDINGS, "assigned") == "rectifying"
    assert INSPECTIONS.actions_from("rectifying") == ("close",)
    with pytest.raises(InvalidTransition) as refused:
        INSPECTIONS.step(InspectionAction.CLOSE, "closed")
    assert refused.value.allowed_from == ["assigned", "rectifying"]


def test_every_declared_route_is_served_by_the_api() -> None:
    from ftzlink.dataflow.api import router

    served = {
        f"{method} /api/v1{route.path}".replace("{filing_id}", "{id}").replace(
            "{inspection_id}", "{id}"
        )
        for route in router.routes
        for method in getattr(route, "methods", ())
    }
    for wf in (FILINGS, INSPECTIONS):
        for t in wf.transitions:
            assert t.route in served, t.route
