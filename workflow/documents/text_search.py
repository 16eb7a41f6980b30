"""Searching the text of received documents: the French word keys shared by the index
and the queries, the full-text query (FTS5 on SQLite, tsvector on PostgreSQL), ranking,
and the excerpts with the matching words marked.

The keys and the excerpts are pure functions; `workflow.documents.index` writes the keys
of each page, `search` reads them.
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import bindparam, column, func, literal_column, select, table, text
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import BindParameter

from workflow.accounts.access import visible_to
from workflow.core.extensions import db
from workflow.models import Document, AccessRequest, User
from workflow.models.documents import DocumentPage

# --------------------------------------------------------------- search words

_WORD = re.compile(r"\w+", re.UNICODE)
STOP_WORDS = frozenset(
    "a au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me meme mes moi mon ne nos "
    "notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m "
    "n s t y est sont ete etre avoir ont".split()
)
_local = threading.local()


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelt out: "Œuvre Éclairée" -> "oeuvre eclairee"."""
    return _strip_accents(text.lower().replace("œ", "oe").replace("æ", "ae"))


@functools.lru_cache(maxsize=100_000)
def keys_of_word(word: str) -> tuple[str, ...]:
    """The keys a word is indexed and searched under: its French stem (Snowball, as
    PostgreSQL's `french` configuration) without accents, and the stem of the word
    without accents. Two, because each way alone misses: "caméra" stems to "camer" but
    "camera" to "cam"; "installées" to "install" but "installees" to "installe"."""
    stem = _stemmer().stemWord
    lower = word.lower().replace("œ", "oe").replace("æ", "ae")
    first, second = _strip_accents(stem(lower)), stem(_strip_accents(lower))
    return (first,) if first == second else (first, second)


def word_keys(text: str) -> list[str]:
    """Every key of every word of `text`, in order: what the SQLite index holds."""
    return [key for word in _WORD.findall(text) for key in keys_of_word(word)]


def query_terms(query: str, limit: int = 12) -> list[tuple[str, ...]]:
    """The query's words (common French words dropped), each as its alternative keys: a
    page matches when it has, for every word, one of its keys."""
    words = [word for word in _WORD.findall(query) if fold(word) not in STOP_WORDS]
    return list(dict.fromkeys(keys_of_word(word) for word in words))[:limit]


def query_words(query: str, limit: int = 12) -> list[str]:
    words = [word for word in _WORD.findall(query) if fold(word) not in STOP_WORDS]
    return list(dict.fromkeys(words))[:limit]


def query_keys(query: str) -> set[str]:
    return {key for term in query_terms(query) for key in term}


def highlight(text: str, keys: list[str] | set[str], words_around: int = 18) -> Markup:
    """An excerpt of `text` around its first matching word, every match in <mark>, every
    other character escaped."""
    keys = set(keys)
    tokens = list(_WORD.finditer(text))
    hits = [index for index, match in enumerate(tokens) if not keys.isdisjoint(keys_of_word(match.group()))]
    if not tokens:
        return Markup("")
    first = hits[0] if hits else 0
    start_token = max(0, first - words_around // 3)
    end_token = min(len(tokens) - 1, start_token + words_around)
    start = tokens[start_token].start()
    end = tokens[end_token].end() if end_token < len(tokens) - 1 else len(text.rstrip())
    pieces, cursor = [], start
    for index in hits:
        if start_token <= index <= end_token:
            match = tokens[index]
            pieces.append(escape(text[cursor:match.start()]))
            pieces.append(Markup("<mark>%s</mark>") % match.group())
            cursor = match.end()
    pieces.append(escape(text[cursor:end]))
    excerpt = Markup("").join(pieces)
    excerpt = Markup(re.sub(r"\s+", " ", str(excerpt)))  # safe: only white space changes
    prefix = Markup("… ") if start > 0 else Markup("")
    suffix = Markup(" …") if end < len(text.rstrip()) else Markup("")
    return prefix + excerpt + suffix


# --------------------------------------------------------------- the index's table


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


# SQLite's FTS5 table (see the migration): the keys of each page, by page id.
FTS_TABLE = table("document_search", column("rowid"), column("stems"), column("rank"))


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


_FRENCH: ColumnElement = literal_column("'french'::regconfig")


@dataclass
class SearchHit:
    request: AccessRequest
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
# the text as written and of the text without accents (`keys_of_word`
# says why both). Not a model column: SQLite has no such column.
PG_VECTOR: ColumnElement = literal_column("document_pages.document_search_vector")


def pg_queries(words: list[str]) -> tuple[ColumnElement, ColumnElement]:
    """(what must match, what ranks): every word, as written or without accents, for the
    match: (w1 | folded w1) & (w2 | folded w2)...; any of them for the rank, because
    ts_rank of an AND query compares every pair of positions (hundreds of times slower
    on common words) while the pages ranked all match the AND query anyway."""
    terms = []
    for number, word in enumerate(words):
        parameter: BindParameter[str] = bindparam(f"search_word_{number}", word)
        term: ColumnElement = func.plainto_tsquery(_FRENCH, parameter)
        if fold(word) != word.lower():
            term = term.op("||")(func.plainto_tsquery(_FRENCH, pg_folded(parameter)))
        terms.append(term)
    match: ColumnElement = terms[0]
    rank: ColumnElement = terms[0]
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
