"""Documents received, stored by content (SHA-256), linked to the items they answer."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.base import TimestampMixin


class Document(TimestampMixin, db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    pages: Mapped[Optional[int]] = mapped_column(Integer)
    received_on: Mapped[Optional[date]] = mapped_column(Date)
    came_by: Mapped[str] = mapped_column(String(20), default="")  # post | email | link | hand
    sender: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    text_status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | no_text | failed

    request = relationship("Request")
    item_links: Mapped[list[DocumentItem]] = relationship(back_populates="document", cascade="all, delete-orphan")


class DocumentItem(db.Model):
    """What a document brings for one requested item."""

    __tablename__ = "document_items"
    __table_args__ = (UniqueConstraint("document_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("request_items.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="complete")  # complete | redacted | refused

    document: Mapped[Document] = relationship(back_populates="item_links")
