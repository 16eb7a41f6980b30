"""E-mails received at Lanterne's mailbox (IMAP, a mail server's pipe, an import). Each is
kept as the exact bytes received (file store, SHA-256) before anything else; then matched
to a request, filed there as an e-mail document, and read for the event it may announce,
which the user confirms or dismisses: Lanterne never records it by itself."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import utcnow

# How a message was placed on its request, in the order the rules are tried.
MATCHED_BY = {"tag": "adresse de réponse propre à la demande",
              "thread": "réponse à un courriel envoyé par Lanterne (In-Reply-To / References)",
              "reference": "référence Lanterne dans l'objet",
              "sender": "adresse de l'expéditeur (seule demande en cours auprès de cette administration)",
              "assigned": "classé par un administrateur",
              "claimed": "rattaché par un membre de l'équipe"}
KINDS = {"message": "Courriel", "auto_reply": "Réponse automatique", "bounce": "Avis de non-distribution"}
SOURCES = {"imap": "relevé de la boîte IMAP", "pipe": "remis par le serveur de messagerie",
           "import": "importé d'un fichier"}
# proposed -> confirmed (the event was recorded by the user) | dismissed
PROPOSAL_STATUSES = ("proposed", "confirmed", "dismissed")


class InboundMessage(db.Model):
    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same message twice (same bytes, or same Message-ID from the same sender) is stored
    # once. Not the Message-ID alone: anyone may write any, and a forged one sent first must
    # not make Lanterne drop the real message as a copy.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[Optional[str]] = mapped_column(String(500), index=True)
    size: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(10))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # When it reached the mailbox (its newest Received header), else its Date, else stored_at.
    arrived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    sender: Mapped[str] = mapped_column(String(500), default="")
    sender_address: Mapped[str] = mapped_column(String(254), default="", index=True)
    recipients: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(12), default="message")

    request_id: Mapped[Optional[int]] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"), index=True)
    matched_by: Mapped[Optional[str]] = mapped_column(String(12))
    matched_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    assigned_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Unmatched, but its sender fits this one authority: offered to the owners of its open requests.
    suggested_authority_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("authorities.id", ondelete="SET NULL"), index=True)
    document_id: Mapped[Optional[int]] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    filing_note: Mapped[str] = mapped_column(Text, default="")  # why it could not be filed, if so

    # What Lanterne read in it: {"type", "occurred_on", "why"}; the user confirms or dismisses.
    proposed_event: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    proposal_status: Mapped[Optional[str]] = mapped_column(String(10))
    event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # A bounce: the sending it reports as failed, and the reason the mail server gave.
    bounced_mail_id: Mapped[Optional[int]] = mapped_column(ForeignKey("outgoing_mails.id", ondelete="SET NULL"))
    bounce_diagnostic: Mapped[str] = mapped_column(Text, default="")

    request = relationship("AccessRequest")
    suggested_authority = relationship("Authority")
    document = relationship("Document")

    @property
    def matched_by_label(self) -> str:
        return MATCHED_BY.get(self.matched_by or "", "non classé")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)
