"""Parts of pages rendered once by a web process and reused while the data they show has
not changed.

The dashboard of a group with thousands of requests costs tens of milliseconds of
queries and templating, and most visits find nothing changed since the last one. Every
transaction that writes a table the dashboard reads also raises a counter row, in the
same transaction, so the counter and the data commit together whichever process writes
(a page, the API, a worker). A rendered part is kept under a key holding that counter,
the user, the filters and the day: after any change every older part is unreachable and
the next visit renders afresh. Entries also expire after a few minutes, which bounds
what a write made outside the ORM session could leave behind.

Only parts that are the same for every visit go in: the page around them (account menu,
notifications, flashed messages, CSRF tokens) is rendered on every request.
"""
from __future__ import annotations

import threading
from itertools import chain
from typing import Callable, Hashable

from cachetools import TTLCache
from flask import Flask, current_app, g, has_app_context
from markupsafe import Markup
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from workflow.extensions import db
from workflow.models import DataVersion

DASHBOARD = "dashboard"
# What the dashboard shows: requests and their deadlines, authority names, campaign
# titles, and through memberships which requests a user sees.
DASHBOARD_TABLES = frozenset({"requests", "deadlines", "authorities", "campaigns", "memberships"})
_CHANGED = "lanterne_dashboard_changed"


class FragmentCache:
    """At most `size` rendered parts, each for at most `seconds`; safe across threads."""

    def __init__(self, size: int, seconds: float):
        self._entries: TTLCache | None = TTLCache(size, seconds) if size > 0 else None
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        if self._entries is None:
            return Markup(render())
        with self._lock:
            found = self._entries.get(key)
        if found is not None:
            return found
        rendered = Markup(render())
        with self._lock:
            self._entries[key] = rendered
        return rendered

    def __len__(self) -> int:
        return len(self._entries) if self._entries is not None else 0


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = FragmentCache(app.config["PAGE_CACHE_SIZE"], app.config["PAGE_CACHE_SECONDS"])
    watch(db.session.session_factory.class_)


DASHBOARD_VERSION = select(DataVersion.value).where(DataVersion.name == DASHBOARD)


def dashboard_version() -> int | None:
    if "dashboard_version" in g:  # read with the account (accounts.signed_in)
        return g.dashboard_version
    return db.session.scalar(DASHBOARD_VERSION)


def dashboard_part(key: tuple, render: Callable[[], str]) -> Markup:
    """The dashboard part for `key` (user, filters, page, day...) at the current data."""
    version = dashboard_version()
    if version is None:  # a database without the counter row: nothing would invalidate
        return Markup(render())
    return current_app.extensions["page_cache"].get_or_render((DASHBOARD, version, *key), render)


# -- raising the counter: session events, registered once per process


def watch(session_class: type[Session]) -> None:
    for name, listener in (("after_flush", _note_flush), ("do_orm_execute", _note_statement),
                           ("before_commit", _raise_versions), ("after_rollback", _forget)):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


def _note_flush(session: Session, _context) -> None:
    # After a flush, new/dirty/deleted still hold what the flush wrote.
    if any(getattr(row, "__tablename__", None) in DASHBOARD_TABLES
           for row in chain(session.new, session.dirty, session.deleted)):
        session.info[_CHANGED] = True


def _note_statement(state) -> None:
    # Bulk INSERT/UPDATE/DELETE statements bypass the unit of work.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in DASHBOARD_TABLES:
            state.session.info[_CHANGED] = True


def raise_dashboard_version():
    """The statement that makes every dashboard rendered so far out of date."""
    return update(DataVersion).where(DataVersion.name == DASHBOARD).values(value=DataVersion.value + 1)


def _raise_versions(session: Session) -> None:
    session.flush()  # what commit would flush next must be noted before deciding
    if session.info.pop(_CHANGED, False):
        session.execute(raise_dashboard_version())
        if has_app_context():
            g.pop("dashboard_version", None)  # what this request read is out of date now


def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)
