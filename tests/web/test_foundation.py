"""The page shell every journey relies on: language, sign-in, errors as pages, security headers."""

from __future__ import annotations

import re

from tests.web.conftest import SiteFactory, Visitor


def test_start_page_is_chinese_by_default_and_english_on_request(visitor: Visitor) -> None:
    page = visitor.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "我能享受哪些支持？" in page.text
    english = visitor.get("/language/en?next=/")
    assert '<html lang="en">' in english.text
    assert "What support can I get?" in english.text
    assert str(english.url).endswith("/")


def test_language_switch_keeps_the_reader_on_the_same_page(visitor: Visitor) -> None:
    visitor.get("/sign-in?next=/zones")
    switched = visitor.get("/language/en?next=/sign-in%3Fnext%3D/zones")
    assert switched.url.path == "/sign-in"
    assert switched.url.query == b"next=/zones"


def test_language_switch_never_sends_the_reader_to_another_site(visitor: Visitor) -> None:
    answer = visitor.client.get("/language/en?next=//evil.example/", follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_wrong_password_keeps_the_username_and_links_the_error_to_the_field(
    visitor: Visitor,
) -> None:
    visitor.get("/sign-in")
    page = visitor.submit("/sign-in", {"username": "cn-reviewer", "password": "nope"})
    assert page.status_code == 400
    assert re.search(r"<title>错误：登录", page.text)
    assert 'href="#username"' in page.text
    assert 'value="cn-reviewer"' in page.text
    assert 'aria-invalid="true"' in page.text


def test_signing_in_shows_the_users_own_parts_of_the_site(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/")
    assert 'href="/review"' in page.text
    assert "退出登录" in page.text


def test_a_form_without_its_csrf_token_is_refused(visitor: Visitor) -> None:
    visitor.get("/sign-in")
    answer = visitor.client.post(
        "/sign-in", data={"username": "cn-reviewer", "password": "ftzlink-demo"}
    )
    assert answer.status_code == 403
    assert "ftzlink_session" not in visitor.client.cookies


def test_an_unknown_page_is_a_page_not_found_in_the_readers_language(visitor: Visitor) -> None:
    page = visitor.get("/no-such-page")
    assert page.status_code == 404
    assert "页面未找到" in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_the_api_still_answers_problems_as_json(visitor: Visitor) -> None:
    answer = visitor.get("/api/v1/no-such-route")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_pages_allow_only_the_sites_own_scripts_and_styles(visitor: Visitor) -> None:
    page = visitor.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["vary"].startswith("HX-Request")


def test_a_signed_in_form_without_its_csrf_token_changes_nothing(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    answer = visitor.client.post("/sign-out", data={})
    assert answer.status_code == 403
    assert "表单未能提交" in answer.text
    still = visitor.get("/")
    assert "退出登录" in still.text


def test_a_forged_token_is_refused_too(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    answer = visitor.client.post("/sign-out", data={"csrf_token": "forged"})
    assert answer.status_code == 403


def test_session_cookie_is_httponly_and_samesite_lax(visitor: Visitor) -> None:
    visitor.get("/sign-in")
    answer = visitor.submit(
        "/sign-in", {"username": "cn-reviewer", "password": "ftzlink-demo"}, follow_redirects=False
    )
    cookie = next(
        h for h in answer.headers.get_list("set-cookie") if h.startswith("ftzlink_session=")
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()


def test_session_cookie_is_secure_when_served_to_a_browser_on_this_machine(
    make_visitor: SiteFactory,
) -> None:
    visitor = make_visitor()
    visitor.client.base_url = "http://127.0.0.1"  # type: ignore[assignment]
    page = visitor.get("/sign-in")
    assert any(
        h.startswith("ftzlink_csrf=") and "Secure" in h for h in page.headers.get_list("set-cookie")
    )
