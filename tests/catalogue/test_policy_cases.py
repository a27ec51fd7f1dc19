"""The YAML policy cases beside each policy file, each run as a test of its own."""

from pathlib import Path

import pytest

from ftzlink.catalogue.loader import BUNDLED_DIR, bundled_catalogue
from ftzlink.catalogue.policytests import run_policy_tests

TESTS_FILES = sorted((BUNDLED_DIR / "policies").glob("*.tests.yaml"))
RUN = run_policy_tests(bundled_catalogue(), TESTS_FILES)


@pytest.mark.parametrize(
    "result", RUN.results, ids=[f"{r.file.stem}:{r.case}" for r in RUN.results]
)
def test_policy_case(result: object) -> None:
    assert result.passed, result.mismatches  # type: ignore[attr-defined]


def test_every_measure_has_an_eligible_and_a_not_eligible_case() -> None:
    assert RUN.coverage_gaps == []


def test_a_failing_case_is_reported_with_its_file_and_line(tmp_path: Path, cli: object) -> None:
    source = BUNDLED_DIR / "policies" / "changning-trial-2024.tests.yaml"
    broken = tmp_path / "changning-trial-2024.tests.yaml"
    broken.write_text(
        source.read_text(encoding="utf-8").replace(
            "cn-trial-quality-brand: {status: eligible, max_amount: 1_000_000, amounts: {ip: 1_000_000}}",
            "cn-trial-quality-brand: {status: eligible, max_amount: 2_000_000}",
        ),
        encoding="utf-8",
    )
    result = cli("policy", "test", broken)  # type: ignore[operator]
    assert result.code == 1
    assert "cn-trial-quality-brand max_amount: expected 2000000, got 1000000" in result.out
    assert "1 failed" in result.out
