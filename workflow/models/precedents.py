"""The CADA's opinions (avis et conseils), imported from its open data, and the ones a
request cites.

Opinions are shared reference data: only the import (`flask cada import`, an
administrator's act) writes them; users read them and cite them. A citation belongs to
its request and keeps the one sentence of the holding the user chose to quote.

The full-text index over the opinions is not a model (as for the documents' pages): an
FTS5 table on SQLite, a tsvector column on PostgreSQL, both made by the migrations and
filled by the index job after each import (see `workflow.precedents.indexing`).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import utcnow

if TYPE_CHECKING:
    from workflow.models.users import User

# The outcome of an opinion, read from its "Sens et motivation" (workflow.precedents.importing),
# with the labels the pages show; the keys are the events' (workflow.law.events.OPINION_LABELS),
# plus "other" for what none of them names (a "conseil", an outcome the file spells otherwise).
OUTCOME_LABELS = {
    "favourable": "Favorable", "partially_favourable": "Partiellement favorable", "unfavourable": "Défavorable",
    "moot": "Sans objet", "incompetent": "Incompétence", "inadmissible": "Irrecevable", "other": "Autre",
}


class CadaOpinion(db.Model):
    """One row of the CADA's file "Avis et conseils de la CADA", cleaned."""

    __tablename__ = "cada_opinions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # "Numéro de dossier", e.g. "20204505"
    administration: Mapped[str] = mapped_column(String(500), default="")
    # The directory's kind (AUTHORITY_KINDS) read from the administration's name, "autre" if none.
    administration_kind: Mapped[str] = mapped_column(String(30), default="autre", index=True)
    type: Mapped[str] = mapped_column(String(60), default="")  # "Type": avis, conseil...
    year: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    session_on: Mapped[Optional[date]] = mapped_column(Date)  # "Séance"
    subject: Mapped[str] = mapped_column(Text, default="")  # "Objet"
    themes: Mapped[str] = mapped_column(Text, default="")  # "Thème et sous thème", comma-separated
    keywords: Mapped[str] = mapped_column(Text, default="")  # "Mots clés", comma-separated
    outcomes: Mapped[str] = mapped_column(Text, default="")  # "Sens et motivation" as given
    outcome: Mapped[str] = mapped_column(String(30), default="other", index=True)  # OUTCOME_LABELS' keys
    part: Mapped[str] = mapped_column(String(4), default="")  # "Partie": I, II, III or IV
    text: Mapped[str] = mapped_column(Text, default="")  # "Avis": the full text
    digest: Mapped[str] = mapped_column(String(40), default="")  # of the cleaned fields: a re-import skips the same
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Imported but not yet in the full-text index: the index job (workflow.precedents.indexing)
    # puts it there after the import. Found by number, listed and cited meanwhile; not by words.
    awaiting_index: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


class RequestPrecedent(db.Model):
    """An opinion a request cites, with the sentence of its holding the letters quote."""

    __tablename__ = "request_precedents"
    __table_args__ = (UniqueConstraint("request_id", "opinion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("cada_opinions.id"), index=True)
    holding: Mapped[str] = mapped_column(Text, default="")
    cited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    opinion: Mapped[CadaOpinion] = relationship()
    cited_by: Mapped[Optional[User]] = relationship()
