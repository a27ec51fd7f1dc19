"""免申即享 permissions and the application state predicates as named functions."""

from ftzlink.applications import permissions as app_permissions
from ftzlink.applications.tables import Application
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role
from ftzlink.proactive import permissions
from ftzlink.proactive.tables import Candidate


def _principal(*grants: Grant) -> Principal:
    return Principal(user_id=1, username="u", language="zh", grants=frozenset(grants))


def test_a_reviewer_runs_a_match_over_their_districts_and_a_member_does_not() -> None:
    reviewer = _principal(Grant(Role.REVIEWER, district="pudong"))
    member = _principal(Grant(Role.ENTERPRISE_MEMBER, organisation_id=3))
    assert permissions.can_run_match(reviewer) and permissions.match_scope(reviewer) == {"pudong"}
    assert not permissions.can_run_match(member)
    assert permissions.can_decide_candidates(reviewer)
    assert not permissions.can_decide_candidates(member)
    assert app_permissions.is_official(reviewer) and not app_permissions.is_official(member)


def test_only_a_pending_eligible_candidate_is_confirmable_and_a_confirmed_one_open() -> None:
    pending = Candidate(status="pending", kind="eligible")
    assert permissions.is_confirmable(pending) and not permissions.is_open_offer(pending)
    assert not permissions.is_confirmable(Candidate(status="pending", kind="one_answer"))
    assert permissions.is_open_offer(Candidate(status="confirmed", kind="eligible"))
    assert "pending" not in permissions.OFFERED and "struck" not in permissions.OFFERED


def test_application_states_come_from_the_workflow() -> None:
    assert app_permissions.can_withdraw(Application(status="resubmitted"))
    assert not app_permissions.can_withdraw(Application(status="approved"))
    assert app_permissions.can_answer_return(Application(status="returned"))
    assert app_permissions.is_under_review(Application(status="submitted"))
    assert app_permissions.can_edit_draft(Application(status="draft"))
