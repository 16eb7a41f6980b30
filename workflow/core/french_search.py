"""French full-text search words, shared by every index of the application (the documents
received, the CADA's opinions): the word keys an index holds and a query looks for
(Snowball French stems, accents folded), the PostgreSQL `french` queries that match the
stored tsvectors, and the excerpts with the matching words marked.

Pure but for the SQL expressions: no session, no table. The migrations that build each
index fold the text exactly as `pg_folded` does.
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata

from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, literal_column
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import BindParameter

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



# --------------------------------------------------------------- PostgreSQL

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
