"""The language switch keeps the reader where they are: on a page answering a form (an answer in
error, a check before a change, a file checked) the switch posts the same answers again and the
same page comes back in the other language with what was typed; after a change it goes to the
page the change belongs to, never to "page not found"; a password is never echoed into a page."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import httpx

from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from tests.web.conftest import SiteFactory, Visitor
from tests.web.test_official import submit_ai_projects
from tests.workdays import YEAR_2027

_SWITCH_FORM = re.compile(
    r'<form class="inline-form" method="post" action="([^"]+)" id="language-switch">(.*?)</form>',
    re.S,
)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
_SWITCH_LINK = re.compile(r'<a class="language" href="([^"]+)"')


def switch_language(visitor: Visitor) -> httpx.Response:
    """Use the header's language switch of the last page, as a browser without JavaScript."""
    assert visitor.last is not None
    html = visitor.last.text
    form = _SWITCH_FORM.search(html)
    if form is None:
        link = _SWITCH_LINK.search(html)
        assert link, "the page has no language switch"
        return visitor.get(unescape(link.group(1)))
    fields = [(unescape(k), unescape(v)) for k, v in _HIDDEN.findall(form.group(2))]
    visitor.last = visitor.client.post(unescape(form.group(1)), data=_grouped(fields))
    return visitor.last


def _grouped(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in fields:
        grouped.setdefault(key, []).append(value)
    return grouped


def test_a_checker_answer_in_error_comes_back_in_english_with_what_was_typed(
    make_visitor: SiteFactory,
) -> None:
    visitor = make_visitor()
    url = "/check/question/talent.foreign_professionals?zone=changning"
    visitor.get(url)
    wrong = visitor.submit(url, {"answer": "three"})
    assert wrong.status_code == 400 and '<html lang="zh-CN">' in wrong.text
    english = switch_language(visitor)
    assert english.status_code == 400
    assert '<html lang="en">' in english.text and "页面未找到" not in english.text
    assert english.url.path == "/check/question/talent.foreign_professionals"
    assert english.url.query == b"zone=changning"  # the earlier answers, kept
    assert 'value="three"' in english.text and 'href="#answer"' in english.text
    # And back again, still with the answer.
    chinese = switch_language(visitor)
    assert '<html lang="zh-CN">' in chinese.text and 'value="three"' in chinese.text


def test_a_transfer_form_in_error_comes_back_in_chinese_with_its_answers(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    from tests.web.test_dataflow import _registration

    contract = _registration(demo_database, "数据服务")
    member = make_visitor()
    member.sign_in("xh-data-admin")
    member.get("/language/en", params={"next": "/"})
    url = f"/dataflow/registrations/{contract.id}/transfers/new"
    member.get(url)
    wrong = member.submit(
        url,
        {
            "manifest_sha256": "ab" * 32,
            "record_count": "150000",
            "non_sensitive_people": "12",
            "sensitive_people": "0",
            "transferred_on": "2026-10-30",
            "transferred_time": "25:00",
        },
    )
    assert wrong.status_code == 400 and '<html lang="en">' in wrong.text
    chinese = switch_language(member)
    assert chinese.status_code == 400 and '<html lang="zh-CN">' in chinese.text
    assert chinese.url.path == url
    assert 'value="150000"' in chinese.text and 'value="25:00"' in chinese.text
    assert f'name="manifest_sha256" value="{"ab" * 32}"' in chinese.text
    assert 'href="#transferred_time"' in chinese.text


def test_the_check_before_signing_is_shown_again_and_after_signing_the_queue_is(
    make_visitor: SiteFactory, demo_database: Database, catalogue: Catalogue
) -> None:
    ids = submit_ai_projects(demo_database, catalogue, 2)
    reviewer = make_visitor()
    reviewer.sign_in("cn-reviewer")
    reviewer.get("/review?measure=cn-trial-ai-industry")
    confirm = reviewer.submit(
        "/review/batch", {"ids": [str(i) for i in ids], "back": "measure=cn-trial-ai-industry"}
    )
    assert "签批前请核对申请" in confirm.text
    english = switch_language(reviewer)
    assert english.status_code == 200 and "Check the applications before you sign" in english.text
    assert all(f'name="ids" value="{i}"' in english.text for i in ids)
    signed = reviewer.submit(
        "/review/batch",
        {"step": "sign", "ids": [str(i) for i in ids], "back": "measure=cn-trial-ai-industry"},
    )
    assert 'id="batch-results"' in signed.text
    # Signing is not done twice: the switch leads to the queue the batch came from.
    assert _SWITCH_FORM.search(signed.text) is None
    chinese = switch_language(reviewer)
    assert chinese.status_code == 200 and '<html lang="zh-CN">' in chinese.text
    assert chinese.url.path == "/review" and chinese.url.query == b"measure=cn-trial-ai-industry"


def test_a_holiday_schedule_being_checked_is_shown_again_without_choosing_the_file(
    make_visitor: SiteFactory,
) -> None:
    admin = make_visitor(dt.date(2026, 12, 29))
    admin.sign_in("admin")
    admin.get("/admin/calendar")
    review = admin.submit(
        "/admin/calendar",
        {},
        files={"file": ("2027.yaml", YEAR_2027.read_bytes(), "application/yaml")},
    )
    assert review.status_code == 200 and 'action="/admin/calendar/load"' in review.text
    english = switch_language(admin)
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "Check the schedule for 2027" in english.text
    assert 'action="/admin/calendar/load"' in english.text


def test_a_wrong_password_is_never_echoed_and_the_switch_opens_the_sign_in_page(
    visitor: Visitor,
) -> None:
    visitor.get("/sign-in?next=/zones")
    wrong = visitor.submit(
        "/sign-in?next=/zones",
        {"username": "cn-reviewer", "password": "secret-typed", "next": "/zones"},
    )
    assert wrong.status_code == 400
    assert "secret-typed" not in wrong.text and _SWITCH_FORM.search(wrong.text) is None
    english = switch_language(visitor)
    assert english.status_code == 200 and english.url.path == "/sign-in"
    assert '<html lang="en">' in english.text


def test_the_switch_posts_on_only_to_this_site(visitor: Visitor) -> None:
    answer = visitor.client.post(
        "/language/en?next=//evil.example/", data={"a": "1"}, follow_redirects=False
    )
    assert answer.status_code == 307 and answer.headers["location"] == "/"
    assert "ftzlink_lang=en" in answer.headers["set-cookie"]
