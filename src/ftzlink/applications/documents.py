"""Documents attached to applications: size and type limits, content stored once by SHA-256,
readable only by those who may read the application. Each document fills one of the measure's
document slots (catalogue data); `checklist` says which slots are filled and which required ones
are missing. The sources require no document for any grant, so a missing one never blocks
submission: the enterprise and the reviewer are shown what is missing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.applications import permissions
from ftzlink.applications.service import _as_applicant, find_measure, get_application
from ftzlink.applications.tables import Document
from ftzlink.audit.log import append
from ftzlink.auth.principal import Principal
from ftzlink.catalogue.models import Catalogue, DocumentSlot
from ftzlink.errors import Conflict, InvalidInput, NotFound, Problem, TooLarge, UnsupportedType
from ftzlink.text import Text

__all__ = [
    "ALLOWED_TYPES",
    "Checklist",
    "SlotDocuments",
    "add_document",
    "checklist",
    "document_path",
    "get_document",
    "list_documents",
    "slots_of",
    "store_upload",
]

# The types accepted, and the bytes each must start with (the declared type is not trusted).
ALLOWED_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def document_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def _store(root: Path, data: bytes, sha256: str) -> None:
    target = document_path(root, sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(temp).replace(target)
    finally:
        Path(temp).unlink(missing_ok=True)


def store_upload(
    *, filename: str, content_type: str, data: bytes, root: Path, max_bytes: int
) -> tuple[str, str, str]:
    """Check an uploaded file (a name, within the size limit, an accepted type whose content
    starts as that type must) and store its content once; returns (name, type, SHA-256)."""
    name = Path(filename.replace("\\", "/")).name.strip()
    if not name:
        raise InvalidInput("cannot upload", [Problem("the file needs a name", field="file")])
    if len(data) > max_bytes:
        raise TooLarge(f"the file is {len(data)} bytes; the limit is {max_bytes} bytes")
    if len(data) == 0:
        raise InvalidInput("cannot upload", [Problem("the file is empty", field="file")])
    declared = content_type.split(";")[0].strip().lower()
    magic = ALLOWED_TYPES.get(declared)
    if magic is None:
        raise UnsupportedType(
            f"{declared or 'no type'} is not accepted; send one of: {', '.join(ALLOWED_TYPES)}"
        )
    if not data.startswith(magic):
        raise UnsupportedType(f"the file's content is not {declared}")
    sha256 = hashlib.sha256(data).hexdigest()
    _store(root, data, sha256)
    return name, declared, sha256


@dataclass(frozen=True)
class SlotDocuments:
    """One of the measure's document slots, its label, and the documents uploaded for it."""

    slot: DocumentSlot
    label: Text
    documents: list[Document] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return self.slot.required and not self.documents


@dataclass(frozen=True)
class Checklist:
    """An application's documents by slot; `unfiled` holds any uploaded before slots existed."""

    slots: list[SlotDocuments]
    unfiled: list[Document]

    @property
    def missing(self) -> list[SlotDocuments]:
        return [s for s in self.slots if s.missing]

    @property
    def count(self) -> int:
        return sum(len(s.documents) for s in self.slots) + len(self.unfiled)


def slots_of(catalogue: Catalogue, measure_id: str) -> list[tuple[DocumentSlot, Text]]:
    """The measure's document slots with their labels, in the catalogue's order."""
    policy, measure = find_measure(catalogue, measure_id)
    labels = {t.id: t.label for t in catalogue.vocabulary.documents}
    return [(slot, labels[slot.kind]) for slot in policy.documents_of(measure)]


def _slot_for(catalogue: Catalogue, measure_id: str, requirement: str | None) -> str:
    slots = [slot.kind for slot, _ in slots_of(catalogue, measure_id)]
    if requirement is None or requirement == "":
        if len(slots) == 1:
            return slots[0]
        raise InvalidInput(
            "cannot upload",
            [Problem("say which document this is", field="requirement", code="missing")],
        )
    if requirement not in slots:
        raise InvalidInput(
            "cannot upload",
            [
                Problem(
                    f"{requirement!r} is not a document this measure asks for; one of: "
                    + ", ".join(slots),
                    field="requirement",
                    code="unknown",
                )
            ],
        )
    return requirement


def add_document(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    application_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    root: Path,
    max_bytes: int,
    today: dt.date,
    requirement: str | None = None,
) -> Document:
    """Attach a file to a draft or returned application, filed under one of the measure's slots
    (the only slot when the measure has one and `requirement` is not given)."""
    app = get_application(
        session, principal=principal, application_id=application_id, on=today, lock=True
    )
    actor, _ = _as_applicant(
        session, principal, organisation_id=app.organisation_id, measure_id=app.measure_id, on=today
    )
    if not permissions.can_add_documents(app):
        raise Conflict(
            f"documents are added to a draft or a returned application; {app.reference} is {app.status}"
        )
    slot = _slot_for(catalogue, app.measure_id, requirement)
    name, declared, sha256 = store_upload(
        filename=filename, content_type=content_type, data=data, root=root, max_bytes=max_bytes
    )
    doc = Document(
        organisation_id=app.organisation_id,
        application_id=app.id,
        filename=name[:255],
        content_type=declared,
        size=len(data),
        sha256=sha256,
        uploaded_by=principal.user_id,
        requirement=slot,
    )
    session.add(doc)
    session.flush()
    append(
        session,
        actor=actor,
        action="document.add",
        object_type="document",
        object_id=doc.id,
        after={
            "application_id": app.id,
            "requirement": slot,
            "filename": doc.filename,
            "sha256": sha256,
            "size": doc.size,
        },
    )
    return doc


def list_documents(
    session: Session, *, principal: Principal, application_id: int, today: dt.date
) -> list[Document]:
    app = get_application(session, principal=principal, application_id=application_id, on=today)
    return list(
        session.scalars(
            select(Document).where(Document.application_id == app.id).order_by(Document.id)
        )
    )


def checklist(
    session: Session,
    *,
    principal: Principal,
    catalogue: Catalogue,
    application_id: int,
    today: dt.date,
) -> Checklist:
    """The application's documents under the measure's slots, for whoever may read it."""
    app = get_application(session, principal=principal, application_id=application_id, on=today)
    docs = list(
        session.scalars(
            select(Document).where(Document.application_id == app.id).order_by(Document.id)
        )
    )
    slots = [
        SlotDocuments(slot, label, [d for d in docs if d.requirement == slot.kind])
        for slot, label in slots_of(catalogue, app.measure_id)
    ]
    filed = {s.slot.kind for s in slots}
    return Checklist(slots=slots, unfiled=[d for d in docs if d.requirement not in filed])


def get_document(
    session: Session, *, principal: Principal, document_id: int, today: dt.date
) -> Document:
    """A document whose application the principal may read; any other is not found."""
    doc = session.get(Document, document_id)
    if doc is None or doc.application_id is None:
        raise NotFound(f"no document {document_id}")
    try:
        get_application(session, principal=principal, application_id=doc.application_id, on=today)
    except NotFound:
        raise NotFound(f"no document {document_id}") from None
    return doc
