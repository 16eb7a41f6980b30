"""Documents received: filing (all or nothing), text extraction and its index, search,
what each requested item obtained, and the dossier export.

What a file *is* (type, soundness, contents, text) is decided by the pure module
`workflow.documents.formats`; this module adds the database, the file store and the
rules of who may see what.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from flask import Flask, current_app
from blinker import Namespace
from markupsafe import Markup
from sqlalchemy import bindparam, column, delete, func, insert, literal_column, select, table, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from workflow.core import clock
from workflow.documents import formats
from workflow.requests import lifecycle as request_service
from workflow.accounts.access import editable_by, visible_to
from workflow.core.extensions import db
from workflow.letters.rendering import LETTER_KINDS
from workflow.letters.request_letters import EVENT_OF_LETTER
from workflow.models import Campaign, Document, DocumentItem, Letter, Request, RequestItem, User
from workflow.models.base import utcnow
from workflow.models.documents import CAME_BY, OUTCOMES, DocumentPage
from workflow.law.states import STATUS_LABELS
from workflow.core.storage import CHUNK, FileStore, Staged, TooLarge, file_store

MiB = 1024 * 1024
DEFAULTS = {
    "DOCUMENT_MAX_BYTES": 50 * MiB,            # one file, uploaded or unpacked
    "DOCUMENT_ARCHIVE_MAX_BYTES": 500 * MiB,    # everything unpacked from one upload
    "DOCUMENT_ARCHIVE_MAX_FILES": 1000,         # files unpacked from one upload
    "DOCUMENT_ARCHIVE_MAX_DEPTH": 2,            # an archive (or e-mail) inside an archive, not deeper
    "DOCUMENT_ARCHIVE_MAX_RATIO": 200,          # uncompressed / compressed size of one member
    "DOCUMENT_EXPORT_INLINE_BYTES": 20 * MiB,   # a larger dossier is exported by a background job
}
SEARCH_OBJECTS_PREFIX = "document_search"


# Sent with the ids of the documents a filing committed, for their text to be extracted.
documents_filed = Namespace().signal("documents-filed")


def setting(name: str) -> int:
    """From the app's configuration (instance config.py), else the environment, else the default."""
    return int(current_app.config.get(name) or os.environ.get(name) or DEFAULTS[name])


def include_in_migrations(_object, name, type_, _reflected=None, _compare_to=None) -> bool:
    """Alembic filter: the full-text index (FTS5 table and its shadow tables on SQLite,
    the tsvector column and its GIN index on PostgreSQL) is written by hand in the
    migration and is not a model; autogenerate must neither drop it nor report it."""
    return not (name or "").startswith(SEARCH_OBJECTS_PREFIX)


def _include_name(name, type_, _parent_names) -> bool:
    return include_in_migrations(None, name, type_)


def init_app(app: Flask) -> None:
    """Keep the hand-written search objects out of `flask db migrate`."""
    migrate_state = app.extensions.get("migrate")
    if migrate_state is not None:
        migrate_state.configure_args.setdefault("include_object", include_in_migrations)
        migrate_state.configure_args.setdefault("include_name", _include_name)


# -------------------------------------------------------------------- filing


class FilingError(ValueError):
    """An upload refused whole; the message (French) names the file and says why."""


