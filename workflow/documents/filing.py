"""Filing received documents on a request, all or nothing: every file (and everything in
an archive or an e-mail) is staged, typed, checked and unpacked before anything is
published or written; then the blobs, the rows and their links to the requested items,
in one transaction. The `documents_filed` signal then hands the new documents to the
jobs layer for their text (`workflow.documents.index`).

What a file *is* (type, soundness, contents) is decided by the pure module
`workflow.documents.formats`; this module adds the database, the file store and the
rules of who may see what.
"""
from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from blinker import Namespace
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflow.accounts.access import visible_to
from workflow.core import clock
from workflow.core.extensions import db
from workflow.core.storage import FileStore, Staged, TooLarge, file_store
from workflow.documents import formats
from workflow.models import Document, DocumentItem, AccessRequest, User
from workflow.models.documents import CAME_BY, OUTCOMES

# Sent with the ids of the documents a filing committed, for their text to be extracted.
documents_filed = Namespace().signal("documents-filed")


class FilingError(ValueError):
    """An upload refused whole; the message (French) names the file and says why."""


@dataclass
class Upload:
    name: str
    stream: IO[bytes]


@dataclass
class FilingMeta:
    received_on: date | None = None
    came_by: str = ""
    sender: str = ""
    notes: str = ""
    item_ids: list[int] = field(default_factory=list)
    outcome: str = "complete"


@dataclass
class Filed:
    document: Document
    duplicate: bool
    label: str


@dataclass
class FilingReport:
    filed: list[Filed]
    notices: list[str]
    queued: bool = True

    @property
    def new(self) -> list[Document]:
        return [entry.document for entry in self.filed if not entry.duplicate]

    @property
    def duplicates(self) -> list[Filed]:
        return [entry for entry in self.filed if entry.duplicate]


@dataclass
class _Planned:
    staged: Staged
    name: str
    origin_path: str
    label: str
    media_type: str = ""
    pages: int | None = None
    children: list[_Planned] = field(default_factory=list)
    email: formats.EmailSummary | None = None
    duplicate_of: Document | _Planned | None = None
    document: Document | None = None


class _Filing:
    """One upload: first every file is staged, typed, checked and unpacked (nothing in
    the database, nothing published); only when all are sound are the blobs published
    and the rows written, in one transaction."""

    def __init__(self, access_request: AccessRequest, meta: FilingMeta, user: User | None):
        self.access_request, self.meta, self.user = access_request, meta, user
        self.store: FileStore = file_store()
        config = current_app.config  # limits: workflow/core/config.py
        self.max_file = int(config["DOCUMENT_MAX_BYTES"])
        self.budget = formats.ArchiveBudget(
            max_file_bytes=self.max_file, max_total_bytes=int(config["DOCUMENT_ARCHIVE_MAX_BYTES"]),
            max_files=int(config["DOCUMENT_ARCHIVE_MAX_FILES"]), max_depth=int(config["DOCUMENT_ARCHIVE_MAX_DEPTH"]),
            max_ratio=int(config["DOCUMENT_ARCHIVE_MAX_RATIO"]))
        self.planned: dict[str, _Planned] = {}
        # The hashes already filed on this request (strings only: one query per upload).
        self.known = set(db.session.scalars(select(Document.sha256).where(Document.request_id == access_request.id)))
        self.staged: list[Staged] = []
        self.notices: list[str] = []
        self.filed: list[Filed] = []

    # -- plan: read and check everything, write nothing that counts

    def plan(self, stream: IO[bytes], name: str, origin_path: str, depth: int, label: str,
             in_email: formats.EmailSummary | None = None) -> _Planned:
        try:
            # Members of an archive cannot grow past their declared size (zipfile stops
            # there and checks the CRC); the declared sizes were held to the budget.
            staged = self.store.stage(stream, limit=self.max_file)
        except TooLarge:
            raise FilingError(f"« {label} » dépasse la taille autorisée ({formats.human_size(self.max_file)} par "
                              "fichier) : il n'a pas été classé.")
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
            raise FilingError(f"« {label} » n'a pas pu être décompressé (archive endommagée) : rien n'a été classé.") \
                from error
        self.staged.append(staged)
        if staged.size == 0:
            raise FilingError(f"« {label} » est vide (0 octet) : il n'a pas été classé.")
        media_type = formats.identify(staged.path, name, label)
        planned = _Planned(staged=staged, name=name, origin_path=origin_path, label=label, media_type=media_type,
                           email=in_email)
        duplicate = self.planned.get(staged.sha256) or (db.session.scalar(
            select(Document).where(Document.request_id == self.access_request.id, Document.sha256 == staged.sha256))
            if staged.sha256 in self.known else None)
        if duplicate is not None:
            planned.duplicate_of = duplicate  # same bytes: linked, neither checked again nor copied
            return planned
        self.planned[staged.sha256] = planned
        planned.pages = formats.inspect(staged.path, media_type, label, self.budget)
        if media_type in formats.CONTAINERS and depth >= self.budget.max_depth:
            raise FilingError(f"« {label} » est {formats.label_of(media_type)} rangé dans une autre sur plus de "
                              f"{self.budget.max_depth} niveaux : décompressez-le vous-même, puis envoyez les fichiers.")
        if media_type == formats.ZIP:
            for member in formats.zip_members(staged.path, label, self.budget):
                with member.open() as member_stream:
                    self._plan_child(planned, member_stream, member, depth, in_email)
        elif media_type == formats.EML:
            planned.email = formats.read_email(staged.path, label)
            for member in planned.email.attachments:
                self.budget.files += 1
                self.budget.total_bytes += member.declared_size or 0
                if self.budget.files > self.budget.max_files or self.budget.total_bytes > self.budget.max_total_bytes:
                    raise FilingError(f"« {label} » contient trop de pièces jointes ou des pièces jointes trop lourdes "
                                      "pour un envoi : il n'a pas été classé.")
                with member.open() as member_stream:
                    self._plan_child(planned, member_stream, member, depth, planned.email)
        return planned

    def _plan_child(self, parent: _Planned, stream: IO[bytes], member: formats.Member, depth: int,
                    in_email: formats.EmailSummary | None) -> None:
        label = f"{parent.label} › {member.path}"
        try:
            child = self.plan(stream, member.name, member.path, depth + 1, label, in_email)
        except formats.Unsupported as error:
            # Not refused: the container keeps it, whole, as received.
            where = "le message" if parent.media_type == formats.EML else "l'archive"
            self.notices.append(f"{error} Il reste dans {where} « {parent.label} », classé tel quel.")
            return
        parent.children.append(child)

    # -- write: blobs, then rows, then one commit

    def write(self, plans: list[_Planned]) -> None:
        item_ids = {item.id for item in self.access_request.items} if self.meta.item_ids else set()
        self.links = [item_id for item_id in self.meta.item_ids if item_id in item_ids]
        for planned in plans:
            self._write(planned, None)

    def _write(self, planned: _Planned, parent: Document | None) -> None:
        if planned.duplicate_of is not None:
            original = planned.duplicate_of
            document = original if isinstance(original, Document) else original.document
            self.filed.append(Filed(document, True, planned.label))
            self._link(document, leaf=not original.children)
            return
        email = planned.email
        # A blob published here and orphaned by a failed commit below is harmless: it is
        # named by its content, never served without a row, and reused if it comes again.
        planned.staged.publish()
        document = Document(
            request_id=self.access_request.id, parent=parent, uploaded_by_id=self.user.id if self.user else None,
            sha256=planned.staged.sha256, filename=formats.safe_filename(planned.name, planned.media_type),
            original_name=(planned.name or "")[:255], origin_path=planned.origin_path[:500],
            media_type=planned.media_type, size=planned.staged.size, pages=planned.pages,
            received_on=self.meta.received_on or (email.sent_on if email else None) or clock.today(),
            came_by=self.meta.came_by or ("email" if email else ""),
            sender=(self.meta.sender or (email.sender if email else ""))[:200], notes=self.meta.notes,
            text_status="pending",
        )
        db.session.add(document)
        planned.document = document
        self.filed.append(Filed(document, False, planned.label))
        for child in planned.children:
            self._write(child, document)
        self._link(document, leaf=not planned.children)

    def _link(self, document: Document, leaf: bool) -> None:
        """The items the upload answers go on the files themselves, not on the envelope."""
        if not leaf:
            return
        linked = {link.item_id for link in document.item_links}
        for item_id in self.links:
            if item_id not in linked:
                document.item_links.append(DocumentItem(item_id=item_id, outcome=self.meta.outcome))

    def discard(self) -> None:
        for staged in self.staged:
            staged.discard()


