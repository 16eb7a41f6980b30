"""What Lanterne tells people: in-application notices, and every e-mail it sends, kept
as the exact bytes sent (an outbox row per message, unique by what it is for)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.core.extensions import db
from workflow.models.base import utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    # One notice per user and purpose: a second sweep or a duplicated job adds nothing.
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[Optional[int]] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    read_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    purpose: Mapped[str] = mapped_column(String(30))  # reminder | digest | request_letter | failure
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[Optional[int]] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(250))
    eml_sha256: Mapped[str] = mapped_column(String(64))  # the exact bytes handed to the SMTP server
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # queued -> sending -> sent; failed after the last retry; uncertain when a worker died mid-send
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