@dataclass
class Upload:
    name: str
    stream: BinaryIO


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

    def __init__(self, found: Request, meta: FilingMeta, user: User | None):
        self.found, self.meta, self.user = found, meta, user
        self.store: FileStore = file_store()
        self.max_file = setting("DOCUMENT_MAX_BYTES")
        self.budget = formats.ArchiveBudget(
            max_file_bytes=self.max_file, max_total_bytes=setting("DOCUMENT_ARCHIVE_MAX_BYTES"),
            max_files=setting("DOCUMENT_ARCHIVE_MAX_FILES"), max_depth=setting("DOCUMENT_ARCHIVE_MAX_DEPTH"),
            max_ratio=setting("DOCUMENT_ARCHIVE_MAX_RATIO"))
        self.planned: dict[str, _Planned] = {}
        # The hashes already filed on this request (strings only: one query per upload).
        self.known = set(db.session.scalars(select(Document.sha256).where(Document.request_id == found.id)))
        self.staged: list[Staged] = []
        self.notices: list[str] = []
        self.filed: list[Filed] = []

    # -- plan: read and check everything, write nothing that counts

    def plan(self, stream: BinaryIO, name: str, origin_path: str, depth: int, label: str,
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
            select(Document).where(Document.request_id == self.found.id, Document.sha256 == staged.sha256))
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

    def _plan_child(self, parent: _Planned, stream: BinaryIO, member: formats.Member, depth: int,
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
        item_ids = {item.id for item in self.found.items} if self.meta.item_ids else set()
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
            request_id=self.found.id, parent=parent, uploaded_by_id=self.user.id if self.user else None,
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


def file_documents(found: Request, uploads: list[Upload], meta: FilingMeta, user: User | None) -> FilingReport:
    """File every upload on a request, or none: a bad file anywhere (in an archive, in an
    e-mail) raises FilingError and leaves no row and no stored file. Text extraction is
    queued after the commit."""
    if not uploads:
        raise FilingError("Choisissez au moins un fichier à classer.")
    if meta.outcome not in OUTCOMES:
        raise FilingError("Résultat inconnu pour les documents demandés.")
    if meta.came_by and meta.came_by not in CAME_BY:
        raise FilingError("Mode de réception inconnu.")
    filing = _Filing(found, meta, user)
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


# ------------------------------------------------------------- text and index


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


_FTS = table("document_search", column("rowid"), column("stems"), column("rank"))


def index_pages(document: Document, pages: list[str]) -> list[DocumentPage]:
    """Replace the document's text, page by page, and its entries in the index (no commit).
    PostgreSQL indexes the rows itself (expression index); SQLite's FTS5 table gets the
    words' keys computed here, and loses them by trigger when a page row goes."""
    db.session.execute(delete(DocumentPage).where(DocumentPage.document_id == document.id))
    rows = [DocumentPage(document_id=document.id, page=number, text=page_text.replace("\x00", ""))
            for number, page_text in enumerate(pages, start=1) if page_text.strip()]
    db.session.add_all(rows)
    db.session.flush()
    if rows and _is_sqlite():
        db.session.execute(insert(_FTS), [{"rowid": row.id, "stems": " ".join(formats.word_keys(row.text))}
                                          for row in rows])
    return rows


def rebuild_search_index() -> int:
    """Index every stored page again (after a restore). PostgreSQL computes its column
    itself; SQLite's FTS5 table is refilled. Returns the number of pages; commits."""
    if not _is_sqlite():
        return db.session.scalar(select(func.count()).select_from(DocumentPage)) or 0
    db.session.execute(delete(_FTS))
    count = 0
    for row in db.session.execute(select(DocumentPage.id, DocumentPage.text)).yield_per(1000):
        db.session.execute(insert(_FTS), [{"rowid": row.id, "stems": " ".join(formats.word_keys(row.text))}])
        count += 1
    db.session.commit()
    return count


def extract_and_index(document: Document) -> formats.Extraction:
    """Read the document's text page by page, index it, count its pages, draw its first
    page. Replaces whatever an earlier run left; commits."""
    store = file_store()
    path = store.path(document.sha256)
    summary = formats.read_email(path, document.filename) if document.media_type == formats.EML else None
    members = None
    if document.media_type == formats.ZIP:
        with zipfile.ZipFile(path) as archive:
            members = [info.filename for info in archive.infolist() if not info.is_dir()]
    extraction = formats.extract_text(path, document.media_type, summary, members)
    index_pages(document, extraction.pages)
    if extraction.page_count:
        document.pages = extraction.page_count
    document.paginated = extraction.paginated
    document.text_status, document.text_note = extraction.status, extraction.note[:500]
    picture = formats.thumbnail(path, document.media_type)
    document.thumbnail_sha256 = store.put(picture) if picture else None
    document.extracted_at = utcnow()
    db.session.commit()
    return extraction


# --------------------------------------------------------------------- search

# Accents folded the same way in the PostgreSQL index and in the query (see the migration).
_PG_FOLD_FROM = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ"
_PG_FOLD_TO = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy"


def _sql_literal(value: str):
    return literal_column("'" + value.replace("'", "''") + "'")


def pg_folded(expression) -> ColumnElement:
    """translate(replace(...)) exactly as the migration folds the indexed text."""
    for source, target in (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE")):
        expression = func.replace(expression, _sql_literal(source), _sql_literal(target))
    return func.translate(expression, _sql_literal(_PG_FOLD_FROM), _sql_literal(_PG_FOLD_TO))


_FRENCH = literal_column("'french'::regconfig")


@dataclass
class SearchHit:
    request: Request
    document: Document
    page: int | None
    excerpt: Markup
    other_pages: int


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    capped: bool = False  # more pages matched than were ranked: the most recent documents only

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# The stored tsvector of a page (PostgreSQL only; see the migration): the French stems of
# the text as written and of the text without accents (`document_formats.keys_of_word`
# says why both). Not a model column: SQLite has no such column.
PG_VECTOR = literal_column("document_pages.document_search_vector")


def pg_queries(words: list[str]) -> tuple[ColumnElement, ColumnElement]:
    """(what must match, what ranks): every word, as written or without accents, for the
    match: (w1 | folded w1) & (w2 | folded w2)...; any of them for the rank, because
    ts_rank of an AND query compares every pair of positions (hundreds of times slower
    on common words) while the pages ranked all match the AND query anyway."""
    terms = []
    for number, word in enumerate(words):
        parameter = bindparam(f"search_word_{number}", word)
        term = func.plainto_tsquery(_FRENCH, parameter)
        if formats.fold(word) != word.lower():
            term = term.op("||")(func.plainto_tsquery(_FRENCH, pg_folded(parameter)))
        terms.append(term)
    match, rank = terms[0], terms[0]
    for term in terms[1:]:
        match, rank = match.op("&&")(term), rank.op("||")(term)
    return match, rank


# Pages ranked at most for one search: a query that matches more (a word on every page)
# ranks the pages of the most recent documents, and says so.
CANDIDATE_PAGES = 5000


def _candidate_pages(query: str, user: User):
    """(page id, document id, score: lower is better) of the matching pages of documents
    `user` may see, most recent documents first, at most CANDIDATE_PAGES + 1 (one more
    says the list was cut)."""

    recency = func.row_number().over(order_by=(DocumentPage.document_id.desc(), DocumentPage.id)).label("recency")

    def visible(statement):
        return (statement.add_columns(recency).join(Document, Document.id == DocumentPage.document_id)
                .join(Request, Request.id == Document.request_id)
                .where(visible_to(Request, user))
                .order_by(DocumentPage.document_id.desc(), DocumentPage.id)
                .limit(CANDIDATE_PAGES + 1))

    if _is_sqlite():
        match = " AND ".join("(" + " OR ".join('"' + key.replace('"', "") + '"' for key in term) + ")"
                             for term in formats.query_terms(query))
        return visible(select(DocumentPage.id.label("page_id"), DocumentPage.document_id.label("document_id"),
                              _FTS.c.rank.label("score"))
                       .join(_FTS, _FTS.c.rowid == DocumentPage.id)
                       .where(text("document_search MATCH :match").bindparams(match=match))).subquery()
    match, rank = pg_queries(formats.query_words(query))
    candidates = visible(select(DocumentPage.id.label("page_id"), DocumentPage.document_id.label("document_id"))
                         .where(PG_VECTOR.op("@@")(match))).subquery()
    # Ranked after the cut, on the candidates only.
    return (select(candidates.c.page_id, candidates.c.document_id, (-func.ts_rank(PG_VECTOR, rank)).label("score"),
                   candidates.c.recency)
            .join(DocumentPage, DocumentPage.id == candidates.c.page_id)).subquery()


def search(user: User, query: str, page: int = 1, per_page: int = 20) -> SearchResults:
    """Documents of the requests `user` may see whose text matches every word of the
    query (French stemming, accents ignored): one hit per document, its best page first,
    with an excerpt where the words are marked."""
    query = " ".join(query.split())[:200]
    keys = formats.query_keys(query)
    page = max(1, page)
    if not keys or not formats.query_words(query):
        return SearchResults(query, [], 0, page, per_page)
    candidates = _candidate_pages(query, user)
    ranked = select(
        candidates.c.page_id, candidates.c.document_id, candidates.c.score,
        func.row_number().over(partition_by=candidates.c.document_id,
                               order_by=(candidates.c.score, candidates.c.page_id)).label("position"),
        func.count().over(partition_by=candidates.c.document_id).label("hits"),
        func.count().over().label("pages_matched"),
    ).where(candidates.c.recency <= CANDIDATE_PAGES).subquery()  # the one more only said "cut"
    best = (select(ranked.c.page_id, ranked.c.hits, ranked.c.pages_matched, func.count().over().label("documents"))
            .where(ranked.c.position == 1)
            .order_by(ranked.c.score, ranked.c.page_id)
            .limit(per_page).offset((page - 1) * per_page))
    rows = db.session.execute(best).all()
    if rows:
        total, capped = rows[0].documents, rows[0].pages_matched >= CANDIDATE_PAGES and db.session.scalar(
            select(func.count()).select_from(candidates)) > CANDIDATE_PAGES
    elif page > 1:  # past the last page: count what there is
        total = db.session.scalar(select(func.count()).select_from(ranked).where(ranked.c.position == 1)) or 0
        capped = False
    else:
        total, capped = 0, False
    pages = {found.id: found for found in db.session.scalars(
        select(DocumentPage).where(DocumentPage.id.in_([row.page_id for row in rows])))}
    hits = []
    for row in rows:
        found_page = pages[row.page_id]
        document = found_page.document
        hits.append(SearchHit(request=document.request, document=document,
                              page=found_page.page if document.paginated else None,
                              excerpt=formats.highlight(found_page.text, keys), other_pages=row.hits - 1))
    return SearchResults(query, hits, total, page, per_page, capped)


# ------------------------------------------------------------ what was obtained

_RANK = {"complete": 3, "redacted": 2, "refused": 1}


@dataclass
class ItemStatus:
    item: RequestItem
    outcome: str | None  # the best any document brought: complete > redacted > refused
    documents: list[tuple[Document, str]]

    @property
    def label(self) -> str:
        return OUTCOMES.get(self.outcome, "Pas encore obtenu")


@dataclass
class Obtained:
    items: list[ItemStatus]
    documents: int

    def count(self, outcome: str | None) -> int:
        return sum(1 for status in self.items if status.outcome == outcome)

    @property
    def complete(self) -> int:
        return self.count("complete")

    @property
    def redacted(self) -> int:
        return self.count("redacted")

    @property
    def refused(self) -> int:
        return self.count("refused")

    @property
    def missing(self) -> int:
        return self.count(None)

    @property
    def obtained(self) -> int:
        return self.complete + self.redacted

    @property
    def summary(self) -> str:
        """"Documents demandés obtenus : 2 sur 3 (dont 1 occulté), 1 refusé."."""
        if not self.items:
            return "Aucun document demandé."
        return "Documents demandés obtenus : " + outcome_counts(self.obtained, len(self.items), self.redacted, self.refused)


def outcome_counts(obtained: int, total: int, redacted: int, refused: int) -> str:
    text = f"{obtained} sur {total}"
    if redacted:
        text += f" (dont {redacted} occulté{'s' if redacted > 1 else ''})"
    if refused:
        text += f", {refused} refusé{'s' if refused > 1 else ''}"
    return text + "."


def _obtained_for(requests: list[Request]) -> dict[int, Obtained]:
    ids = [found.id for found in requests]
    links = db.session.execute(
        select(DocumentItem, Document).join(Document, Document.id == DocumentItem.document_id)
        .where(Document.request_id.in_(ids)).order_by(Document.id)).all() if ids else []
    by_item: dict[int, list[tuple[Document, str]]] = {}
    for link, document in links:
        by_item.setdefault(link.item_id, []).append((document, link.outcome))
    counts = dict(db.session.execute(
        select(Document.request_id, func.count()).where(Document.request_id.in_(ids), Document.parent_id.is_(None))
        .group_by(Document.request_id)).all()) if ids else {}
    result = {}
    for found in requests:
        statuses = []
        for item in found.items:
            brought = by_item.get(item.id, [])
            best = max((outcome for _document, outcome in brought), key=_RANK.get, default=None)
            statuses.append(ItemStatus(item, best, brought))
        result[found.id] = Obtained(statuses, counts.get(found.id, 0))
    return result


def obtained(found: Request) -> Obtained:
    return _obtained_for([found])[found.id]


@dataclass
class RequestDocuments:
    """What a request's page shows of its documents, for one user."""

    obtained: Obtained
    documents: list[Document]  # filed, newest first; the parts of a container are under it
    can_edit: bool


def request_documents(found: Request, user: User) -> RequestDocuments:
    can_edit = db.session.scalar(select(Request.id).where(Request.id == found.id, editable_by(Request, user)))
    roots = list(db.session.scalars(select(Document).where(Document.request_id == found.id, Document.parent_id.is_(None))
                                    .order_by(Document.received_on.desc(), Document.id.desc())))
    return RequestDocuments(obtained(found), roots, bool(can_edit))


@dataclass
class CampaignObtained:
    rows: list[tuple[Request, Obtained]]

    @property
    def items(self) -> int:
        return sum(len(row.items) for _found, row in self.rows)

    def total(self, attribute: str) -> int:
        return sum(getattr(row, attribute) for _found, row in self.rows)

    @property
    def summary(self) -> str:
        if not self.items:
            return "Aucun document demandé."
        return "Documents demandés obtenus : " + outcome_counts(
            self.total("obtained"), self.items, self.total("redacted"), self.total("refused"))


def campaign_obtained(campaign: Campaign, user: User) -> CampaignObtained:
    requests = list(db.session.scalars(select(Request).where(Request.campaign_id == campaign.id, visible_to(Request, user))
                                       .order_by(Request.reference)))
    by_id = _obtained_for(requests)
    return CampaignObtained([(found, by_id[found.id]) for found in requests])


def visible_document(document_id: int, user: User) -> Document | None:
    return db.session.scalar(select(Document).join(Request, Request.id == Document.request_id)
                             .where(Document.id == document_id, visible_to(Request, user)))


def same_file_elsewhere(document: Document, user: User) -> list[Document]:
    """The same bytes filed on other requests the user may see."""
    return list(db.session.scalars(
        select(Document).join(Request, Request.id == Document.request_id)
        .where(Document.sha256 == document.sha256, Document.request_id != document.request_id,
               visible_to(Request, user)).order_by(Document.id)))


# --------------------------------------------------------------------- export


@dataclass
class _Entry:
    path: str
    role: str  # letter | proof | document | chronology
    request: Request | None
    media_type: str
    sha256: str | None = None  # a stored file
    content: bytes | None = None  # or bytes made for the export
    meta: dict = field(default_factory=dict)


@dataclass
class _ChronologyRow:
    day: date
    nature: str
    title: str
    details: str = ""
    file: str = ""


_STORED_AS_IS = ("application/pdf", "application/zip", "image/png", "image/jpeg", "image/gif", "image/webp",
                 formats.DOCX, formats.XLSX, formats.PPTX, formats.ODT, formats.ODS, formats.ODP)


def _sent_letters(found: Request) -> list[Letter]:
    return list(db.session.scalars(select(Letter).where(Letter.request_id == found.id, Letter.sent_at.is_not(None))
                                   .order_by(Letter.sent_at, Letter.kind, Letter.version)))


def _documents_of(found: Request) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.request_id == found.id).order_by(Document.id)))


