"""Documents received, stored by content (SHA-256), linked to the items they answer.

A document's bytes live in the file store under their SHA-256; the row keeps what the
user said about it (received when, how, from whom, for which item) and what Lanterne
found in it (type from the bytes, pages, text, thumbnail). An e-mail or a ZIP is kept
whole and each file inside it is a document of its own, pointing at it (`parent_id`).

The text is kept page by page (`DocumentPage`); the full-text index over it is not a
model: an FTS5 table on SQLite, an expression index on PostgreSQL, both built by the
migration (see `workflow.documents.index` and `workflow.documents.text_search`).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import TimestampMixin

if TYPE_CHECKING:
    from workflow.models.requests import AccessRequest

CAME_BY = {"post": "Courrier postal", "email": "Courrier électronique", "link": "Lien de téléchargement",
           "hand": "Remise en main propre"}
OUTCOMES = {"complete": "Obtenu", "redacted": "Obtenu partiellement (occulté)", "refused": "Refusé"}
TEXT_STATUSES = {"pending": "Extraction du texte en attente", "done": "Texte extrait",
                 "ocr": "Texte reconnu par OCR", "no_text": "Pas de couche texte", "failed": "Extraction échouée"}


class Document(TimestampMixin, db.Model):
    __tablename__ = "documents"
    # The same bytes are filed once per request: a second copy is recognised and linked.
    __table_args__ = (UniqueConstraint("request_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # safe name, with the extension of the real type
    original_name: Mapped[str] = mapped_column(String(255), default="", server_default="")  # as sent: metadata only
    origin_path: Mapped[str] = mapped_column(String(500), default="", server_default="")  # where, in its container
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    pages: Mapped[Optional[int]] = mapped_column(Integer)
    received_on: Mapped[Optional[date]] = mapped_column(Date)
    came_by: Mapped[str] = mapped_column(String(20), default="")  # post | email | link | hand
    sender: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # What Lanterne could not read in the file as received ("Protégé par mot de passe : ...").
    filing_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # A ZIP's or an e-mail's every part as received (filed, duplicate, not filed and why),
    # and an e-mail's sender, recipients, time and subject: see `workflow.documents.filing`.
    contents: Mapped[Optional[dict]] = mapped_column(JSON)
    text_status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | done | ocr | no_text | failed
    text_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    paginated: Mapped[bool] = mapped_column(default=True, server_default=true())  # False: text parts are not pages
    thumbnail_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    extracted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    request: Mapped[AccessRequest] = relationship()
    parent: Mapped[Optional[Document]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Document]] = relationship(back_populates="parent", order_by="Document.id",
                                                    cascade="all, delete-orphan", passive_deletes=True)
    item_links: Mapped[list[DocumentItem]] = relationship(back_populates="document", cascade="all, delete-orphan")
    text_pages: Mapped[list[DocumentPage]] = relationship(back_populates="document", order_by="DocumentPage.page",
                                                          cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_container(self) -> bool:
        return self.media_type in ("application/zip", "message/rfc822", "application/vnd.ms-outlook")


class DocumentItem(db.Model):
    """What a document brings for one requested item."""

    __tablename__ = "document_items"
    __table_args__ = (UniqueConstraint("document_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("request_items.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="complete")  # complete | redacted | refused

    document: Mapped[Document] = relationship(back_populates="item_links")


class DocumentPage(db.Model):
    """The text of one page of a document (one part of it, for a document without pages)."""

    __tablename__ = "document_pages"
    __table_args__ = (UniqueConstraint("document_id", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document] = relationship(back_populates="text_pages")
