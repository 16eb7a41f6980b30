"""Writers take turns on the embedded SQLite database: a writing request that waits for the
write lock gets it before a writer that comes back for more (bench/load.py: under 24 users
some drafts and events waited past the 5-second busy timeout and got a 503)."""
import os
import threading
import time

import pytest
from sqlalchemy import func, select, update

from tests.helpers import make_request
from workflow.core.extensions import db
from workflow.core.sqlite_writes import turns_for
from workflow.models import Event, User

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's database-wide write lock")


def wait_for_a_writer_in_line(seconds: float = 3.0) -> None:
    """Until a writer waits for its turn; at most `seconds` (writers that take no turn wait
    in SQLite's busy handler, where they cannot be seen)."""
    turns = turns_for(db.engine.url.database)
    deadline = time.monotonic() + seconds
    while turns.waiting() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_waiting_request_writes_before_a_writer_that_comes_back(app, client, alice, metz):
    """Another client (a web thread, a worker) writes two transactions back to back while
    a request waits to record an event. SQLite's busy handler retries every 100 ms, so the
    lock freed between the two transactions went to the writer coming back, and the
    request waited past the busy timeout: 503. Now the request's turn comes first."""
    request_id, alice_id = make_request(alice, metz, "LNT-2026-0001").id, alice.id
    answer = {}

    def record_the_sending():
        answer["response"] = client.post(f"/demandes/{request_id}/evenements",
                                         data={"type": "sent", "occurred_on": "2026-01-05"})

    other = db.engine.connect()
    try:
        first = other.begin()
        other.execute(update(User).where(User.id == alice_id).values(display_name="Alice 1"))  # the write lock
        request_thread = threading.Thread(target=record_the_sending)
        request_thread.start()
        wait_for_a_writer_in_line()
        first.commit()
        second = other.begin()  # at once, as a busy writer does
        other.execute(update(User).where(User.id == alice_id).values(display_name="Alice 2"))
        events_before_second = other.scalar(select(func.count()).select_from(Event).where(Event.request_id == request_id))
        request_thread.join(timeout=7)  # held until the request is answered (or gave up)
        second.commit()
    finally:
        other.close()
    assert answer["response"].status_code == 302, answer["response"].status_code  # not 503 "database is locked"
    assert events_before_second == 1  # the request wrote before the second transaction began
    assert db.session.scalar(select(Event.type).where(Event.request_id == request_id)) == "sent"
    assert db.session.scalar(select(User.display_name).where(User.id == alice_id)) == "Alice 2"
