"""The content-addressed file store: a staged file reaches the disk (fsync) before it is
published, inline or on the threads the caller gives it."""
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from workflow.core import storage
from workflow.core.storage import FileStore


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def gated_fsync(monkeypatch):
    """os.fsync held until `gate` is set; what it synced (inodes), and on which threads."""
    gate, synced, threads = threading.Event(), [], []
    real = os.fsync

    def fsync(descriptor):
        gate.wait(10)
        real(descriptor)
        synced.append(os.fstat(descriptor).st_ino)
        threads.append(threading.current_thread().name)

    monkeypatch.setattr(storage.os, "fsync", fsync)
    return gate, synced, threads


def test_staging_alone_puts_the_file_on_disk_before_returning(tmp_path, gated_fsync):
    gate, synced, threads = gated_fsync
    gate.set()
    staged = FileStore(tmp_path).stage(io.BytesIO(b"arrete prefectoral"))
    assert synced == [staged.path.stat().st_ino] and threads == [threading.current_thread().name]
    staged.durable()  # nothing to wait for


def test_a_syncer_puts_the_file_on_disk_while_the_caller_goes_on(tmp_path, gated_fsync):
    gate, synced, threads = gated_fsync
    before = open_descriptors()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="sync") as syncer:
        staged = FileStore(tmp_path).stage(io.BytesIO(b"arrete prefectoral"), syncer=syncer)
        inode = staged.path.stat().st_ino
        assert staged.path.read_bytes() == b"arrete prefectoral" and synced == []  # written, not yet synced
        waiter = threading.Thread(target=staged.durable)
        waiter.start()
        waiter.join(0.2)
        assert waiter.is_alive()  # durable() waits for the fsync
        gate.set()
        waiter.join(10)
        assert not waiter.is_alive() and synced == [inode] and threads[0].startswith("sync")
        staged.publish()
    assert FileStore(tmp_path).read(staged.sha256) == b"arrete prefectoral"
    assert open_descriptors() == before  # the syncer's own descriptor is closed


def test_a_disk_failure_on_the_syncer_is_raised_by_durable(tmp_path, monkeypatch):
    def failing(descriptor):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage.os, "fsync", failing)
    before = open_descriptors()
    with ThreadPoolExecutor(max_workers=1) as syncer:
        staged = FileStore(tmp_path).stage(io.BytesIO(b"x"), syncer=syncer)
        with pytest.raises(OSError, match="Input/output error"):
            staged.durable()
    staged.discard()
    assert open_descriptors() == before
