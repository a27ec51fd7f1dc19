"""The declared 免申即享 candidate workflow."""

import pytest

from ftzlink.proactive.tables import CandidateStatus
from ftzlink.proactive.workflow import WORKFLOW, Action, WrongState, step
from ftzlink.workflow import all_workflows


def test_the_candidate_workflow_is_registered_for_the_docs() -> None:
    assert WORKFLOW in list(all_workflows())


def test_only_a_pending_candidate_is_decided_and_only_a_confirmed_one_answered() -> None:
    assert step(Action.CONFIRM, "pending") is CandidateStatus.CONFIRMED
    assert step(Action.GRANT, "pending") is CandidateStatus.GRANTED
    assert WORKFLOW.actions_from("confirmed") == ("consent", "decline")
    with pytest.raises(WrongState) as refused:
        step(Action.CONFIRM, "struck")
    assert (refused.value.code, refused.value.state) == ("wrong_state", "struck")
    assert refused.value.allowed_from == ["pending"]
    assert set(WORKFLOW.terminal()) == {"struck", "consented", "declined", "granted"}
