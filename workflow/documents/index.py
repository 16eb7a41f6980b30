"""The text of filed documents, page by page, and its full-text index: extraction (run by
a job after filing), the index rows, rebuilding after a restore, and keeping the index's
hand-written database objects out of Alembic's autogenerate.
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, func, insert, select

from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.documents.extraction import Extraction, clean_text, extract_text, thumbnail
from workflow.documents.formats import MESSAGES, ZIP, zip_listing
from workflow.documents.mail import read_message
from workflow.documents.text_search import FTS_TABLE, is_sqlite, word_keys
from workflow.models import Document
from workflow.models.base import utcnow
from workflow.models.documents import DocumentPage

# The full-text index's tables, triggers, column and index are all named with this prefix.
SEARCH_OBJECTS_PREFIX = "document_search"


# The directory's trigram index on PostgreSQL (migration d7e2a9c4b8f1), hand-written too.
AUTHORITY_SEARCH_PREFIX = "authority_search"
# The CADA opinions' full-text index (migration a3e03c4afaa3), hand-written too.
CADA_SEARCH_PREFIX = "cada_opinion_search"


def include_in_migrations(_object, name, type_, _reflected=None, _compare_to=None) -> bool:
    """Alembic filter: the full-text index (FTS5 table and its shadow tables on SQLite,
    the tsvector column and its GIN index on PostgreSQL), the same for the CADA's opinions,
    and the directory's trigram index are written by hand in the migrations and are not models; autogenerate must neither
    drop them nor report them."""
    return not (name or "").startswith((SEARCH_OBJECTS_PREFIX, AUTHORITY_SEARCH_PREFIX, CADA_SEARCH_PREFIX))


def _include_name(name, type_, _parent_names) -> bool:
    return include_in_migrations(None, name, type_)


def init_app(app: Flask) -> None:
    """Keep the hand-written search objects out of `flask db migrate`."""
    migrate_state = app.extensions.get("migrate")
    if migrate_state is not None:
        migrate_state.configure_args.setdefault("include_object", include_in_migrations)
        migrate_state.configure_args.setdefault("include_name", _include_name)


def index_pages(document: Document, pages: list[str]) -> list[DocumentPage]:
    """Replace the document's text, page by page, and its entries in the index (no commit).
    PostgreSQL indexes the rows itself (expression index); SQLite's FTS5 table gets the
    words' keys computed here, and loses them by trigger when a page row goes."""
    db.session.execute(delete(DocumentPage).where(DocumentPage.document_id == document.id))
    rows = [DocumentPage(document_id=document.id, page=number, text=clean_text(page_text))
            for number, page_text in enumerate(pages, start=1) if page_text.strip()]
    db.session.add_all(rows)
    db.session.flush()
    if rows and is_sqlite():
        db.session.execute(insert(FTS_TABLE), [{"rowid": row.id, "stems": " ".join(word_keys(row.text))}
                                          for row in rows])
    return rows


def rebuild_search_index() -> int:
    """Index every stored page again (after a restore). PostgreSQL computes its column
    itself; SQLite's FTS5 table is refilled. Returns the number of pages; commits."""
    if not is_sqlite():
        return db.session.scalar(select(func.count()).select_from(DocumentPage)) or 0
    db.session.execute(delete(FTS_TABLE))
    count = 0
    for row in db.session.execute(select(DocumentPage.id, DocumentPage.text)).yield_per(1000):
        db.session.execute(insert(FTS_TABLE), [{"rowid": row.id, "stems": " ".join(word_keys(row.text))}])
        count += 1
    db.session.commit()
    return count


def extract_and_index(document: Document) -> Extraction:
    """Read the document's text page by page, index it, count its pages, draw its first
    page. Replaces whatever an earlier run left; commits."""
    store = file_store()
    path = store.path(document.sha256)
    summary, members = None, None
    try:
        if document.media_type in MESSAGES:
            summary = read_message(path, document.media_type)
        elif document.media_type == ZIP:
            members = zip_listing(path)
    except Exception:  # noqa: BLE001 - a damaged container: extract_text says what it can
        pass
    extraction = extract_text(path, document.media_type, summary, members)
    index_pages(document, extraction.pages)
    if extraction.page_count:
        document.pages = extraction.page_count
    document.paginated = extraction.paginated
    document.text_status, document.text_note = extraction.status, extraction.note[:500]
    picture = thumbnail(path, document.media_type)
    document.thumbnail_sha256 = store.put(picture) if picture else None
    document.extracted_at = utcnow()
    db.session.commit()
    return extraction
