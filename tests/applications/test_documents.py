"""Documents attached to applications: limits on size and type, content stored once, and read
only by those who may read the application."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftzlink.applications import documents
from ftzlink.applications.tables import Application, Document
from ftzlink.auth.principal import Principal
from ftzlink.errors import Conflict, InvalidInput, NotFound, TooLarge, UnsupportedType
from tests.world import TODAY, World

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
LIMIT = 1024


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "documents"


def upload(
    world: World,
    app: Application,
    root: Path,
    data: bytes = PDF,
    *,
    content_type: str = "application/pdf",
    filename: str = "licence.pdf",
    by: Principal | None = None,
    requirement: str | None = None,
) -> Document:
    return world.write(
        documents.add_document,
        principal=by or world.member_of_id(app.organisation_id),
        catalogue=world.catalogue,
        application_id=app.id,
        requirement=requirement,
        filename=filename,
        content_type=content_type,
        data=data,
        root=root,
        max_bytes=LIMIT,
        today=TODAY,
    )


def read(world: World, doc: Document, by: Principal) -> Document:
    return world.read(documents.get_document, principal=by, document_id=doc.id, today=TODAY)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_pdf_png_or_jpeg_is_stored_under_its_sha256(world: World, root: Path) -> None:
    app = world.draft(world.a)
    for data, content_type in [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "Image/JPEG; charset=binary"),
    ]:
        doc = upload(world, app, root, data, content_type=content_type)
        assert doc.size == len(data)
        assert doc.content_type == content_type.split(";")[0].lower()
        assert documents.document_path(root, doc.sha256).read_bytes() == data


def test_a_file_over_the_size_limit_is_refused(world: World, root: Path) -> None:
    app = world.draft(world.a)
    assert upload(world, app, root, PDF.ljust(LIMIT, b" ")).size == LIMIT
    with pytest.raises(TooLarge) as refused:
        upload(world, app, root, PDF.ljust(LIMIT + 1, b" "))
    assert refused.value.code == "too_large"


REFUSED_TYPES = {
    "text": (b"plain words", "text/plain"),
    "executable": (b"MZ\x90\x00", "application/x-msdownload"),
    "no type": (PDF, ""),
    "png called pdf": (PNG, "application/pdf"),
    "html with pdf inside": (b"<html>%PDF-", "application/pdf"),
    "pdf called png": (PDF, "image/png"),
}


def test_a_type_not_accepted_or_content_not_of_its_declared_type_is_refused(
    world: World, root: Path
) -> None:
    app = world.draft(world.a)
    for case, (data, content_type) in REFUSED_TYPES.items():
        with pytest.raises(UnsupportedType) as refused:
            upload(world, app, root, data, content_type=content_type)
        assert refused.value.code == "unsupported_type", case
    assert stored_files(root) == []


def test_an_empty_or_nameless_file_is_refused(world: World, root: Path) -> None:
    app = world.draft(world.a)
    with pytest.raises(InvalidInput):
        upload(world, app, root, b"")
    with pytest.raises(InvalidInput):
        upload(world, app, root, filename="  ")


def test_the_same_content_uploaded_twice_is_stored_once(world: World, root: Path) -> None:
    first = upload(world, world.draft(world.a), root, filename="licence.pdf")
    second = upload(world, world.draft(world.b), root, filename="copy.pdf")
    assert first.id != second.id and first.sha256 == second.sha256
    assert stored_files(root) == [documents.document_path(root, first.sha256)]


def test_only_the_file_name_of_an_uploaded_path_is_kept(world: World, root: Path) -> None:
    doc = upload(world, world.draft(world.a), root, filename="..\\..\\etc/passwd.pdf")
    assert doc.filename == "passwd.pdf"


def test_documents_are_added_to_a_draft_or_a_returned_application_only(
    world: World, root: Path
) -> None:
    app = world.submitted(world.a)
    with pytest.raises(Conflict):
        upload(world, app, root)
    world.return_(app)
    assert upload(world, app, root).application_id == app.id


def test_only_the_applicant_adds_documents(world: World, root: Path) -> None:
    app = world.draft(world.a)
    with pytest.raises(NotFound):
        upload(world, app, root, by=world.member_b)
    assert stored_files(root) == []


def test_those_who_may_read_the_application_read_its_documents_and_no_one_else(
    world: World, root: Path
) -> None:
    app = world.draft(world.a)
    doc = upload(world, app, root)
    # A draft's documents are the enterprise's own: a reviewer sees them once it is submitted.
    with pytest.raises(NotFound):
        read(world, doc, world.reviewer)
    world.submit(app)
    for reader in (world.member_a, world.admin_a, world.reviewer, world.auditor, world.admin):
        assert read(world, doc, reader).sha256 == doc.sha256
    for outsider in (world.member_b, world.member_hq, world.reviewer_xuhui):
        with pytest.raises(NotFound):
            read(world, doc, outsider)
    listed = world.read(
        documents.list_documents, principal=world.reviewer, application_id=app.id, today=TODAY
    )
    assert [d.id for d in listed] == [doc.id]
    with pytest.raises(NotFound):
        world.read(
            documents.list_documents, principal=world.member_b, application_id=app.id, today=TODAY
        )


def test_a_document_that_does_not_exist_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.read(documents.get_document, principal=world.admin, document_id=999, today=TODAY)


def test_adding_a_document_is_audited(world: World, root: Path) -> None:
    doc = upload(world, world.draft(world.a), root)
    (entry,) = world.audit_entries("document")
    assert (entry.action, entry.object_id, entry.actor_id, entry.acted_for_id) == (
        "document.add",
        str(doc.id),
        world.member_a.user_id,
        world.a.id,
    )


# --- the measure's document slots -----------------------------------------------------------------


def test_a_document_is_filed_under_the_measures_only_slot_when_none_is_named(
    world: World, root: Path
) -> None:
    app = world.draft(world.a)
    doc = upload(world, app, root)
    assert doc.requirement == "supporting"
    named = upload(world, app, root, PNG, content_type="image/png", requirement="supporting")
    found = world.read(
        documents.checklist,
        principal=world.member_of_id(app.organisation_id),
        catalogue=world.catalogue,
        application_id=app.id,
        today=TODAY,
    )
    [slot] = found.slots
    assert slot.slot.kind == "supporting" and slot.label.zh == "证明材料"
    assert [d.id for d in slot.documents] == [doc.id, named.id]
    # The sources require no document, so nothing is missing and nothing blocks submission.
    assert not slot.slot.required and found.missing == [] and found.unfiled == []


def test_a_document_for_a_slot_the_measure_does_not_have_is_refused_with_a_typed_error(
    world: World, root: Path
) -> None:
    app = world.draft(world.a)
    with pytest.raises(InvalidInput) as refused:
        upload(world, app, root, requirement="business_licence")
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == ("requirement", "unknown")
    assert stored_files(root) == []


def test_an_empty_slot_required_by_no_source_shows_as_optional_not_missing(
    world: World, root: Path
) -> None:
    app = world.draft(world.a)
    found = world.read(
        documents.checklist,
        principal=world.member_of_id(app.organisation_id),
        catalogue=world.catalogue,
        application_id=app.id,
        today=TODAY,
    )
    assert found.count == 0 and found.missing == []
    assert [s.slot.kind for s in found.slots] == ["supporting"]
