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
from sqlalchemy.sql import ColumnElement

from workflow.core.french_search import (STOP_WORDS, fold, highlight, keys_of_word, pg_folded, pg_queries,  # noqa: F401
                                         query_keys, query_terms, query_words, word_keys)
from workflow.accounts.access import visible_to
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
    capped: bool = False  # more pages matched than were ranked: the most recent documents only


# The stored tsvector of a page (PostgreSQL only; see the migration): the French stems of
# the text as written and of the text without accents (`keys_of_word`
# says why both). Not a model column: SQLite has no such column.
PG_VECTOR: ColumnElement = literal_column("document_pages.document_search_vector")


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
                .join(AccessRequest, AccessRequest.id == Document.request_id)
                .where(visible_to(AccessRequest, user))
                .order_by(DocumentPage.document_id.desc(), DocumentPage.id)
                .limit(CANDIDATE_PAGES + 1))

    if is_sqlite():
        fts_match = " AND ".join("(" + " OR ".join('"' + key.replace('"', "") + '"' for key in term) + ")"
                                 for term in query_terms(query))
        return visible(select(DocumentPage.id.label("page_id"), DocumentPage.document_id.label("document_id"),
                              FTS_TABLE.c.rank.label("score"))
                       .join(FTS_TABLE, FTS_TABLE.c.rowid == DocumentPage.id)
                       .where(text("document_search MATCH :match").bindparams(match=fts_match))).subquery()
    match, rank = pg_queries(query_words(query))
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
    keys = query_keys(query)
    page = max(1, page)
    if not keys or not query_words(query):
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
    pages = {page.id: page for page in db.session.scalars(
        select(DocumentPage).where(DocumentPage.id.in_([row.page_id for row in rows])))}
    hits = []
    for row in rows:
        found_page = pages[row.page_id]
        document = found_page.document
        hits.append(SearchHit(request=document.request, document=document,
                              page=found_page.page if document.paginated else None,
                              excerpt=highlight(found_page.text, keys), other_pages=row.hits - 1))
    return SearchResults(query, hits, total, page, per_page, capped)
