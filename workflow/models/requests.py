"""A request (demande): a row, its itemised documents and its append-only events.

The status column caches what `workflow.law.states` derives from the events, so lists and the
dashboard can filter on it without replaying every history.
"""
from __future__ import annotations

import base64
import secrets

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import TimestampMixin, utcnow

if TYPE_CHECKING:
    from workflow.models.authorities import Authority
    from workflow.models.campaigns import Campaign
    from workflow.models.users import Organisation, RequesterIdentity, User



def new_reply_tag() -> str:
    """16 characters a mail server keeps as they are (lower-case base32): 80 random bits."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


class AccessRequest(TimestampMixin, db.Model):
    __tablename__ = "requests"
    # The dashboard lists the latest changed first, 25 at a time: read them off an index
    # rather than sorting every request the user may see.
    __table_args__ = (Index("ix_requests_updated_at", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    requester_id: Mapped[Optional[int]] = mapped_column(ForeignKey("requester_identities.id"))
    campaign_id: Mapped[Optional[int]] = mapped_column(ForeignKey("campaigns.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    legal_grounds: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default="email")
    access_format: Mapped[str] = mapped_column(String(20), default="email")
    status: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    # When time alone will change the status (states.status_changes_after): the daily
    # sweep reads what is due off this index, whatever the number of requests.
    status_changes_after: Mapped[Optional[date]] = mapped_column(Date, index=True)
    # Team work: who follows the request (its owner or a member of its organisation), and
    # notes for the team only: no letter, export or API shows them.
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    internal_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The unguessable part of its own reply address (INBOUND_ADDRESS with "+tag"): mail sent
    # there is filed on this request, and can do nothing else.
    reply_tag: Mapped[Optional[str]] = mapped_column(String(32), unique=True, index=True, default=new_reply_tag)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    assignee: Mapped[Optional[User]] = relationship(foreign_keys=[assignee_id])
    organisation: Mapped[Optional[Organisation]] = relationship()
    authority: Mapped[Authority] = relationship()
    requester: Mapped[Optional[RequesterIdentity]] = relationship()
    campaign: Mapped[Optional[Campaign]] = relationship(back_populates="requests")
    items: Mapped[list[RequestItem]] = relationship(
        back_populates="request", order_by="RequestItem.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="request", order_by="(Event.occurred_on, Event.id)", cascade="all, delete-orphan"
    )
    history: Mapped[list[HistoryEntry]] = relationship(
        back_populates="request", order_by="HistoryEntry.id", cascade="all, delete-orphan"
    )


class RequestItem(db.Model):
    """One document asked for, tracked on its own (obtained, redacted, refused)."""

    __tablename__ = "request_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)

    request: Mapped[AccessRequest] = relationship(back_populates="items")


class Event(db.Model):
    """Something that happened to a request. Never updated: a correction is a new event
    pointing at the one it corrects, so the history keeps both."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    corrects_id: Mapped[Optional[int]] = mapped_column(ForeignKey("events.id"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[AccessRequest] = relationship(back_populates="events")


class HistoryEntry(db.Model):
    """Something done to a request's file that is not a legal event (a received document
    deleted, the request assigned): who, when, what. Shown on the timeline; append-only."""

    __tablename__ = "request_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))  # document_deleted | assigned
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    request: Mapped[AccessRequest] = relationship(back_populates="history")
    author: Mapped[Optional[User]] = relationship()
