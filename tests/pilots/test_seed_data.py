"""The seeded pilot cases against seed 004 itself: every quote is on the line it cites, every
figure is in its quote as the source words it, and nothing is dated or staged that the source
does not date or stage."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from ftzlink.pilots.loader import PilotSeed, SeedCase, SeedCitation, bundled_pilot_seed
from ftzlink.pilots.tables import PilotStage

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED = bundled_pilot_seed()
CASES = {c.id: c for c in SEED.cases}

# The words seed 004 uses for each stage of its three-step path (line 25).
STAGE_WORDS = {
    PilotStage.CASE_PILOT: "case pilot",
    PilotStage.INNOVATIVE_SUPERVISION: "innovative supervision",
    PilotStage.REGULATORY_SOLIDIFICATION: "solidifying",
}
WORDS = {"a": Decimal(1), "one": Decimal(1), "four": Decimal(4), "half": Decimal("0.5")}
SCALE = {"billion": Decimal(10**9), "million": Decimal(10**6)}


def seed_line(seed: PilotSeed, citation: SeedCitation) -> str:
    path = SEEDS / seed.source(citation.source).seed_file
    lines = path.read_text(encoding="utf-8").splitlines()
    assert 1 <= citation.line <= len(lines), f"{path.name} has no line {citation.line}"
    return lines[citation.line - 1]


def citations(case: SeedCase) -> list[SeedCitation]:
    found = [case.citation]
    found += [case.stage.citation] if case.stage else []
    found += [case.progress.citation] if case.progress else []
    return found + [f.citation for f in case.figures]


def numbers(stated: str) -> set[Decimal]:
    """The numbers a phrase states: digits ("15", "1-2 billion") or words ("four", "half")."""
    found: set[Decimal] = set()
    scale = next((v for k, v in SCALE.items() if k in stated.split()), Decimal(1))
    for digits in re.findall(r"\d+(?:\.\d+)?", stated):
        found.add(Decimal(digits) * scale)
    for word in re.findall(r"[a-z]+", stated.lower()):
        if word in WORDS:
            found.add(WORDS[word] * scale)
    return found


def test_the_five_cases_seed_004_names_are_seeded() -> None:
    assert set(CASES) == {
        "remanufactured-imports",
        "ic-equipment-spv-leasing",
        "driverless-road-tests",
        "direct-release",
        "foreign-car-maker-data-assessment",
    }
    assert all(c.zone == "lingang" for c in SEED.cases)
    driverless = {f.id: (f.value, f.unit) for f in CASES["driverless-road-tests"].figures}
    assert driverless == {
        "licensed-vehicles": ("15", "vehicles"),
        "licensed-enterprises": ("4", "enterprises"),
    }


@pytest.mark.parametrize("case", SEED.cases, ids=[c.id for c in SEED.cases])
def test_every_quote_is_on_the_line_of_seed_004_it_cites(case: SeedCase) -> None:
    for citation in citations(case):
        assert citation.source == "seed-004"
        assert citation.quote in seed_line(SEED, citation), (citation.line, citation.quote)


@pytest.mark.parametrize("case", SEED.cases, ids=[c.id for c in SEED.cases])
def test_every_figure_is_what_its_quote_states(case: SeedCase) -> None:
    for figure in case.figures:
        assert figure.stated in figure.citation.quote
        stated = numbers(figure.stated)
        assert Decimal(figure.value) in stated, (figure.id, figure.stated, stated)
        if figure.value_max is not None:
            assert Decimal(figure.value_max) in stated


@pytest.mark.parametrize("case", SEED.cases, ids=[c.id for c in SEED.cases])
def test_a_stage_is_seeded_only_where_the_source_names_it_and_no_day_is_invented(
    case: SeedCase,
) -> None:
    if case.stage is not None:
        assert STAGE_WORDS[case.stage.stage] in case.stage.citation.quote
        # Seed 004 dates none of the steps it reports.
        assert case.stage.reached_on is None
    else:
        assert case.progress is not None, "a case without a stage says what the source says"
    for figure in case.figures:
        # "As of now", "last year", "this year": the report never names the day or the year.
        assert figure.as_of is None


def test_the_stages_seeded_are_the_two_the_source_states() -> None:
    staged = {c.id: c.stage.stage for c in SEED.cases if c.stage}
    assert staged == {
        "ic-equipment-spv-leasing": PilotStage.CASE_PILOT,
        "driverless-road-tests": PilotStage.REGULATORY_SOLIDIFICATION,
    }


def test_the_report_s_release_date_is_the_one_on_its_line() -> None:
    (source,) = SEED.sources
    line = (
        (SEEDS / source.seed_file)
        .read_text(encoding="utf-8")
        .splitlines()[source.released_line - 1]
    )
    assert source.released_quote in line
    assert (
        source.released
        == dt.datetime.strptime(source.released_quote.split(":", 1)[1], "%b %d, %Y").date()
    )


def test_a_broken_seed_file_is_refused_with_its_file_and_field(tmp_path: Path) -> None:
    import shutil

    from ftzlink.errors import CatalogueError
    from ftzlink.pilots.loader import PILOTS_DIR, load_pilot_seed

    copy = tmp_path / "pilots"
    shutil.copytree(PILOTS_DIR, copy)
    path = copy / "driverless-road-tests.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("stated: 15 vehicles", "stated: 16 vehicles").replace(
            'source: seed-004, line: 31, quote: "to 15 vehicles of four enterprises"}',
            'source: seed-404, line: 31, quote: "to 15 vehicles of four enterprises"}',
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as refused:
        load_pilot_seed(copy)
    found = {(p.file.name if p.file else None, p.field) for p in refused.value.problems}
    assert ("driverless-road-tests.yaml", "licensed-vehicles") in found
    assert ("driverless-road-tests.yaml", "figures.licensed-vehicles.citation") in found
