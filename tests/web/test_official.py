"""The officials' pages without JavaScript: the review queue, an application's page and its
decisions, batch signing with per-item results, and budgets."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select

from ftzlink.applications import budgets, documents
from ftzlink.applications import service as applications
from ftzlink.applications.tables import Application, Budget
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Principal
from ftzlink.auth.tables import User
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.organisations.tables import Organisation
from ftzlink.web.official import parse_yuan
from tests.web.conftest import OPEN_DAY, Visitor

AI_COMPANY = "上海示例智能科技有限公司"
PDF = b"%PDF-1.4\n% a tiny test document\n"


# --- arranging data through the domain services (also used by the browser tests) ---------------


def principal(db: Database, username: str) -> Principal:
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return auth.principal_for(user)


def submit_ai_projects(
    db: Database,
    catalogue: Catalogue,
    count: int,
    *,
    amount: int = 100_000,
    today: dt.date = OPEN_DAY,
) -> list[int]:
    """`count` new AI-industry applications of the AI company, submitted `today`."""
    staff = principal(db, "cn-ai-staff")
    ids = []
    with db.write() as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.name == AI_COMPANY))
        assert org_id is not None
        for n in range(1, count + 1):
            app = applications.create_application(
                session,
                principal=staff,
                catalogue=catalogue,
                organisation_id=org_id,
                measure_id="cn-trial-ai-industry",
                project_name=f"智能算力调度项目{n:02d}",
                project_kind="ai_industry",
                requested_amount=amount,
                today=today,
            )
            applications.submit(
                session,
                principal=staff,
                catalogue=catalogue,
                application_id=app.id,
                today=today,
                lang="zh",
            )
            ids.append(app.id)
    return ids


def set_budget(db: Database, catalogue: Catalogue, measure_id: str, year: int, amount: int) -> None:
    with db.write() as session:
        budgets.set_budget(
            session,
            principal=principal(db, "cn-budget"),
            catalogue=catalogue,
            measure_id=measure_id,
            year=year,
            amount=amount,
        )


def application_id(db: Database, measure_id: str, status: str) -> int:
    with db.read() as session:
        found = session.scalar(
            select(Application.id).where(
                Application.measure_id == measure_id, Application.status == status
            )
        )
        assert found is not None
        return found


def status_of(db: Database, app_id: int) -> str:
    with db.read() as session:
        app = session.get(Application, app_id)
        assert app is not None
        return app.status


# The demo's annual support for the AI company: submitted 2025-09-01, 50,000,000 yuan requested.
YEARLY = "cn-trial-focus-entities"


# --- amounts -------------------------------------------------------------------------------------


def test_amounts_are_whole_yuan_with_commas_only_between_thousands() -> None:
    assert parse_yuan("1000000") == 1_000_000
    assert parse_yuan("1,000,000") == 1_000_000
    assert parse_yuan(" 0 ") == 0
    for wrong in ("", "1,00,000", "1.5", "-5", "1e6", "100万", "１００", "12,3456"):
        assert parse_yuan(wrong) is None, wrong


# --- the queue -----------------------------------------------------------------------------------


def test_the_queue_lists_only_the_reviewers_own_district(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/review")
    assert page.status_code == 200
    assert "<h1" in page.text and "待审申请" in page.text
    assert AI_COMPANY in page.text
    assert "上海示例财富管理有限公司" not in page.text  # Huangpu
    assert "上海示例数据服务有限公司" not in page.text  # Xuhui


def test_the_queue_filters_by_status_and_finds_an_application_by_reference(
    visitor: Visitor, demo_database: Database
) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/review?status=approved")
    assert page.text.count('class="tag tag--approved"') >= 2
    assert 'class="tag tag--submitted"' not in page.text
    app_id = application_id(demo_database, YEARLY, "submitted")
    with demo_database.read() as session:
        app = session.get(Application, app_id)
        assert app is not None
        reference = app.reference
    found = visitor.get(f"/review?q={reference.lower()}")
    assert "共找到1件申请" in found.text
    assert f'href="/review/{app_id}"' in found.text


def test_a_wrong_date_in_the_filters_is_shown_beside_the_field(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/review?submitted_from=2026-02-30")
    assert page.status_code == 400
    assert re.search(r"<title>错误：", page.text)
    assert 'href="#submitted_from"' in page.text
    assert 'value="2026-02-30"' in page.text


def test_an_htmx_filter_request_gets_only_the_results(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    part = visitor.get("/review?status=submitted", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.text
    assert 'action="/review/batch"' in part.text


def test_an_enterprise_user_cannot_open_the_review_pages(visitor: Visitor) -> None:
    visitor.sign_in("cn-ai-admin")
    assert visitor.get("/review").status_code == 403
    assert visitor.get("/budgets").status_code == 403


def test_another_districts_application_is_not_found(
    visitor: Visitor, demo_database: Database
) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    visitor.sign_in("xh-reviewer")
    page = visitor.get(f"/review/{app_id}")
    assert page.status_code == 404
    assert "页面未找到" in page.text


# --- one application -----------------------------------------------------------------------------


def test_the_application_page_shows_the_determination_limits_and_history(
    visitor: Visitor, demo_database: Database
) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    visitor.sign_in("cn-reviewer")
    page = visitor.get(f"/review/{app_id}")
    assert page.status_code == 200
    assert "系统判定结果" in page.text
    assert "出处：" in page.text  # each condition names its clause
    assert "限额与预算余额" in page.text
    assert "3亿元" in page.text  # the 2025 budget of the measure
    assert 'value="50,000,000"' in page.text  # the amount requested, to approve as it is
    assert 'action="/review/' in page.text and "/approve" in page.text


def test_approving_without_an_amount_or_with_a_wrong_one_says_so_beside_the_field(
    visitor: Visitor, demo_database: Database
) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    visitor.sign_in("cn-reviewer")
    visitor.get(f"/review/{app_id}")
    empty = visitor.submit(f"/review/{app_id}/approve", {"amount": ""})
    assert empty.status_code == 400
    assert 'href="#amount"' in empty.text and "请输入核定金额（元）" in empty.text
    wrong = visitor.submit(f"/review/{app_id}/approve", {"amount": "5千万"})
    assert wrong.status_code == 400
    assert 'value="5千万"' in wrong.text
    more = visitor.submit(f"/review/{app_id}/approve", {"amount": "60,000,000"})
    assert more.status_code == 400
    assert "核定金额不得超过申请金额5000万元" in more.text
    assert status_of(demo_database, app_id) == "submitted"


def test_an_amount_over_the_budget_left_is_refused_with_the_remaining_figure(
    visitor: Visitor, demo_database: Database, catalogue: Catalogue
) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    with demo_database.read() as session:
        granted = session.scalar(
            select(Budget.granted).where(Budget.measure_id == YEARLY, Budget.year == 2025)
        )
    set_budget(demo_database, catalogue, YEARLY, 2025, (granted or 0) + 10_000_000)
    visitor.sign_in("cn-reviewer")
    visitor.get(f"/review/{app_id}")
    page = visitor.submit(f"/review/{app_id}/approve", {"amount": "20,000,000"})
    assert page.status_code == 400
    assert "金额超出措施预算余额：剩余1000万元" in page.text
    assert status_of(demo_database, app_id) == "submitted"


def test_a_reviewer_approves_within_the_cap(visitor: Visitor, demo_database: Database) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    visitor.sign_in("cn-reviewer")
    visitor.get(f"/review/{app_id}")
    page = visitor.submit(f"/review/{app_id}/approve", {"amount": "40,000,000"})
    assert page.status_code == 200
    assert str(page.url).endswith(f"/review/{app_id}?done=approved")
    assert "申请已批准" in page.text
    assert status_of(demo_database, app_id) == "approved"
    assert "/approve" not in page.text  # decided: no more forms


def test_a_reviewer_returns_an_application_with_questions_one_per_line(
    visitor: Visitor, demo_database: Database
) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    visitor.sign_in("cn-reviewer")
    visitor.get(f"/review/{app_id}")
    empty = visitor.submit(f"/review/{app_id}/return", {"questions": "  \n "})
    assert empty.status_code == 400 and 'href="#questions"' in empty.text
    page = visitor.submit(
        f"/review/{app_id}/return",
        {"questions": "请补充2025年营业收入。\n请说明研发人员数量。"},
    )
    assert "申请已退回" in page.text
    assert "请说明研发人员数量。" in page.text  # in the history
    assert status_of(demo_database, app_id) == "returned"


def test_a_reviewer_rejects_an_application_with_reasons(
    visitor: Visitor, demo_database: Database
) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    visitor.sign_in("cn-reviewer")
    visitor.get(f"/review/{app_id}")
    empty = visitor.submit(f"/review/{app_id}/reject", {"reasons": ""})
    assert empty.status_code == 400 and 'href="#reasons"' in empty.text
    visitor.submit(f"/review/{app_id}/reject", {"reasons": "申报材料不完整。"})
    assert status_of(demo_database, app_id) == "rejected"


def test_a_budget_officer_sees_the_application_but_does_not_decide_it(
    visitor: Visitor, demo_database: Database
) -> None:
    app_id = application_id(demo_database, YEARLY, "submitted")
    visitor.sign_in("cn-budget")
    page = visitor.get(f"/review/{app_id}")
    assert page.status_code == 200
    assert "/approve" not in page.text
    assert "本申请须由企业所在区的审核人员作出决定。" in page.text


def test_a_document_downloads_as_an_attachment_with_its_type(
    visitor: Visitor, demo_database: Database, catalogue: Catalogue, tmp_path: Path
) -> None:
    settings = visitor.client.app.state.services.settings  # type: ignore[attr-defined]
    staff = principal(demo_database, "cn-ai-staff")
    with demo_database.write() as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.name == AI_COMPANY))
        assert org_id is not None
        app = applications.create_application(
            session,
            principal=staff,
            catalogue=catalogue,
            organisation_id=org_id,
            measure_id="cn-trial-ai-industry",
            project_name="智能客服平台",
            project_kind="ai_industry",
            requested_amount=500_000,
            today=OPEN_DAY,
        )
        doc = documents.add_document(
            session,
            principal=staff,
            catalogue=catalogue,
            application_id=app.id,
            filename="营业执照.pdf",
            content_type="application/pdf",
            data=PDF,
            root=settings.documents_dir,
            max_bytes=settings.max_upload_bytes,
            today=OPEN_DAY,
        )
        applications.submit(
            session,
            principal=staff,
            catalogue=catalogue,
            application_id=app.id,
            today=OPEN_DAY,
            lang="zh",
        )
        app_id, doc_id = app.id, doc.id
    visitor.sign_in("cn-reviewer")
    page = visitor.get(f"/review/{app_id}")
    assert f'href="/review/{app_id}/documents/{doc_id}"' in page.text
    download = visitor.get(f"/review/{app_id}/documents/{doc_id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    other = application_id(demo_database, YEARLY, "submitted")
    assert visitor.get(f"/review/{other}/documents/{doc_id}").status_code == 404
    visitor.sign_out()
    visitor.sign_in("xh-reviewer")
    assert visitor.get(f"/review/{app_id}/documents/{doc_id}").status_code == 404


# --- batch signing -------------------------------------------------------------------------------


def test_signing_nothing_asks_to_select_an_application(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    visitor.get("/review?status=submitted")
    page = visitor.submit("/review/batch", {"back": "status=submitted"})
    assert page.status_code == 400
    assert 'href="#ids"' in page.text and "请至少勾选一件需签批的申请" in page.text


def test_batch_signing_confirms_then_gives_each_applications_result(
    visitor: Visitor, demo_database: Database, catalogue: Catalogue
) -> None:
    ids = submit_ai_projects(demo_database, catalogue, 3)
    # Two of them fit in what is left of the budget; the third does not.
    with demo_database.read() as session:
        granted = session.scalar(
            select(Budget.granted).where(
                Budget.measure_id == "cn-trial-ai-industry", Budget.year == 2026
            )
        )
    set_budget(demo_database, catalogue, "cn-trial-ai-industry", 2026, (granted or 0) + 200_000)
    approved = application_id(demo_database, "cn-trial-ai-industry", "approved")
    visitor.sign_in("cn-reviewer")
    visitor.get("/review?measure=cn-trial-ai-industry")
    confirm = visitor.submit(
        "/review/batch", {"ids": [*map(str, ids), str(approved)], "back": "measure=x"}
    )
    assert confirm.status_code == 200
    assert "签批前请核对申请" in confirm.text
    assert confirm.text.count("按申请金额10万元批准") == 3
    assert "不予签批：已不在待审核状态" in confirm.text
    # The button counts what will be signed, not what was selected; the one already decided is
    # named as left as it is and is not sent again.
    assert "签批3件申请" in confirm.text and "签批4件申请" not in confirm.text
    assert "所选申请中有1件已不在待审核状态" in confirm.text
    sign_form = confirm.text.split('<form method="post" action="/review/batch"')[1]
    assert f'name="ids" value="{approved}"' not in sign_form.split("</form>")[0]
    assert all(status_of(demo_database, i) == "submitted" for i in ids)  # nothing signed yet
    results = visitor.submit(
        "/review/batch",
        {"step": "sign", "ids": [*map(str, ids), str(approved)], "back": "measure=x"},
    )
    assert results.status_code == 200
    outcomes = re.findall(r'data-outcome="(\w+)"', results.text)
    assert outcomes == ["approved", "approved", "over_budget", "wrong_state"]
    assert [status_of(demo_database, i) for i in ids] == ["approved", "approved", "submitted"]
    assert "剩余0元" in results.text


def test_signing_all_on_the_page_without_javascript_takes_every_row_shown(
    visitor: Visitor, demo_database: Database, catalogue: Catalogue
) -> None:
    ids = submit_ai_projects(demo_database, catalogue, 2)
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/review?measure=cn-trial-ai-industry&status=submitted")
    shown = re.findall(r'name="page_ids" value="(\d+)"', page.text)
    assert sorted(map(int, shown)) == sorted(ids)
    confirm = visitor.submit("/review/batch", {"all_on_page": "1", "page_ids": shown, "back": ""})
    assert confirm.text.count("按申请金额10万元批准") == 2


# --- budgets -------------------------------------------------------------------------------------


def test_a_budget_officer_sets_a_budget_and_sees_it_in_the_table(
    visitor: Visitor, demo_database: Database
) -> None:
    visitor.sign_in("cn-budget")
    page = visitor.get("/budgets")
    assert page.status_code == 200 and "各措施年度预算" in page.text
    saved = visitor.submit(
        "/budgets", {"measure": "cn-trial-green", "year": "2026", "amount": "12,000,000"}
    )
    assert saved.status_code == 200 and "预算已保存" in saved.text
    with demo_database.read() as session:
        budget = session.scalar(
            select(Budget).where(Budget.measure_id == "cn-trial-green", Budget.year == 2026)
        )
        assert budget is not None and budget.amount == 12_000_000


def test_a_budget_below_what_was_granted_is_refused_beside_the_amount(visitor: Visitor) -> None:
    visitor.sign_in("cn-budget")
    visitor.get("/budgets")
    page = visitor.submit(
        "/budgets", {"measure": "cn-trial-ai-industry", "year": "2026", "amount": "1"}
    )
    assert page.status_code == 400
    assert 'href="#amount"' in page.text and "预算额度不得低于已核拨金额" in page.text
    wrong = visitor.submit("/budgets", {"measure": "", "year": "26", "amount": "lots"})
    assert wrong.status_code == 400
    for field in ("measure", "year", "amount"):
        assert f'href="#{field}"' in wrong.text


def test_a_reviewer_reads_the_budgets_but_cannot_set_them(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/budgets")
    assert page.status_code == 200
    assert 'action="/budgets"' in page.text  # the year filter
    assert 'method="post" action="/budgets"' not in page.text
