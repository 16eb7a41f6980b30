"""Which stored files the database still names. A file of the store is named by a column
called `sha256` or ending in `_sha256`, or by such a key inside a JSON column (an e-mail
waiting to be sent names its letter's files, a deleted document's history entry names its
bytes so the deletion can be undone by hand). Both are found from the schema itself, so
a column added later is known without being listed here.

The database also holds a token of its own, written in the store it owns
(`FileStore.bind`): the collector removes nothing from a store another database owns."""
from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import JSON, Column, DateTime, Integer, String, cast, literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from workflow.core.extensions import db
from workflow.models.base import utcnow

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _names_a_file(name: str) -> bool:
    return name == "sha256" or name.endswith("_sha256")


def file_columns() -> list[Column]:
    return [column for table in db.Model.metadata.sorted_tables for column in table.columns
            if _names_a_file(column.name)]


def json_columns() -> list[Column]:
    return [column for table in db.Model.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, JSON)]


def _named_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str) and _names_a_file(str(key)) and SHA256.match(inner):
                yield inner
            else:
                yield from _named_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _named_in(inner)


def referenced_files() -> set[str]:
    """Every SHA-256 a row names. One statement, so one snapshot of the database: a name
    moving from a row to another (a document deleted, its history entry written) is seen
    in one of them."""
    parts = [select(column.label("value"), literal(False).label("is_json")).where(column.is_not(None))
             for column in file_columns()]
    # Only the JSON values that mention a file are read and walked.
    parts += [select(cast(column, String).label("value"), literal(True).label("is_json"))
              .where(cast(column, String).like("%sha256%")) for column in json_columns()]
    named: set[str] = set()
    for value, is_json in db.session.execute(union_all(*parts)):
        if is_json:
            named.update(_named_in(json.loads(value)))
        else:
            named.add(value)
    return named


class FileStoreOwner(db.Model):
    """One row: this database's token. Instance-local (not in backups: a restore binds the
    store to the database it restores into)."""

    __tablename__ = "file_store_owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def database_token() -> str:
    """This database's token, made at its first use (committed)."""
    token = db.session.scalar(select(FileStoreOwner.token).where(FileStoreOwner.id == 1))
    if token is not None:
        return token
    db.session.add(FileStoreOwner(id=1, token=secrets.token_hex(16)))
    try:
        db.session.commit()
    except IntegrityError:  # made at this very moment by another process
        db.session.rollback()
    return db.session.scalars(select(FileStoreOwner.token).where(FileStoreOwner.id == 1)).one()
