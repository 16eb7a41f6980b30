"""Searching the CADA's opinions, as the documents are searched (workflow/documents/
text_search.py) where the import's budget allows: on PostgreSQL the same `french`
tsvector of the text as written and without accents; on SQLite an FTS5 table that
SQLite tokenizes itself (diacritics removed) at import, queried with each word's French
stem (Snowball, the keys of `keys_of_word`) as a prefix, or the word itself: "caméras"
finds "camera*", "préfectoraux" finds "prefectoral*" or "prefectoraux". Every word of the
query must match, in the subject, the keywords, the themes or the text. Filters on the
outcome, the year and the kind of administration.

A word found in thousands of opinions would make ranking them all the cost of the
search: the matches are first cut to the CANDIDATES most recent (by import order, the
file's), found without ranking, and only those are ranked: on PostgreSQL by ts_rank (the
subject, keywords and themes weighted A); on SQLite the opinions holding every word in
their subject, keywords or themes first, then the others, the most recent first. The
results say when the cut happened.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import bindparam, column, func, literal_column, select, table, text
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import BindParameter

from workflow.core.extensions import db
from workflow.core.params import PageNumbers
from workflow.core.french_search import fold, highlight, keys_of_word, pg_folded, pg_queries, query_keys, query_words
from workflow.models.precedents import OUTCOME_LABELS, CadaOpinion


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


# SQLite's FTS5 table (migration a3e03c4afaa3), kept by triggers: its rowid is the opinion's id.
FTS_TABLE = table("cada_opinion_search", column("rowid"), column("rank"))
# PostgreSQL's stored tsvector (same migration). Not a model column: SQLite has none.
PG_VECTOR: ColumnElement = literal_column("cada_opinions.cada_opinion_search_vector")

CANDIDATES = 2000
# PostgreSQL ranks with ts_rank, which reads each candidate's whole tsvector (the text's
# stems twice): fewer candidates there.
PG_CANDIDATES = 500
PER_PAGE = 20


@dataclass(frozen=True)
class Filters:
    outcome: str = ""  # OUTCOME_LABELS' keys
    year: int | None = None
    kind: str = ""  # the administration's kind (AUTHORITY_KINDS' keys)

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = []
        if self.outcome in OUTCOME_LABELS:
            conditions.append(CadaOpinion.outcome == self.outcome)
        if self.year is not None:
            conditions.append(CadaOpinion.year == self.year)
        if self.kind:
            conditions.append(CadaOpinion.administration_kind == self.kind)
        return conditions


@dataclass
class OpinionHit:
    opinion: CadaOpinion
    excerpt: Markup
    subject: Markup


@dataclass
class OpinionResults(PageNumbers):
    query: str
    filters: Filters
    hits: list[OpinionHit]
    total: int
    page: int
    per_page: int
    capped: bool = False  # more opinions matched than were ranked: the most recent only
    keys: set[str] = field(default_factory=set)
    awaiting_index: int = 0  # imported opinions a search by words cannot find yet


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def fts_term(word: str, extra: tuple[str, ...] = ()) -> str:
    """One word as an FTS5 expression over SQLite's own tokens: its longest French stem as
    a prefix (a stem much shorter than the word, "cam" for "camera", would find "campagne":
    the word less its last two letters then), or the word itself (a stem need not be a
    prefix of the word: "préfectoraux" -> "prefectoral")."""
    folded = fold(word)
    alternatives = []
    for form in (word, *extra):
        form_folded = fold(form)
        stem = max(keys_of_word(form), key=len)
        if len(stem) < len(form_folded) - 2:
            stem = form_folded[:len(form_folded) - 2]
        alternatives += [_quoted(stem) + " *", _quoted(form_folded)]
    if not alternatives:
        alternatives = [_quoted(folded)]
    return "(" + " OR ".join(dict.fromkeys(alternatives)) + ")"


def fts_match(query: str) -> str:
    """Every word of the query (common French words dropped), as `fts_term`s."""
    return " AND ".join(fts_term(word) for word in query_words(query))


def matching(query: str):
    """The SQL condition for every word of `query` (on FTS_TABLE on SQLite, on CadaOpinion on
    PostgreSQL), and PostgreSQL's rank expression (lower is better; None on SQLite)."""
    if is_sqlite():
        return text("cada_opinion_search MATCH :match").bindparams(match=fts_match(query)), None
    match, rank = pg_queries(query_words(query))
    return PG_VECTOR.op("@@")(match), -func.ts_rank(PG_VECTOR, rank)


_FRENCH: ColumnElement = literal_column("'french'::regconfig")


def pg_any_of(words: list[str]) -> ColumnElement:
    """A tsquery matching any of the words, as written or without accents (PostgreSQL)."""
    query: ColumnElement | None = None
    for word in words:
        parameter: BindParameter[str] = bindparam(None, word, unique=True)
        term: ColumnElement = func.plainto_tsquery(_FRENCH, parameter)
        if fold(word) != word.lower():
            term = term.op("||")(func.plainto_tsquery(_FRENCH, pg_folded(parameter)))
        query = term if query is None else query.op("||")(term)
    assert query is not None
    return query


