"""Organisations and projects have an English name where one is given: English pages show it,
Chinese pages show the Chinese name (which is authoritative), and where no English name is given
English pages show the Chinese one."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ftzlink.applications.tables import Application
from ftzlink.db import Database
from ftzlink.errors import InvalidInput
from ftzlink.organisations.service import english_name
from ftzlink.organisations.tables import Organisation
from tests.web.conftest import SiteFactory

AI_ZH, AI_EN = "上海示例智能科技有限公司", "Shanghai Example Intelligent Technology Co., Ltd."
PLATFORM_ZH, PLATFORM_EN = "城市大模型训练平台", "City-scale large-model training platform"


def test_the_demo_gives_every_organisation_and_project_an_english_name(
    demo_database: Database,
) -> None:
    with demo_database.read() as session:
        orgs = session.scalars(select(Organisation)).all()
        assert orgs and all(o.name_en and o.name_en != o.name for o in orgs)
        projects = session.scalars(
            select(Application).where(Application.project_name.is_not(None))
        ).all()
        assert projects and all(a.project_name_en for a in projects)


def test_the_reviewer_reads_the_names_in_the_pages_language(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    reviewer = make_visitor()
    reviewer.sign_in("cn-reviewer")
    chinese = reviewer.get("/review", params={"q": PLATFORM_ZH, "status": "approved"}).text
    assert AI_ZH in chinese and PLATFORM_ZH in chinese and AI_EN not in chinese
    reviewer.get("/language/en", params={"next": "/"})
    # An English reader finds it by its English name too.
    english = reviewer.get(
        "/review", params={"q": "large-model training", "status": "approved"}
    ).text
    assert AI_EN in english and PLATFORM_EN in english
    assert AI_ZH not in english and PLATFORM_ZH not in english
    with demo_database.read() as session:
        app_id = session.scalar(
            select(Application.id).where(Application.project_name == PLATFORM_ZH)
        )
    page = reviewer.get(f"/review/{app_id}").text
    assert AI_EN in page and PLATFORM_EN in page and AI_ZH not in page


def test_without_an_english_name_english_pages_show_the_chinese_one(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    with demo_database.write() as session:
        org = session.scalar(select(Organisation).where(Organisation.name == AI_ZH))
        assert org is not None
        org.name_en = None
    member = make_visitor()
    member.sign_in("cn-ai-admin")
    member.get("/language/en", params={"next": "/"})
    page = member.get("/workspace").text
    assert '<html lang="en">' in page and AI_ZH in page


def test_the_applicant_gives_the_project_an_english_name_and_english_pages_show_it(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    member = make_visitor()
    member.sign_in("cn-ai-admin")
    start = member.get("/applications/new?measure=cn-trial-ai-industry")
    assert 'name="project_name_en"' in start.text and "项目英文名称" in start.text
    organisation = re.search(r'name="organisation" value="(\d+)"', start.text)
    kind = re.search(r'name="project_kind"[^>]*value="([^"]+)"', start.text)
    assert organisation and kind
    made = member.submit(
        "/applications/new",
        {
            "measure": "cn-trial-ai-industry",
            "organisation": organisation.group(1),
            "project_name": "城市交通大模型",
            "project_name_en": "  A large model for city traffic  ",
            "project_kind": kind.group(1),
            "requested_amount": "100,000",
            "action": "later",
        },
    )
    assert made.status_code == 200
    with demo_database.read() as session:
        app = session.scalar(
            select(Application).where(Application.project_name == "城市交通大模型")
        )
        assert app is not None and app.project_name_en == "A large model for city traffic"
    member.get("/language/en", params={"next": "/"})
    assert "A large model for city traffic" in member.get("/applications").text


def test_an_english_name_is_optional_and_kept_within_its_length() -> None:
    assert english_name("  ") is None and english_name(None) is None
    assert english_name(" Example Co. ") == "Example Co."
    with pytest.raises(InvalidInput) as refused:
        english_name("x" * 201, field="project_name_en")
    assert refused.value.problems[0].field == "project_name_en"
