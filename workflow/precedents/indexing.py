"""The CADA's opinions into the full-text index, after their import.

The import (`workflow.precedents.importing`) stores the rows and marks the new ones
`awaiting_index`; the index job (`workflow.jobs.precedents`, queued by `flask cada
import`) then puts them in the index here, in batches, each its own transaction. Until it
has, an opinion is found by its number, by the filters and in the letters, not by its
words; the search page says how many are waiting. Why after: on PostgreSQL the French
stems of the 100 MB of text cost more than the whole rest of the import (30 s of 69 s for
60,000 opinions on 2 cores), and its own text parser alone is past the import's budget.

Safe to stop and to run again (it starts from what still waits) and to run twice at once:
on PostgreSQL a batch locks its rows and skips those another run holds; on SQLite one
writer at a time, and a batch takes the rows still waiting when it writes.
"""
from __future__ import annotations

from typing import Callable, cast

from sqlalchemy import column, func, literal, literal_column, select, table, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import ColumnElement

from workflow.core.bulk import gin_pending_list, refresh_after_import
from workflow.core.extensions import db
from workflow.core.french_search import pg_folded
from workflow.models.precedents import CadaOpinion
from workflow.models.versions import UNSEEN
from workflow.precedents.search import awaiting_count, is_sqlite

BATCH_SIZE = 2000
SEARCH_INDEX = "cada_opinion_search_fts"  # PostgreSQL's GIN index (migration a3e03c4afaa3)

_FRENCH: ColumnElement = literal_column("'french'::regconfig")
# The table as PostgreSQL has it: with its tsvector column, which is not the model's.
_OPINIONS = table("cada_opinions", column("id"), column("subject"), column("keywords"), column("themes"),
                  column("text"), column("awaiting_index"), column("cada_opinion_search_vector"))


def _pg_vector() -> ColumnElement:
    """The French stems of the text as written and without accents, the subject, keywords
    and themes weighted A: as the migration a3e03c4afaa3 computed it, and as the queries
    of `workflow.core.french_search.pg_queries` expect it."""
    row = _OPINIONS.c
    head = row.subject.op("||")(literal(" ")).op("||")(row.keywords).op("||")(literal(" ")).op("||")(row.themes)
    weighted = func.setweight(func.to_tsvector(_FRENCH, head), literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector(_FRENCH, pg_folded(head)), literal_column("'A'")))
    return weighted.op("||")(func.to_tsvector(_FRENCH, row.text)).op("||")(
        func.to_tsvector(_FRENCH, pg_folded(row.text)))


def _index_batch(size: int) -> int:
    """Index up to `size` waiting opinions, the oldest first; commits; how many it did."""
    if is_sqlite():
        bound = db.session.scalar(select(func.max(literal_column("id"))).select_from(
            select(CadaOpinion.id).where(CadaOpinion.awaiting_index).order_by(CadaOpinion.id).limit(size).subquery()))
        if bound is None:
            db.session.rollback()
            return 0
        # The INSERT reads the rows still waiting under the write lock, and the UPDATE marks
        # them in the same transaction: a batch another run committed meanwhile is skipped.
        db.session.execute(text(
            "INSERT INTO cada_opinion_search(rowid, subject, keywords, themes, text) "
            "SELECT id, subject, keywords, themes, text FROM cada_opinions WHERE awaiting_index = 1 AND id <= :bound"),
            {"bound": bound})
        marked = (update(CadaOpinion).where(CadaOpinion.awaiting_index, CadaOpinion.id <= bound)
                  .values(awaiting_index=False).execution_options(synchronize_session=False, **{UNSEEN: True}))
        done = cast(CursorResult, db.session.execute(marked)).rowcount
    else:
        row = _OPINIONS.c
        waiting = _OPINIONS.alias("waiting")
        batch = (select(waiting.c.id).where(waiting.c.awaiting_index).order_by(waiting.c.id).limit(size)
                 .with_for_update(skip_locked=True))
        indexed = (update(_OPINIONS).where(row.id.in_(batch.scalar_subquery()))
                   .values(cada_opinion_search_vector=_pg_vector(), awaiting_index=False)
                   .execution_options(**{UNSEEN: True}))
        done = cast(CursorResult, db.session.execute(indexed)).rowcount
    db.session.commit()
    return done


def index_awaiting(progress: Callable[[int, int], None] | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Put every waiting opinion in the full-text index; `progress(done, total)` after each
    batch. Returns how many it indexed."""
    total, done = awaiting_count(), 0
    if not total:
        return 0
    with gin_pending_list(SEARCH_INDEX):
        while indexed := _index_batch(batch_size):
            done += indexed
            if progress is not None:
                progress(done, max(total, done))
    # PostgreSQL: each indexed row left a dead version behind (an update); without a vacuum
    # the next searches read them too until autovacuum comes by.
    refresh_after_import(CadaOpinion.__tablename__)
    return done