def _candidates(condition, conditions: list) -> list[int]:
    """The ids of the most recent matches (at most CANDIDATES + 1), without ranking them."""
    if is_sqlite():
        # The matches as a set first: joined, SQLite may walk a filter's index and run the
        # full-text query once per row.
        statement = select(CadaOpinion.id).where(CadaOpinion.id.in_(select(FTS_TABLE.c.rowid).where(condition)))
    else:
        statement = select(CadaOpinion.id).where(condition)
    return list(db.session.scalars(statement.where(*conditions).order_by(CadaOpinion.id.desc())
                                   .limit(_cap() + 1)))


def _cap() -> int:
    return CANDIDATES if is_sqlite() else PG_CANDIDATES


def excerpt_of(opinion: CadaOpinion, keys: set[str]) -> Markup:
    return highlight(opinion.text or opinion.subject, keys, words_around=36)


def search(query: str, filters: Filters = Filters(), page: int = 1, per_page: int = PER_PAGE) -> OpinionResults:
    """Opinions matching every word of `query` (French stems, accents ignored) and the
    filters, best first; without words, every opinion the filters keep, latest first."""
    query = " ".join(query.split())[:200]
    page = max(1, page)
    keys = query_keys(query)
    conditions = filters.conditions()
    if not keys or not query_words(query):
        listed = select(CadaOpinion.id).where(*conditions)
        total = db.session.scalar(select(func.count()).select_from(listed.subquery())) or 0
        ids = list(db.session.scalars(listed.order_by(CadaOpinion.session_on.desc().nulls_last(), CadaOpinion.id.desc())
                                      .limit(per_page).offset((page - 1) * per_page)))
        return OpinionResults(query, filters, _hits(ids, set()), total, page, per_page)
    awaiting = awaiting_count()
    condition, rank = matching(query)
    # 1. The most recent matches, without ranking them.
    candidates = _candidates(condition, conditions)
    capped = len(candidates) > _cap()
    candidates = candidates[:_cap()]
    total = len(candidates)
    if not candidates:
        return OpinionResults(query, filters, [], 0, page, per_page, keys=keys, awaiting_index=awaiting)
    # 2. Rank those only.
    wanted = set(candidates)
    if is_sqlite():
        # The opinions whose subject, keywords or themes hold every word first, then the
        # others, the most recent first in each: two set queries, without bm25 (which cost
        # 40 µs an opinion here, seconds when a filter spreads the candidates over the file).
        head = text("cada_opinion_search MATCH :head").bindparams(head="{subject keywords themes} : (" + fts_match(query) + ")")
        in_head = set(db.session.scalars(select(FTS_TABLE.c.rowid).where(head, FTS_TABLE.c.rowid >= candidates[-1])))
        scores = sorted(((0 if opinion_id in in_head else 1, -opinion_id) for opinion_id in candidates))
    else:
        ranked = select(CadaOpinion.id, rank.label("score")).where(CadaOpinion.id.in_(candidates))
        scores = sorted(((score, -opinion_id) for opinion_id, score in db.session.execute(ranked)
                         if opinion_id in wanted))
    ids = [-negative for _score, negative in scores[(page - 1) * per_page: page * per_page]]
    return OpinionResults(query, filters, _hits(ids, keys), total, page, per_page, capped, keys, awaiting)


def _hits(ids: list[int], keys: set[str]) -> list[OpinionHit]:
    opinions = {opinion.id: opinion for opinion in db.session.scalars(select(CadaOpinion).where(CadaOpinion.id.in_(ids)))}
    hits = []
    for opinion_id in ids:
        opinion = opinions[opinion_id]
        subject = highlight(opinion.subject, keys, words_around=400) if keys else Markup.escape(opinion.subject)
        hits.append(OpinionHit(opinion, excerpt_of(opinion, keys) if keys else highlight(opinion.text, set()), subject))
    return hits


def opinion(number: str) -> CadaOpinion | None:
    return db.session.scalar(select(CadaOpinion).where(CadaOpinion.number == number.strip()[:20]))


def awaiting_count() -> int:
    """How many imported opinions are not in the full-text index yet (the index job puts
    them there: workflow.precedents.indexing); a partial index counts them."""
    return db.session.scalar(select(func.count()).select_from(CadaOpinion).where(CadaOpinion.awaiting_index)) or 0


def any_imported() -> bool:
    """Whether the opinions were imported at all: an empty search page says how to."""
    return db.session.scalar(select(CadaOpinion.id).limit(1)) is not None


def years() -> list[int]:
    return list(db.session.scalars(select(CadaOpinion.year).where(CadaOpinion.year.is_not(None))
                                   .distinct().order_by(CadaOpinion.year.desc())))
