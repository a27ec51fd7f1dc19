"""The catalogue says what the sources say: every support clause of 003 with its cap, every zone
with its area, citations that point at lines that really state the fact."""

import datetime as dt
from pathlib import Path

import pytest

from ftzlink.catalogue.conditions import AllOf, AnyOf, Condition, Not
from ftzlink.catalogue.loader import BUNDLED_DIR
from ftzlink.catalogue.models import Catalogue, Citation, MeasureKind, PeriodKind
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.rules.determinations import ConditionResult
from ftzlink.rules.evaluate import evaluate

# The seed documents live in shared/, beside the repository (as on developers' machines and CI).
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# clause (item) -> (cap in yuan or None for the clause that states no amount, period)
SUPPORT_CLAUSES_003 = {
    ("II.A.1(1)", None): [(100_000_000, PeriodKind.PER_YEAR)],
    ("II.A.1(2)", None): [
        (100_000_000, PeriodKind.PER_PROJECT_PER_YEAR),
        (30_000_000, PeriodKind.PER_PROJECT),
    ],
    ("II.A.1(3)", None): [(None, None)],
    ("II.A.2(1)", 1): [(10_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(1)", 2): [(10_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(2)", 1): [(10_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(2)", 2): [(10_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(3)", 1): [(10_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(3)", 2): [(5_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(3)", 3): [(5_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(4)", 1): [(5_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(4)", 2): [(5_000_000, PeriodKind.PER_PROJECT)],
    ("II.A.2(4)", 3): [(3_000_000, PeriodKind.PER_PROJECT)],
    ("II.B.1", None): [(5_000_000, PeriodKind.PER_PERSON), (5_000_000, PeriodKind.PER_PROJECT)],
    ("II.B.2", None): [(20_000_000, PeriodKind.PER_PROJECT)],
    ("II.B.3", None): [(5_000_000, PeriodKind.PER_PROJECT)],
    ("II.B.4", None): [(5_000_000, PeriodKind.PER_PROJECT)],
    ("II.B.5", None): [(1_000_000, PeriodKind.PER_PROJECT)],
}


def test_every_support_clause_of_the_trial_policy_is_a_measure_with_its_cap(
    catalogue: Catalogue,
) -> None:
    policy = catalogue.policy("changning-trial-2024")
    assert policy is not None
    found: dict[tuple[str | None, int | None], list[tuple[int | None, PeriodKind | None]]] = {}
    for m in policy.measures:
        cap = (m.cap.amount, m.cap.period) if m.cap else (None, None)
        found.setdefault((m.citation.clause, m.citation.item), []).append(cap)
    assert found == SUPPORT_CLAUSES_003


def test_the_trial_policy_is_valid_from_2024_11_15_to_2026_11_14(catalogue: Catalogue) -> None:
    policy = catalogue.policy("changning-trial-2024")
    assert policy is not None
    assert (policy.validity.start, policy.validity.end) == (
        dt.date(2024, 11, 15),
        dt.date(2026, 11, 14),
    )
    assert policy.authoritative_language == "zh"


def test_the_clause_without_an_amount_has_no_cap_and_says_why(catalogue: Catalogue) -> None:
    (measure,) = [m for _, m in catalogue.measures() if m.citation.clause == "II.A.1(3)"]
    assert measure.cap is None and measure.no_cap_reason is not None
    assert "no amount" in measure.no_cap_reason.en


def test_non_monetary_measures_of_the_plan_and_the_districts_are_services(
    catalogue: Catalogue,
) -> None:
    for policy_id in ("changning-zone-plan", "linked-zones-2024"):
        policy = catalogue.policy(policy_id)
        assert policy is not None
        assert all(m.kind is MeasureKind.SERVICE and m.cap is None for m in policy.measures)
        # The sources state no validity for these: none is invented.
        assert policy.validity.start is None and policy.validity.end is None
    residence = next(m for _, m in catalogue.measures() if m.id == "cn-plan-residence-5y")
    assert "5 years" in residence.title.en


@pytest.mark.parametrize(
    ("zone_id", "area"),
    [("huangpu", 14), ("xuhui", 45), ("hongkou", 4), ("yangpu", 23), ("minhang", 46),
     ("baoshan", 50), ("bonded-zones", 11), ("changning", 24.6), ("lingang", None)],
)  # fmt: skip
def test_every_zone_has_the_area_its_source_gives(
    catalogue: Catalogue, zone_id: str, area: float | None
) -> None:
    zone = catalogue.zone(zone_id)
    assert zone is not None and zone.area_km2 == area


def test_the_first_batch_was_announced_on_2024_08_15_with_its_counts(catalogue: Catalogue) -> None:
    (batch,) = catalogue.batches
    assert batch.announced == dt.date(2024, 8, 15)
    assert any(c.value == 100 and c.qualifier == "more_than" for c in batch.counts)
    changning = catalogue.zone("changning")
    assert changning is not None and len(changning.sub_areas) == 3
    assert any(c.value == 58 for c in changning.counts)
    lingang = catalogue.zone("lingang")
    assert lingang is not None and {c.value for c in lingang.counts} >= {102, 48}


def test_both_spellings_of_grand_neo_bay_are_kept(catalogue: Catalogue) -> None:
    minhang = catalogue.zone("minhang")
    assert minhang is not None
    aliases = {a for s in minhang.sub_areas for a in [s.name.en, *s.aliases]}
    assert {"Grand Neo Bay", "Grand Zero Bay"} <= aliases


def _all_citations(catalogue: Catalogue) -> list[Citation]:
    found = [c for z in catalogue.zones for c in z.citations]
    found += [s.citation for z in catalogue.zones for s in z.sub_areas]
    found += [b.citation for b in catalogue.batches]
    for policy in catalogue.policies:
        found.append(policy.citation)
        found += [m.citation for m in policy.measures]
    return found


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_every_cited_line_exists_in_its_source(catalogue: Catalogue) -> None:
    for citation in _all_citations(catalogue):
        lines = (SEEDS / citation.source).read_text(encoding="utf-8").splitlines()
        assert citation.line is not None and 1 <= citation.line <= len(lines), citation
        assert lines[citation.line - 1].strip(), f"{citation} points at an empty line"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_every_cap_is_stated_on_the_line_its_citation_names(catalogue: Catalogue) -> None:
    lines = (SEEDS / "003_f015fb36ad18a120.txt").read_text(encoding="utf-8").splitlines()
    for _, measure in catalogue.measures():
        if measure.cap is not None:
            assert measure.citation.line is not None
            stated = f"{measure.cap.amount // 1_000_000} million yuan"
            assert stated in lines[measure.citation.line - 1], (measure.id, stated)


def test_the_bundled_catalogue_ships_inside_the_package() -> None:
    assert (BUNDLED_DIR / "zones.yaml").is_file()
    assert len(list((BUNDLED_DIR / "policies").glob("*.tests.yaml"))) == 3


# A condition's own clause, as the source states it: (policy, clause) -> words on the cited line.
CONDITION_CLAUSES = {
    ("changning-trial-2024", "I.B"): "Corporate and unincorporated organizations established in "
    "Changning and having good credit records, as well as support recipients approved by the "
    "district government.",
    ("changning-zone-plan", "A2"): "A2: Centered on innovation-driven momentum",
}


def _conditions(node: Condition) -> list[Condition]:
    children: list[Condition] = []
    if isinstance(node, AllOf | AnyOf):
        children = list(node.all if isinstance(node, AllOf) else node.any)
    elif isinstance(node, Not):
        children = [node.not_]
    return [node, *(d for c in children for d in _conditions(c))]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside this checkout")
def test_every_condition_of_an_eligibility_clause_cites_the_line_that_states_it(
    catalogue: Catalogue, example_profile: EnterpriseProfile
) -> None:
    cited = {
        (policy.id, node.cite.clause)
        for policy in catalogue.policies
        for measure in policy.measures
        for root in (policy.eligibility, measure.when)
        if root is not None
        for node in _conditions(root)
        if node.cite is not None
    }
    assert cited == set(CONDITION_CLAUSES)
    # What a person reads: each condition of the check, with the citation it shows.
    shown = [
        (d.policy_id, c)
        for d in evaluate(catalogue, example_profile, dt.date(2025, 6, 1))
        for root in d.conditions
        for c in _results(root)
    ]
    for (policy_id, clause), words in CONDITION_CLAUSES.items():
        policy = catalogue.policy(policy_id)
        assert policy is not None
        lines = (SEEDS / policy.citation.source).read_text(encoding="utf-8").splitlines()
        showing = [c.citation for p, c in shown if p == policy_id and c.citation.clause == clause]
        assert showing, (policy_id, clause)
        for citation in showing:
            assert citation.line is not None and citation.line != policy.citation.line
            assert words in lines[citation.line - 1], (policy_id, clause, citation.line)


def _results(result: ConditionResult) -> list[ConditionResult]:
    return [result, *(d for c in result.children for d in _results(c))]
