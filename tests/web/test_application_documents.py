"""Documents of grant applications: the enterprise uploads them under the measure's document slots
on a draft or a returned application; the reviewer sees them with sizes in KB/MB; nobody else
finds them."""

from __future__ import annotations

import re

import httpx

from ftzlink.db import Database
from tests.web.conftest import SiteFactory, Visitor

FOCUS = "cn-trial-focus-entities"
PDF = (b"%PDF-1.4\n% a business plan\n" + b"0" * 3000)[:3000]  # 2.9 KB


def _draft(visitor: Visitor) -> int:
    start = visitor.get(f"/applications/new?measure={FOCUS}")
    org = re.search(r'name="organisation" value="(\d+)"', start.text)
    assert org
    made = visitor.submit(
        "/applications/new",
        {"measure": FOCUS, "organisation": org.group(1), "requested_amount": "1000000"},
    )
    found = re.search(r"/applications/(\d+)", str(made.url))
    assert found, made.url
    return int(found.group(1))


def _upload(
    visitor: Visitor,
    app_id: int,
    data: bytes = PDF,
    *,
    name: str = "经营计划.pdf",
    content_type: str = "application/pdf",
    requirement: str = "supporting",
) -> httpx.Response:
    visitor.get(f"/applications/{app_id}/documents")
    visitor.last = visitor.client.post(
        f"/applications/{app_id}/documents",
        data={"requirement": requirement, "csrf_token": visitor.token()},
        files={"file": (name, data, content_type)},
    )
    return visitor.last


def _document_id(text: str, app_id: int, prefix: str = "/applications") -> int:
    found = re.search(rf'href="{prefix}/{app_id}/documents/(\d+)"', text)
    assert found, "no document link on the page"
    return int(found.group(1))


def test_the_enterprise_uploads_a_supporting_document_and_the_reviewer_downloads_it(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    visitor = make_visitor()
    visitor.sign_in("cn-ai-admin")
    app_id = _draft(visitor)
    page = visitor.get(f"/applications/{app_id}/documents")
    assert page.status_code == 200
    assert "证明材料" in page.text and "未上传（可选）" in page.text
    uploaded = _upload(visitor, app_id)
    assert uploaded.status_code == 200 and uploaded.url.path == f"/applications/{app_id}/documents"
    assert "材料已上传。" in uploaded.text and "经营计划.pdf" in uploaded.text
    assert "2.9 KB" in uploaded.text and "未上传（可选）" not in uploaded.text
    # A larger file is shown in MB.
    _upload(visitor, app_id, b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024 // 2), name="年报.pdf")
    assert "1.5 MB" in visitor.last.text  # type: ignore[union-attr]
    # The check page lists them; the sources require no document, so nothing blocks submission.
    check = visitor.get(f"/applications/{app_id}/check")
    assert "经营计划.pdf" in check.text and "仍缺少" not in check.text
    own = visitor.get(f"/applications/{app_id}/documents/{_document_id(check.text, app_id)}")
    assert own.status_code == 200 and own.content == PDF
    visitor.get(f"/applications/{app_id}/check")
    submitted = visitor.submit(f"/applications/{app_id}/submit", {})
    assert submitted.url.path == f"/applications/{app_id}/confirmation"
    # Submitted, the application takes no more documents: the page says so and has no form.
    closed = visitor.get(f"/applications/{app_id}/documents")
    assert 'enctype="multipart/form-data"' not in closed.text
    assert "申请为草稿或被退回补正时可以上传材料。" in closed.text

    reviewer = make_visitor()
    reviewer.sign_in("cn-reviewer")
    review = reviewer.get(f"/review/{app_id}")
    assert review.status_code == 200
    assert "未上传材料" not in review.text
    assert "证明材料" in review.text and "经营计划.pdf" in review.text
    assert "2.9 KB" in review.text and "1.5 MB" in review.text
    doc_id = _document_id(review.text, app_id, prefix="/review")
    download = reviewer.get(f"/review/{app_id}/documents/{doc_id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")


def test_the_documents_page_speaks_english(make_visitor: SiteFactory) -> None:
    visitor = make_visitor()
    visitor.sign_in("cn-ai-admin")
    app_id = _draft(visitor)
    visitor.get(f"/language/en?next=/applications/{app_id}/documents")
    page = _upload(visitor, app_id)
    assert "Supporting documents" in page.text and "The document is uploaded." in page.text
    assert "2.9 KB" in page.text and "The policy names no document" in page.text
    assert 'lang="en"' in page.text


def test_a_stranger_finds_neither_the_documents_nor_their_files(
    make_visitor: SiteFactory,
) -> None:
    owner = make_visitor()
    owner.sign_in("cn-ai-admin")
    app_id = _draft(owner)
    _upload(owner, app_id)
    doc_id = _document_id(owner.last.text, app_id)  # type: ignore[union-attr]
    owner.submit(f"/applications/{app_id}/submit", {})
    stranger = make_visitor()
    stranger.sign_in("yp-pay-admin")
    assert stranger.get(f"/applications/{app_id}/documents").status_code == 404
    assert stranger.get(f"/applications/{app_id}/documents/{doc_id}").status_code == 404
    other_district = make_visitor()
    other_district.sign_in("xh-reviewer")
    assert other_district.get(f"/review/{app_id}/documents/{doc_id}").status_code == 404


def test_an_unsupported_or_oversized_file_is_refused_beside_the_field(
    make_visitor: SiteFactory,
) -> None:
    visitor = make_visitor()
    visitor.sign_in("cn-ai-admin")
    app_id = _draft(visitor)
    text = _upload(visitor, app_id, b"plain words", name="note.txt", content_type="text/plain")
    assert text.status_code == 400
    assert 'href="#file"' in text.text and "文件必须是 PDF、PNG 或 JPEG 格式。" in text.text
    fake = _upload(visitor, app_id, b"not a pdf at all", name="fake.pdf")
    assert fake.status_code == 400 and "文件必须是 PDF、PNG 或 JPEG 格式。" in fake.text
    limit = 10 * 1024 * 1024
    big = _upload(visitor, app_id, b"%PDF-1.4\n" + b"0" * limit, name="big.pdf")
    assert big.status_code == 400 and "文件过大" in big.text
    unknown = _upload(visitor, app_id, requirement="business_licence")
    assert unknown.status_code == 400 and "请选择这是哪一项材料" in unknown.text
    page = visitor.get(f"/applications/{app_id}/documents")
    assert "未上传（可选）" in page.text  # nothing was stored
