"""Every table cell names its column for a phone's stacked rows; every scrolling table wrapper is
a named, focusable region."""

from __future__ import annotations

from ftzlink.web.tables import responsive_tables
from tests.web.conftest import Visitor

PAGE = """<div class="table-wrap"><table class="table"><caption>申请 <span class="visually-hidden">（表）</span></caption>
<thead><tr><th scope="col">企业<span class="visually-hidden">名称</span></th><th colspan="2">金额</th><th></th></tr></thead>
<tbody><tr><th scope="row">甲公司</th><td>1</td><td>2</td><td><input type="checkbox"></td></tr></tbody>
</table></div>"""


def test_cells_get_their_columns_name_and_the_wrapper_is_a_focusable_region() -> None:
    out = responsive_tables(PAGE, lambda m: m)
    assert '<th scope="row" data-label="企业">甲公司</th>' in out
    assert '<td data-label="金额">1</td>' in out
    assert '<td data-label="金额">2</td>' in out  # a header over two columns names both
    assert "<td><input" in out  # a column without a name gets no label
    assert 'tabindex="0" role="region" aria-label="申请 （表）"' in out


def test_a_table_without_caption_is_named_table_in_the_readers_language() -> None:
    page = '<div class="table-wrap"><table class="table"><tr><td>x</td></tr></table></div>'
    assert 'aria-label="表格"' in responsive_tables(page, {"Table": "表格"}.__getitem__)


def test_the_pilot_registry_tables_are_labelled(visitor: Visitor) -> None:
    page = visitor.get("/pilots")
    assert 'role="region"' in page.text and "data-label=" in page.text
    assert page.text.count('class="table-wrap') == page.text.count('role="region"')
