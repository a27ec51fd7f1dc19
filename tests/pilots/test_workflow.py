"""The declared pilot-stage workflow: forward one stage at a time, any first stage if unknown."""

from ftzlink.pilots.tables import PilotStage
from ftzlink.pilots.workflow import NOT_STATED, WORKFLOW, action_to, next_stages
from ftzlink.workflow import all_workflows


def test_the_pilot_workflow_is_registered_for_the_docs() -> None:
    assert WORKFLOW in list(all_workflows())


def test_a_case_moves_forward_one_stage_and_an_unstated_one_anywhere() -> None:
    assert next_stages(None) == list(PilotStage)
    assert next_stages("case_pilot") == [PilotStage.INNOVATIVE_SUPERVISION]
    assert next_stages("regulatory_solidification") == []
    assert not WORKFLOW.allowed(action_to(PilotStage.REGULATORY_SOLIDIFICATION), "case_pilot")
    assert WORKFLOW.allowed(action_to(PilotStage.CASE_PILOT), NOT_STATED)
