"""A reviewer's decision reaches the enterprise: an unread message in the message centre and an
e-mail, in each recipient's language, through a real SMTP server on loopback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ftzlink.applications.tables import Application
from ftzlink.auth.tables import User
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.messages import service
from ftzlink.messages.tables import Message
from ftzlink.messages.worker import Worker
from ftzlink.settings import Settings
from tests.messages.smtp import SmtpServer
from tests.web.conftest import OPEN_DAY, Visitor
from tests.web.test_official import principal, submit_ai_projects


def _unread_in_header(page: str) -> int:
    import re

    found = re.search(r'id="unread-count">(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_a_returned_application_reaches_the_enterprise_in_each_users_language(
    visitor: Visitor,
    demo_database: Database,
    catalogue: Catalogue,
    smtp: SmtpServer,
    tmp_path: Path,
) -> None:
    db = demo_database
    with db.write() as session:
        service.set_language(session, principal=principal(db, "cn-ai-staff"), lang="en")
    (app_id,) = submit_ai_projects(db, catalogue, 1)
    with db.read() as session:
        reference = session.get(Application, app_id).reference  # type: ignore[union-attr]

    visitor.sign_in("cn-reviewer")
    visitor.get(f"/review/{app_id}")
    visitor.submit(f"/review/{app_id}/return", {"questions": "请补充2025年营业收入。"})
    visitor.sign_out()

    # In the message centre at once, in the same transaction as the return.
    visitor.sign_in("cn-ai-staff")
    page = visitor.get("/messages")
    subject_en = f"Application {reference} was returned to you"
    assert subject_en in page.text
    before = _unread_in_header(page.text)
    assert before >= 1

    settings = Settings(
        data_dir=tmp_path / "worker",
        database_url=db.url,
        smtp_url=smtp.url,  # type: ignore[arg-type]
        today=OPEN_DAY,
    )
    Worker(db=db, settings=settings).run_once()

    staff = [m for m in smtp.inbox.to("cn-ai-staff@ftzlink.example") if reference in m["Subject"]]
    assert [m["Subject"] for m in staff] == [subject_en]
    assert staff[0]["Content-Language"] == "en"
    body = staff[0].get_content()
    assert "请补充2025年营业收入。" in body and f"/applications/{app_id}" in body
    admin = [m for m in smtp.inbox.to("cn-ai-admin@ftzlink.example") if reference in m["Subject"]]
    assert [m["Subject"] for m in admin] == [f"申请 {reference} 已退回，请补正"]
    assert admin[0]["Content-Language"] == "zh-CN"

    # A second pass sends nothing again.
    sent = len(smtp.inbox.mails)
    Worker(db=db, settings=settings).run_once()
    assert len(smtp.inbox.mails) == sent

    with db.read() as session:
        staff_id = session.scalar(select(User.id).where(User.username == "cn-ai-staff"))
        message_id = session.scalar(
            select(Message.id).where(Message.user_id == staff_id, Message.subject == subject_en)
        )
    opened = visitor.get(f"/messages/{message_id}")
    assert "请补充2025年营业收入。" in opened.text
    assert _unread_in_header(opened.text) == before - 1
    api = visitor.get("/api/v1/messages").json()
    assert api["unread"] == before - 1
    assert next(m for m in api["items"] if m["id"] == message_id)["read_at"] is not None


def test_turning_a_kind_of_message_off_keeps_it_in_app_but_sends_no_email(
    visitor: Visitor,
    demo_database: Database,
    catalogue: Catalogue,
    smtp: SmtpServer,
    tmp_path: Path,
) -> None:
    db = demo_database
    visitor.sign_in("cn-ai-admin")
    visitor.get("/messages/preferences")
    kept = ["application_approved", "application_rejected", "offer"]
    wrong = visitor.submit(
        "/messages/preferences",
        {"email": kept, "language": "zh", "email_address": "not an address"},
    )
    assert wrong.status_code == 400 and 'href="#email_address"' in wrong.text
    saved = visitor.submit(
        "/messages/preferences",
        {"email": kept, "language": "zh", "email_address": "zhang.wei@mail.example"},
    )
    assert "消息设置已保存" in saved.text and "zhang.wei@mail.example" in saved.text
    (app_id,) = submit_ai_projects(db, catalogue, 1)
    with db.read() as session:
        reference = session.get(Application, app_id).reference  # type: ignore[union-attr]
    visitor.sign_out()
    visitor.sign_in("cn-reviewer")
    visitor.get(f"/review/{app_id}")
    visitor.submit(f"/review/{app_id}/return", {"questions": "请说明研发人员数量。"})
    settings = Settings(
        data_dir=tmp_path / "w",
        database_url=db.url,
        smtp_url=smtp.url,  # type: ignore[arg-type]
        today=OPEN_DAY,
    )
    Worker(db=db, settings=settings).run_once()
    # The new address gets the kinds still chosen (the demo's approvals), not the return.
    to_admin = smtp.inbox.to("zhang.wei@mail.example")
    assert to_admin and not smtp.inbox.to("cn-ai-admin@ftzlink.example")
    assert not [m for m in to_admin if reference in m["Subject"]]
    assert [m for m in smtp.inbox.to("cn-ai-staff@ftzlink.example") if reference in m["Subject"]]
    with db.read() as session:
        admin_id = session.scalar(select(User.id).where(User.username == "cn-ai-admin"))
        assert session.scalar(
            select(Message.id).where(
                Message.user_id == admin_id, Message.subject.contains(reference)
            )
        )
