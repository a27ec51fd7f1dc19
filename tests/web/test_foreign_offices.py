"""A registered office's own filings as pages, without JavaScript: the demo's Xuhui agent files a
change, a filing of record (备案), the annual report, an extension and the deregistration for
the demo's French and Vietnamese offices (form, check answers, confirmation); each form also
refuses what the regulation refuses, beside the field, citing the article. The office page
offers only what can be filed that day and says why not the rest."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from ftzlink.db import Database
from ftzlink.foreign.tables import ForeignFiling, Office
from tests.web.conftest import SiteFactory, Visitor

TODAY = dt.date(2026, 12, 7)
FRENCH = "法国蓝河贸易有限公司上海代表处"  # term until 2028-04-06; reported on 2025
VIETNAMESE = "越南莲花咖啡股份公司上海代表处"  # term until 2027-06-15; never reported


@pytest.fixture
def site(make_visitor: SiteFactory, _demo_template: Path, tmp_path: Path) -> SiteFactory:
    key = tmp_path / "data" / "ledger.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_demo_template.parent / "ledger.key", key)
    return make_visitor


def _agent(site: SiteFactory, lang: str = "zh", today: dt.date = TODAY) -> Visitor:
    agent = site(today)
    agent.sign_in("xh-data-admin")
    if lang == "en":
        agent.get("/language/en", params={"next": "/"})
    return agent


def _office(db: Database, name: str) -> int:
    with db.read() as s:
        return int(s.scalars(select(Office.id).where(Office.name == name)).one())


def _error(html: str, field: str) -> str:
    """The message shown beside a field (empty when there is none)."""
    found = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    if not found:
        return ""
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", found.group(1))
    return unescape(re.sub(r"<[^>]+>", "", shown)).strip()


def _file(
    agent: Visitor, office_id: int, kind: str, answers: dict[str, object], materials: list[str]
) -> str:
    """Form → check answers → confirmation; the confirmation page's text."""
    url = f"/foreign/offices/{office_id}/filings/{kind}"
    form = agent.get(url)
    assert form.status_code == 200 and f'action="{url}"' in form.text, form.text
    check = agent.submit(url, answers)
    assert check.status_code == 200, _summary(check.text)
    assert 'id="answers"' in check.text
    done = agent.submit(f"{url}/confirm", answers | {"materials": materials})
    assert done.status_code == 200 and 'id="reference"' in done.text, _summary(done.text)
    return done.text


