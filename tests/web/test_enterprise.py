"""Enterprise pages: the dashboard, applying with save and resume, check answers, confirmation,
answering a return, withdrawing, and a headquarters acting for its branches."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from ftzlink.applications import service
from ftzlink.auth import service as auth
from ftzlink.auth.tables import User
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from tests.web.conftest import OPEN_DAY, SiteFactory, Visitor

FOCUS = "cn-trial-focus-entities"


def _app_id(url: object) -> int:
    found = re.search(r"/applications/(\d+)", str(url))
    assert found, url
    return int(found.group(1))


def test_the_dashboard_groups_the_organisations_applications_by_status(visitor: Visitor) -> None:
    visitor.sign_in("cn-ai-admin")
    page = visitor.get("/applications")
    assert page.status_code == 200
    assert "<h1" in page.text and "我的申请" in page.text
    assert "退回待答复" in page.text and "草稿" in page.text
    assert "多模态大模型核心算法攻关" in page.text


def test_an_organisation_without_applications_sees_where_to_start(visitor: Visitor) -> None:
    visitor.sign_in("yp-pay-admin")
    page = visitor.get("/applications")
    assert "还没有申请" in page.text
    assert 'href="/check"' in page.text


def _english(visitor: Visitor) -> None:
    visitor.get("/language/en?next=/")


def _limit(page_text: str, kind: str) -> int:
    found = re.search(rf'data-limit="{kind}">.*?data-remaining="(\d+)"', page_text, flags=re.DOTALL)
    assert found, f"no {kind} limit on the page"
    return int(found.group(1))


def test_applying_saves_a_draft_checks_answers_and_confirms_with_a_reference(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    visitor = make_visitor()
    visitor.sign_in("cn-ai-admin")
    _english(visitor)
    start = visitor.get(f"/applications/new?measure={FOCUS}")
    assert start.status_code == 200
    assert "What is left before you apply" in start.text
    before = _limit(start.text, "clause_allowance")
    assert before == 100_000_000
    # An amount that is not whole yuan is refused beside the field, the answer kept.
    wrong = visitor.submit(
        "/applications/new",
        {"measure": FOCUS, "organisation": _org_id(start.text), "requested_amount": "12.5万"},
    )
    assert wrong.status_code == 400
    assert 'href="#requested_amount"' in wrong.text and 'value="12.5万"' in wrong.text
    # Save and come back later: the draft is on the dashboard.
    later = visitor.submit(
        "/applications/new",
        {
            "measure": FOCUS,
            "organisation": _org_id(start.text),
            "requested_amount": "20,000,000",
            "action": "later",
        },
    )
    assert later.url.path == "/applications"
    draft = re.search(r'href="/applications/(\d+)/check"', later.text)
    assert draft
    app_id = int(draft.group(1))
    check = visitor.get(f"/applications/{app_id}/check")
    assert "Check your answers before submitting" in check.text
    assert "20,000,000 yuan" in check.text
    assert "Shanghai Example Intelligent Technology Co., Ltd." in check.text  # its English name
    done = visitor.submit(f"/applications/{app_id}/submit", {})
    assert done.url.path == f"/applications/{app_id}/confirmation"
    assert 'class="panel"' in done.text and "FTZ-2026-" in done.text
    assert "data-print" in done.text


def _org_id(text: str) -> str:
    found = re.search(r'name="organisation" value="(\d+)"', text)
    assert found
    return found.group(1)


def review(
    db: Database,
    catalogue: Catalogue,
    app_id: int,
    *,
    question: str | None = None,
    amount: int | None = None,
    today: dt.date = OPEN_DAY,
) -> None:
    """The official's part, through the domain service: return with a question, or approve."""
    with db.write() as session:
        user = session.scalars(select(User).where(User.username == "cn-reviewer")).one()
        reviewer = auth.principal_for(user)
        if question is not None:
            service.return_application(
                session,
                principal=reviewer,
                application_id=app_id,
                questions=[question],
                today=today,
            )
        else:
            service.approve(
                session,
                principal=reviewer,
                catalogue=catalogue,
                application_id=app_id,
                amount=amount,
                today=today,
            )


