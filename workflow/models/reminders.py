"""Deadlines computed from a request's events (stored so that the sweep and the dashboard
read them by date) and the reminders derived from them (one row each, sent once)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import utcnow


class Deadline(db.Model):
    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("request_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    safe_date: Mapped[Optional[date]] = mapped_column(Date)
    legal_date: Mapped[Optional[date]] = mapped_column(Date)
    explanation: Mapped[str] = mapped_column(Text, default="")
    enforceable: Mapped[bool] = mapped_column(Boolean, default=True)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    # open | met | passed | superseded (workflow.law.deadlines), as computed when the request
    # last changed: an "open" deadline whose day went by is late.
    state: Mapped[str] = mapped_column(String(12), default="open", server_default="open")

    request = relationship("AccessRequest")


class Reminder(db.Model):
    __tablename__ = "reminders"
    # One reminder of a kind for a request and a date: scheduling twice is harmless.
    # The sweep reads the unsent ones by date: (sent_at, due_on) finds them without
    # walking the history of sent reminders.
    __table_args__ = (UniqueConstraint("request_id", "kind", "due_on"),
                      Index("ix_reminders_unsent_due_on", "sent_at", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")

    request = relationship("AccessRequest")


class CalendarFeed(db.Model):
    """A private ICS feed of every deadline a user (or an organisation) follows. The
    secret URL is shown once; only its SHA-256 is stored, and it can be revoked."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    organisation = relationship("Organisation")
