"""The dossier export: one ZIP per request or campaign with the sent letters, the documents
received, the proofs, a chronology (CSV and PDF), the CADA's opinions each request cites
(CSV) and a manifest of every file's SHA-256.
Small dossiers are written inline, larger ones by a job into the file store.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Callable, Iterable

from flask import current_app
from sqlalchemy import func, select

from workflow.accounts.access import visible_to
from workflow.core import clock
from workflow.core.extensions import db
from workflow.core.storage import CHUNK, file_store
from workflow.documents.formats import DOCX, ODP, ODS, ODT, PPTX, XLSX
from workflow.documents.items_obtained import obtained
from workflow.law.states import STATUS_LABELS
from workflow.letters.rendering import LETTER_KINDS
from workflow.letters.request_letters import EVENT_OF_LETTER
from workflow.models import Campaign, Document, Letter, AccessRequest, User
from workflow.models.documents import CAME_BY, OUTCOMES
from workflow.models.precedents import OUTCOME_LABELS
from workflow.precedents import citations
from workflow.requests import lifecycle as request_service

# -------------------------------------------------------------------- entries

@dataclass
class _Entry:
    path: str
    role: str  # letter | proof | document | chronology | precedents
    request: AccessRequest | None
    media_type: str
    sha256: str | None = None  # a stored file
    content: bytes | None = None  # or bytes made for the export
    meta: dict = field(default_factory=dict)


@dataclass
class _ChronologyRow:
    day: date
    nature: str
    title: str
    details: str = ""
    file: str = ""


_STORED_AS_IS = ("application/pdf", "application/zip", "image/png", "image/jpeg", "image/gif", "image/webp",
                 DOCX, XLSX, PPTX, ODT, ODS, ODP)


def _sent_letters(access_request: AccessRequest) -> list[Letter]:
    return list(db.session.scalars(select(Letter).where(Letter.request_id == access_request.id, Letter.sent_at.is_not(None))
                                   .order_by(Letter.sent_at, Letter.kind, Letter.version)))


def _documents_of(access_request: AccessRequest) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.request_id == access_request.id).order_by(Document.id)))


def _csv_cell(value: str) -> str:
    # A cell starting like a formula is text, not a formula, when opened in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def chronology_rows(access_request: AccessRequest, paths: dict[tuple[str, int], str]) -> list[_ChronologyRow]:
    current = request_service.situation(access_request)
    rows = []
    for entry in request_service.timeline(access_request, current):
        if entry.kind == "history":  # the team's own history (assignments...) stays out of a dossier
            continue
        details = [*entry.lines, entry.detail, entry.warning]
        if entry.corrected_from:
            details.append("date corrigée ; d'origine : " + ", ".join(day.isoformat() for day in entry.corrected_from))
        nature = "Événement" if entry.kind == "event" else ("Échéance passée" if entry.past else "Échéance à venir")
        rows.append(_ChronologyRow(entry.day, nature, entry.title, " ; ".join(part for part in details if part)))
    # The day a letter went is its event's (the freezing moment can be later).
    event_days = {(event.type, (event.data or {}).get("letter_version")): event.occurred_on
                  for event in request_service.effective_events(access_request)}
    for letter in _sent_letters(access_request):
        day = (event_days.get((EVENT_OF_LETTER.get(letter.kind), letter.version)) or letter.sent_on
               or clock.paris_day(letter.sent_at))
        rows.append(_ChronologyRow(day, "Courrier envoyé",
                                   f"{LETTER_KINDS.get(letter.kind, letter.kind)} (version {letter.version})",
                                   f"SHA-256 {letter.pdf_sha256}", paths.get(("letter", letter.id), "")))
    statuses = {item.id: item.description for item in access_request.items}
    for document in _documents_of(access_request):
        details = [CAME_BY.get(document.came_by, ""), f"expéditeur : {document.sender}" if document.sender else "",
                   f"{document.pages} page{'s' if document.pages > 1 else ''}" if document.pages else "",
                   *(f"{OUTCOMES[link.outcome].lower()} : {statuses.get(link.item_id, '')}" for link in document.item_links),
                   f"extrait de {document.parent.filename}" if document.parent else "", document.notes]
        rows.append(_ChronologyRow(document.received_on or document.created_at.date(), "Document reçu",
                                   document.filename, " ; ".join(part for part in details if part),
                                   paths.get(("document", document.id), "")))
    order = {"Événement": 0, "Courrier envoyé": 1, "Document reçu": 2}
    return sorted(rows, key=lambda row: (row.day, order.get(row.nature, 3)))


def _precedents_csv(access_request: AccessRequest) -> bytes | None:
    """The CADA's opinions the request cites, with the sentence its letters quote; None if none."""
    cited = citations.cited(access_request)
    if not cited:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["numéro", "date de séance", "administration", "objet", "sens", "phrase citée"])
    for citation in cited:
        opinion = citation.opinion
        writer.writerow([opinion.number, opinion.session_on.isoformat() if opinion.session_on else (opinion.year or ""),
                         _csv_cell(opinion.administration), _csv_cell(opinion.subject),
                         OUTCOME_LABELS.get(opinion.outcome, opinion.outcome), _csv_cell(citation.holding)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def precedents_manifest(access_request: AccessRequest) -> list[dict]:
    return [{"number": citation.opinion.number,
             "date": citation.opinion.session_on.isoformat() if citation.opinion.session_on else None,
             "administration": citation.opinion.administration, "outcome": citation.opinion.outcome,
             "holding": citation.holding} for citation in citations.cited(access_request)]


def _chronology_csv(rows: list[_ChronologyRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["date", "nature", "intitulé", "détails", "fichier"])
    for row in rows:
        writer.writerow([row.day.isoformat(), row.nature, _csv_cell(row.title), _csv_cell(row.details), row.file])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheets then read UTF-8


@functools.cache
def _refusing_fetcher_class():
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        """The chronology is self-contained: every URL in it is refused."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            raise ValueError(f"URL refused in a dossier export: {url[:200]}")

    return RefusingFetcher


def _chronology_pdf(access_request: AccessRequest, rows: list[_ChronologyRow]) -> bytes:
    from weasyprint import HTML

    # The app's Jinja environment (autoescape, filters) without its context processors:
    # a job has no request, hence no current user.
    template = current_app.jinja_env.get_template("documents/chronology_pdf.html")
    html = template.render(access_request=access_request, rows=rows, status_labels=STATUS_LABELS, generated_on=clock.today(),
                           obtained=obtained(access_request))
    return HTML(string=html, url_fetcher=_refusing_fetcher_class()()).write_pdf()


def _entries(access_request: AccessRequest, root: str) -> list[_Entry]:
    base = f"{root}{access_request.reference}/"
    entries, paths = [], {}
    for letter in _sent_letters(access_request):
        if not letter.pdf_sha256:
            continue
        path = f"{base}courriers/{access_request.reference}-{letter.kind}-v{letter.version}.pdf"
        paths[("letter", letter.id)] = path
        entries.append(_Entry(path, "letter", access_request, "application/pdf", sha256=letter.pdf_sha256, meta={
            "letter_kind": letter.kind, "version": letter.version, "sent_at": letter.sent_at.isoformat()}))
    documents = _documents_of(access_request)
    proofs = {int((event.data or {}).get("proof_document_id")) for event in access_request.events
              if str((event.data or {}).get("proof_document_id", "")).isdigit()}
    for document in documents:
        folder = "preuves" if document.id in proofs else "documents"
        path = f"{base}{folder}/{document.id:04d}-{document.filename}"
        paths[("document", document.id)] = path
        entries.append(_Entry(path, "proof" if folder == "preuves" else "document", access_request, document.media_type,
                              sha256=document.sha256, meta={
                                  "document_id": document.id, "original_name": document.original_name,
                                  "received_on": document.received_on.isoformat() if document.received_on else None,
                                  "came_by": document.came_by, "sender": document.sender, "pages": document.pages,
                                  "container": paths.get(("document", document.parent_id)) if document.parent_id else None,
                                  "items": [{"item": link.item_id, "outcome": link.outcome} for link in document.item_links],
                              }))
    rows = chronology_rows(access_request, paths)
    entries.append(_Entry(f"{base}chronologie.csv", "chronology", access_request, "text/csv", content=_chronology_csv(rows)))
    entries.append(_Entry(f"{base}chronologie.pdf", "chronology", access_request, "application/pdf",
                          content=_chronology_pdf(access_request, rows)))
    cited = _precedents_csv(access_request)
    if cited is not None:
        entries.append(_Entry(f"{base}avis-cada-cites.csv", "precedents", access_request, "text/csv", content=cited))
    return entries


def export_size(requests: Iterable[AccessRequest]) -> tuple[int, int]:
    """(bytes, files) a dossier of these requests will hold, before compression."""
    ids = [access_request.id for access_request in requests]
    if not ids:
        return 0, 0
    size, count = db.session.execute(select(func.coalesce(func.sum(Document.size), 0), func.count())
                                     .where(Document.request_id.in_(ids))).one()
    letters = db.session.scalar(select(func.count()).where(Letter.request_id.in_(ids), Letter.sent_at.is_not(None)))
    return int(size) + letters * 100_000, int(count) + letters + 2 * len(ids)


class ExportError(RuntimeError):
    pass


def write_dossier(requests: list[AccessRequest], root: str, out: IO[bytes], scope: dict,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Write the ZIP of a dossier to `out`: per request its sent letters, documents
    received, proofs and chronology (CSV and PDF), then `manifest.json` listing every
    file with its SHA-256, computed from the very bytes written. Returns the file count."""
    store = file_store()
    root = root.strip("/") + "/"
    plan = [entry for access_request in requests for entry in _entries(access_request, root)]
    moment = datetime.now(timezone.utc)
    stamp = moment.timetuple()[:6]
    listed = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for position, entry in enumerate(plan, start=1):
            info = zipfile.ZipInfo(entry.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if entry.media_type in _STORED_AS_IS else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            digest, size = hashlib.sha256(), 0
            with bundle.open(info, "w", force_zip64=True) as target:
                source = store.open(entry.sha256) if entry.sha256 else io.BytesIO(entry.content)
                with source:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
            if entry.sha256 and digest.hexdigest() != entry.sha256:
                raise ExportError(f"Le fichier stocké {entry.sha256} ne correspond plus à son empreinte : export arrêté.")
            listed.append({"path": entry.path, "sha256": digest.hexdigest(), "size": size, "media_type": entry.media_type,
                           "role": entry.role, "request": entry.request.reference if entry.request else None,
                           **entry.meta})
            if progress:
                progress(position, len(plan))
        manifest = {
            "format": "lanterne-dossier/1",
            "generated_at": moment.isoformat(timespec="seconds"),
            "scope": scope,
            "requests": [{"reference": access_request.reference, "subject": access_request.subject, "authority": access_request.authority.name,
                          "status": access_request.status, "status_label": STATUS_LABELS.get(access_request.status, access_request.status),
                          "items": [{"id": item.id, "description": item.description} for item in access_request.items],
                          "precedents": precedents_manifest(access_request)}
                         for access_request in requests],
            "files": listed,
        }
        bundle.writestr(zipfile.ZipInfo(f"{root}manifest.json", date_time=stamp),
                        json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"), zipfile.ZIP_DEFLATED)
    return len(listed)


def request_dossier_name(access_request: AccessRequest) -> str:
    return f"dossier-{access_request.reference}.zip"


def request_scope(access_request: AccessRequest) -> dict:
    return {"kind": "request", "reference": access_request.reference, "subject": access_request.subject}


def campaign_requests(campaign: Campaign, user: User) -> list[AccessRequest]:
    return list(db.session.scalars(select(AccessRequest).where(AccessRequest.campaign_id == campaign.id,
                                                         visible_to(AccessRequest, user)).order_by(AccessRequest.reference)))


def campaign_scope(campaign: Campaign) -> dict:
    return {"kind": "campaign", "id": campaign.id, "title": campaign.title}


def export_to_temporary_file(requests: list[AccessRequest], root: str, scope: dict) -> IO[bytes]:
    """A dossier written to an anonymous temporary file (gone when closed), rewound."""
    handle = tempfile.TemporaryFile()
    try:
        write_dossier(requests, root, handle, scope)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def export_to_store(requests: list[AccessRequest], root: str, scope: dict,
                    progress: Callable[[int, int], None] | None = None) -> str:
    """A dossier kept in the file store (for a job's result); returns its SHA-256."""
    store = file_store()
    store.root.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=store.root, prefix=".export-", delete=False)
    try:
        with handle:
            write_dossier(requests, root, handle, scope, progress)
        return store.put_file(handle.name)
    finally:
        Path(handle.name).unlink(missing_ok=True)  # already moved into the store, unless it failed
