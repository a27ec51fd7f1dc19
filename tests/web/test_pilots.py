"""The pilot-case registry's pages without JavaScript: anyone reads the cases by stage with their
figures, days and sources; platform administrators move a case on and add figures through forms
that keep the answers and say what is wrong; no one else gets the forms or may post them."""

from __future__ import annotations

import re

import pytest

from ftzlink.audit.log import Actor
from ftzlink.db import Database
from ftzlink.pilots import service as pilots
from tests.web.conftest import SiteFactory, Visitor


@pytest.fixture
def site(demo_database: Database, make_visitor: SiteFactory) -> SiteFactory:
    with demo_database.write() as session:
        pilots.seed_pilot_cases(session, Actor(None, "tests"))
    return make_visitor


def case_id(visitor: Visitor, slug_title: str) -> int:
    page = visitor.get("/pilots").text
    found = re.search(r'href="/pilots/(\d+)">' + re.escape(slug_title), page)
    assert found, slug_title
    return int(found.group(1))


def h1(html: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)


def test_anyone_sees_the_cases_by_stage_with_figures_days_and_sources(site: SiteFactory) -> None:
    visitor = site()
    page = visitor.get("/pilots")
    assert page.status_code == 200
    assert h1(page.text) == ["试点案例"]
    text = page.text
    stages = ("regulatory_solidification", "case_pilot", "not_stated")
    order = [text.index(f'id="stage-{s}"') for s in stages]
    assert order == sorted(order)
    assert "无驾驶人智能网联汽车道路测试" in text
    assert "15辆" in text and "4家企业" in text
    # Sources by their title and date, never by the seed's file name and line.
    assert "004_48c7c1d6b6161e85.txt" not in text and "第31行" not in text
    assert "日期未说明" in text
    assert '<a href="/pilots" aria-current="page">' in text

    only = visitor.get("/pilots", params={"stage": "case_pilot"}).text
    assert "集成电路设备融资租赁SPV业务" in only and "无驾驶人" not in only

    visitor.get("/language/en", params={"next": "/pilots"})
    english = visitor.get("/pilots").text
    assert h1(english) == ["Pilot cases"]
    assert "15 vehicles" in english and "4 enterprises" in english
    assert "about 50%" in english
    assert "estimated 1,000,000,000–2,000,000,000 US dollars" in english
    assert "released 15 April 2024" in english


def test_a_case_page_shows_its_timeline_and_what_the_source_says(site: SiteFactory) -> None:
    visitor = site()
    visitor.get("/language/en", params={"next": "/pilots"})
    spv = visitor.get(f"/pilots/{case_id(visitor, 'SPV financial leasing')}").text
    assert h1(spv) == ["SPV financial leasing of integrated-circuit equipment"]
    assert "Case pilot" in spv and "day not stated" in spv
    assert "conducts risk assessments in the case pilot process" in spv
    assert "Record the next stage" not in spv and "csrf_token" not in spv.split("</header>")[1]
    direct = visitor.get(f"/pilots/{case_id(visitor, 'The &#34;direct release&#34; model')}").text
    assert "No stage has been recorded" in direct
    assert "ports in Nangang" in direct
    assert visitor.get("/pilots/999999").status_code == 404