def _csv_cell(value: str) -> str:
    # A cell starting like a formula is text, not a formula, when opened in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def chronology_rows(found: Request, paths: dict[tuple[str, int], str]) -> list[_ChronologyRow]:
    current = request_service.situation(found)
    rows = []
    for entry in request_service.timeline(found, current):
        details = [*entry.lines, entry.detail, entry.warning]
        if entry.corrected_from:
            details.append("date corrigée ; d'origine : " + ", ".join(day.isoformat() for day in entry.corrected_from))
        nature = "Événement" if entry.kind == "event" else ("Échéance passée" if entry.past else "Échéance à venir")
        rows.append(_ChronologyRow(entry.day, nature, entry.title, " ; ".join(part for part in details if part)))
    # The day a letter went is its event's (the freezing moment can be later).
    event_days = {(event.type, (event.data or {}).get("letter_version")): event.occurred_on
                  for event in request_service.effective_events(found)}
    for letter in _sent_letters(found):
        day = event_days.get((EVENT_OF_LETTER.get(letter.kind), letter.version)) or letter.sent_at.date()
        rows.append(_ChronologyRow(day, "Courrier envoyé",
                                   f"{LETTER_KINDS.get(letter.kind, letter.kind)} (version {letter.version})",
                                   f"SHA-256 {letter.pdf_sha256}", paths.get(("letter", letter.id), "")))
    statuses = {item.id: item.description for item in found.items}
    for document in _documents_of(found):
        details = [CAME_BY.get(document.came_by, ""), f"expéditeur : {document.sender}" if document.sender else "",
                   f"{document.pages} page{'s' if document.pages > 1 else ''}" if document.pages else "",
                   *(f"{OUTCOMES[link.outcome].lower()} : {statuses.get(link.item_id, '')}" for link in document.item_links),
                   f"extrait de {document.parent.filename}" if document.parent else "", document.notes]
        rows.append(_ChronologyRow(document.received_on or document.created_at.date(), "Document reçu",
                                   document.filename, " ; ".join(part for part in details if part),
                                   paths.get(("document", document.id), "")))
    order = {"Événement": 0, "Courrier envoyé": 1, "Document reçu": 2}
    return sorted(rows, key=lambda row: (row.day, order.get(row.nature, 3)))