def _summary(html: str) -> str:
    found = re.search(r'class="error-summary__list">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else html[:2000]


def _filings(db: Database, office_id: int, kind: str) -> list[ForeignFiling]:
    with db.read() as s:
        return list(
            s.scalars(
                select(ForeignFiling).where(
                    ForeignFiling.office_id == office_id, ForeignFiling.kind == kind
                )
            )
        )


def test_the_office_page_offers_what_can_be_filed_today_and_says_why_not_the_rest(
    site: SiteFactory, demo_database: Database
) -> None:
    french = _office(demo_database, FRENCH)
    agent = _agent(site)
    page = agent.get(f"/foreign/offices/{french}").text
    for kind in ("change", "filing", "deregistration"):
        assert f'href="/foreign/offices/{french}/filings/{kind}"' in page
    # Reported on 2025 already, and the term ends in 2028: neither is offered, both explained.
    assert f'href="/foreign/offices/{french}/filings/annual_report"' not in page
    assert f'href="/foreign/offices/{french}/filings/extension"' not in page
    assert "2027年3月1日至2027年6月30日" in page  # the next report's window
    assert "可于2028年2月6日至驻在期限届满日2028年4月6日期间申请" in page  # the extension's window
    vietnamese = _office(demo_database, VIETNAMESE)
    assert (
        f'href="/foreign/offices/{vietnamese}/filings/annual_report"'
        in agent.get(f"/foreign/offices/{vietnamese}").text
    )
    # Opened directly, the closed form explains itself instead of offering a form.
    closed = agent.get(f"/foreign/offices/{french}/filings/extension")
    assert (
        'id="closed"' in closed.text
        and '<form method="post" action="/foreign/offices' not in closed.text
    )

    registrar = site(TODAY)
    registrar.sign_in("registrar")
    assert 'id="actions"' not in registrar.get(f"/foreign/offices/{french}").text
    assert registrar.get(f"/foreign/offices/{french}/filings/nothing").status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_change_is_filed_and_a_late_one_is_refused_citing_art_27(
    site: SiteFactory, demo_database: Database, lang: str
) -> None:
    french = _office(demo_database, FRENCH)
    agent = _agent(site, lang)
    url = f"/foreign/offices/{french}/filings/change"
    form = agent.get(url).text
    assert 'value="上海市徐汇区漕溪北路88号"' in form  # the registered premises, to edit
    answers = {
        "premises": "上海市徐汇区虹桥路1号",
        "scope": ["market_research", "liaison"],
        "chief_name": "Claire Martin 马婷",
        "chief_document": "FR18AB2231",
        "event_on": "2026-09-01",
    }
    late = agent.submit(url, answers)
    assert late.status_code == 400
    message = _error(late.text, "event_on")
    assert "Reg-2024 Art. 27" in message
    assert ("2026年10月31日" if lang == "zh" else "31 October 2026") in message
    unchanged = agent.submit(
        url, answers | {"premises": "上海市徐汇区漕溪北路88号", "event_on": "2026-11-20"}
    )
    assert _error(unchanged.text, "premises") == (
        "请至少变更一项登记事项" if lang == "zh" else "Change at least one registered item"
    )

    text = _file(
        agent, french, "change", answers | {"event_on": "2026-11-20"},
        ["change_application", "premises_proof"],
    )  # fmt: skip
    assert ("变更登记申请已提交" if lang == "zh" else "Change filed") in text
    [filing] = _filings(demo_database, french, "change")
    assert filing.particulars == {"premises": "上海市徐汇区虹桥路1号"}
    assert filing.event_on == dt.date(2026, 11, 20) and filing.status == "submitted"
    shown = agent.get(f"/foreign/filings/{filing.id}").text
    assert "上海市徐汇区虹桥路1号" in shown


def test_a_filing_of_record_is_filed_and_a_fifth_person_is_refused_citing_art_11(
    site: SiteFactory, demo_database: Database
) -> None:
    french = _office(demo_database, FRENCH)
    agent = _agent(site)
    url = f"/foreign/offices/{french}/filings/filing"
    assert 'value="Luc Bernard 白路"' in agent.get(url).text
    four = {
        f"rep_{i}_{part}": f"Person {i}" if part == "name" else f"FR0000{i}"
        for i in (1, 2, 3, 4)
        for part in ("name", "document")
    }
    refused = agent.submit(url, four | {"event_on": "2026-12-01"})
    assert refused.status_code == 400
    assert "Reg-2024 Art. 11" in _error(refused.text, "rep_1_name")

    two = {
        "rep_1_name": "Luc Bernard 白路",
        "rep_1_document": "FR19CD8812",
        "rep_2_name": "Marie Petit",
        "rep_2_document": "FR5550001",
        "event_on": "2026-12-01",
    }
    text = _file(agent, french, "filing", two, ["filing_form", "signatory_authorisation"])
    assert "备案已提交" in text
    [filing] = _filings(demo_database, french, "filing")
    assert [p["name"] for p in filing.particulars["representatives"]] == [
        "Luc Bernard 白路",
        "Marie Petit",
    ]


def test_an_annual_report_is_filed_and_a_second_one_on_the_year_is_refused_citing_art_6(
    site: SiteFactory, demo_database: Database
) -> None:
    vietnamese = _office(demo_database, VIETNAMESE)
    agent = _agent(site)
    url = f"/foreign/offices/{vietnamese}/filings/annual_report"
    assert 'name="report_year" type="radio" value="2025" checked' in agent.get(url).text
    text = _file(agent, vietnamese, "annual_report", {"report_year": "2025"},
                       ["audited_accounts"])  # fmt: skip
    assert "年度报告已提交" in text
    assert [f.report_year for f in _filings(demo_database, vietnamese, "annual_report")] == [2025]

    # The same form sent again (a second tab): refused, beside the year, citing Art. 6.
    agent.get(f"/foreign/offices/{vietnamese}")
    again = agent.submit(url, {"report_year": "2025"})
    assert again.status_code == 400
    assert _error(again.text, "report_year") == "该代表机构已报送2025年度报告。 (Reg-2024 Art. 6)"
    assert len(_filings(demo_database, vietnamese, "annual_report")) == 1


def test_an_extension_is_applied_for_in_its_window_and_a_term_beyond_the_parent_is_refused(
    site: SiteFactory, demo_database: Database
) -> None:
    vietnamese = _office(demo_database, VIETNAMESE)  # the parent exists until 2049-02-10
    in_window = dt.date(2027, 5, 3)  # the term ends on 2027-06-15
    agent = _agent(site, today=in_window)
    assert (
        f'href="/foreign/offices/{vietnamese}/filings/extension"'
        in agent.get(f"/foreign/offices/{vietnamese}").text
    )
    url = f"/foreign/offices/{vietnamese}/filings/extension"
    agent.get(url)
    beyond = agent.submit(url, {"term_until": "2050-06-15"})
    assert beyond.status_code == 400
    assert "Reg-2024 Art. 16" in _error(beyond.text, "term_until")
    earlier = agent.submit(url, {"term_until": "2027-01-01"})
    assert _error(earlier.text, "term_until") == "请填写晚于现有驻在期限届满日的日期"

    text = _file(agent, vietnamese, "extension", {"term_until": "2030-06-15"},
                       ["change_application", "existence_proof", "bank_letter"])  # fmt: skip
    assert "延期申请已提交" in text
    [filing] = _filings(demo_database, vietnamese, "extension")
    assert filing.particulars == {"term_until": "2030-06-15"}


def test_a_deregistration_is_applied_for_and_a_late_one_is_refused_citing_art_32(
    site: SiteFactory, demo_database: Database
) -> None:
    french = _office(demo_database, FRENCH)
    agent = _agent(site, "en")
    url = f"/foreign/offices/{french}/filings/deregistration"
    agent.get(url)
    late = agent.submit(url, {"event_on": "2026-09-01"})
    assert late.status_code == 400
    assert _error(late.text, "event_on") == (
        "Too late: the last day to file it was 31 October 2026. (Reg-2024 Art. 32)"
    )
    typo = agent.submit(url, {"event_on": "2026-11-31"})
    assert _error(typo.text, "event_on") == "Enter a date like 2026-03-02"

    text = _file(agent, french, "deregistration", {"event_on": "2026-11-30"},
                       ["deregistration_application", "tax_clearance", "customs_clearance",
                        "certificates_returned"])  # fmt: skip
    assert "Deregistration applied for" in text
    [filing] = _filings(demo_database, french, "deregistration")
    assert filing.event_on == dt.date(2026, 11, 30)
    assert filing.decision_due == dt.date(2026, 12, 17)  # 10 days (Art. 34)
