"""Letters of the legal chain. A sent letter is frozen: its bytes are stored by SHA-256."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import TimestampMixin


class Letter(TimestampMixin, db.Model):
    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("request_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))  # when it was frozen
    # The day it was sent, as the user recorded it (or, e-mailed, the day in Paris the server
    # took it); the event of the chain it carries, when there is one, has the legal date.
    sent_on: Mapped[Optional[date]] = mapped_column(Date)
    pdf_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    docx_sha256: Mapped[Optional[str]] = mapped_column(String(64))
    text_sha256: Mapped[Optional[str]] = mapped_column(String(64))

    request = relationship("AccessRequest")

    @property
    def frozen(self) -> bool:
        return self.sent_at is not None
