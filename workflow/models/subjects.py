"""Subjects that users write for themselves (the library's ready-made ones are data in
workflow/requests/subjects.json), private or shared with an organisation."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.core.extensions import db
from workflow.models.base import TimestampMixin
from workflow.models.users import Organisation


class Subject(TimestampMixin, db.Model):
    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_grounds: Mapped[list[str]] = mapped_column(JSON, default=list)

    organisation: Mapped[Optional[Organisation]] = relationship()