def file_documents(access_request: AccessRequest, uploads: list[Upload], meta: FilingMeta, user: User | None) -> FilingReport:
    """File every upload on a request, or none: a bad file anywhere (in an archive, in an
    e-mail) raises FilingError and leaves no row and no stored file. Text extraction is
    queued after the commit."""
    if not uploads:
        raise FilingError("Choisissez au moins un fichier à classer.")
    if meta.outcome not in OUTCOMES:
        raise FilingError("Résultat inconnu pour les documents demandés.")
    if meta.came_by and meta.came_by not in CAME_BY:
        raise FilingError("Mode de réception inconnu.")
    filing = _Filing(access_request, meta, user)
    try:
        try:
            plans = [filing.plan(upload.stream, upload.name or "", "", 0, upload.name or "fichier sans nom")
                     for upload in uploads]
        except formats.BadFile as error:
            raise FilingError(str(error)) from error
        try:
            filing.write(plans)
            db.session.commit()
        except IntegrityError as error:  # the same file filed by another upload at this very moment
            db.session.rollback()
            raise FilingError("Un autre envoi vient de classer un de ces fichiers sur cette demande : rechargez la "
                              "page pour le voir.") from error
        except Exception:
            db.session.rollback()
            raise
    finally:
        filing.discard()  # what was staged and not published (refused files, duplicates)
    report = FilingReport(filing.filed, filing.notices)
    # After the commit: the jobs layer queues the text extraction (False if Redis is down).
    answers = documents_filed.send([document.id for document in report.new])
    report.queued = bool(answers) and all(queued for _receiver, queued in answers)
    return report


def visible_document(document_id: int, user: User) -> Document | None:
    return db.session.scalar(select(Document).join(AccessRequest, AccessRequest.id == Document.request_id)
                             .where(Document.id == document_id, visible_to(AccessRequest, user)))


def same_file_elsewhere(document: Document, user: User) -> list[Document]:
    """The same bytes filed on other requests the user may see."""
    return list(db.session.scalars(
        select(Document).join(AccessRequest, AccessRequest.id == Document.request_id)
        .where(Document.sha256 == document.sha256, Document.request_id != document.request_id,
               visible_to(AccessRequest, user)).order_by(Document.id)))
