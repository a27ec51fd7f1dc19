"""Invariants of the engine over generated profiles and dates."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.profiles.models import EnterpriseProfile, Project, Talent
from ftzlink.rules.determinations import Status
from ftzlink.rules.evaluate import evaluate

CATALOGUE = bundled_catalogue()


def _maybe(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


def _terms(name: str) -> st.SearchStrategy[object]:
    return _maybe(st.sampled_from(sorted(CATALOGUE.known_terms(name))))


projects = st.lists(
    st.builds(
        Project,
        name=st.text("abcdefgh", min_size=1, max_size=6),
        kind=st.sampled_from(sorted(CATALOGUE.known_terms("project_kinds"))),
        requested_amount=_maybe(st.integers(0, 10**12)),
    ),
    max_size=4,
)
counts = _maybe(st.integers(0, 20))
profiles = st.builds(
    EnterpriseProfile,
    name=st.just("生成的企业"),
    uscc=st.just("91310105MA1FL4X59N"),
    registered_district=_terms("districts"),
    zone=_terms("zones"),
    legal_form=_terms("legal_forms"),
    credit_standing=_terms("credit_standings"),
    district_approved_recipient=_maybe(st.booleans()),
    sector=_terms("sectors"),
    sub_sector=_terms("sub_sectors"),
    development_criteria_met=_maybe(st.booleans()),
    foreign_invested=_maybe(st.booleans()),
    multinational=_maybe(st.booleans()),
    chain_enterprise_headquarters=_maybe(st.booleans()),
    key_enterprise=_maybe(st.booleans()),
    projects=_maybe(projects),
    talent=_maybe(
        st.builds(
            Talent,
            foreign_professionals=counts,
            high_level_foreign_professionals=counts,
            certified_talents=counts,
            invites_foreign_guests=_maybe(st.booleans()),
        )
    ),
)
days = st.dates(dt.date(2023, 1, 1), dt.date(2028, 12, 31))


@settings(max_examples=300, deadline=None)
@given(profile=profiles, as_of=days)
def test_no_amount_ever_exceeds_its_clause_cap(profile: EnterpriseProfile, as_of: dt.date) -> None:
    for d in evaluate(CATALOGUE, profile, as_of):
        if d.cap is None:
            assert d.max_amount is None
            assert all(p.amount is None for p in d.projects)
        else:
            assert d.max_amount is None or 0 <= d.max_amount <= d.cap.amount
            assert all(p.amount is not None and 0 <= p.amount <= d.cap.amount for p in d.projects)


@settings(max_examples=300, deadline=None)
@given(profile=profiles, as_of=days)
def test_no_measure_is_eligible_outside_its_validity(
    profile: EnterpriseProfile, as_of: dt.date
) -> None:
    for d in evaluate(CATALOGUE, profile, as_of):
        inside = d.validity.contains(as_of)
        if (
            d.status is Status.ELIGIBLE
            or d.status is Status.NEEDS_INFO
            or d.status is Status.INELIGIBLE
        ):
            assert inside
        else:
            assert not inside
            assert d.max_amount is None and d.projects == []


@settings(max_examples=200, deadline=None)
@given(profile=profiles, as_of=days)
def test_evaluation_is_deterministic(profile: EnterpriseProfile, as_of: dt.date) -> None:
    first = evaluate(CATALOGUE, profile, as_of)
    again = evaluate(CATALOGUE, EnterpriseProfile.model_validate(profile.model_dump()), as_of)
    assert [d.model_dump() for d in first] == [d.model_dump() for d in again]


@settings(max_examples=200, deadline=None)
@given(profile=profiles, as_of=days)
def test_needs_info_always_comes_with_a_question_and_only_then(
    profile: EnterpriseProfile, as_of: dt.date
) -> None:
    for d in evaluate(CATALOGUE, profile, as_of):
        assert bool(d.questions) == (d.status is Status.NEEDS_INFO)
