"""SQLite's writers take turns (workflow/core/sqlite_writes.py): first come, first served
among threads, one process at a time through a flock, the turn held until the transaction
ends, "database is locked" past the timeout."""
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from workflow.core import sqlite_writes
from workflow.core.sqlite_writes import turns_for, writes


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "turns.sqlite3")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT UNIQUE)")
    setup.close()
    return path


def connect(database, timeout=5.0):
    return sqlite3.connect(database, factory=sqlite_writes.connection_class(database, timeout),
                           check_same_thread=False)


def wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.mark.parametrize("statement, writing", [
    ("INSERT INTO t VALUES (1, 'a')", True),
    ("  update t set who = 'b'", True),
    ("DELETE FROM t", True),
    ("REPLACE INTO t VALUES (1, 'a')", True),
    ("CREATE TABLE u (id)", True),
    ("SAVEPOINT sa_savepoint_1", True),
    ("ANALYZE", True),
    ("WITH gone AS (SELECT 1) DELETE FROM t", True),
    ("SELECT * FROM t", False),
    ("WITH recent AS (SELECT id FROM t) SELECT * FROM recent", False),
    ("PRAGMA foreign_keys=ON", False),
])
def test_which_statements_take_a_turn(statement, writing):
    assert writes(statement) is writing


def test_writers_of_one_process_go_in_the_order_they_came(database):
    holder = connect(database)
    holder.execute("INSERT INTO t (who) VALUES ('holder')")  # begins the transaction: the turn
    order = []

    def write(who):
        connection = connect(database)
        connection.execute("INSERT INTO t (who) VALUES (?)", (who,))
        order.append(who)
        connection.commit()
        connection.close()

    threads = []
    for number, who in enumerate(["first", "second", "third"], start=1):
        threads.append(threading.Thread(target=write, args=(who,)))
        threads[-1].start()
        wait_until(lambda: turns_for(database).waiting() == number)  # queued before the next one comes
    holder.commit()
    for thread in threads:
        thread.join(5)
    assert order == ["first", "second", "third"]
    assert turns_for(database).waiting() == 0
    holder.execute("INSERT INTO t (who) VALUES ('again')")  # the turn is free again
    holder.commit()


def test_a_writer_that_waits_too_long_gets_database_is_locked(database):
    holder = connect(database)
    holder.execute("INSERT INTO t (who) VALUES ('holder')")
    impatient = connect(database, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        impatient.execute("INSERT INTO t (who) VALUES ('impatient')")
    assert 0.15 < time.monotonic() - started < 2
    assert turns_for(database).waiting() == 0  # it left the queue
    assert impatient.execute("SELECT count(*) FROM t").fetchone() == (0,)  # reads never wait (WAL)
    holder.commit()
    impatient.execute("INSERT INTO t (who) VALUES ('impatient')")
    impatient.commit()


@pytest.mark.parametrize("end", ["commit", "rollback", "close", "failed statement, rolled back"])
def test_the_turn_is_given_back_when_the_transaction_ends(database, end):
    connection = connect(database)
    connection.execute("INSERT INTO t (who) VALUES ('taken')")
    if end == "failed statement, rolled back":
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute("INSERT INTO t (who) VALUES ('taken')")
        connection.rollback()
    else:
        getattr(connection, end)()
    other = connect(database, timeout=0.5)
    other.execute("INSERT INTO t (who) VALUES ('other')")
    other.commit()


def test_a_write_outside_a_transaction_gives_the_turn_back_at_once(database):
    connection = connect(database)
    connection.execute("CREATE TABLE u (id INTEGER)")  # pysqlite runs it in a transaction of its own
    assert not connection.in_transaction
    other = connect(database, timeout=0.5)
    other.execute("INSERT INTO t (who) VALUES ('other')")
    other.commit()


HOLDER = textwrap.dedent("""
    import sqlite3, sys
    from workflow.core import sqlite_writes
    database = sys.argv[1]
    connection = sqlite3.connect(database, factory=sqlite_writes.connection_class(database))
    connection.execute("INSERT INTO t (who) VALUES ('other process')")
    print("held", flush=True)
    sys.stdin.readline()
    connection.commit()
    print("committed", flush=True)
""")


def test_another_process_holds_the_turn_until_it_commits(database):
    other = subprocess.Popen([sys.executable, "-c", HOLDER, database], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        assert other.stdout.readline().strip() == "held"
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            connect(database, timeout=0.3).execute("INSERT INTO t (who) VALUES ('here')")
        done = threading.Event()

        def write():
            connection = connect(database)
            connection.execute("INSERT INTO t (who) VALUES ('here')")
            connection.commit()
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not done.wait(0.3)  # waits on the other process's lock
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.stdout.readline().strip() == "committed"
        assert done.wait(5)
        writer.join()
    finally:
        other.kill()
        other.wait()


def test_a_forked_process_starts_with_no_turn_and_its_parent_still_releases(database):
    """An RQ work horse is forked from its worker: it starts with no turn and no one
    waiting, and the copy it inherits of a turn's descriptor does not keep the lock once
    the worker gives it back. (The child takes turns only: SQLite itself must not be used
    across a fork with a transaction open.)"""
    parent = connect(database)
    parent.execute("INSERT INTO t (who) VALUES ('parent')")  # the turn, in the parent
    ready_read, ready_write = os.pipe()
    go_read, go_write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: only os and the turns here, then os._exit
        status = 1
        try:
            turns = turns_for(database)
            fresh = not turns._taken and turns.waiting() == 0
            try:
                turns.give_back(turns.take(0.3))
                locked = False
            except sqlite3.OperationalError:
                locked = True
            os.write(ready_write, b"1")
            os.read(go_read, 1)  # the parent has committed
            turns.give_back(turns.take(2))
            status = 0 if fresh and locked else 2
        except BaseException as error:
            os.write(2, repr(error).encode())
        finally:
            os._exit(status)
    os.read(ready_read, 1)
    parent.commit()  # the child still holds a copy of the locked descriptor
    os.write(go_write, b"1")
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_connection_dropped_without_close_gives_its_turn_back(database):
    import gc

    dropped = connect(database)
    dropped.execute("INSERT INTO t (who) VALUES ('dropped')")
    del dropped
    gc.collect()
    other = connect(database, timeout=0.5)
    other.execute("INSERT INTO t (who) VALUES ('other')")
    other.commit()
    assert [row[0] for row in other.execute("SELECT who FROM t")] == ["other"]
