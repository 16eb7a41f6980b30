"""Parts of pages rendered once by a web process and reused while the data they show has
not changed.

The dashboard of a group with thousands of requests costs tens of milliseconds of
queries and templating, a request page with its forms a few more, and most visits find
nothing changed since the last one. For each kind of part, every transaction that
writes a table the part reads also raises a counter row, in the same transaction, so
the counter and the data commit together whichever process writes (a page, the API, a
worker). A rendered part is kept under a key holding that counter, the user and what
else it depends on (filters, the day, the session's CSRF token when it holds forms):
after any change every older part is unreachable and the next visit renders afresh.
Entries also expire after a few minutes, which bounds what a write made outside the ORM
session could leave behind.

The page around a part (account menu, notifications, flashed messages) is rendered on
every request.
"""
from __future__ import annotations

import threading
from itertools import chain
from typing import Callable, Hashable, TypeVar

from cachetools import TTLCache
from flask import Flask, current_app, g, has_app_context, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from workflow.extensions import db
from workflow.models import DataVersion

DASHBOARD = "dashboard"
REQUEST_PAGE = "request_page"
# The tables each kind of part reads. The dashboard: requests and their deadlines,
# authority names, campaign titles, and through memberships which requests a user sees.
# A request page: the same, plus the items asked for, the events of its timeline and the
# documents received with what they settle.
PART_TABLES = {
    DASHBOARD: frozenset({"requests", "deadlines", "authorities", "campaigns", "memberships"}),
    REQUEST_PAGE: frozenset({"requests", "deadlines", "authorities", "campaigns", "memberships", "request_items",
                             "events", "documents", "document_items"}),
}
_CHANGED = "lanterne_changed_parts"
T = TypeVar("T")


class FragmentCache:
    """At most `size` rendered parts, each for at most `seconds`; safe across threads."""

    def __init__(self, size: int, seconds: float):
        self._entries: TTLCache | None = TTLCache(size, seconds) if size > 0 else None
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], T]) -> T:
        if self._entries is None:
            return render()
        with self._lock:
            found = self._entries.get(key)
        if found is not None:
            return found
        rendered = render()
        with self._lock:
            self._entries[key] = rendered
        return rendered

    def clear(self) -> None:
        if self._entries is not None:
            with self._lock:
                self._entries.clear()


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = FragmentCache(app.config["PAGE_CACHE_SIZE"], app.config["PAGE_CACHE_SECONDS"])
    watch(db.session.session_factory.class_)


def version_query(part: str):
    return select(DataVersion.value).where(DataVersion.name == part)


def version(part: str) -> int | None:
    """The counter of `part`: the one read with the account (accounts.signed_in) if the
    request has not changed data since, else from the database."""
    versions = g.get("data_versions")
    if versions is not None:
        return versions[part]
    return db.session.scalar(version_query(part))


def cached_part(part: str, key: tuple, render: Callable[[], T]) -> T:
    """What `render` gives for `part` and `key` (user, filters, day...) at the current
    data: kept from an earlier call, or rendered now. An exception (a 404) keeps nothing."""
    current = version(part)
    if current is None:  # a database without the counter row: nothing would invalidate
        return render()
    return current_app.extensions["page_cache"].get_or_render((part, current, *key), render)


def session_csrf_key() -> str:
    """What the CSRF tokens of a page are derived from, for the key of a part holding
    forms: such a part is only ever served to the session its tokens belong to."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field not in session:  # a first visit: the session's secret is made now
        g.pop(field, None)  # so that no token signed for another secret is reused
        generate_csrf()
    return session[field]


# -- raising the counters: session events, registered once per process


def watch(session_class: type[Session]) -> None:
    for name, listener in (("after_flush", _note_flush), ("do_orm_execute", _note_statement),
                           ("before_commit", _raise_versions), ("after_rollback", _forget)):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


def _note(session: Session, table_name: str | None) -> None:
    parts = [part for part, tables in PART_TABLES.items() if table_name in tables]
    if parts:
        session.info.setdefault(_CHANGED, set()).update(parts)


def _note_flush(session: Session, _context) -> None:
    # After a flush, new/dirty/deleted still hold what the flush wrote.
    for row in chain(session.new, session.dirty, session.deleted):
        _note(session, getattr(row, "__tablename__", None))


def _note_statement(state) -> None:
    # Bulk INSERT/UPDATE/DELETE statements bypass the unit of work.
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, getattr(getattr(state.statement, "table", None), "name", None))


def raise_versions(parts=tuple(PART_TABLES)):
    """The statement that makes every part of these kinds rendered so far out of date."""
    return update(DataVersion).where(DataVersion.name.in_(sorted(parts))).values(value=DataVersion.value + 1)


def _raise_versions(session: Session) -> None:
    session.flush()  # what commit would flush next must be noted before deciding
    changed = session.info.pop(_CHANGED, None)
    if changed:
        session.execute(raise_versions(changed))
        if has_app_context():
            g.pop("data_versions", None)  # what this request read is out of date now


def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)
