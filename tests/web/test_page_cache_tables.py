"""The list of tables each kept part of a page reads (PART_TABLES) is kept by hand: a
part that reads a table the list lacks would be served out of date after a change to
that table. These tests render the parts with data in every table they show, record
the SQL run while the part itself renders, and check each table read is in the list."""
import io
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.helpers import make_request, page_text
from workflow.accounts import users as accounts
from workflow.core import clock
from workflow.core.extensions import db
from workflow.documents import filing as documents
from workflow.models import Authority, Campaign
from workflow.requests import lifecycle as service
from workflow.web import page_cache

# What the page around a part reads on every request, in the one query that loads the
# account (accounts.signed_in): the account, its unread notifications and the counters
# themselves. They are not in PART_TABLES (the part's key holds the user's id, and the
# counters are its version); the tests check the page reads nothing else outside its part.
AROUND_THE_PART = frozenset({"users", "notifications", "data_versions"})
ALL_TABLES = frozenset(db.metadata.tables)


def tables_read(statement: str) -> set[str]:
    """The tables a SELECT names: after FROM or JOIN, or qualifying a column (SQLAlchemy
    qualifies every column, so a table of a comma-separated FROM list shows there too)."""
    names = set(re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', statement))
    names |= set(re.findall(r'"?(\w+)"?\.\w', statement))
    return names & ALL_TABLES


@contextmanager
def statements_by_part(app, monkeypatch):
    """{part: [SQL statement]} for what runs while a part renders, and [SQL] for what runs
    around it; the page cache is emptied before every request so that each part renders."""
    inside: dict[str, list[str]] = {}
    around: list[str] = []
    rendering: list[str] = []
    original = page_cache.cached_part

    def watched_part(part, key, render):
        def render_watched():
            rendering.append(part)
            try:
                return render()
            finally:
                rendering.pop()

        app.extensions["page_cache"].clear()
        return original(part, key, render_watched)

    def record(_connection, _cursor, statement, _parameters, _context, _executemany):
        (inside.setdefault(rendering[-1], []) if rendering else around).append(statement)

    monkeypatch.setattr(page_cache, "cached_part", watched_part)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield inside, around
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def busy(client, alice, metz, make_user):
    """Alice's requests with everything a part shows: a campaign of two requests, events
    and their deadlines, a document filed against a requested item, and a request of an
    organisation she is a member of."""
    today = clock.today()
    campaign = Campaign(owner_id=alice.id, title="Vidéoprotection à Metz", subject="Contrats")
    strasbourg = Authority(name="Ville de Strasbourg", kind="commune", city="Strasbourg", department_code="67")
    db.session.add_all([campaign, strasbourg])
    db.session.commit()
    late = make_request(alice, metz, "LNT-2026-0901", campaign=campaign)
    service.record_event(late, "sent", today - timedelta(days=100))  # CADA window over: overdue
    make_request(alice, strasbourg, "LNT-2026-0902", campaign=campaign)  # a draft
    documents.file_documents(late, [documents.Upload("reponse.txt", io.BytesIO(b"Le marche de videoprotection"))],
                             documents.FilingMeta(received_on=today, item_ids=[late.items[0].id], outcome="redacted"),
                             alice)
    bob = make_user("bob@example.org")
    collective = accounts.create_organisation(bob, "Technopolice Metz")
    accounts.add_member(collective, "alice@example.org", "viewer")
    shared = make_request(bob, metz, "LNT-2026-0903", organisation=collective)
    service.record_event(shared, "sent", today - timedelta(days=20))  # refusal born within the month
    return {"late": late, "shared": shared, "campaign": campaign, "metz": metz}


def check_part(part: str, statements: list[str]) -> set[str]:
    assert statements, f"the {part} part was not rendered"
    writes = [sql for sql in statements if not sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert not writes, f"the {part} part wrote: {writes}"
    read = set().union(*(tables_read(sql) for sql in statements))
    missing = read - page_cache.PART_TABLES[part]
    assert not missing, f"the {part} part reads {sorted(missing)}, missing from PART_TABLES[{part!r}]"
    return read


def test_the_dashboard_reads_only_the_tables_of_its_list(app, client, busy, monkeypatch):
    paths = ["/", f"/?autorite={busy['metz'].id}", f"/?campagne={busy['campaign'].id}", "/?statut=awaiting_response"]
    with statements_by_part(app, monkeypatch) as (inside, around):
        pages = [page_text(client.get(path)) for path in paths]
    assert "LNT-2026-0901" in pages[0] and "LNT-2026-0902" in pages[0] and "LNT-2026-0903" in pages[0]
    assert "LNT-2026-0901" in pages[0][pages[0].index("En retard"):pages[0].index("Cette semaine")]
    assert "LNT-2026-0902" not in pages[1] and "LNT-2026-0903" not in pages[2]
    read = check_part(page_cache.DASHBOARD, inside[page_cache.DASHBOARD])
    # What the dashboard shows is read here: the capture is not empty of meaning.
    assert {"requests", "deadlines", "authorities", "campaigns", "memberships"} <= read
    assert set().union(*(tables_read(sql) for sql in around)) <= AROUND_THE_PART


def test_a_request_page_reads_only_the_tables_of_its_list(app, client, busy, monkeypatch):
    own_path, shared_path = f"/demandes/{busy['late'].id}", f"/demandes/{busy['shared'].id}"
    with statements_by_part(app, monkeypatch) as (inside, around):
        own, shared = page_text(client.get(own_path)), page_text(client.get(shared_path))
    assert "reponse.txt" in own and "Vidéoprotection à Metz" in own and "Envoi de la demande" in own
    assert "LNT-2026-0903" in shared
    read = check_part(page_cache.REQUEST_PAGE, inside[page_cache.REQUEST_PAGE])
    # (Its deadlines are computed from the events, not read from the stored ones.)
    assert {"requests", "authorities", "memberships", "request_items", "events", "documents", "document_items"} <= read
    assert set().union(*(tables_read(sql) for sql in around)) <= AROUND_THE_PART
