"""Content-addressed file storage: every file is named by its SHA-256, written atomically
and never overwritten. One small interface, so object storage can replace the folder."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import IO, BinaryIO

from flask import Flask, current_app

CHUNK = 1024 * 1024


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
        if not self.exists(sha256):
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
        try:
            # link() fails if the name exists: a stored file is never replaced, and two
            # writers of the same content both succeed.
            os.link(temporary, target)
        except FileExistsError:
            pass
        os.chmod(target, 0o400)  # never written again, read by Lanterne's account only


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