def test_a_returned_application_is_answered_and_the_approval_lowers_the_allowance_by_its_amount(
    make_visitor: SiteFactory, demo_database: Database, catalogue: Catalogue
) -> None:
    visitor = make_visitor()
    visitor.sign_in("cn-ai-admin")
    start = visitor.get(f"/applications/new?measure={FOCUS}")
    before = _limit(start.text, "clause_allowance")
    made = visitor.submit(
        "/applications/new",
        {"measure": FOCUS, "organisation": _org_id(start.text), "requested_amount": "30000000"},
    )
    app_id = _app_id(made.url)
    visitor.submit(f"/applications/{app_id}/submit", {})
    review(demo_database, catalogue, app_id, question="请说明资金用途。")
    dashboard = visitor.get("/applications")
    assert f'href="/applications/{app_id}/respond"' in dashboard.text
    status = visitor.get(f"/applications/{app_id}")
    assert "请说明资金用途。" in status.text
    visitor.get(f"/applications/{app_id}/respond")
    empty = visitor.submit(f"/applications/{app_id}/respond", {"response": ""})
    assert empty.status_code == 400 and 'href="#response"' in empty.text
    answered = visitor.submit(f"/applications/{app_id}/respond", {"response": "用于算力采购。"})
    assert answered.url.path == f"/applications/{app_id}"
    assert "已答复并重新提交" in answered.text and "用于算力采购。" in answered.text
    review(demo_database, catalogue, app_id, amount=25_000_000)
    after = visitor.get(f"/applications/new?measure={FOCUS}")
    assert _limit(after.text, "clause_allowance") == before - 25_000_000
    status = visitor.get(f"/applications/{app_id}")
    assert "2500万元" in status.text


def test_a_headquarters_is_offered_only_the_branches_that_delegated_the_measure(
    visitor: Visitor,
) -> None:
    visitor.sign_in("chain-hq-staff")
    ai = visitor.get("/applications/new?measure=cn-trial-ai-industry")
    assert "上海示例连锁商业管理有限公司闵行分公司" in ai.text  # every measure delegated
    assert "长宁虹桥分公司" not in ai.text  # delegated two other measures only
    trade = visitor.get("/applications/new?measure=cn-trial-modern-trade")
    assert "长宁虹桥分公司" in trade.text
    unchosen = visitor.get("/applications/new?measure=cn-trial-modern-trade&organisation=")
    assert unchosen.status_code == 400 and 'href="#organisation"' in unchosen.text


def test_a_headquarters_acting_for_a_branch_is_told_so_on_every_page(visitor: Visitor) -> None:
    visitor.sign_in("chain-hq-admin")
    chooser = visitor.get("/applications/new?measure=cn-trial-modern-trade")
    branch = re.search(r'value="(\d+)"[^>]*>\s*<label[^>]*>[^<]*长宁虹桥分公司', chooser.text)
    assert branch, chooser.text
    start = visitor.get(
        f"/applications/new?measure=cn-trial-modern-trade&organisation={branch.group(1)}"
    )
    banner = "您正在代表上海示例连锁商业管理有限公司长宁虹桥分公司办理"
    assert banner in start.text
    made = visitor.submit(
        "/applications/new",
        {
            "measure": "cn-trial-modern-trade",
            "organisation": branch.group(1),
            "project_name": "跨境电商直播基地",
            "project_kind": "modern_trade",
            "requested_amount": "3,000,000",
        },
    )
    app_id = _app_id(made.url)
    assert banner in made.text
    for path in ("check", "request", "withdraw", ""):
        page = visitor.get(f"/applications/{app_id}/{path}".rstrip("/"))
        assert page.status_code == 200, path
        assert banner in page.text, path
    done = visitor.submit(f"/applications/{app_id}/submit", {})
    assert done.url.path.endswith("/confirmation")
    assert banner in done.text


