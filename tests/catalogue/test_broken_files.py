"""A broken catalogue file is refused with file:line: field, exit 2, and no traceback."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ftzlink.catalogue.loader import load_catalogue
from ftzlink.errors import CatalogueError

POLICY = "policies/changning-trial-2024.yaml"


def _break(catalogue_copy: Path, old: str, new: str, name: str = POLICY) -> Path:
    path = catalogue_copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    """The last line containing `needle` (a replaced value may also stand earlier in the file)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return max(i for i, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("cap: {amount: 100_000_000, period: per_year}", "cap: {amount: 1.5e+8, period: per_year}",
         "amount: 1.5e+8", "measures[0].cap.amount: Input should be a valid integer"),
        ("cap: {amount: 30_000_000, period: per_project}", "cap: {amount: '30 million', period: per_project}",
         "'30 million'", "measures[2].cap.amount: Input should be a valid integer"),
        ("validity: {start: 2024-11-15, end: 2026-11-14}", "validity: {start: 2024-11-15, end: 2023-11-14}",
         "end: 2023-11-14", "validity: Value error, end 2023-11-14 is before start 2024-11-15"),
        ("    kind: grant\n    title: {zh: 人工智能产业发展项目", "    kind: grant\n    colour: red\n    title: {zh: 人工智能产业发展项目",
         "colour: red", "measures[5].colour: unknown field"),
        ("cap: {amount: 20_000_000, period: per_project}", "cap: {amount: 20_000_000, period: per_decade}",
         "per_decade", "measures[16].cap.period: Input should be"),
        ("{field: talent.certified_talents, ge: 1}", "{field: talent.certified_talent, ge: 1}",
         "talent.certified_talent,", "measures[14].when.field: 'talent.certified_talent' is not a profile field"),
        ("{field: sector, eq: smart_internet}", "{field: sector, eq: robotics}",
         "eq: robotics", "'robotics' is not a known sectors value"),
        ("{field: talent.certified_talents, ge: 1}", "{field: talent.certified_talents, ge: one}",
         "ge: one", "'one' is not a int value"),
        ("id: cn-trial-green\n", "id: cn-trial-sci-tech\n",
         "id: cn-trial-sci-tech", "measures[18].id: duplicate measure id 'cn-trial-sci-tech'"),
    ],
    ids=["float-cap", "string-cap", "end-before-start", "unknown-field", "bad-period",
         "unknown-condition-field", "unknown-vocabulary-value", "wrong-value-type", "duplicate-id"],
)  # fmt: skip
def test_a_broken_policy_file_is_refused_with_file_line_and_field(
    catalogue_copy: Path, cli: Callable[..., object], old: str, new: str, needle: str, message: str
) -> None:
    path = _break(catalogue_copy, old, new)
    result = cli("policy", "validate", catalogue_copy)
    assert result.code == 2  # type: ignore[attr-defined]
    assert f"{path}:{_line_of(path, needle)}: " in result.err  # type: ignore[attr-defined]
    assert message in result.err  # type: ignore[attr-defined]
    assert "Traceback" not in result.err  # type: ignore[attr-defined]


def test_invalid_yaml_names_its_line(catalogue_copy: Path) -> None:
    path = _break(catalogue_copy, "zones: [changning]", "zones: [changning")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(catalogue_copy)
    assert f"{path}:" in str(caught.value) and "not valid YAML" in str(caught.value)


def test_a_duplicated_key_is_refused_not_silently_overwritten(catalogue_copy: Path) -> None:
    path = _break(
        catalogue_copy,
        "authoritative_language: zh\n",
        "authoritative_language: zh\nauthoritative_language: en\n",
    )
    with pytest.raises(CatalogueError, match="duplicate key 'authoritative_language'") as caught:
        load_catalogue(catalogue_copy)
    assert f"{path}:{_line_of(path, 'authoritative_language: en')}" in str(caught.value)


def test_a_citation_to_an_unknown_source_is_refused(catalogue_copy: Path) -> None:
    _break(
        catalogue_copy,
        "citation: {source: 003_f015fb36ad18a120.txt, line: 2}",
        "citation: {source: 009_f015fb36ad18a120.txt, line: 2}",
    )
    with pytest.raises(
        CatalogueError,
        match=re.escape("citation.source: '009_f015fb36ad18a120.txt' is not a known source"),
    ):
        load_catalogue(catalogue_copy)


def test_a_single_broken_policy_file_is_checked_against_the_bundled_catalogue(
    tmp_path: Path, catalogue_copy: Path, cli: Callable[..., object]
) -> None:
    path = _break(catalogue_copy, "period: per_year}", "period: yearly}")
    result = cli("policy", "validate", path)
    assert result.code == 2  # type: ignore[attr-defined]
    assert f"{path}:{_line_of(path, 'period: yearly')}: measures[0].cap.period" in result.err  # type: ignore[attr-defined]


def test_all_problems_are_reported_at_once(catalogue_copy: Path) -> None:
    _break(catalogue_copy, "period: per_year}", "period: yearly}")
    _break(catalogue_copy, "eq: huangpu}", "eq: atlantis}", name="policies/linked-zones-2024.yaml")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(catalogue_copy)
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("  - {kind: supporting, required: true}",
         "a required document needs `citation`: where the sources require it"),
        ("  - {kind: business_licence, required: false}",
         "'business_licence' is not a known document kind"),
        ("  []", "a measure someone applies for needs at least one document slot"),
    ],
    ids=["uncited-requirement", "unknown-kind", "no-slot"],
)  # fmt: skip
def test_a_document_requirement_the_sources_do_not_cite_is_refused(
    catalogue_copy: Path, new: str, message: str
) -> None:
    _break(catalogue_copy, "  - {kind: supporting, required: false}", new)
    with pytest.raises(CatalogueError) as refused:
        load_catalogue(catalogue_copy)
    assert any(message in p.message for p in refused.value.problems), refused.value.problems
