from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import ProfileError
from ftzlink.profiles.loader import load_profile
from ftzlink.profiles.models import EnterpriseProfile


def test_unknown_fields_are_refused(example_data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        EnterpriseProfile.model_validate({**example_data, "turnover": 5})


def test_a_missing_optional_field_is_unknown_not_false(example_data: dict[str, Any]) -> None:
    del example_data["key_enterprise"]
    assert EnterpriseProfile.model_validate(example_data).key_enterprise is None


def test_a_project_cannot_end_before_it_starts(example_data: dict[str, Any]) -> None:
    example_data["projects"][0].update(start="2025-06-01", end="2025-01-01")
    with pytest.raises(ValidationError, match="before start"):
        EnterpriseProfile.model_validate(example_data)


def test_money_must_be_whole_yuan(example_data: dict[str, Any]) -> None:
    example_data["projects"][0]["requested_amount"] = 1000.5
    with pytest.raises(ValidationError):
        EnterpriseProfile.model_validate(example_data)


def test_profile_file_errors_name_line_and_field(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: 测试\nuscc: 91310105MA1FL4X59A\nsector: rocketry\nprojects:\n  - {name: x, kind: ai_industry, requested_amount: lots}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(path, catalogue)
    text = str(caught.value)
    assert f"{path}:2: uscc: Value error, not a valid unified social credit code" in text
    assert f"{path}:5: projects[0].requested_amount:" in text


def test_vocabulary_values_are_checked_against_the_catalogue(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: 测试\nuscc: 91310105MA1FL4X59N\nsector: rocketry\nzone: huangpu\nsub_area: silicon-lane\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(path, catalogue)
    text = str(caught.value)
    assert f"{path}:3: sector: 'rocketry' is not a known sectors value" in text
    assert "sub_area: 'silicon-lane' belongs to zone 'changning', not 'huangpu'" in text
