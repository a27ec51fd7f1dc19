"""The commands as a user runs them; each "done when" line of the foundation has a test here."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ftzlink.catalogue.models import Catalogue
from tests.conftest import EXAMPLE, Run

CLI = Callable[..., Run]


def test_check_in_force_lists_eligible_measures_with_citations_and_integer_caps(cli: CLI) -> None:
    result = cli("check", EXAMPLE, "--as-of", "2025-06-01", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    eligible = [d for d in report["determinations"] if d["status"] == "eligible"]
    grants = [d for d in eligible if d["kind"] == "grant"]
    assert {d["measure_id"] for d in grants} >= {"cn-trial-focus-entities", "cn-trial-ai-industry"}
    for d in grants:
        assert d["citation"]["source"] == "003_f015fb36ad18a120.txt" and d["citation"]["clause"]
        assert isinstance(d["cap"]["amount"], int) and isinstance(d["max_amount"], int)
    assert report["counts"]["eligible"] == len(eligible)
    assert report["as_of"] == "2025-06-01"


def test_check_after_expiry_lists_the_trial_policy_as_expired(cli: CLI) -> None:
    result = cli("check", EXAMPLE, "--as-of", "2026-11-22", "--format", "json")
    report = json.loads(result.out)
    trial = [d for d in report["determinations"] if d["policy_id"] == "changning-trial-2024"]
    assert len(trial) == 20 and {d["status"] for d in trial} == {"expired"}


def test_check_defaults_to_today_and_explains_in_english(cli: CLI) -> None:
    result = cli("check", EXAMPLE, "--lang", "en", "--explain")
    assert result.code == 0
    assert "expired" in result.out  # today is after 2026-11-14
    assert "✓" in result.out


def test_policies_json_lists_every_support_clause_with_cap_and_period(cli: CLI) -> None:
    result = cli("policies", "--format", "json", "--as-of", "2025-06-01")
    assert result.code == 0
    report = json.loads(result.out)
    trial = next(p for p in report["policies"] if p["id"] == "changning-trial-2024")
    assert trial["status"] == "in_force"
    assert trial["validity"] == {"start": "2024-11-15", "end": "2026-11-14"}
    clauses = {m["citation"]["clause"] for m in trial["measures"]}
    assert clauses == {
        "II.A.1(1)", "II.A.1(2)", "II.A.1(3)", "II.A.2(1)", "II.A.2(2)", "II.A.2(3)",
        "II.A.2(4)", "II.B.1", "II.B.2", "II.B.3", "II.B.4", "II.B.5",
    }  # fmt: skip
    for m in trial["measures"]:
        assert m["cap"] is not None or m["no_cap_reason"] is not None
        if m["cap"]:
            assert isinstance(m["cap"]["amount"], int) and m["cap"]["period"]
    assert sorted({m["cap"]["amount"] for m in trial["measures"] if m["cap"]}) == [
        1_000_000, 3_000_000, 5_000_000, 10_000_000, 20_000_000, 30_000_000, 100_000_000
    ]  # fmt: skip


def test_policies_today_shows_the_trial_policy_expired(cli: CLI) -> None:
    result = cli("policies", "--policy", "changning-trial-2024", "--lang", "en")
    assert result.code == 0 and "expired" in result.out and "2026-11-14" in result.out
    assert cli("policies", "--policy", "nope").code == 3


def test_zones_json_lists_every_zone_with_its_area(cli: CLI, catalogue: Catalogue) -> None:
    result = cli("zones", "--format", "json")
    report = json.loads(result.out)
    assert [z["id"] for z in report["zones"]] == [z.id for z in catalogue.zones]
    assert all("area_km2" in z for z in report["zones"])
    assert report["batches"][0]["announced"] == "2024-08-15"


@pytest.mark.parametrize(
    ("text", "zone"),
    [("新天地", "huangpu"), ("Xintiandi", "huangpu"), ("Grand Zero Bay", "minhang"),
     ("大零号湾", "minhang"), ("west bund", "xuhui"), ("硅巷", "changning"), ("临港", "lingang")],
)  # fmt: skip
def test_zones_find_locates_a_landmark_in_either_language(cli: CLI, text: str, zone: str) -> None:
    result = cli("zones", "--find", text, "--format", "json")
    assert result.code == 0
    assert [z["id"] for z in json.loads(result.out)["zones"]] == [zone]


def test_zones_find_without_a_match_says_so(cli: CLI) -> None:
    result = cli("zones", "--find", "Atlantis")
    assert result.code == 1 and "no zone matches 'Atlantis'" in result.err


def test_a_profile_missing_a_needed_field_gets_needs_info_with_the_question(
    cli: CLI, tmp_path: Path, example_data: dict[str, Any]
) -> None:
    del example_data["talent"]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(example_data, ensure_ascii=False, default=str), encoding="utf-8")
    report = json.loads(cli("check", path, "--as-of", "2025-06-01", "--format", "json").out)
    d = next(d for d in report["determinations"] if d["measure_id"] == "cn-trial-talent-people")
    assert d["status"] == "needs_info"
    assert d["questions"] == [
        {
            "field": "talent.certified_talents",
            "label": {
                "zh": "经引进或认定的人才人数",
                "en": "Talents introduced or certified (people)",
            },
            "type": "int",
            "choices": None,
        }
    ]
    table = cli("check", path, "--as-of", "2025-06-01", "--lang", "en")
    assert "Please answer" in table.out and "talent.certified_talents" in table.out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name: x\nuscc: 91310105MA1FL4X59N\nemployees: 5\n", ":3: employees: unknown field"),
        (
            "name: x\nuscc: '12345'\n",
            ":2: uscc: Value error, not a valid unified social credit code",
        ),
        ("- just\n- a list\n", ":1: a profile is a mapping"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
    ids=["unknown-field", "bad-uscc", "not-a-mapping", "bad-yaml"],
)
def test_a_malformed_profile_gives_a_clear_error_and_exit_2(
    cli: CLI, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    result = cli("check", path)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err


def test_a_missing_profile_file_and_a_bad_date_are_clear_errors(cli: CLI, tmp_path: Path) -> None:
    missing = cli("check", tmp_path / "nope.yaml")
    assert missing.code == 2 and "no such file" in missing.err
    bad_date = cli("check", EXAMPLE, "--as-of", "2025-13-01")
    assert bad_date.code == 2 and "YYYY-MM-DD" in bad_date.err


def test_policy_test_runs_the_bundled_cases(cli: CLI) -> None:
    result = cli("policy", "test")
    assert result.code == 0
    assert "0 failed" in result.out
    report = json.loads(cli("policy", "test", "--format", "json").out)
    assert report["passed"] is True and len(report["cases"]) >= 20


def test_policy_validate_accepts_the_bundled_catalogue_and_a_single_file(cli: CLI) -> None:
    from ftzlink.catalogue.loader import BUNDLED_DIR

    assert cli("policy", "validate", BUNDLED_DIR).code == 0
    result = cli(
        "policy",
        "validate",
        BUNDLED_DIR / "policies" / "changning-trial-2024.yaml",
        "--format",
        "json",
    )
    assert json.loads(result.out)["valid"] is True


def test_schema_profile_is_a_json_schema_with_vocabularies(cli: CLI) -> None:
    schema = json.loads(cli("schema", "profile", "--format", "json").out)
    assert schema["additionalProperties"] is False
    sector = schema["properties"]["sector"]
    assert "smart_internet" in next(b for b in sector["anyOf"] if b.get("type") == "string")["enum"]
    table = cli("schema", "profile", "--lang", "en")
    assert "talent.certified_talents" in table.out


def test_usage_errors_exit_2(cli: CLI) -> None:
    assert cli("check").code == 2
    assert cli("zones", "--format", "xml").code == 2
