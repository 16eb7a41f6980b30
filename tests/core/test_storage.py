"""The file store's collector: it removes what no row names, never what was published
within the grace period, and never while a publisher holds the store's lock."""
import fcntl
import io
import os
import threading
import time
from datetime import timedelta

import pytest

from workflow.core.storage import FileStore, ForeignStore

DAY = timedelta(days=1)
OWNER = "a" * 32  # the database's token


def _age(path, days=2):
    old = time.time() - days * 86400
    os.utime(path, (old, old))


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


def test_unreferenced_old_files_go_referenced_and_recent_ones_stay(store):
    kept, orphan, fresh = store.put(b"kept"), store.put(b"orphan"), store.put(b"fresh")
    _age(store.path(kept)), _age(store.path(orphan))
    report = store.collect({kept}, DAY, OWNER)
    assert (report.kept, report.recent, report.removed, report.removed_bytes) == (1, 1, 1, len(b"orphan"))
    assert store.read(kept) == b"kept" and store.read(fresh) == b"fresh"
    assert not store.exists(orphan)


@pytest.mark.parametrize("publish", ["put", "stage"])
def test_publishing_bytes_already_stored_spares_them_as_if_new(store, publish):
    """An upload that finds its bytes stored (an old file no row names any more) must not
    lose them to a collection that runs before its own row commits."""
    named = store.put(b"named by a row")
    sha256 = store.put(b"%PDF-1.4 the same answer again")
    _age(store.path(sha256))
    if publish == "put":
        assert store.put(b"%PDF-1.4 the same answer again") == sha256
    else:
        assert store.stage(io.BytesIO(b"%PDF-1.4 the same answer again")).publish() == sha256
    assert store.collect({named}, DAY, OWNER).recent == 1
    assert store.read(sha256) == b"%PDF-1.4 the same answer again"


def test_a_file_removed_by_the_collector_is_written_again_by_the_next_upload(store):
    named = store.put(b"named by a row")
    sha256 = store.put(b"orphan, then uploaded again")
    _age(store.path(sha256))
    assert store.collect({named}, DAY, OWNER).removed == 1
    assert store.put(b"orphan, then uploaded again") == sha256
    assert store.read(sha256) == b"orphan, then uploaded again"
    assert oct(store.path(sha256).stat().st_mode & 0o777) == oct(0o400)


def test_temporary_files_left_by_a_dead_process_go_after_the_grace_period(store):
    named = store.put(b"named by a row")
    old_upload = store.stage(io.BytesIO(b"an upload whose process died"))
    current_upload = store.stage(io.BytesIO(b"an upload being checked"))
    _age(old_upload.path)
    old_export = store.root / ".export-abandoned"
    old_export.write_bytes(b"PK half a dossier")
    _age(old_export)
    report = store.collect({named}, DAY, OWNER)
    assert report.removed == 2 and report.recent == 1
    assert not old_upload.path.exists() and not old_export.exists()
    assert current_upload.publish() == current_upload.sha256
    assert (store.root / ".lock").exists()  # the lock file itself is not a candidate


def test_nothing_is_removed_from_a_store_another_database_owns(store):
    """A DATABASE_URL pointing at an empty or another database: every file would look
    unreferenced. The collector refuses instead."""
    named = store.put(b"named by a row of the first database")
    orphan = store.put(b"evidence")
    _age(store.path(named)), _age(store.path(orphan))
    store.collect({named}, DAY, OWNER)  # binds the store to its database
    assert store.owner() == OWNER
    with pytest.raises(ForeignStore):
        store.collect(set(), DAY, "b" * 32)
    assert store.read(named) == b"named by a row of the first database"


def test_a_store_not_bound_yet_is_left_alone_when_the_database_names_none_of_its_files(store):
    """Stores from before the binding: the database must name at least one of its files."""
    sha256 = store.put(b"evidence of another database")
    _age(store.path(sha256))
    with pytest.raises(ForeignStore):
        store.collect(set(), DAY, OWNER)
    with pytest.raises(ForeignStore):
        store.collect({"0" * 64}, DAY, OWNER)
    assert store.read(sha256) == b"evidence of another database" and store.owner() is None


def test_the_last_files_go_when_their_database_names_none_any_more(store):
    """The only account of an instance deleted: its store is bound, so it is emptied."""
    sha256 = store.put(b"the last person's document")
    store.collect({sha256}, DAY, OWNER)
    _age(store.path(sha256))
    assert store.collect(set(), DAY, OWNER).removed == 1
    assert not store.exists(sha256)


def test_the_collector_waits_while_a_file_is_being_published(store):
    named = store.put(b"named by a row")
    sha256 = store.put(b"about to be named")
    _age(store.path(sha256))
    finished = threading.Event()
    publisher = os.open(store.root / ".lock", os.O_RDWR)
    fcntl.flock(publisher, fcntl.LOCK_SH)  # a publisher between finding the file and refreshing it
    thread = threading.Thread(target=lambda: (store.collect({named}, DAY, OWNER), finished.set()))
    thread.start()
    try:
        assert not finished.wait(0.5)
        assert store.exists(sha256)
        os.utime(store.path(sha256))  # what the publisher does under the lock
    finally:
        os.close(publisher)
    thread.join(10)
    assert finished.is_set() and store.read(sha256) == b"about to be named"


@pytest.mark.parametrize("exists", [False, True])
def test_an_empty_or_missing_store_is_bound_to_the_database_that_collects_it(store, exists):
    if exists:
        store.root.mkdir()
    assert store.collect({"0" * 64}, DAY, OWNER).removed == 0
    assert store.owner() == OWNER
    assert oct((store.root / ".owner").stat().st_mode & 0o777) == oct(0o600)
