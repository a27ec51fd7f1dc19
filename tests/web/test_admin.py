"""The users page: platform admins disable, re-enable users and revoke their tokens; auditors
read the list; nobody else sees it. Every change is in the audit log, and signed-in pages are
never cached."""

from __future__ import annotations

import re

import pytest

from ftzlink.demo import DEMO_PASSWORD
from tests.web.conftest import SiteFactory, Visitor


def row_of(page_text: str, username: str) -> str:
    found = re.search(
        rf'<tr id="user-(\d+)">\s*<th scope="row"[^>]*>{username}</th>.*?</tr>', page_text, re.S
    )
    assert found, f"no row for {username}"
    return found.group(0)


def user_number(page_text: str, username: str) -> int:
    found = re.search(r'id="user-(\d+)"', row_of(page_text, username))
    assert found
    return int(found.group(1))


def test_a_platform_admin_disables_a_user_who_then_cannot_sign_in_and_enables_them_again(
    make_visitor: SiteFactory,
) -> None:
    admin = make_visitor()
    admin.sign_in("admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and '<h1 class="heading-l">用户管理</h1>' in page.text
    number = user_number(page.text, "cn-ai-staff")
    done = admin.submit(f"/admin/users/{number}/disable")
    assert "已停用 cn-ai-staff" in done.text
    assert "已停用" in row_of(done.text, "cn-ai-staff")

    staff = make_visitor()
    staff.get("/sign-in")
    refused = staff.submit("/sign-in", {"username": "cn-ai-staff", "password": DEMO_PASSWORD})
    assert refused.status_code == 400

    admin.get("/admin/users")
    admin.submit(f"/admin/users/{number}/enable")
    staff.sign_in("cn-ai-staff")

    log = admin.get("/audit", params={"action": "user.disable"})
    assert "停用用户" in log.text


def test_disabling_ends_the_users_open_session(make_visitor: SiteFactory) -> None:
    staff = make_visitor()
    staff.sign_in("cn-ai-staff")
    assert staff.get("/applications").status_code == 200
    admin = make_visitor()
    admin.sign_in("admin")
    number = user_number(admin.get("/admin/users").text, "cn-ai-staff")
    admin.submit(f"/admin/users/{number}/disable")
    answer = staff.client.get("/applications", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")


def test_the_refusal_to_disable_oneself_is_in_the_visitors_language(visitor: Visitor) -> None:
    visitor.sign_in("admin")
    page = visitor.get("/admin/users")
    own = user_number(page.text, "admin")
    assert f'action="/admin/users/{own}/disable"' not in page.text  # no button for it
    refused = visitor.submit(f"/admin/users/{own}/disable")
    assert refused.status_code == 409 and "不能停用自己的账户。" in refused.text
    visitor.get("/language/en")
    visitor.get("/admin/users")
    refused = visitor.submit(f"/admin/users/{own}/disable")
    assert "You cannot disable your own account." in refused.text


def test_an_auditor_reads_the_list_without_buttons(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    page = visitor.get("/admin/users")
    assert page.status_code == 200 and "cn-ai-staff" in page.text
    assert "/disable" not in page.text and "/revoke-tokens" not in page.text
    number = user_number(page.text, "cn-ai-staff")
    assert visitor.submit(f"/admin/users/{number}/disable").status_code == 403


@pytest.mark.parametrize("username", ["cn-reviewer", "cn-ai-admin", "work-permits"])
def test_the_users_page_is_for_platform_admins_and_auditors_only(
    visitor: Visitor, username: str
) -> None:
    visitor.sign_in(username)
    assert visitor.get("/admin/users").status_code == 403
    assert 'href="/admin/users"' not in visitor.get("/").text


def test_signed_in_pages_are_never_cached_and_public_ones_may_be(visitor: Visitor) -> None:
    public = visitor.get("/")
    assert "no-store" not in public.headers.get("cache-control", "")
    visitor.sign_in("cn-reviewer")
    assert visitor.get("/review").headers["cache-control"] == "no-store"
    assert visitor.get("/static/ftzlink.css").headers["cache-control"].startswith("public")


def test_a_percent_sign_in_the_review_search_is_a_character_not_a_wildcard(
    visitor: Visitor,
) -> None:
    visitor.sign_in("cn-reviewer")
    everything = visitor.get("/review")
    percent = visitor.get("/review", params={"q": "%"})
    assert percent.status_code == 200
    assert everything.text.count('<a href="/review/') > 2
    assert percent.text.count('<a href="/review/') == 0