def _chronology_csv(rows: list[_ChronologyRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["date", "nature", "intitulé", "détails", "fichier"])
    for row in rows:
        writer.writerow([row.day.isoformat(), row.nature, _csv_cell(row.title), _csv_cell(row.details), row.file])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheets then read UTF-8


@functools.cache
def _refusing_fetcher_class():
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        """The chronology is self-contained: every URL in it is refused."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            raise ValueError(f"URL refused in a dossier export: {url[:200]}")

    return RefusingFetcher


def _chronology_pdf(found: Request, rows: list[_ChronologyRow]) -> bytes:
    from weasyprint import HTML

    # The app's Jinja environment (autoescape, filters) without its context processors:
    # a job has no request, hence no current user.
    template = current_app.jinja_env.get_template("documents/chronology_pdf.html")
    html = template.render(found=found, rows=rows, status_labels=STATUS_LABELS, generated_on=clock.today(),
                           obtained=obtained(found))
    return HTML(string=html, url_fetcher=_refusing_fetcher_class()()).write_pdf()


def _entries(found: Request, root: str) -> list[_Entry]:
    base = f"{root}{found.reference}/"
    entries, paths = [], {}
    for letter in _sent_letters(found):
        if not letter.pdf_sha256:
            continue
        path = f"{base}courriers/{found.reference}-{letter.kind}-v{letter.version}.pdf"
        paths[("letter", letter.id)] = path
        entries.append(_Entry(path, "letter", found, "application/pdf", sha256=letter.pdf_sha256, meta={
            "letter_kind": letter.kind, "version": letter.version, "sent_at": letter.sent_at.isoformat()}))
    documents = _documents_of(found)
    proofs = {int((event.data or {}).get("proof_document_id")) for event in found.events
              if str((event.data or {}).get("proof_document_id", "")).isdigit()}
    for document in documents:
        folder = "preuves" if document.id in proofs else "documents"
        path = f"{base}{folder}/{document.id:04d}-{document.filename}"
        paths[("document", document.id)] = path
        entries.append(_Entry(path, "proof" if folder == "preuves" else "document", found, document.media_type,
                              sha256=document.sha256, meta={
                                  "document_id": document.id, "original_name": document.original_name,
                                  "received_on": document.received_on.isoformat() if document.received_on else None,
                                  "came_by": document.came_by, "sender": document.sender, "pages": document.pages,
                                  "container": paths.get(("document", document.parent_id)) if document.parent_id else None,
                                  "items": [{"item": link.item_id, "outcome": link.outcome} for link in document.item_links],
                              }))
    rows = chronology_rows(found, paths)
    entries.append(_Entry(f"{base}chronologie.csv", "chronology", found, "text/csv", content=_chronology_csv(rows)))
    entries.append(_Entry(f"{base}chronologie.pdf", "chronology", found, "application/pdf",
                          content=_chronology_pdf(found, rows)))
    return entries


def export_size(requests: Iterable[Request]) -> tuple[int, int]:
    """(bytes, files) a dossier of these requests will hold, before compression."""
    ids = [found.id for found in requests]
    if not ids:
        return 0, 0
    size, count = db.session.execute(select(func.coalesce(func.sum(Document.size), 0), func.count())
                                     .where(Document.request_id.in_(ids))).one()
    letters = db.session.scalar(select(func.count()).where(Letter.request_id.in_(ids), Letter.sent_at.is_not(None)))
    return int(size) + letters * 100_000, int(count) + letters + 2 * len(ids)


class ExportError(RuntimeError):
    pass


def write_dossier(requests: list[Request], root: str, out: BinaryIO, scope: dict,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Write the ZIP of a dossier to `out`: per request its sent letters, documents
    received, proofs and chronology (CSV and PDF), then `manifest.json` listing every
    file with its SHA-256, computed from the very bytes written. Returns the file count."""
    store = file_store()
    root = root.strip("/") + "/"
    plan = [entry for found in requests for entry in _entries(found, root)]
    moment = datetime.now(timezone.utc)
    stamp = moment.timetuple()[:6]
    listed = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for position, entry in enumerate(plan, start=1):
            info = zipfile.ZipInfo(entry.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if entry.media_type in _STORED_AS_IS else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            digest, size = hashlib.sha256(), 0
            with bundle.open(info, "w", force_zip64=True) as target:
                source = store.open(entry.sha256) if entry.sha256 else io.BytesIO(entry.content)
                with source:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
            if entry.sha256 and digest.hexdigest() != entry.sha256:
                raise ExportError(f"Le fichier stocké {entry.sha256} ne correspond plus à son empreinte : export arrêté.")
            listed.append({"path": entry.path, "sha256": digest.hexdigest(), "size": size, "media_type": entry.media_type,
                           "role": entry.role, "request": entry.request.reference if entry.request else None,
                           **entry.meta})
            if progress:
                progress(position, len(plan))
        manifest = {
            "format": "lanterne-dossier/1",
            "generated_at": moment.isoformat(timespec="seconds"),
            "scope": scope,
            "requests": [{"reference": found.reference, "subject": found.subject, "authority": found.authority.name,
                          "status": found.status, "status_label": STATUS_LABELS.get(found.status, found.status),
                          "items": [{"id": item.id, "description": item.description} for item in found.items]}
                         for found in requests],
            "files": listed,
        }
        bundle.writestr(zipfile.ZipInfo(f"{root}manifest.json", date_time=stamp),
                        json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), zipfile.ZIP_DEFLATED)
    return len(listed)


def request_dossier_name(found: Request) -> str:
    return f"dossier-{found.reference}.zip"


def request_scope(found: Request) -> dict:
    return {"kind": "request", "reference": found.reference, "subject": found.subject}


def campaign_requests(campaign: Campaign, user: User) -> list[Request]:
    return list(db.session.scalars(select(Request).where(Request.campaign_id == campaign.id,
                                                         visible_to(Request, user)).order_by(Request.reference)))


def campaign_scope(campaign: Campaign) -> dict:
    return {"kind": "campaign", "id": campaign.id, "title": campaign.title}


def export_to_temporary_file(requests: list[Request], root: str, scope: dict) -> BinaryIO:
    """A dossier written to an anonymous temporary file (gone when closed), rewound."""
    handle = tempfile.TemporaryFile()
    try:
        write_dossier(requests, root, handle, scope)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def export_to_store(requests: list[Request], root: str, scope: dict,
                    progress: Callable[[int, int], None] | None = None) -> str:
    """A dossier kept in the file store (for a job's result); returns its SHA-256."""
    store = file_store()
    store.root.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=store.root, prefix=".export-", delete=False)
    try:
        with handle:
            write_dossier(requests, root, handle, scope, progress)
        return store.put_file(handle.name)
    finally:
        Path(handle.name).unlink(missing_ok=True)  # already moved into the store, unless it failed
