import datetime as dt
from typing import Any

from ftzlink.catalogue.models import Catalogue
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.determinations import Determination, Outcome, Status
from ftzlink.rules.evaluate import evaluate


def _by_id(determinations: list[Determination]) -> dict[str, Determination]:
    return {d.measure_id: d for d in determinations}


def test_an_expired_policy_is_never_eligible(
    catalogue: Catalogue, example_profile: EnterpriseProfile
) -> None:
    results = _by_id(evaluate(catalogue, example_profile, dt.date(2026, 11, 22)))
    trial = [d for d in results.values() if d.policy_id == "changning-trial-2024"]
    assert trial and all(d.status is Status.EXPIRED and d.max_amount is None for d in trial)
    assert "2026-11-14" in trial[0].reason.en and "2026-11-14" in trial[0].reason.zh


def test_an_eligible_measure_carries_its_cap_citation_and_conditions(
    catalogue: Catalogue, example_profile: EnterpriseProfile
) -> None:
    ai = _by_id(evaluate(catalogue, example_profile, dt.date(2025, 6, 1)))["cn-trial-ai-industry"]
    assert ai.status is Status.ELIGIBLE
    assert ai.max_amount == 10_000_000 and ai.cap is not None and ai.cap.period == "per_project"
    assert (ai.citation.source, ai.citation.clause, ai.citation.item) == (
        "003_f015fb36ad18a120.txt",
        "II.A.2(1)",
        2,
    )
    assert [c.outcome for c in ai.conditions] == [Outcome.PASSED, Outcome.PASSED]
    assert (
        ai.conditions[0].citation.clause == "I.B"
    )  # the policy's eligibility cites its own clause
    assert [(p.project, p.requested, p.amount) for p in ai.projects] == [
        ("城市大模型训练平台", 8_000_000, 8_000_000)
    ]


def test_a_request_above_the_cap_is_capped(
    catalogue: Catalogue, example_profile: EnterpriseProfile
) -> None:
    leaders = _by_id(evaluate(catalogue, example_profile, dt.date(2025, 6, 1)))[
        "cn-trial-leaders-rd"
    ]
    assert [(p.requested, p.amount) for p in leaders.projects] == [(150_000_000, 100_000_000)]


def test_a_missing_field_gives_needs_info_with_the_question(
    catalogue: Catalogue, example_data: dict[str, Any]
) -> None:
    del example_data["credit_standing"]
    profile = EnterpriseProfile.model_validate(example_data)
    d = _by_id(evaluate(catalogue, profile, dt.date(2025, 6, 1)))["cn-trial-focus-entities"]
    assert d.status is Status.NEEDS_INFO
    question = next(q for q in d.questions if q.field == "credit_standing")
    assert question.label.zh == "信用状况" and question.label.en == "Credit standing"
    assert question.type == "str"
    assert question.choices is not None and "good" in [c.id for c in question.choices]
    assert "信用状况" in d.reason.zh


def test_questions_are_only_asked_where_the_answer_could_decide(
    catalogue: Catalogue, example_data: dict[str, Any]
) -> None:
    # Registered outside Changning: the district's approval is the only way left, so it is asked;
    # credit standing no longer matters and is not.
    example_data.update(registered_district="xuhui", credit_standing=None)
    profile = EnterpriseProfile.model_validate(example_data)
    d = _by_id(evaluate(catalogue, profile, dt.date(2025, 6, 1)))["cn-trial-focus-entities"]
    assert [q.field for q in d.questions] == ["district_approved_recipient"]


def test_sub_sector_choices_follow_the_known_sector(
    catalogue: Catalogue, example_data: dict[str, Any]
) -> None:
    example_data.update(sub_sector=None)
    profile = EnterpriseProfile.model_validate(example_data)
    d = _by_id(evaluate(catalogue, profile, dt.date(2025, 6, 1)))["cn-trial-focus-entities"]
    (question,) = d.questions
    assert question.field == "sub_sector"
    assert {c.id for c in question.choices or []} == {
        "artificial_intelligence",
        "internet_platforms",
    }


def test_a_service_measure_has_no_amount_but_says_what_it_gives(
    catalogue: Catalogue, example_profile: EnterpriseProfile
) -> None:
    d = _by_id(evaluate(catalogue, example_profile, dt.date(2025, 6, 1)))["cn-plan-residence-5y"]
    assert d.status is Status.ELIGIBLE and d.cap is None and d.max_amount is None
    assert d.benefit is not None and "5" in d.reason.zh


def test_an_ineligible_reason_names_the_condition_that_failed(
    catalogue: Catalogue, example_profile: EnterpriseProfile
) -> None:
    d = _by_id(evaluate(catalogue, example_profile, dt.date(2025, 6, 1)))["cn-plan-capital-pooling"]
    assert d.status is Status.INELIGIBLE
    assert d.reason.en == "Condition not met: Multinational company: yes"
