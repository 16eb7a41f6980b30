"""SQLite's writers take turns, in the order they came (the embedded default only).

SQLite lets one connection write at a time. A connection that finds the database locked
waits in SQLite's busy handler, which sleeps and tries again: after 1, 2, 5... ms, then
every 100 ms. A writer that has waited a while thus looks ten times a second, while one
that has just arrived looks within a millisecond: under a steady stream of writers the
lock, freed for an instant between two transactions, almost always goes to a newcomer.
In bench/load.py (24 users drafting and recording events, 2 web processes of 8 threads,
2 RQ workers) transactions held the lock 25-35 ms at the median and for about half of the
run, yet some writers waited past the 5-second busy timeout ("database is locked").

So every connection of the application waits for its turn before it begins to write:
behind the other threads of its process, first come first served, then behind the other
processes (web workers, RQ workers and their work horses, commands) on an exclusive
`flock` of a file beside the database, which the kernel hands on as soon as it is released.
A connection keeps its turn until its transaction ends (commit, rollback, close). A
writer that waits longer than BUSY_TIMEOUT gets SQLite's own "database is locked", which
the application answers with a 503 (app.py), as before. Reads never wait for a turn (WAL
lets them go on), and SQLite's lock and busy timeout still guard the file against
writers that take no turn (the sqlite3 shell...).

pysqlite (Python's sqlite3) reads outside any transaction and begins one (deferred)
before the first INSERT, UPDATE, DELETE or REPLACE, so the turn is taken just before
that statement and a transaction never turns from reading to writing. Beginning every
writing request with BEGIN IMMEDIATE (SQLAlchemy's pysqlite recipe) was tried and
dropped: the lock was then held through whole requests, a log-in's Argon2 check included
(0.5-2 s each, log-ins answered 503), and a request left deferred that read, then wrote,
failed at once (SQLite does not wait to turn a read transaction into a write one).
"""
from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
from collections import deque

BUSY_TIMEOUT = 5.0  # seconds: how long a writer waits for its turn, then SQLite's busy timeout

# Statements that write, or begin a transaction that may write.
_WRITES = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SAVEPOINT|BEGIN|ANALYZE|VACUUM|REINDEX)\b",
                     re.IGNORECASE)
