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
from typing import Callable, Hashable, TypeVar

from cachetools import TTLCache
from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

from workflow.core.extensions import db
from workflow.models.versions import DASHBOARD, PART_TABLES, REQUEST_PAGE, version_query, watch

# The kinds of part and their tables are the counters' (workflow/models/versions.py).
__all__ = ["DASHBOARD", "PART_TABLES", "REQUEST_PAGE", "FragmentCache", "cached_part", "init_app", "session_csrf_key",
           "version", "version_query"]
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
            kept = self._entries.get(key)
        if kept is not None:
            return kept
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
