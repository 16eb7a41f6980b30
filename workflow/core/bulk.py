"""Bulk imports on PostgreSQL: rows meant for a GIN index wait in its pending list during
the import and are merged once at the end (inserting each row into a GIN index costs more
than the rest of an import); the batches' commits do not wait for the disk; the table is
vacuumed and analysed after it. Elsewhere (SQLite) nothing changes."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text

from workflow.core.extensions import db


@contextmanager
def gin_pending_list(index_name: str) -> Iterator[None]:
    """Within the block, the GIN index `index_name` takes new rows in its pending list."""
    if db.engine.dialect.name != "postgresql" or not db.session.scalar(
            text(f"SELECT to_regclass('{index_name}') IS NOT NULL")):
        yield
        return
    db.session.execute(text(f"ALTER INDEX {index_name} SET (fastupdate = on, gin_pending_list_limit = 131072)"))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        db.session.execute(text(f"ALTER INDEX {index_name} RESET (gin_pending_list_limit)"))
        db.session.execute(text(f"SELECT gin_clean_pending_list('{index_name}'::regclass)"))
        db.session.commit()


def asynchronous_commit() -> None:
    """On PostgreSQL, the current transaction's commit need not wait for its WAL to reach
    the disk: for the batches of an import, which a crash can only lose (the last ones,
    never harming the database) and which importing the file again writes anew. Elsewhere
    nothing is done."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO off"))


def refresh_after_import(table_name: str) -> None:
    """After a bulk import on PostgreSQL: VACUUM (ANALYZE) the table, so that the planner
    knows its new rows at once (not when autovacuum comes by) and index-only scans need not
    visit the rows (the visibility map is set). Elsewhere nothing is done."""
    if db.engine.dialect.name != "postgresql":
        return
    db.session.commit()
    # VACUUM runs outside any transaction.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'VACUUM (ANALYZE) "{table_name}"'))