def test_withdrawing_asks_for_confirmation_first(visitor: Visitor) -> None:
    visitor.sign_in("cn-ai-admin")
    start = visitor.get(f"/applications/new?measure={FOCUS}")
    made = visitor.submit(
        "/applications/new",
        {"measure": FOCUS, "organisation": _org_id(start.text), "requested_amount": "1000000"},
    )
    app_id = _app_id(made.url)
    visitor.get(f"/applications/{app_id}/withdraw")
    unsure = visitor.submit(f"/applications/{app_id}/withdraw", {})
    assert unsure.status_code == 400 and 'href="#confirm"' in unsure.text
    kept = visitor.submit(f"/applications/{app_id}/withdraw", {"confirm": "no"})
    assert "草稿" in kept.text
    visitor.get(f"/applications/{app_id}/withdraw")
    gone = visitor.submit(f"/applications/{app_id}/withdraw", {"confirm": "yes"})
    assert gone.url.path == f"/applications/{app_id}"
    assert "tag--withdrawn" in gone.text


def test_another_organisations_application_is_not_found(visitor: Visitor) -> None:
    visitor.sign_in("cn-air-admin")
    theirs = visitor.get("/applications")
    found = re.search(r'href="/applications/(\d+)"', theirs.text)
    assert found
    visitor.sign_out()
    visitor.sign_in("cn-ai-admin")
    assert visitor.get(f"/applications/{found.group(1)}").status_code == 404
    assert visitor.get(f"/applications/{found.group(1)}/check").status_code == 404


def test_a_grant_needs_a_project_when_its_cap_counts_per_project(visitor: Visitor) -> None:
    visitor.sign_in("cn-ai-admin")
    start = visitor.get("/applications/new?measure=cn-trial-ai-industry")
    assert 'name="project_name"' in start.text
    page = visitor.submit(
        "/applications/new",
        {"measure": "cn-trial-ai-industry", "organisation": _org_id(start.text)},
    )
    assert page.status_code == 400
    for field in ("project_name", "requested_amount"):
        assert f'href="#{field}"' in page.text


TALENT_PEOPLE = "cn-trial-talent-people"


def test_the_questions_page_asks_what_the_engine_still_needs_and_keeps_a_wrong_answer(
    visitor: Visitor,
) -> None:
    # The air-services company's profile does not say how many certified talents it employs,
    # which the talent measure needs: the draft asks exactly that before the check page.
    visitor.sign_in("cn-air-admin")
    start = visitor.get(f"/applications/new?measure={TALENT_PEOPLE}")
    assert start.status_code == 200
    kind = re.search(r'name="project_kind"[^>]*value="([^"]+)"', start.text) or re.search(
        r'<option value="([^"]+)"', start.text
    )
    assert kind, "no project kind to choose"
    made = visitor.submit(
        "/applications/new",
        {
            "measure": TALENT_PEOPLE,
            "organisation": _org_id(start.text),
            "project_name": "Dr. Example",
            "project_kind": kind.group(1),
            "requested_amount": "1,000,000",
        },
    )
    assert made.status_code == 200, made.text
    assert re.search(r"/applications/\d+/questions$", str(made.url)), made.url
    app_id = _app_id(made.url)
    fields = re.findall(r'<input[^>]+name="(answer-[^"]+)"', made.text)
    assert fields == ["answer-talent-certified-talents"]
    wrong = visitor.submit(
        f"/applications/{app_id}/questions", {"answer-talent-certified-talents": "十二"}
    )
    assert wrong.status_code == 400
    assert wrong.text.count('href="#answer-talent-certified-talents"') == 1
    assert 'value="十二"' in wrong.text  # the answer is kept to correct
    assert "<title>错误：" in wrong.text
    answered = visitor.submit(
        f"/applications/{app_id}/questions", {"answer-talent-certified-talents": "12"}
    )
    assert answered.url.path == f"/applications/{app_id}/check"
    assert re.search(r"summary-list__value\">\s*12\s*<", answered.text), (
        "the answer is not on the check page"
    )
