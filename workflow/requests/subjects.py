"""The subject library: ready-made requests for the investigation (data shipped with
Lanterne) and the subjects users write and share within their organisation."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select

from workflow.accounts.access import visible_to
from workflow.core.extensions import db
from workflow.models import Subject, User


@dataclass(frozen=True)
class SubjectTemplate:
    key: str                         # "lib:<slug>" for the library, "user:<id>" for a user's subject
    title: str
    summary: str
    items: tuple[str, ...]
    legal_grounds: tuple[str, ...]
    suggested_authorities: tuple[str, ...] = ()   # authority slugs
    notes: str = ""
    shared_with: str = ""            # organisation name, for users' subjects


@functools.cache
def library() -> tuple[SubjectTemplate, ...]:
    text = resources.files("workflow.requests").joinpath("subjects.json").read_text(encoding="utf-8")
    return tuple(
        SubjectTemplate(
            key=f"lib:{entry['slug']}", title=entry["title"], summary=entry.get("summary", ""),
            items=tuple(entry["items"]), legal_grounds=tuple(entry.get("legal_grounds", ())),
            suggested_authorities=tuple(entry.get("suggested_authorities", ())), notes=entry.get("notes", ""),
        )
        for entry in json.loads(text)
    )


def _from_row(subject: Subject) -> SubjectTemplate:
    return SubjectTemplate(
        key=f"user:{subject.id}", title=subject.title, summary=subject.summary, items=tuple(subject.items or ()),
        legal_grounds=tuple(subject.legal_grounds or ()),
        shared_with=subject.organisation.name if subject.organisation_id else "",
    )


def users_subjects(user: User) -> list[SubjectTemplate]:
    rows = db.session.scalars(select(Subject).where(visible_to(Subject, user)).order_by(Subject.title)).all()
    return [_from_row(row) for row in rows]


def find(key: str, user: User) -> SubjectTemplate | None:
    """A library subject, or a user's subject that `user` may see; None otherwise."""
    kind, _, ident = key.partition(":")
    if kind == "lib":
        return next((subject for subject in library() if subject.key == key), None)
    if kind == "user" and ident.isdigit():
        row = db.session.scalar(select(Subject).where(Subject.id == int(ident), visible_to(Subject, user)))
        return _from_row(row) if row else None
    return None


def save_subject(user: User, title: str, summary: str, items: list[str], legal_grounds: list[str],
                 organisation_id: int | None) -> Subject:
    subject = Subject(owner_id=user.id, title=title.strip(), summary=summary.strip(), items=items,
                      legal_grounds=legal_grounds, organisation_id=organisation_id)
    db.session.add(subject)
    db.session.commit()
    return subject