_SAVEPOINT = re.compile(r"\s*SAVEPOINT\b", re.IGNORECASE)
_WITH_WRITES = re.compile(r"\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE | re.DOTALL)


def writes(statement: str) -> bool:
    return bool(_WRITES.match(statement) or _WITH_WRITES.match(statement))


def lock_path(database: str) -> str:
    """The file whose flock is the turn to write `database`."""
    return os.path.abspath(database) + "-writer"


class Turns:
    """The turns to write one database file, in one process: first come, first served
    among the threads, then the file's flock among the processes."""

    def __init__(self, path: str):
        self.path = path
        self._mutex = threading.Lock()
        self._taken = False
        self._waiting: deque[threading.Event] = deque()

    def take(self, timeout: float = BUSY_TIMEOUT) -> int:
        """Wait for this process's turn, then for the file's lock; returns the locked
        descriptor, to give back. sqlite3.OperationalError "database is locked" past
        `timeout`."""
        deadline = time.monotonic() + timeout
        with self._mutex:
            called = None
            if self._taken:
                called = threading.Event()
                self._waiting.append(called)
            else:
                self._taken = True
        if called is not None and not called.wait(timeout):
            with self._mutex:
                if not called.is_set():  # not handed over while we gave up
                    self._waiting.remove(called)
                    raise _locked()
        try:
            return _lock_file(self.path, deadline - time.monotonic())
        except BaseException:
            self._pass_on()
            raise

    def give_back(self, descriptor: int) -> None:
        try:
            _unlock(descriptor)
        finally:
            self._pass_on()

    def waiting(self) -> int:
        with self._mutex:
            return len(self._waiting)

    def _pass_on(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # handed over: the turn stays taken
            else:
                self._taken = False


def _locked() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked")


def _unlock(descriptor: int) -> None:
    try:
        # Unlocked explicitly: a process forked meanwhile shares the descriptor's lock.
        fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _lock_file(path: str, timeout: float) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return descriptor
    except BlockingIOError:
        pass
    except BaseException:
        os.close(descriptor)
        raise
    # flock cannot wait with a timeout: a helper thread waits, and if the lock comes
    # after we gave up, it lets it go at once.
    mutex, got = threading.Lock(), threading.Event()
    gave_up = False

    def wait() -> None:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:
            os.close(descriptor)  # never handed over: the caller gives up at its deadline
            return
        with mutex:
            if not gave_up:
                got.set()
                return
        _unlock(descriptor)

    threading.Thread(target=wait, name="sqlite-writer-turn", daemon=True).start()
    if got.wait(max(timeout, 0.0)):
        return descriptor
    with mutex:
        if got.is_set():
            return descriptor
        gave_up = True
    raise _locked()


_turns: dict[str, Turns] = {}
_turns_mutex = threading.Lock()


def turns_for(database: str) -> Turns:
    path = lock_path(database)
    with _turns_mutex:
        turns = _turns.get(path)
        if turns is None:
            turns = _turns[path] = Turns(path)
        return turns


def _forget_turns_after_fork() -> None:
    """A forked process (an RQ work horse) starts with no turn and no one waiting: the
    threads that waited are not in it, and the turn its parent held is the parent's."""
    global _turns_mutex
    _turns_mutex = threading.Lock()
    _turns.clear()


os.register_at_fork(after_in_child=_forget_turns_after_fork)


class TurnTakingCursor(sqlite3.Cursor):
    connection: "TurnTakingConnection"

    def execute(self, sql, parameters=(), /):
        self.connection.before_statement(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            self.connection.after_statement()

    def executemany(self, sql, seq_of_parameters, /):
        self.connection.before_statement(sql)
        try:
            return super().executemany(sql, seq_of_parameters)
        finally:
            self.connection.after_statement()

    def executescript(self, sql_script, /):
        self.connection.before_statement("BEGIN")  # a script may write anything
        try:
            return super().executescript(sql_script)
        finally:
            self.connection.after_statement()


class TurnTakingConnection(sqlite3.Connection):
    """sqlite3's connection, which waits for its turn before it begins to write and gives
    it back when the transaction ends. Made by connection_class() for one database."""

    database = ""
    timeout = BUSY_TIMEOUT
    _turn: tuple[int, int] | None = None  # (process id, locked descriptor) while it holds the turn

    def cursor(self, factory=None):
        return super().cursor(factory or TurnTakingCursor)

    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script, /):
        return self.cursor().executescript(sql_script)

    def before_statement(self, sql: str) -> None:
        if self._turn is None and not self.in_transaction and writes(sql):
            descriptor = turns_for(self.database).take(self.timeout)
            self._turn = (os.getpid(), descriptor)
        if not self.in_transaction and _SAVEPOINT.match(sql):
            # pysqlite begins a transaction only at the first INSERT, UPDATE or DELETE; a
            # SAVEPOINT outside one begins its own, which its RELEASE then commits: what the
            # caller wrote under it would stay even if the caller rolled back (an e-mail
            # queued for something that did not happen). Begin the enclosing one first.
            super().execute("BEGIN")

    def after_statement(self) -> None:
        if self._turn is not None and not self.in_transaction:
            self._give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.after_statement()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.after_statement()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._turn is not None:
                self._give_back()

    def __del__(self) -> None:
        # Dropped without being closed (SQLite rolls back): the turn must not outlive it,
        # or every writer of this process, and of the others, would wait for it in vain.
        if self._turn is not None:
            self._give_back()

    def _give_back(self) -> None:
        pid, descriptor = self._turn
        self._turn = None
        if pid == os.getpid():  # a connection inherited by a forked process holds nothing there
            turns_for(self.database).give_back(descriptor)


def connection_class(database: str, timeout: float = BUSY_TIMEOUT) -> type[TurnTakingConnection]:
    """The sqlite3 connection class (`sqlite3.connect(..., factory=...)`) of one database."""
    return type("TurnTakingConnection", (TurnTakingConnection,),
                {"database": os.path.abspath(database), "timeout": timeout})

