"""The audit pages: the log filtered by who acted for whom, one entry in full, and the check of the
hash chain that names the first entry that was tampered with."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from ftzlink.db import Database
from tests.web.conftest import Visitor

CHANGNING_BRANCH = "上海示例连锁商业管理有限公司长宁虹桥分公司"


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr id=\"entry-\d+\">(.*?)</tr>", body, re.S)


def test_the_auditor_sees_who_acted_for_whom(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    page = visitor.get("/audit?actor=chain-hq-staff")
    assert page.status_code == 200
    found = rows(page.text)
    assert found, "the headquarters' staff acted in the demo"
    assert all("chain-hq-staff" in r for r in found)
    assert any(CHANGNING_BRANCH in r for r in found)
    assert "周杰 Zhou Jie" in page.text  # the actor's name beside the username


def test_a_platform_admin_reads_the_log_too(visitor: Visitor) -> None:
    visitor.sign_in("admin")
    assert visitor.get("/audit").status_code == 200


@pytest.mark.parametrize("username", ["cn-reviewer", "cn-ai-admin"])
def test_the_log_is_only_for_auditors_and_platform_admins(visitor: Visitor, username: str) -> None:
    visitor.sign_in(username)
    assert visitor.get("/audit").status_code == 403
    assert visitor.get("/audit/entries/1").status_code == 403


def test_entries_are_filtered_by_organisation_acted_for_and_action(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    page = visitor.get("/audit")
    branch = re.search(r'<option value="(\d+)">' + CHANGNING_BRANCH + "</option>", page.text)
    assert branch
    filtered = visitor.get(
        f"/audit?acted_for={branch.group(1)}&action=application.submit&actor=CHAIN-HQ-STAFF"
    )
    found = rows(filtered.text)
    assert len(found) == 1
    assert "提交申请" in found[0] and CHANGNING_BRANCH in found[0]


def test_entries_are_filtered_by_object(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    page = visitor.get("/audit?object_type=delegation&object_id=2")
    found = rows(page.text)
    assert len(found) == 1 and "授予委托" in found[0]


def test_entries_are_filtered_by_day(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    page = visitor.get("/audit?to=2000-01-01")
    assert rows(page.text) == [] and 'id="no-entries"' in page.text
    assert len(rows(visitor.get("/audit?from=2000-01-01&to=2099-12-31").text)) == 50


def test_a_wrong_day_is_an_error_beside_its_field(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    page = visitor.get("/audit?from=2026-01-02&to=2026-01-01")
    assert page.status_code == 400
    assert 'href="#to"' in page.text and "<title>错误：" in page.text
    page = visitor.get("/audit?from=yesterday")
    assert page.status_code == 400 and 'href="#from"' in page.text


def test_the_log_comes_in_pages_newest_first(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    first = visitor.get("/audit")
    seqs = [int(s) for s in re.findall(r'<tr id="entry-(\d+)">', first.text)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    pages, page = [seqs], first
    while 'rel="next"' in page.text:
        page = visitor.get(f"/audit?page={len(pages) + 1}")
        assert 'rel="prev"' in page.text
        more = [int(s) for s in re.findall(r'<tr id="entry-(\d+)">', page.text)]
        assert more and max(more) < min(pages[-1])
        pages.append(more)
    assert len(pages) > 1 and min(pages[-1]) == 1  # the last page ends with the first entry


def test_htmx_gets_only_the_results(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    part = visitor.get("/audit?actor=chain-hq-staff", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.text and "<tbody>" in part.text
    wrong = visitor.get("/audit?from=2026-01-02&to=2026-01-01", headers={"HX-Request": "true"})
    assert wrong.status_code == 200  # htmx swaps only successful answers
    assert 'href="#to"' in wrong.text


def test_an_entry_is_shown_in_full(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    page = visitor.get("/audit/entries/1")
    assert page.status_code == 200
    assert re.search(r"[0-9a-f]{64}", page.text)
    assert visitor.get("/audit/entries/999999").status_code == 404


def test_the_chain_check_reports_an_intact_log(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    visitor.get("/audit")
    answer = visitor.submit("/audit/verify", {})
    assert answer.status_code == 200
    assert "审计日志完整" in answer.text
    assert re.search(r"已核验全部\d+条记录", answer.text)


def test_the_chain_check_names_the_first_entry_tampered_with(
    visitor: Visitor, demo_database: Database
) -> None:
    with demo_database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET detail = 'changed' WHERE seq = 40"))
    visitor.sign_in("auditor")
    visitor.get("/audit")
    answer = visitor.submit("/audit/verify", {})
    assert answer.status_code == 200
    assert "审计日志已被篡改" in answer.text
    assert "第一条不相符的记录是第40条" in answer.text
    assert 'href="/audit/entries/40"' in answer.text


def test_the_chain_check_needs_the_forms_token(visitor: Visitor) -> None:
    visitor.sign_in("auditor")
    assert visitor.client.post("/audit/verify", data={}).status_code == 403


def test_the_chain_check_is_not_for_officials(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    visitor.get("/statistics")
    assert visitor.submit("/audit/verify", {}).status_code == 403
