"""The directory of administrations a request can be sent to."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from workflow.core.extensions import db
from workflow.core.text import fold
from workflow.law.departments import department_name
from workflow.models.base import TimestampMixin, utcnow

AUTHORITY_KINDS = {
    "commune": "Commune",
    "intercommunalite": "Intercommunalité",
    "departement": "Département",
    "region": "Région",
    "prefecture": "Préfecture",
    "police": "Police / gendarmerie",
    "ministere": "Ministère",
    "autorite_independante": "Autorité administrative indépendante",
    "etablissement_public": "Établissement public",
    "juridiction": "Juridiction",
    "commission": "Commission",
    "autre": "Autre",
}


def postal_lines(address_lines: str, postal_code: str, city: str) -> list[str]:
    lines = [line for line in address_lines.splitlines() if line.strip()]
    city_line = " ".join(part for part in (postal_code, city) if part)
    return lines + ([city_line] if city_line else [])


class Authority(TimestampMixin, db.Model):
    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key of seeded bodies, so that seeding twice updates instead of duplicating.
    slug: Mapped[Optional[str]] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="autre")
    address_lines: Mapped[str] = mapped_column(Text, default="")  # one line per line, without postcode/city
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    prada_name: Mapped[str] = mapped_column(String(200), default="")
    prada_email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    online_request_url: Mapped[str] = mapped_column(String(500), default="")
    department_code: Mapped[str] = mapped_column(String(3), default="", index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    last_checked_on: Mapped[Optional[date]] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Key of the entry in the official directory it was imported from ("annuaire:<id>"), so
    # that importing again updates instead of duplicating.
    source_id: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    # Name, town, postcode, department code and name folded (workflow.core.text.fold),
    # searched word by word; kept up to date on every save (below) and by the import.
    # Indexed by hand (authority_search_order, migration e1c5a7b3d9f2; in the "C" collation
    # on PostgreSQL): the directory is listed in its order (the name first), and a search
    # reads the ids from that narrow index, not the wide rows, testing each word there.
    search_text: Mapped[str] = mapped_column(Text, default="")

    @property
    def kind_label(self) -> str:
        return AUTHORITY_KINDS.get(self.kind, self.kind)

    @property
    def postal_address(self) -> list[str]:
        return postal_lines(self.address_lines, self.postal_code, self.city)

    def __repr__(self) -> str:
        return f"<Authority {self.name}>"


def authority_search_text(name: str | None, city: str | None, postal_code: str | None,
                          department_code: str | None) -> str:
    """The name first (the directory's order), then the town, the postcode, the department's
    code and its name: "moselle" finds the bodies of the 57 whose name lacks the word."""
    return fold(" ".join(part or "" for part in (name, city, postal_code, department_code,
                                                  department_name(department_code))))


@event.listens_for(Authority, "before_insert")
@event.listens_for(Authority, "before_update")
def _fill_search_text(_mapper, _connection, authority: Authority) -> None:
    authority.search_text = authority_search_text(authority.name, authority.city, authority.postal_code,
                                                  authority.department_code)


# Where a change to the directory came from.
CHANGE_SOURCES = {"page": "Page de l'annuaire", "api": "API", "seed": "Annuaire de référence de Lanterne",
                  "import": "Import d'un annuaire officiel", "proposal": "Proposition acceptée"}
# Whom a change applies to: everybody (the shared directory), or one organisation's or one
# person's letters only (an override).
CHANGE_SCOPES = {"directory": "Annuaire commun", "organisation": "Pour une organisation",
                 "personal": "Pour une personne"}
PROPOSAL_STATUSES = {"pending": "En attente", "accepted": "Acceptée", "rejected": "Refusée"}


class AuthorityChange(db.Model):
    """One change to an entry, or to an override of it: who, when, before, after, why."""

    __tablename__ = "authority_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20), default="directory")
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")


class AuthorityProposal(db.Model):
    """A change proposed by someone who may not edit the shared directory; applied only
    when a directory maintainer accepts it."""

    __tablename__ = "authority_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON)  # field -> proposed value (JSON-ready)
    before: Mapped[dict] = mapped_column(JSON)   # field -> the value when it was proposed
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="")


class AuthorityOverride(TimestampMixin, db.Model):
    """Coordinates one organisation (or one person, for requests not shared) uses in its own
    letters instead of the shared entry's: e.g. a PRADA address confirmed by phone."""

    __tablename__ = "authority_overrides"
    __table_args__ = (
        UniqueConstraint("authority_id", "organisation_id", name="uq_authority_overrides_organisation"),
        UniqueConstraint("authority_id", "user_id", name="uq_authority_overrides_person"),
        CheckConstraint("(organisation_id IS NULL) <> (user_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    fields: Mapped[dict] = mapped_column(JSON)  # field -> value used instead of the shared one
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
