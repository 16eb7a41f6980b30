"""Counters the database raises whenever the data behind a page changes, so that a part
of a page rendered earlier can be reused until then (workflow/web/page_cache.py keeps
the parts). Every transaction that writes a table a part reads raises the part's counter
in the same transaction, whichever process writes: a page, the API, a worker."""
from __future__ import annotations

from itertools import chain

from flask import g, has_app_context
from sqlalchemy import BigInteger, String, event, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflow.core.extensions import db


class DataVersion(db.Model):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


DASHBOARD = "dashboard"
REQUEST_PAGE = "request_page"
# The tables each kind of part reads. The dashboard: requests and their deadlines,
# authority names, campaign titles, and through memberships which requests a user sees.
# A request page: the same, plus the items asked for, the events of its timeline, the
# documents received with what they settle, what its requester's identity lacks, and the
# CADA's opinions it cites.
# Both show names of users (assignees, who did what), so a change to a user's row makes
# them out of date too.
PART_TABLES = {
    DASHBOARD: frozenset({"requests", "deadlines", "authorities", "campaigns", "memberships", "users"}),
    REQUEST_PAGE: frozenset({"requests", "deadlines", "authorities", "campaigns", "memberships", "users", "request_items",
                             "events", "documents", "document_items", "request_history", "letters",
                             "requester_identities", "request_precedents", "cada_opinions", "inbound_messages",
                             "outgoing_mails"}),
}
# A changed row of these tables changes a part only through these columns: the pages show
# a user's name, not their session or settings (a log-out raises the session version and
# must not re-render every page of every user). Added and deleted rows always count.
SHOWN_COLUMNS = {"users": frozenset({"display_name", "email"})}
_CHANGED = "lanterne_changed_parts"


def version_query(part: str):
    return select(DataVersion.value).where(DataVersion.name == part)


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
    # After a flush, new/dirty/deleted (and each attribute's history) still hold what the flush wrote.
    for row in chain(session.new, session.deleted):
        _note(session, getattr(row, "__tablename__", None))
    for row in session.dirty:
        table_name = getattr(row, "__tablename__", None)
        shown = SHOWN_COLUMNS.get(table_name)
        if shown is None or any(inspect(row).attrs[name].history.has_changes() for name in shown):
            _note(session, table_name)


UNSEEN = "unseen_by_pages"  # an execution option: this statement writes nothing a page shows


def _note_statement(state) -> None:
    # Bulk INSERT/UPDATE/DELETE statements bypass the unit of work.
    if (state.is_insert or state.is_update or state.is_delete) and not state.execution_options.get(UNSEEN):
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
