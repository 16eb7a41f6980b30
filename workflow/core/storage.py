"""Content-addressed file storage: every file is named by its SHA-256, written atomically
and never overwritten. One small interface, so object storage can replace the folder.

Files no row names any more are removed by `collect` (an account deleted, an export
expired). A file is published before the row that names it is committed, so the collector
spares files published recently (their modification time, refreshed each time the same
bytes are published again), and publishing and collecting take one lock in turn: a file
is never removed between the moment an upload finds it stored and the moment its row
commits."""
from __future__ import annotations

import fcntl
import hashlib
import io
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, BinaryIO, Collection, Iterator

from flask import Flask, current_app

CHUNK = 1024 * 1024

# Temporary files of the store's own folder (uploads being checked, dossiers being
# written): left behind only by a process that died; removed with the unreferenced files.
TEMPORARY_PREFIXES = (".staged-", ".export-")


class TooLarge(ValueError):
    """A stream longer than the limit given to `FileStore.stage`; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class Staged:
    """A file written under a temporary name in the store and hashed, not yet published:
    `publish()` gives it its content address, `discard()` removes it. Filing stages every
    file of an upload, checks them all, and publishes only when all are sound."""

    def __init__(self, store: FileStore, path: Path, sha256: str, size: int):
        self.store, self.path, self.sha256, self.size = store, path, sha256, size

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    def publish(self) -> str:
        if self.path.exists():
            self.store._publish(self.path, self.sha256)
            self.path.unlink(missing_ok=True)
        return self.sha256

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class FileStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        if not self._refresh(sha256):
            self.stage(io.BytesIO(data)).publish()
        return sha256

    def stage(self, stream: IO[bytes], limit: int | None = None) -> Staged:
        """Copy a stream to a temporary file of the store, hashing it on the way; raise
        TooLarge (and keep nothing) as soon as it passes `limit` bytes."""
        if not self.root.is_dir():
            private_directory(self.root)
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(dir=self.root, prefix=".staged-", delete=False)
        try:
            with handle:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise TooLarge(limit)
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return Staged(self, Path(handle.name), digest.hexdigest(), size)

    def put_file(self, path: str | os.PathLike) -> str:
        """Store a file written elsewhere in the store's folder (same file system) by
        moving it into place: no second copy. The file is gone afterwards."""
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        sha256 = digest.hexdigest()
        try:
            self._publish(Path(path), sha256)
        finally:
            Path(path).unlink(missing_ok=True)
        return sha256

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def _publish(self, temporary: Path, sha256: str) -> None:
        target = self.path(sha256)
        if not target.parent.is_dir():
            private_directory(target.parent)
        with self._lock(fcntl.LOCK_SH):
            try:
                # link() fails if the name exists: a stored file is never replaced, and two
                # writers of the same content both succeed.
                os.link(temporary, target)
            except FileExistsError:
                os.utime(target)  # published again: spared by the collector as if new
            os.chmod(target, 0o400)  # never written again, read by Lanterne's account only

    def _refresh(self, sha256: str) -> bool:
        """Mark an already stored file as published now; False if it is not stored."""
        if not self.root.is_dir():
            return False
        with self._lock(fcntl.LOCK_SH):
            try:
                os.utime(self.path(sha256))
            except FileNotFoundError:
                return False
        return True

    @contextmanager
    def _lock(self, operation: int) -> Iterator[None]:
        """Publishers share the lock; the collector takes it alone, one file at a time."""
        descriptor = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, operation)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def bind(self, owner: str) -> None:
        """Mark this store as the one of the database whose token is `owner`."""
        private_directory(self.root)
        temporary = self.root / ".owner.tmp"
        temporary.write_text(owner)
        os.chmod(temporary, 0o600)
        temporary.replace(self.root / ".owner")

    def owner(self) -> str | None:
        try:
            return (self.root / ".owner").read_text().strip()
        except FileNotFoundError:
            return None

    def collect(self, referenced: Collection[str], grace: timedelta, owner: str) -> Collected:
        """Remove the stored files not in `referenced` and the temporary files left behind,
        sparing whatever was published (or written) less than `grace` ago. `referenced` is
        read before: a file whose row commits after that was published within the grace
        period, as long as `grace` exceeds the time from publishing a file to committing its
        row plus the time this call takes.

        `owner` is the token of the database `referenced` comes from: a store bound to
        another database is left alone (ForeignStore). A store not bound yet is bound by
        its first collection, unless the database names none of its files."""
        report = Collected()
        if not self.root.is_dir():
            self.bind(owner)  # an empty store is this database's
            return report
        bound_to = self.owner()
        if bound_to is not None and bound_to != owner:
            raise ForeignStore(f"{self.root} belongs to another database")
        candidates: list[Path] = []
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and len(folder.name) == 2:
                for path in folder.iterdir():
                    if path.name in referenced:
                        report.kept += 1
                    else:
                        candidates.append(path)
            elif folder.is_file() and folder.name.startswith(TEMPORARY_PREFIXES):
                candidates.append(folder)
        if bound_to is None:
            if candidates and report.kept == 0:
                # Not one of its files is named: the store may be another database's
                # (a wrong DATABASE_URL, a restore not yet done). Remove nothing.
                raise ForeignStore(f"the database names none of the {len(candidates)} files in {self.root}")
            self.bind(owner)
        for path in candidates:
            with self._lock(fcntl.LOCK_EX):
                try:
                    status = path.stat()
                except FileNotFoundError:
                    continue
                if time.time() - status.st_mtime < grace.total_seconds():
                    report.recent += 1
                    continue
                path.unlink()
            report.removed += 1
            report.removed_bytes += status.st_size
        return report


class ForeignStore(RuntimeError):
    """The database and the file store do not describe each other: collecting would
    remove files the database never knew, so nothing is removed."""


@dataclass
class Collected:
    kept: int = 0           # named by a row
    recent: int = 0         # named by none, but published within the grace period
    removed: int = 0
    removed_bytes: int = 0


def private_directory(path: str | os.PathLike) -> Path:
    """A folder only Lanterne's own account may enter (documents, the database, the
    secret key and Redis's files live in such folders)."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def private_files(*paths: str | os.PathLike) -> None:
    """Read and written by Lanterne's own account only (the files that exist)."""
    for path in paths:
        if os.path.exists(path):
            os.chmod(path, 0o600)


def file_store(app: Flask | None = None) -> FileStore:
    app = app or current_app
    return FileStore(app.config["FILE_STORE_PATH"])  # default: workflow/core/config.py
