"""The talent workflows are declared tables: what each party may do next is read from them."""

from __future__ import annotations

import pytest

from ftzlink.errors import InvalidTransition
from ftzlink.talent.workflow import CASE_WORKFLOW, TRACK_WORKFLOW, UNIT_WORKFLOW
from ftzlink.workflow import all_workflows


def test_an_official_may_accept_return_or_refuse_a_received_track() -> None:
    assert TRACK_WORKFLOW.actions_from("received") == ("accept", "return", "refuse")
    assert TRACK_WORKFLOW.actions_from("accepted") == ("return", "approve", "refuse")
    assert TRACK_WORKFLOW.actions_from("returned") == ("respond",)
    assert TRACK_WORKFLOW.terminal() == ("approved", "refused")


def test_only_a_draft_case_is_edited_submitted_or_withdrawn() -> None:
    assert CASE_WORKFLOW.states_allowing("update", "submit", "withdraw") == ("draft",)
    assert CASE_WORKFLOW.step("submit", "draft") == "filed"
    with pytest.raises(InvalidTransition) as raised:
        CASE_WORKFLOW.step("withdraw", "filed")
    assert (raised.value.workflow, raised.value.allowed_from) == ("talent_cases", ["draft"])


def test_an_inviting_unit_is_revoked_only_once_approved() -> None:
    assert UNIT_WORKFLOW.step("revoke", "approved") == "revoked"
    with pytest.raises(InvalidTransition) as raised:
        UNIT_WORKFLOW.step("revoke", "pending")
    assert raised.value.allowed_from == ["approved"] and raised.value.kind == "inviting unit"


def test_the_talent_workflows_are_registered_for_the_docs() -> None:
    names = {wf.name for wf in all_workflows()}
    assert {"talent_cases", "talent_tracks", "inviting_units"} <= names
    for wf in (CASE_WORKFLOW, TRACK_WORKFLOW, UNIT_WORKFLOW):
        assert all(
            t.route and t.route.startswith(("POST /api/v1/", "PATCH /api/v1/"))
            for t in wf.transitions
        )
