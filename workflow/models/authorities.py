"""The directory of administrations a request can be sent to."""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import Boolean, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.core.extensions import db
from workflow.models.base import TimestampMixin

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

    @property
    def kind_label(self) -> str:
        return AUTHORITY_KINDS.get(self.kind, self.kind)

    @property
    def postal_address(self) -> list[str]:
        lines = [line for line in self.address_lines.splitlines() if line.strip()]
        city_line = " ".join(part for part in (self.postal_code, self.city) if part)
        return lines + ([city_line] if city_line else [])

    def __repr__(self) -> str:
        return f"<Authority {self.name}>"
