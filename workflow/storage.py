"""Content-addressed file storage: every file is named by its SHA-256, written atomically
and never overwritten. One small interface, so object storage can replace the folder."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

CHUNK = 1024 * 1024


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
            self._write(sha256, [data])
        return sha256

    def put_stream(self, stream: BinaryIO) -> tuple[str, int]:
        """Hash and store a stream in one pass; returns (sha256, size)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-", delete=False)
        try:
            with handle:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            sha256 = digest.hexdigest()
            self._publish(Path(handle.name), sha256)
        finally:
            Path(handle.name).unlink(missing_ok=True)
        return sha256, size

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def _write(self, sha256: str, chunks: list[bytes]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=self.root, prefix=".incoming-", delete=False)
        try:
            with handle:
                for chunk in chunks:
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            self._publish(Path(handle.name), sha256)
        finally:
            Path(handle.name).unlink(missing_ok=True)

    def _publish(self, temporary: Path, sha256: str) -> None:
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            # link() fails if the name exists: a stored file is never replaced, and two
            # writers of the same content both succeed.
            os.link(temporary, target)
        except FileExistsError:
            pass
        os.chmod(target, 0o440)


def file_store(app: Flask | None = None) -> FileStore:
    app = app or current_app
    return FileStore(app.config.get("FILE_STORE_PATH") or Path(app.instance_path) / "files")
