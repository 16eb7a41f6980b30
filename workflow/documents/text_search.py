"""Searching the text of received documents: the full-text query (FTS5 on SQLite, tsvector
on PostgreSQL), ranking, and the excerpts with the matching words marked.

The French word keys, the PostgreSQL queries and the excerpts are shared with the other
indexes (`workflow.core.french_search`, re-exported here); `workflow.documents.index`
writes the keys of each page, `search` reads them.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import column, func, literal_column, select, table, text
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import ColumnElement

from workflow.core.french_search import (STOP_WORDS, fold, highlight, keys_of_word, pg_folded, pg_queries,  # noqa: F401
                                         query_keys, query_terms, query_words, word_keys)
from workflow.accounts.access import visible_to
from workflow.core.estimates import estimated_rows
from workflow.core.extensions import db
from workflow.core.params import PageNumbers
from workflow.models import Document, AccessRequest, User
from workflow.models.documents import DocumentPage

# --------------------------------------------------------------- the index's table


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


# SQLite's FTS5 table (see the migration): the keys of each page, by page id.
FTS_TABLE = table("document_search", column("rowid"), column("stems"), column("rank"))


# --------------------------------------------------------------------- search

@dataclass
class SearchHit:
    request: AccessRequest
    document: Document
    page: int | None
    excerpt: Markup
    other_pages: int


@dataclass
class SearchResults(PageNumbers):
    query: str
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    capped: bool = False  # more pages matched than were ranked: "plus de {total} résultats", the most recent


# The stored tsvector of a page (PostgreSQL only; see the migration): the French stems of
# the text as written and of the text without accents (`keys_of_word`
# says why both). Not a model column: SQLite has no such column.
PG_VECTOR: ColumnElement = literal_column("document_pages.document_search_vector")


# Pages ranked at most for one search. A word on every page would otherwise make ranking
# them all the cost of the search (1.3 s at 100,000 documents): the matching pages are
# first found without ranking, the most recent first (by page id: the order they were
# indexed in), and only the first ones are ranked; the page then says "plus de N
# résultats". PostgreSQL's ts_rank reads each page's whole tsvector: fewer there.
CANDIDATE_PAGES = 1000
PG_CANDIDATE_PAGES = 500


def _cap() -> int:
    return CANDIDATE_PAGES if is_sqlite() else PG_CANDIDATE_PAGES


# Below this many matching pages (PostgreSQL's estimate, from EXPLAIN), they are found as
# a set through the GIN index and the most recent kept; above, the pages are read newest
# first by primary key until enough match (a common word: a few thousand rows). Each way
# alone is slow on the other's words (100,000 documents): 180 ms for a word on 1.4 % of
# the pages read newest first, 100 ms and more for a word on every page found as a set;
# above about 10,000 the planner reads the whole table rather than the index (440 ms).
PG_SET_BELOW = 8_000


def _visible_pages(statement, user: User, page_id, document_id):
    return (statement.join(Document, Document.id == document_id)
            .join(AccessRequest, AccessRequest.id == Document.request_id)
            .where(visible_to(AccessRequest, user))
            .order_by(page_id.desc())
            .limit(_cap() + 1))


def _candidate_pages(query: str, user: User) -> list[tuple[int, int, float]]:
    """(page id, document id, score: lower is better) of the most recent matching pages of
    documents `user` may see, at most _cap() + 1 (one more says the list was cut)."""
    if is_sqlite():
        fts_match = " AND ".join("(" + " OR ".join('"' + key.replace('"', "") + '"' for key in term) + ")"
                                 for term in query_terms(query))
        # The full-text index read in its own order (rowid = page id, newest first), each
        # match joined to its document and request by primary key until enough are
        # visible; bm25 (`rank`) is computed for those rows only.
        statement = _visible_pages(
            select(FTS_TABLE.c.rowid, DocumentPage.document_id, FTS_TABLE.c.rank)
            .select_from(FTS_TABLE).join(DocumentPage, DocumentPage.id == FTS_TABLE.c.rowid)
            .where(text("document_search MATCH :match").bindparams(match=fts_match)),
            user, FTS_TABLE.c.rowid, DocumentPage.document_id)
        return [(page_id, document_id, score) for page_id, document_id, score in db.session.execute(statement)]
    match, rank = pg_queries(query_words(query))
    matches = select(DocumentPage.id, DocumentPage.document_id).where(PG_VECTOR.op("@@")(match))
    if estimated_rows(matches) <= PG_SET_BELOW:
        # Few: all of them through the GIN index, their documents' visibility checked by
        # primary key (joined, PostgreSQL hashed the whole documents table), newest first.
        found: list[tuple[int, int]] = sorted(((page_id, document_id) for page_id, document_id in db.session.execute(matches)),
                                           reverse=True)
        visible = set(db.session.scalars(
            select(Document.id).join(AccessRequest, AccessRequest.id == Document.request_id)
            .where(Document.id.in_(list({document_id for _page_id, document_id in found})), visible_to(AccessRequest, user))))
        ids = [page_id for page_id, document_id in found if document_id in visible][:_cap() + 1]
        candidates = select(DocumentPage.id, DocumentPage.document_id).where(DocumentPage.id.in_(ids)).subquery()
    else:
        candidates = _visible_pages(matches, user, DocumentPage.id, DocumentPage.document_id).subquery()
    # Ranked after the cut, on the candidates only.
    ranked = (select(candidates.c.id, candidates.c.document_id, -func.ts_rank(PG_VECTOR, rank))
              .join(DocumentPage, DocumentPage.id == candidates.c.id))
    return sorted(((page_id, document_id, score) for page_id, document_id, score in db.session.execute(ranked)),
                  key=lambda row: -row[0])


def search(user: User, query: str, page: int = 1, per_page: int = 20) -> SearchResults:
    """Documents of the requests `user` may see whose text matches every word of the
    query (French stemming, accents ignored): one hit per document, its best page first,
    with an excerpt where the words are marked. When more pages match than are ranked,
    the documents of the most recent ones only, and `capped` says so."""
    query = " ".join(query.split())[:200]
    keys = query_keys(query)
    page = max(1, page)
    if not keys or not query_words(query):
        return SearchResults(query, [], 0, page, per_page)
    candidates = _candidate_pages(query, user)
    capped = len(candidates) > _cap()
    # Each document's best page (lowest score, then first page id) and its other matches.
    best: dict[int, tuple[float, int]] = {}
    matches: dict[int, int] = {}
    for page_id, document_id, score in candidates[:_cap()]:
        matches[document_id] = matches.get(document_id, 0) + 1
        if document_id not in best or (score, page_id) < best[document_id]:
            best[document_id] = (score, page_id)
    ordered = sorted(best.items(), key=lambda item: item[1])
    shown = ordered[(page - 1) * per_page: page * per_page]
    pages = {found.id: found for found in db.session.scalars(
        select(DocumentPage).where(DocumentPage.id.in_([page_id for _document, (_score, page_id) in shown]))
        .options(selectinload(DocumentPage.document).selectinload(Document.request)))}
    hits = []
    for document_id, (_score, page_id) in shown:
        found_page = pages[page_id]
        document = found_page.document
        hits.append(SearchHit(request=document.request, document=document,
                              page=found_page.page if document.paginated else None,
                              excerpt=highlight(found_page.text, keys), other_pages=matches[document_id] - 1))
    return SearchResults(query, hits, len(ordered), page, per_page, capped)
