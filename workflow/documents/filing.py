"""Filing received documents on a request. A file received from an administration is
evidence: it is kept, even when Lanterne cannot read it (a note says why: protected by a
password, a format not read, damaged). Only what would harm the server (a bomb, a path
leaving its folder, over the size limit) or is no file (empty) refuses the upload, whole:
every file (and everything in an archive or an e-mail) is staged, typed, checked and
unpacked before anything is published or written; then the blobs, the rows and their
links to the requested items, in one transaction. The `documents_filed` signal then hands
the new documents to the jobs layer for their text (`workflow.documents.index`).

What a file *is* (type, soundness, contents) is decided by the pure module
`workflow.documents.formats`; this module adds the database, the file store and the
rules of who may see what.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from blinker import Namespace
from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from workflow.accounts.access import visible_to
from workflow.core import clock
from workflow.core.extensions import db
from workflow.core.storage import FileStore, Staged, TooLarge, file_store
from workflow.documents import formats, mail
from workflow.models import Document, DocumentItem, AccessRequest, User
from workflow.models.documents import CAME_BY, OUTCOMES

# Sent with the ids of the documents a filing committed, for their text to be extracted.
documents_filed = Namespace().signal("documents-filed")


class FilingError(ValueError):
    """An upload refused whole; the message (French) names the file and says why."""


class _EmptyPart(Exception):
    """A 0-byte file inside an archive or an e-mail: noted in its container, not filed."""


# Why a part of a container could not be unpacked at all.
_UNPACKING_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, struct.error, OSError, NotImplementedError, RuntimeError,
                     ValueError, LookupError)


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
    email: mail.EmailSummary | None = None  # the message it came in, or its own when it is one
    summary: mail.EmailSummary | None = None  # its own, when it is a message
    duplicate_of: Document | _Planned | None = None
    document: Document | None = None
    note: str = ""  # why Lanterne cannot (fully) read it, or what its name got wrong
    # A container's every part, in order, as received: filed, duplicate or not filed (why).
    parts: list[dict] = field(default_factory=list)


class _Filing:
    """One upload: first every file is staged, typed, checked and unpacked (nothing in
    the database, nothing published); only when all are sound are the blobs published
    and the rows written, in one transaction."""

    def __init__(self, access_request: AccessRequest, meta: FilingMeta, user: User | None):
        self.access_request, self.meta, self.user = access_request, meta, user
        # Their ids without a query: after the caller's last commit both are expired, and
        # reading `.id` would load every column again.
        self.request_id = _identity(access_request)
        self.user_id = _identity(user) if user is not None else None
        self.store: FileStore = file_store()
        config = current_app.config  # limits: workflow/core/config.py
        self.max_file = int(config["DOCUMENT_MAX_BYTES"])
        self.budget = formats.ArchiveBudget(
            max_file_bytes=self.max_file, max_total_bytes=int(config["DOCUMENT_ARCHIVE_MAX_BYTES"]),
            max_files=int(config["DOCUMENT_ARCHIVE_MAX_FILES"]), max_depth=int(config["DOCUMENT_ARCHIVE_MAX_DEPTH"]),
            max_ratio=int(config["DOCUMENT_ARCHIVE_MAX_RATIO"]))
        self.planned: dict[str, _Planned] = {}
        # The hashes already filed on this request (strings only: one query per upload).
        self.known = set(db.session.scalars(select(Document.sha256).where(Document.request_id == self.request_id)))
        self.staged: list[Staged] = []
        self.notices: list[str] = []
        self.filed: list[Filed] = []

    # -- plan: read and check everything, write nothing that counts

    def plan(self, stream: IO[bytes], name: str, origin_path: str, depth: int, label: str,
             in_email: mail.EmailSummary | None = None) -> _Planned:
        try:
            # Members of an archive cannot grow past their declared size (zipfile stops
            # there and checks the CRC); the declared sizes were held to the budget.
            staged = self.store.stage(stream, limit=self.max_file)
        except TooLarge:
            raise FilingError(f"« {label} » dépasse la taille autorisée ({formats.human_size(self.max_file)} par "
                              "fichier) : il n'a pas été classé. Demandez-le en plusieurs parties, ou compressé.")
        self.staged.append(staged)
        if staged.size == 0:
            if depth:
                raise _EmptyPart()
            raise FilingError(f"« {label} » est vide (0 octet) : il n'a pas été classé. Enregistrez de nouveau le "
                              "fichier reçu, puis envoyez-le.")
        media_type, name_note = formats.identify(staged.path, name)
        planned = _Planned(staged=staged, name=name, origin_path=origin_path, label=label, media_type=media_type,
                           email=in_email, note=name_note[:1].upper() + name_note[1:])
        duplicate = self.planned.get(staged.sha256) or (db.session.scalar(
            select(Document).where(Document.request_id == self.request_id, Document.sha256 == staged.sha256))
            if staged.sha256 in self.known else None)
        if duplicate is not None:
            planned.duplicate_of = duplicate  # same bytes: linked, neither checked again nor copied
            return planned
        try:
            planned.pages = formats.inspect(staged.path, media_type, label, self.budget)
        except formats.Refused as error:
            raise FilingError(str(error)) from error
        except formats.Unsupported:
            if depth:
                raise  # a part Lanterne does not read stays in its container
            planned.note = formats.not_read(media_type).kept_note()
            self._notice(label, planned.note)
        except formats.Unreadable as error:
            planned.note = " ".join(filter(None, (error.kept_note(), planned.note)))
            self._notice(label, planned.note)
            self.planned[staged.sha256] = planned
            return planned  # kept as received, not opened further
        if name_note:
            self._notice(label, name_note)
        self.planned[staged.sha256] = planned
        if media_type in formats.CONTAINERS and depth >= self.budget.max_depth:
            planned.note = (f"Non décompressé : rangé dans d'autres archives ou messages sur plus de "
                            f"{self.budget.max_depth} niveaux. Décompressez-le vous-même, puis envoyez les fichiers.")
            self._notice(label, planned.note)
            return planned
        members: list[formats.Member] = []
        try:
            if media_type == formats.ZIP:
                members = formats.zip_members(staged.path, label, self.budget)
                if not members:
                    planned.note = "L'archive ne contient aucun fichier."
            elif media_type in formats.MESSAGES:
                planned.summary = planned.email = mail.read_message(staged.path, media_type)
                members = planned.summary.attachments
        except formats.Refused as error:
            raise FilingError(str(error)) from error
        except formats.Unreadable as error:
            planned.note = error.kept_note()
            self._notice(label, planned.note)
            return planned
        for member in members:
            self._plan_child(planned, member, depth)
        return planned

    def _notice(self, label: str, note: str) -> None:
        self.notices.append(f"« {label} » : {note[:1].lower()}{note[1:]}")

    def _plan_child(self, parent: _Planned, member: formats.Member, depth: int) -> None:
        label = f"{parent.label} › {member.path}"
        part: dict = {"path": member.path[:500], "size": member.declared_size, "status": "filed", "note": ""}
        parent.parts.append(part)
        where = (f"le message « {parent.label} », gardé entier" if parent.media_type in formats.MESSAGES
                 else f"l'archive « {parent.label} », gardée entière")

        def not_filed(note: str) -> None:
            part["status"], part["note"] = "not_filed", note
            self.notices.append(f"« {label} » : {note}. Ce fichier reste dans {where}.")

        if member.problem or member.open is None:
            not_filed(member.problem or "illisible")
            return
        if parent.media_type in formats.MESSAGES:
            self.budget.files += 1
            self.budget.total_bytes += member.declared_size or 0
            if self.budget.files > self.budget.max_files or self.budget.total_bytes > self.budget.max_total_bytes:
                raise FilingError(f"« {parent.label} » contient trop de pièces jointes ou des pièces jointes trop "
                                  "lourdes pour un envoi : il n'a pas été classé. Enregistrez les pièces jointes "
                                  "et envoyez-les en plusieurs fois.")
        try:
            with member.open() as member_stream:
                child = self.plan(member_stream, member.name, member.path, depth + 1, label, parent.email)
        except (FilingError, formats.Refused):
            raise  # harmful, wherever it is: the upload is refused
        except _EmptyPart:
            not_filed("fichier vide (0 octet)")
            return
        except formats.Unsupported as error:
            not_filed(error.note)
            return
        except _UNPACKING_ERRORS:
            not_filed("pièce jointe endommagée (elle n'a pas pu être décodée)" if parent.media_type in formats.MESSAGES
                      else "fichier endommagé dans l'archive (il n'a pas pu être décompressé)")
            return
        part["planned"] = child
        if child.duplicate_of is not None:
            part["status"] = "duplicate"
        parent.children.append(child)

    # -- write: blobs, then rows, then one commit

    def write(self, plans: list[_Planned]) -> None:
        """The blobs first, then the rows: the transaction (and on SQLite the database's
        write lock) begins with the first row and holds nothing slow."""
        item_ids = {item.id for item in self.access_request.items} if self.meta.item_ids else set()
        self.links = [item_id for item_id in self.meta.item_ids if item_id in item_ids]
        for planned in self.planned.values():
            if planned.duplicate_of is None:
                # A blob published here and orphaned by a failed commit below is harmless: it
                # is named by its content, never served without a row, and reused if it comes again.
                planned.staged.publish()
        with db.session.no_autoflush:
            for planned in plans:
                self._write(planned, None)
        db.session.flush()  # the ids the containers' lists of parts point at
        for planned in self.planned.values():
            if planned.document is not None and (planned.parts or planned.summary is not None):
                planned.document.contents = _contents(planned)

    def _write(self, planned: _Planned, parent: Document | None) -> None:
        if planned.duplicate_of is not None:
            original = planned.duplicate_of
            document = original if isinstance(original, Document) else original.document
            self.filed.append(Filed(document, True, planned.label))
            self._link(document, leaf=not original.children)
            return
        email = planned.email
        document = Document(
            request_id=self.request_id, parent=parent, uploaded_by_id=self.user_id,
            sha256=planned.staged.sha256, filename=formats.safe_filename(planned.name, planned.media_type),
            original_name=(planned.name or "")[:255], origin_path=planned.origin_path[:500],
            media_type=planned.media_type, size=planned.staged.size, pages=planned.pages, filing_note=planned.note[:500],
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


def _contents(planned: _Planned) -> dict:
    """What a container held, every part in order as received (JSON for its page): filed,
    a duplicate of a document already filed, or not filed and why; for an e-mail, who
    sent it, to whom, when and about what."""
    parts = []
    for part in planned.parts:
        child = part.get("planned")
        document = None
        if child is not None:
            original = child.duplicate_of if child.duplicate_of is not None else child
            document = original if isinstance(original, Document) else original.document
        parts.append({"path": part["path"], "size": part["size"], "status": part["status"], "note": part["note"],
                      "document_id": document.id if document is not None else None})
    contents: dict = {"parts": parts}
    if planned.summary is not None:
        contents["email"] = planned.summary.headers()
    return contents


def _identity(instance) -> int:
    identity = inspect(instance).identity
    return identity[0] if identity is not None else instance.id


def file_documents(access_request: AccessRequest, uploads: list[Upload], meta: FilingMeta, user: User | None) -> FilingReport:
    """File every upload on a request, each kept as received (the report's notices say
    what could not be read), or none when one would harm the server or is empty: then
    FilingError, and no row and no stored file. Text extraction is queued after the
    commit."""
    if not uploads:
        raise FilingError("Choisissez au moins un fichier à classer.")
    if meta.outcome not in OUTCOMES:
        raise FilingError("Résultat inconnu pour les documents demandés.")
    if meta.came_by and meta.came_by not in CAME_BY:
        raise FilingError("Mode de réception inconnu.")
    filing = _Filing(access_request, meta, user)
    try:
        plans = [filing.plan(upload.stream, upload.name or "", "", 0, upload.name or "fichier sans nom")
                 for upload in uploads]
        try:
            filing.write(plans)
            # Read before the commit expires them (a query per document after it).
            new_ids = [entry.document.id for entry in filing.filed if not entry.duplicate]
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
    answers = documents_filed.send(new_ids)
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