def test_an_administrator_moves_a_case_on_and_adds_a_figure(site: SiteFactory) -> None:
    admin = site()
    admin.sign_in("admin")
    admin.get("/language/en", params={"next": "/pilots"})
    number = case_id(admin, "SPV financial leasing")
    url = f"/pilots/{number}"
    page = admin.get(url)
    assert "Record the next stage" in page.text

    wrong = admin.submit(f"{url}/advance", {"to": "", "on": "20 May", "note": ""})
    assert wrong.status_code == 400
    assert "<title>Error: " in wrong.text
    assert (
        'href="#to"' in wrong.text and 'href="#on"' in wrong.text and 'href="#note"' in wrong.text
    )

    future = admin.submit(
        f"{url}/advance", {"to": "innovative_supervision", "on": "2030-01-01", "note": "x"}
    )
    assert future.status_code == 400 and "nor after today" in future.text
    assert 'value="2030-01-01"' in future.text  # the answers are kept

    done = admin.submit(
        f"{url}/advance",
        {"to": "innovative_supervision", "on": "2026-05-20", "note": "Sandbox rules issued."},
    )
    assert done.status_code == 200
    assert "Sandbox rules issued." in done.text and "20 May 2026" in done.text

    bad = admin.submit(
        f"{url}/figures",
        {"label_zh": "", "label_en": "Contracts", "value": "many", "unit": "count", "source": ""},
    )
    assert bad.status_code == 400
    for field in ("label_zh", "value", "source"):
        assert f'href="#{field}"' in bad.text
    added = admin.submit(
        f"{url}/figures",
        {
            "label_zh": "签约合同",
            "label_en": "Contracts signed",
            "value": "3",
            "unit": "count",
            "qualifier": "exact",
            "as_of": "2026-05-20",
            "source": "A press release",
        },
    )
    assert added.status_code == 200
    assert "Contracts signed" in added.text and "A press release" in added.text


def test_no_one_else_gets_the_forms_or_may_post_them(site: SiteFactory) -> None:
    auditor = site()
    auditor.sign_in("auditor")
    number = case_id(auditor, "集成电路设备融资租赁SPV业务")
    page = auditor.get(f"/pilots/{number}")
    assert "记录下一阶段" not in page.text
    refused = auditor.submit(
        f"/pilots/{number}/advance",
        {"to": "innovative_supervision", "on": "2026-05-20", "note": "x"},
    )
    assert refused.status_code == 403
    stranger = site()
    stranger.get("/pilots")
    answer = stranger.client.post(
        f"/pilots/{number}/advance", data={"to": "innovative_supervision"}, follow_redirects=False
    )
    assert answer.status_code in (303, 401)


def test_an_administrator_records_a_new_case_from_the_registry(site: SiteFactory) -> None:
    admin = site()
    admin.sign_in("admin")
    assert 'href="/pilots/new"' in admin.get("/pilots").text
    form = admin.get("/pilots/new")
    assert form.status_code == 200 and h1(form.text) == ["登记新的试点案例"]
    wrong = admin.submit(
        "/pilots/new",
        {"slug": "Data Sandbox", "zone": "", "title_zh": "数据沙盒", "stage_on": "2026-13-01"},
    )
    assert wrong.status_code == 400
    assert "<title>错误：" in wrong.text
    for field in ("slug", "zone", "title_en", "summary_zh", "summary_en", "stage_on"):
        assert f'href="#{field}"' in wrong.text, field
    assert 'value="数据沙盒"' in wrong.text  # the answers are kept
    answers = {
        "slug": "lingang-data-sandbox",
        "zone": "lingang",
        "title_zh": "数据跨境沙盒",
        "title_en": "Cross-border data sandbox",
        "summary_zh": "在临港新片区试行数据跨境流动沙盒监管。",
        "summary_en": "A sandbox for cross-border data flows in Lingang.",
        "stage": "case_pilot",
        "stage_on": "2026-03-02",
        "note": "First enterprise admitted.",
    }
    made = admin.submit("/pilots/new", answers)
    assert made.status_code == 200 and made.url.path.startswith("/pilots/")
    assert h1(made.text) == ["数据跨境沙盒"]
    assert "2026年3月2日" in made.text and "First enterprise admitted." in made.text
    admin.get("/pilots/new")
    again = admin.submit("/pilots/new", answers)
    assert again.status_code == 400
    assert 'href="#slug"' in again.text and "已有使用该简称的案例" in again.text


def test_only_editors_get_the_new_case_form(site: SiteFactory) -> None:
    auditor = site()
    auditor.sign_in("auditor")
    assert 'href="/pilots/new"' not in auditor.get("/pilots").text
    assert auditor.get("/pilots/new").status_code == 403
    stranger = site()
    answer = stranger.get("/pilots/new", follow_redirects=False)
    assert answer.status_code in (303, 401)
