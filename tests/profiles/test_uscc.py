from hypothesis import given
from hypothesis import strategies as st

from ftzlink.profiles.uscc import USCC_ALPHABET, make_uscc, uscc_problem

digits = st.text("0123456789", min_size=6, max_size=6)
org_body = st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)


def test_a_published_code_is_valid() -> None:
    assert uscc_problem("91350100M000100Y43") is None


def test_a_wrong_check_character_is_named() -> None:
    problem = uscc_problem("91350100M000100Y44")
    assert problem is not None and "character 18 should be 3" in problem


def test_wrong_length_and_forbidden_letters_are_explained() -> None:
    assert "18 characters" in (uscc_problem("9135") or "")
    assert "I, O, S, V, Z" in (uscc_problem("91350100M000100YO3") or "")


@given(division=digits, body=org_body, index=st.integers(0, 17), data=st.data())
def test_any_single_changed_character_is_detected(
    division: str, body: str, index: int, data: st.DataObject
) -> None:
    code = make_uscc("9", "1", division, body)
    assert uscc_problem(code) is None
    replacement = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[index]]))
    assert uscc_problem(code[:index] + replacement + code[index + 1 :]) is not None
