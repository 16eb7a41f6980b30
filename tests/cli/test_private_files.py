"""What Lanterne keeps on disk (the database, documents, the secret key) is readable by its
own account only: folders 700, files 600, stored documents 400."""
import os
import stat

from sqlalchemy import text

from workflow.core.extensions import db
from workflow.core.storage import file_store


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_instance_folder_database_and_stored_files_are_private(tmp_path, monkeypatch):
    from app import create_app

    previous = os.umask(0o022)  # the usual umask: 644 files and 755 folders unless Lanterne says otherwise
    try:
        instance = tmp_path / "instance"
        monkeypatch.setenv("LANTERNE_INSTANCE_PATH", str(instance))
        application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'db.sqlite3'}",
                                  "REDIS_URL": "redis://127.0.0.1:1/0", "FILE_STORE_PATH": str(instance / "files")})
        with application.app_context():
            db.session.execute(text("CREATE TABLE t (x INTEGER)"))
            db.session.commit()
            sha256 = file_store().put(b"a letter from the prefecture")
            stored = file_store().path(sha256)
            db.engine.dispose()
    finally:
        os.umask(previous)
    assert _mode(instance) == 0o700
    assert _mode(instance / "db.sqlite3") == 0o600
    assert _mode(instance / "db.sqlite3-writer") == 0o600  # its flock is the turn to write (core/sqlite_writes.py)
    assert _mode(instance / "secret_key") == 0o600
    assert _mode(instance / "files") == 0o700
    assert _mode(stored.parent) == 0o700
    assert _mode(stored) == 0o400
    assert stored.read_bytes() == b"a letter from the prefecture"
