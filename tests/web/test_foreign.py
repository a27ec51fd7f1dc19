"""The representative-office pages without JavaScript, in Chinese and English: an agent files an
establishment for a French parent (check answers, confirmation), the registrar returns it for the
bank letter, the agent answers, the registrar approves; the materials for a Vietnamese parent ask
for legalisation; another authority checks the demo's recognition record without an account."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from ftzlink.db import Database
from ftzlink.foreign.tables import ForeignFiling, RecognitionRecord
from tests.web.conftest import SiteFactory, Visitor

TODAY = dt.date(2026, 12, 7)
ANSWERS = {
    "parent_name": "蓝山仪器有限公司",
    "parent_nationality": "法国",
    "parent_jurisdiction": "FR",
    "parent_established_on": "2016-01-04",
    "parent_existence_until": "",
    "city": "上海",
    "name": "法国蓝山仪器有限公司上海代表处",
    "premises": "上海市徐汇区虹桥路1号",
    "scope": ["market_research", "liaison"],
    "term_until": "2029-12-31",
    "chief_name": "Anne Dubois",
    "chief_document": "FR22XY0001",
}
MATERIALS = [
    "application_form",
    "existence_proof",
    "articles",
    "appointment_letters",
    "identity_and_cv",
    "premises_proof",
    "signatory_authorisation",
]


@pytest.fixture
def site(
    demo_database: Database, make_visitor: SiteFactory, _demo_template: Path, tmp_path: Path
) -> SiteFactory:
    key = tmp_path / "data" / "ledger.key"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_demo_template.parent / "ledger.key", key)
    return make_visitor


def _signed_in(site: SiteFactory, username: str, lang: str) -> Visitor:
    visitor = site(TODAY)
    visitor.sign_in(username)
    if lang == "en":
        visitor.get("/language/en", params={"next": "/"})
    return visitor


def _h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_establishment_returned_for_the_bank_letter_answered_and_approved(
    site: SiteFactory, demo_database: Database, lang: str
) -> None:
    agent = _signed_in(site, "xh-data-admin", lang)
    page = agent.get("/foreign/new")
    assert page.status_code == 200
    assert _h1(page.text) == (
        "设立代表机构" if lang == "zh" else "Establish a representative office"
    )

    # A parent under two years old is refused on the form, citing the article.
    young = agent.submit("/foreign/new", ANSWERS | {"parent_established_on": "2025-12-08"})
    assert young.status_code == 400 and "Art. 23(2)" in young.text

    check = agent.submit("/foreign/new", ANSWERS)
    assert check.status_code == 200, check.text
    assert (
        "提交前请核对填写内容" if lang == "zh" else "Check your answers before filing"
    ) in check.text
    apostille = "附加证明书" if lang == "zh" else "apostilled"
    assert apostille in check.text
    done = agent.submit("/foreign/new/confirm", ANSWERS | {"materials": MATERIALS})
    assert done.status_code == 200
    reference = re.search(r'id="reference">([A-Z0-9]+)<', done.text)
    assert reference
    with demo_database.read() as s:
        filing = s.scalar(
            select(ForeignFiling).where(ForeignFiling.reference == reference.group(1))
        )
        assert filing is not None and filing.status == "submitted"
        filing_id = filing.id

    registrar = _signed_in(site, "registrar", lang)
    registrar.get(f"/foreign/filings/{filing_id}")
    refused = registrar.submit(f"/foreign/filings/{filing_id}/decide", {"action": "approve"})
    assert refused.status_code == 400
    returned = registrar.submit(
        f"/foreign/filings/{filing_id}/decide", {"action": "return", "missing": ["bank_letter"]}
    )
    assert 'id="returned"' in returned.text

    answer_page = agent.get(f"/foreign/filings/{filing_id}")
    assert ("缺少：" if lang == "zh" else "Missing: ") in answer_page.text
    agent.submit(f"/foreign/filings/{filing_id}/answer", {"materials": ["bank_letter"]})

    registrar.get(f"/foreign/filings/{filing_id}")
    approved = registrar.submit(f"/foreign/filings/{filing_id}/decide", {"action": "approve"})
    assert approved.status_code == 200
    assert 'id="certificate"' in approved.text and ANSWERS["name"] in approved.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_non_member_parent_is_asked_for_legalisation(site: SiteFactory, lang: str) -> None:
    visitor = site(TODAY)
    if lang == "en":
        visitor.get("/language/en", params={"next": "/"})
    vietnam = visitor.get("/foreign/materials", params={"place": "VN"})
    france = visitor.get("/foreign/materials", params={"place": "FR"})
    if lang == "zh":
        assert (
            "中国驻外使领馆认证" in vietnam.text
            and "附加证明书" not in vietnam.text.split('id="material-list"')[1].split("如该国")[0]
        )
        assert "办理附加证明书（Apostille）" in france.text
    else:
        assert "legalised by the Chinese embassy" in vietnam.text
        assert "Notarised and apostilled in the parent" in france.text
    hong_kong = visitor.get("/foreign/materials", params={"place": "HK"})
    assert ("中国香港" if lang == "zh" else "Hong Kong, China") in hong_kong.text
    assert visitor.get("/foreign/materials", params={"place": "france"}).status_code == 400


def test_another_authority_checks_the_demo_record_without_an_account(
    site: SiteFactory, demo_database: Database
) -> None:
    with demo_database.read() as s:
        reference = s.scalars(select(RecognitionRecord.reference)).one()
    visitor = site(TODAY)
    ok = visitor.get(
        "/foreign/records/verify", params={"reference": reference, "authority": "zhejiang_amr"}
    )
    assert ok.status_code == 200 and "该记录可以采信" in ok.text
    outside = visitor.get(
        "/foreign/records/verify", params={"reference": reference, "authority": "other"}
    )
    assert 'data-reason="outside_scheme"' in outside.text
    expired = site(dt.date(2027, 9, 2)).get(
        "/foreign/records/verify", params={"reference": reference, "authority": "zhejiang_amr"}
    )
    assert 'data-reason="expired"' in expired.text
