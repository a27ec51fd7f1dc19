"""The application workflow: which step is allowed from which state, eligibility at submission,
and the history each step leaves."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ftzlink.applications import service as apps
from ftzlink.applications.tables import Application, State
from ftzlink.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotEligible,
    NotFound,
)
from ftzlink.organisations import service as orgs
from tests.world import AFTER_EXPIRY, TODAY, World

# Written out rather than read from workflow.TRANSITIONS, so that the table is checked, not echoed.
EXPECTED: dict[str, dict[State, State]] = {
    "submit": {State.DRAFT: State.SUBMITTED},
    "return": {State.SUBMITTED: State.RETURNED, State.RESUBMITTED: State.RETURNED},
    "resubmit": {State.RETURNED: State.RESUBMITTED},
    "approve": {State.SUBMITTED: State.APPROVED, State.RESUBMITTED: State.APPROVED},
    "reject": {State.SUBMITTED: State.REJECTED, State.RESUBMITTED: State.REJECTED},
    "withdraw": {
        State.DRAFT: State.WITHDRAWN,
        State.SUBMITTED: State.WITHDRAWN,
        State.RETURNED: State.WITHDRAWN,
        State.RESUBMITTED: State.WITHDRAWN,
    },
}


def in_state(world: World, state: State) -> Application:
    """A fresh application of organisation A brought to `state` the way users would."""
    app = world.draft(world.a)
    if state is State.DRAFT:
        return app
    if state is State.WITHDRAWN:
        return world.write(
            apps.withdraw, principal=world.member_a, application_id=app.id, today=TODAY
        )
    app = world.submit(app)
    if state is State.SUBMITTED:
        return app
    if state is State.APPROVED:
        return world.approve(app, 1_000_000)
    if state is State.REJECTED:
        return reject(world, app)
    app = world.return_(app)
    if state is State.RETURNED:
        return app
    assert state is State.RESUBMITTED
    return world.resubmit(app)


def reject(world: World, app: Application) -> Application:
    return world.write(
        apps.reject,
        principal=world.reviewer,
        application_id=app.id,
        reasons=["The projects are outside the focus industries."],
        today=TODAY,
    )


ACTIONS: dict[str, Callable[[World, Application], Application]] = {
    "submit": lambda w, app: w.submit(app),
    "return": lambda w, app: w.return_(app),
    "resubmit": lambda w, app: w.resubmit(app),
    "approve": lambda w, app: w.approve(app, 1_000_000),
    "reject": reject,
    "withdraw": lambda w, app: w.write(
        apps.withdraw, principal=w.member_a, application_id=app.id, today=TODAY
    ),
}


REVIEWER_ACTIONS = {"return", "approve", "reject"}


@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_step_is_allowed_from_its_states_only_and_refused_from_every_other(
    world: World, action: str
) -> None:
    world.set_budget(1_000_000_000)
    for state in State:
        app = in_state(world, state)
        target = EXPECTED[action].get(state)
        if target is not None:
            done = ACTIONS[action](world, app)
            assert done.status == target, f"{action} from {state}"
            assert world.application(app.id).status == target
            continue
        if state is State.DRAFT and action in REVIEWER_ACTIONS:
            with pytest.raises(NotFound):  # a draft is not the reviewer's to see, let alone act on
                ACTIONS[action](world, app)
            assert world.application(app.id).status == state
            continue
        with pytest.raises(InvalidTransition) as refused:
            ACTIONS[action](world, app)
        assert refused.value.code == "invalid_transition"
        assert refused.value.state == state
        assert set(refused.value.allowed_from) == set(EXPECTED[action])
        assert world.application(app.id).status == state, "a refused step changes nothing"


def test_a_draft_of_a_measure_that_has_expired_cannot_be_submitted(world: World) -> None:
    app = world.draft(world.a)
    with pytest.raises(NotEligible) as refused:
        world.submit(app, today=AFTER_EXPIRY, lang="en")
    assert refused.value.code == "not_eligible"
    assert refused.value.status == "expired"
    assert world.application(app.id).status == State.DRAFT


def test_the_refusal_of_a_submission_is_given_in_the_language_asked_for(world: World) -> None:
    app = world.draft(world.a)
    messages = {}
    for lang in ("zh", "en"):
        with pytest.raises(NotEligible) as refused:
            world.submit(app, today=AFTER_EXPIRY, lang=lang)
        messages[lang] = str(refused.value)
    assert messages["zh"].startswith("截至2026-11-24不能提交")
    assert "2026-11-14" in messages["zh"]
    assert messages["en"].startswith("Cannot be submitted as of 2026-11-24")
    assert "valid until 2026-11-14" in messages["en"]
    assert not any("\u4e00" <= c <= "\u9fff" for c in messages["en"])


def test_a_submission_the_engine_needs_more_facts_for_is_refused_with_the_questions(
    world: World,
) -> None:
    world.write(
        orgs.update_organisation,
        principal=world.admin,
        catalogue=world.catalogue,
        organisation_id=world.a.id,
        on=TODAY,
        changes={"sub_sector": None},
    )
    app = world.draft(world.a)
    with pytest.raises(NotEligible) as refused:
        world.submit(app)
    assert refused.value.status == "needs_info"
    assert refused.value.questions == ["sub_sector"]

    world.write(
        apps.update_draft,
        principal=world.member_a,
        catalogue=world.catalogue,
        application_id=app.id,
        changes={"answers": {"sub_sector": "artificial_intelligence"}},
        today=TODAY,
    )
    assert world.submit(app).status == State.SUBMITTED


def test_an_application_submitted_while_in_force_can_be_approved_after_expiry(
    world: World,
) -> None:
    world.set_budget(100_000_000)
    app = world.submitted(world.a, 5_000_000)
    approved = world.approve(app, 4_000_000, today=AFTER_EXPIRY)
    assert approved.status == State.APPROVED
    assert approved.approved_amount == 4_000_000
    (grant,) = world.grants()
    assert (grant.year, grant.amount) == (TODAY.year, 4_000_000)


def test_a_return_answered_after_expiry_is_judged_as_of_the_first_submission(
    world: World,
) -> None:
    app = world.return_(world.submitted(world.a))
    assert world.resubmit(app, today=AFTER_EXPIRY).status == State.RESUBMITTED


def test_the_applicant_can_withdraw_until_a_decision_but_not_after(world: World) -> None:
    world.set_budget(100_000_000)
    app = world.submitted(world.a)
    withdrawn = world.write(
        apps.withdraw, principal=world.member_a, application_id=app.id, today=TODAY
    )
    assert withdrawn.status == State.WITHDRAWN
    decided = world.approve(world.submitted(world.a), 1_000_000)
    with pytest.raises(InvalidTransition):
        world.write(apps.withdraw, principal=world.member_a, application_id=decided.id, today=TODAY)


def test_a_reviewer_cannot_withdraw_and_an_applicant_cannot_decide(world: World) -> None:
    world.set_budget(100_000_000)
    app = world.submitted(world.a)
    with pytest.raises(Forbidden):
        world.write(apps.withdraw, principal=world.reviewer, application_id=app.id, today=TODAY)
    with pytest.raises(Forbidden):
        world.approve(app, 1_000_000, by=world.member_a)
    with pytest.raises(Forbidden):
        world.write(
            apps.return_application,
            principal=world.admin_a,
            application_id=app.id,
            questions=["?"],
            today=TODAY,
        )
    assert world.application(app.id).status == State.SUBMITTED


def test_an_auditor_reads_every_application_but_acts_on_none(world: World) -> None:
    app = world.draft(world.a)
    assert world.application(app.id).id == app.id
    with pytest.raises(Forbidden):
        world.submit(app, by=world.auditor)
    with pytest.raises(Forbidden):
        world.approve(world.submit(app), 1, by=world.auditor)


def test_another_organisation_and_another_district_do_not_find_the_application(
    world: World,
) -> None:
    app = world.submitted(world.a)
    with pytest.raises(NotFound):
        world.write(apps.withdraw, principal=world.member_hq, application_id=app.id, today=TODAY)
    with pytest.raises(NotFound):
        world.approve(app, 1_000, by=world.reviewer_xuhui)
    with pytest.raises(NotFound):
        world.read(apps.get_application, principal=world.member_b, application_id=app.id, on=TODAY)


def test_returning_needs_a_question_and_rejecting_needs_a_reason(world: World) -> None:
    app = world.submitted(world.a)
    for blank in ([], ["", "   "]):
        with pytest.raises(InvalidInput) as refused:
            world.write(
                apps.return_application,
                principal=world.reviewer,
                application_id=app.id,
                questions=blank,
                today=TODAY,
            )
        assert [p.field for p in refused.value.problems] == ["questions"]
        with pytest.raises(InvalidInput) as refused:
            world.write(
                apps.reject,
                principal=world.reviewer,
                application_id=app.id,
                reasons=blank,
                today=TODAY,
            )
        assert [p.field for p in refused.value.problems] == ["reasons"]
    assert world.application(app.id).status == State.SUBMITTED


def test_only_a_draft_can_be_edited(world: World) -> None:
    app = world.submitted(world.a)
    with pytest.raises(Conflict):
        world.write(
            apps.update_draft,
            principal=world.member_a,
            catalogue=world.catalogue,
            application_id=app.id,
            changes={"requested_amount": 1},
            today=TODAY,
        )


def test_the_history_records_each_step_with_its_actor_and_the_organisation_acted_for(
    world: World,
) -> None:
    world.set_budget(100_000_000)
    app = world.draft(world.a)
    world.submit(app)
    world.return_(app, "Which products use AI?", "  ", "How many staff work on them?")
    world.resubmit(app)
    world.approve(app, 3_000_000)

    steps = [
        (e.action, e.from_status, e.to_status, e.actor_id, e.acted_for_id, e.amount, e.note)
        for e in world.history(app)
    ]
    a, member, reviewer = world.a.id, world.member_a.user_id, world.reviewer.user_id
    assert steps == [
        ("create", None, "draft", member, a, None, None),
        ("submit", "draft", "submitted", member, a, None, None),
        (
            "return",
            "submitted",
            "returned",
            reviewer,
            None,
            None,
            ["Which products use AI?", "How many staff work on them?"],
        ),
        (
            "resubmit",
            "returned",
            "resubmitted",
            member,
            a,
            None,
            ["Our products are listed in the attachment."],
        ),
        ("approve", "resubmitted", "approved", reviewer, None, 3_000_000, None),
    ]
    audited = [
        (e.action, e.actor_id, e.actor, e.acted_for_id)
        for e in world.audit_entries("application")
        if e.object_id == str(app.id)
    ]
    assert audited == [
        ("application.create", member, "member-a", a),
        ("application.submit", member, "member-a", a),
        ("application.return", reviewer, "reviewer", None),
        ("application.resubmit", member, "member-a", a),
        ("application.approve", reviewer, "reviewer", None),
    ]


def test_a_batch_decides_each_item_on_its_own_and_says_why_it_refused_one(world: World) -> None:
    world.set_budget(100_000_000)
    fits, rejected, draft, too_much, no_reason = (
        world.submitted(world.a, 5_000_000),
        world.submitted(world.a),
        world.draft(world.a),
        world.submitted(world.b, 200_000_000),
        world.submitted(world.b),
    )
    items = [
        apps.BatchItem(fits.id, "approve", 5_000_000),
        apps.BatchItem(rejected.id, "reject", reasons=("Outside the focus industries.",)),
        apps.BatchItem(draft.id, "approve", 1),
        apps.BatchItem(too_much.id, "approve", 150_000_000),
        apps.BatchItem(no_reason.id, "reject"),
    ]
    sign = {
        "principal": world.reviewer,
        "catalogue": world.catalogue,
        "items": items,
        "today": TODAY,
    }

    with pytest.raises(apps.BatchFailed) as failed:
        world.write(apps.sign_batch, all_or_nothing=True, **sign)
    assert [r.outcome for r in failed.value.results][:2] == ["approved", "rejected"]
    assert world.application(fits.id).status == State.SUBMITTED, "nothing was signed"
    assert world.grants() == []

    results = world.write(apps.sign_batch, all_or_nothing=False, **sign)
    assert [(r.outcome, r.code, r.limit) for r in results] == [
        ("approved", None, None),
        ("rejected", None, None),
        ("refused", "not_found", None),  # a draft is not the reviewer's to see
        ("refused", "cap_exceeded", "clause_allowance"),
        ("refused", "invalid_input", None),
    ]
    assert [world.application(i.application_id).status for i in items] == [
        State.APPROVED,
        State.REJECTED,
        State.DRAFT,
        State.SUBMITTED,
        State.SUBMITTED,
    ]
    assert [g.amount for g in world.grants()] == [5_000_000]


def test_a_batch_names_each_application_once_and_at_least_one(world: World) -> None:
    app = world.submitted(world.a)
    for items in ([], [apps.BatchItem(app.id, "reject", reasons=("x",))] * 2):
        with pytest.raises(InvalidInput):
            world.write(
                apps.sign_batch,
                principal=world.reviewer,
                catalogue=world.catalogue,
                items=items,
                all_or_nothing=False,
                today=TODAY,
            )
