"""Backup and restore: every table as JSON plus the stored files, in one .tar.gz.

The format does not depend on the database engine, so a backup of the embedded SQLite
default restores into PostgreSQL and the other way round (same schema revision)."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from sqlalchemy import func, insert, select, text
from sqlalchemy.types import Date, DateTime, LargeBinary

from workflow.core.extensions import db
from workflow.models.stored_files import database_token
from workflow.models.versions import raise_versions
from workflow.models.base import utcnow
from workflow.core.storage import file_store
from workflow.documents.index import rebuild_search_index
from workflow.precedents.importing import rebuild_search_index as rebuild_opinion_index

FORMAT = "lanterne-backup-1"
# Not data but counters the migrations create (workflow/models/versions.py): a restore raises
# them. And the database's own token (workflow/models/stored_files.py): a restore binds the
# file store to the database it restores into.
NOT_BACKED_UP = frozenset({"data_versions", "file_store_owner"})


def _backed_up_tables():
    return [table for table in db.metadata.sorted_tables if table.name not in NOT_BACKED_UP]


class BackupError(RuntimeError):
    """A backup that cannot be restored here (French message)."""


def _schema_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decode(column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def _add(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(content))


def backup(destination: Path) -> dict:
    """Write the backup to `destination`; returns its manifest."""
    tables = {}
    with db.engine.connect() as connection:
        for table in _backed_up_tables():
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            tables[table.name] = [{key: _encode(value) for key, value in row.items()} for row in rows]
    store = file_store()
    files = sorted(path for path in store.root.glob("??/*") if path.is_file()) if store.root.exists() else []
    manifest = {
        "format": FORMAT, "created_at": utcnow().isoformat(), "schema_revision": _schema_revision(),
        "rows": {name: len(rows) for name, rows in tables.items()},
        "files": {path.name: path.stat().st_size for path in files},
    }
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        _add(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        _add(archive, "database.json", json.dumps(tables, ensure_ascii=False).encode())
        for path in files:
            archive.add(path, arcname=f"files/{path.name}")
    partial.replace(destination)  # a backup file is complete or absent
    return manifest


def _database_is_empty() -> bool:
    with db.engine.connect() as connection:
        return all(connection.execute(select(func.count()).select_from(table)).scalar() == 0
                   for table in _backed_up_tables())


def restore(source: Path) -> dict:
    """Load a backup into an empty database at the same schema revision, and its files
    into the file store (each checked against its SHA-256 name)."""
    try:
        archive = tarfile.open(source, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"Ce fichier n'est pas une sauvegarde Lanterne lisible : {error}") from error
    with archive:
        try:
            manifest = json.load(archive.extractfile("manifest.json"))
            tables = json.load(archive.extractfile("database.json"))
        except (KeyError, ValueError, AttributeError) as error:
            raise BackupError("Sauvegarde incomplète : manifest.json ou database.json manquant.") from error
        if manifest.get("format") != FORMAT:
            raise BackupError("Format de sauvegarde inconnu.")
        if manifest.get("schema_revision") != _schema_revision():
            raise BackupError(
                f"La sauvegarde est au schéma {manifest.get('schema_revision')}, la base au schéma "
                f"{_schema_revision()} : appliquez les migrations (flask db upgrade) au même niveau.")
        if not _database_is_empty():
            raise BackupError("La base de données n'est pas vide : restaurez dans une base neuve.")
        store = file_store()
        for member in archive.getmembers():
            if not member.name.startswith("files/"):
                continue
            name = member.name.removeprefix("files/")
            content = archive.extractfile(member).read()
            if hashlib.sha256(content).hexdigest() != name:
                raise BackupError(f"Fichier altéré dans la sauvegarde : {name}.")
            store.put(content)
        store.bind(database_token())  # these files are this database's now
    with db.engine.begin() as connection:
        for table in _backed_up_tables():
            rows = tables.get(table.name, [])
            if rows:
                columns = table.columns
                connection.execute(insert(table), [
                    {key: _decode(columns[key], value) for key, value in row.items() if key in columns} for row in rows])
        if connection.dialect.name == "postgresql":
            # Identity columns continue after the restored ids.
            for table in db.metadata.sorted_tables:
                if "id" in table.columns and tables.get(table.name):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT MAX(id) FROM \"{table.name}\"))"))
        connection.execute(raise_versions())
    rebuild_search_index()  # the full-text indexes are derived data, not in the backup
    rebuild_opinion_index()
    return manifest
