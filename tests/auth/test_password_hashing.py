"""Password hashing: full-strength Argon2id unless the test suite's cheap profile is asked for, and
a served platform refuses that profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import extract_parameters

from ftzlink.api import create_app
from ftzlink.auth.passwords import ENV, hash_password, profile, verify_password
from ftzlink.errors import InvalidInput
from tests.conftest import Run


def test_unset_the_hashing_is_full_strength(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV)
    assert profile() == "standard"
    parameters = extract_parameters(hash_password("correct horse battery"))
    # RFC 9106's second recommended option: 64 MiB, 3 passes.
    assert parameters.memory_cost >= 64 * 1024 and parameters.time_cost >= 3


def test_the_fast_profile_is_cheap_and_its_hashes_verify_under_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV, "fast")
    cheap = hash_password("correct horse battery")
    assert extract_parameters(cheap).memory_cost < 1024
    monkeypatch.setenv(ENV, "standard")
    strong = hash_password("correct horse battery")
    for stored in (cheap, strong):
        assert verify_password(stored, "correct horse battery")
        assert not verify_password(stored, "wrong horse battery")
    assert not verify_password(None, "correct horse battery")


def test_an_unknown_profile_is_refused_not_taken_for_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV, "none")
    with pytest.raises(InvalidInput, match=ENV):
        hash_password("correct horse battery")


def test_the_app_served_from_the_environment_refuses_the_cheap_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV, "fast")
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path))
    with pytest.raises(InvalidInput, match="test suite only"):
        create_app()


def test_serve_refuses_the_cheap_profile_in_chinese_and_english(
    cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV, "fast")
    monkeypatch.setenv("FTZLINK_DATA_DIR", str(tmp_path))
    chinese = cli("serve")
    assert chinese.code == 2 and "仅供测试使用" in chinese.out + chinese.err
    english = cli("serve", "--lang", "en")
    assert english.code == 2 and "test suite only" in english.out + english.err
    assert not (tmp_path / "ftzlink.db").exists()  # refused before touching a database
