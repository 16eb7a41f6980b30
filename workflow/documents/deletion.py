"""Deleting a received document filed by mistake (wrong request, wrong file).

The row goes, with what was extracted from it and the files that came inside it (an
e-mail's attachments, a ZIP's contents); the request's history keeps who deleted what and
when (`HistoryEntry`, shown on the timeline). The stored bytes are never removed: the
file store is content-addressed, the same bytes may back another document or a letter,
and evidence must not be lost silently; the history names their SHA-256, so a wrong
deletion can be undone by hand. A document that proves an event (a proof of posting, an
acknowledgement) cannot be deleted while the event names it; sent letters are not
documents and are never deletable."""
from __future__ import annotations

from sqlalchemy import delete, select

from workflow.core.extensions import db
from workflow.models import Document, Event, HistoryEntry, Letter, User
from workflow.models.documents import DocumentPage


class DeletionRefused(ValueError):
    """Why a document may not be deleted (French message)."""


def _with_contents(document: Document) -> list[Document]:
    found = [document]
    for child in document.children:
        found.extend(_with_contents(child))
    return found


def deletion_refused(document: Document) -> str | None:
    """Why this document may not be deleted, or None."""
    doomed = _with_contents(document)
    ids = {row.id for row in doomed}
    for event in db.session.scalars(select(Event).where(Event.request_id == document.request_id)):
        if (event.data or {}).get("proof_document_id") in ids:
            return ("Ce document est le justificatif d'un événement de la chronologie : il ne peut pas être supprimé. "
                    "Corrigez l'événement si le justificatif est faux.")
    hashes = {row.sha256 for row in doomed}
    sent_letter = db.session.scalar(select(Letter.id).where(
        Letter.request_id == document.request_id, Letter.sent_at.is_not(None), Letter.pdf_sha256.in_(hashes)))
    if sent_letter is not None:
        return "Ce document est un courrier envoyé : il fait foi et ne peut pas être supprimé."
    return None


def delete_document(document: Document, user: User) -> HistoryEntry:
    """Delete the document and what came inside it, and note it in the request's history
    (no commit). Raise DeletionRefused if it may not go."""
    reason = deletion_refused(document)
    if reason:
        raise DeletionRefused(reason)
    doomed = _with_contents(document)
    names = [row.filename for row in doomed]
    summary = f"Document reçu supprimé : « {document.filename} »"
    if len(doomed) > 1:
        summary += f" et les {len(doomed) - 1} fichier{'s' if len(doomed) > 2 else ''} qu'il contenait"
    entry = HistoryEntry(
        request_id=document.request_id, author_id=user.id, kind="document_deleted", summary=summary,
        data={"files": [{"filename": row.filename, "sha256": row.sha256, "size": row.size,
                         "received_on": row.received_on.isoformat() if row.received_on else None} for row in doomed],
              "names": names})
    db.session.add(entry)
    # The pages first, so SQLite's search index loses them by its trigger.
    db.session.execute(delete(DocumentPage).where(DocumentPage.document_id.in_([row.id for row in doomed])))
    db.session.delete(document)
    db.session.flush()
    return entry
