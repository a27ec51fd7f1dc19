"""The shared form helpers: one day parser, refusals recognised by their code, never their text."""

import datetime as dt

from ftzlink.errors import RateLimited
from ftzlink.web.forms import Form, parse_day
from tests.web.conftest import Visitor


def test_a_day_is_typed_as_year_month_day_and_must_exist() -> None:
    assert parse_day("2025-02-28") == dt.date(2025, 2, 28)
    assert parse_day("2025-02-30") is None
    assert parse_day("20250228") is None
    assert parse_day("2025-W09-5") is None
    assert parse_day("") is None


def test_a_form_knows_a_refusal_by_its_code_not_its_wording() -> None:
    form = Form({"username": "x"})
    form.error("username", "尝试次数过多", code=RateLimited.code)
    assert form.has_code("rate_limited") and not form.has_code("not_authenticated")
    assert not Form().has_code("rate_limited")


def test_too_many_wrong_passwords_answer_429_on_the_sign_in_page(visitor: Visitor) -> None:
    visitor.get("/sign-in")
    answers = [
        visitor.submit("/sign-in", {"username": "cn-reviewer", "password": "wrong"}).status_code
        for _ in range(7)
    ]
    assert answers[0] == 400
    assert answers[-1] == 429
