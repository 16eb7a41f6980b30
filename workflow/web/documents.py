"""Documents received: filing them on a request, each document's page (metadata, what it
brings for each requested item, its text), downloads, full-text search across what the
user may see, and the dossier export of a request or a campaign."""
from __future__ import annotations

import io
from typing import IO, cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data

from workflow.documents.extraction import ocr_engine
from workflow.jobs import documents as document_jobs
from workflow import documents
from workflow.documents import formats
from workflow.accounts.access import editable_by, get_campaign_or_404, get_request_or_404, visible_to
from workflow.core.extensions import db
from workflow.forms import document_form, upload_form
from workflow.core.downloads import send_stored
from workflow.models import Campaign, Document, DocumentItem, JobRun, AccessRequest
from workflow.models.documents import OUTCOMES, DocumentPage
from workflow.core.params import page_number, paginate

bp = Blueprint("documents", __name__, url_prefix="/documents")


def _document_or_404(document_id: int) -> Document:
    document = documents.visible_document(document_id, current_user)
    if document is None:
        abort(404)
    return document


def _require_change(document: Document) -> None:
    get_request_or_404(document.request_id, current_user, for_change=True)


# --------------------------------------------------------------------- pages


@bp.route("/")
def index():
    query = (select(Document).join(AccessRequest, Document.request_id == AccessRequest.id)
             .where(visible_to(AccessRequest, current_user)).order_by(Document.created_at.desc(), Document.id.desc()))
    page = paginate(query, per_page=25)
    return render_template("documents/index.html", page=page)


@bp.route("/recherche")
def search():
    query = request.args.get("q", "").strip()
    number = request.args.get("page", 1, type=page_number)
    results = documents.search(current_user, query, number) if query else None
    return render_template("documents/search.html", query=query, results=results)


@bp.post("/demandes/<int:request_id>/envoi")
def upload(request_id: int):
    access_request = get_request_or_404(request_id, current_user, for_change=True)
    back = redirect(url_for("requests.show", request_id=access_request.id, _anchor="documents-recus"), 303)
    form = upload_form(access_request)
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for error in errors:
                flash(error if name == "files" else f"{form[name].label.text if name in form else name} : {error}", "error")
        return back
    uploads = [documents.Upload(upload.filename or "", upload.stream) for upload in form.files.data
               if upload and upload.filename]
    try:
        report = documents.file_documents(access_request, uploads, form.meta_for(access_request), current_user)
    except documents.FilingError as error:
        flash(f"{error} Rien de cet envoi n'a été enregistré.", "error")
        return back
    new = report.new
    if new:
        names = ", ".join(f"« {document.filename} »" for document in new[:5]) + (" …" if len(new) > 5 else "")
        flash(f"{len(new)} document{'s' if len(new) > 1 else ''} classé{'s' if len(new) > 1 else ''} : {names}. "
              + ("Le texte sera extrait dans un instant." if report.queued else
                 "La file des tâches est indisponible : le texte sera extrait plus tard."), "success")
    for entry in report.duplicates:
        flash(f"« {entry.label} » était déjà classé (document « {entry.document.filename} ») : relié, pas copié.", "info")
    for notice in report.notices:
        flash(notice, "warning")
    return back


# A body this many times the limit is not read to recover the form's fields: plain 413.
TOO_LARGE_DRAIN_FACTOR = 4


def _fields_of_refused_upload(limit: int) -> MultiDict:
    """The form's fields of an upload refused for its size, its files thrown away as they
    are read (nothing is kept); empty when the body is far past the limit."""
    length = request.content_length or 0
    if not length or length > TOO_LARGE_DRAIN_FACTOR * limit:
        return MultiDict()
    try:
        _stream, fields, _files = parse_form_data(
            request.environ, stream_factory=_discard, max_content_length=None,
            max_form_memory_size=64 * 1024, silent=False)
    except Exception:  # noqa: BLE001 - a truncated or malformed body: the form comes back empty
        return MultiDict()
    return fields


class _Discard(io.RawIOBase):
    """Where the files of a refused upload go: nowhere."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        return len(data)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:  # the parser rewinds each file it wrote
        return 0


def _discard(total_content_length: int | None, content_type: str | None, filename: str | None,
             content_length: int | None = None) -> IO[bytes]:
    return cast(IO[bytes], _Discard())


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge):
    """An upload over MAX_CONTENT_LENGTH: a page that states the limit and gives back the
    upload form as the user filled it (the files must be chosen again: no browser lets a
    page choose them); status 413. Other pages get the plain 413 page."""
    if request.endpoint != "documents.upload":
        return error
    access_request = get_request_or_404(request.view_args["request_id"], current_user, for_change=True)
    limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    form = upload_form(access_request, formdata=_fields_of_refused_upload(limit))
    sent = f" ({formats.human_size(request.content_length)})" if request.content_length else ""
    message = (f"Cet envoi{sent} dépasse la limite de {formats.human_size(limit)} par envoi "
               f"({formats.human_size(int(current_app.config['DOCUMENT_MAX_BYTES']))} au plus par fichier) : rien "
               "n'a été enregistré. Vos choix sont gardés ci-dessous ; choisissez de nouveau les fichiers et "
               "envoyez-les en plusieurs fois, ou compressés.")
    return render_template("documents/upload_too_large.html", access_request=access_request, form=form,
                           message=message), 413


@bp.route("/<int:document_id>", methods=["GET", "POST"])
def show(document_id: int):
    document = _document_or_404(document_id)
    form = document_form(document)
    if request.method == "POST":
        _require_change(document)
        if form.validate_on_submit():
            document.received_on, document.came_by = form.received_on.data, form.came_by.data or ""
            document.sender, document.notes = (form.sender.data or "").strip(), (form.notes.data or "").strip()
            document.pages = form.pages.data or document.pages
            links = {link.item_id: link for link in document.item_links}
            for item, field in form.item_fields:
                if field.data in OUTCOMES:
                    if item.id in links:
                        links[item.id].outcome = field.data
                    else:
                        document.item_links.append(DocumentItem(item_id=item.id, outcome=field.data))
                elif item.id in links:
                    document.item_links.remove(links[item.id])
            db.session.commit()
            flash("Les informations du document sont enregistrées.", "success")
            return redirect(url_for("documents.show", document_id=document.id), 303)
    first_pages = list(db.session.scalars(select(DocumentPage).where(DocumentPage.document_id == document.id)
                                          .order_by(DocumentPage.page).limit(3)))
    can_edit = db.session.scalar(select(AccessRequest.id).where(AccessRequest.id == document.request_id,
                                                          editable_by(AccessRequest, current_user)))
    return render_template("documents/show.html", document=document, form=form, first_pages=first_pages,
                           can_edit=bool(can_edit), elsewhere=documents.same_file_elsewhere(document, current_user),
                           ocr_available=bool(ocr_engine()),
                           deletion_refused=documents.deletion_refused(document) if can_edit else None), 422 if form.errors else 200


@bp.route("/<int:document_id>/fichier")
def download(document_id: int):
    document = _document_or_404(document_id)
    return send_stored(document.sha256, document.filename, document.media_type)


@bp.route("/<int:document_id>/apercu.png")
def thumbnail(document_id: int):
    document = _document_or_404(document_id)
    if not document.thumbnail_sha256:
        abort(404, "Pas d'aperçu pour ce document.")
    return send_stored(document.thumbnail_sha256, f"apercu-{document.id}.png", "image/png", inline=True)


@bp.post("/<int:document_id>/supprimer")
def delete(document_id: int):
    """Delete a document filed by mistake: editors of its request only, POST with the box
    ticked, noted in the request's history; the stored bytes stay (workflow/documents/deletion.py)."""
    document = _document_or_404(document_id)
    _require_change(document)
    if request.form.get("confirm") != "oui":
        flash("Cochez la case de confirmation pour supprimer le document.", "error")
        return redirect(url_for("documents.show", document_id=document.id, _anchor="suppression"), 303)
    request_id, filename = document.request_id, document.filename
    try:
        documents.delete_document(document, current_user)
    except documents.DeletionRefused as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("documents.show", document_id=document_id), 303)
    db.session.commit()
    flash(f"Le document « {filename} » est supprimé ; l'historique de la demande le garde.", "success")
    return redirect(url_for("requests.show", request_id=request_id, _anchor="chronologie"), 303)


@bp.post("/<int:document_id>/extraction")
def extract_again(document_id: int):
    document = _document_or_404(document_id)
    _require_change(document)
    document.text_status, document.text_note = "pending", ""
    db.session.commit()
    if document_jobs.enqueue_extraction([document.id]):
        flash("L'extraction du texte est relancée.", "success")
    else:
        flash("La file des tâches (Redis) est indisponible : réessayez dans un instant.", "error")
    return redirect(url_for("documents.show", document_id=document.id), 303)


# -------------------------------------------------------------------- export


@bp.post("/demandes/<int:request_id>/dossier")
def export_request(request_id: int):
    access_request = get_request_or_404(request_id, current_user)
    size, count = documents.export_size([access_request])
    if size <= int(current_app.config["DOCUMENT_EXPORT_INLINE_BYTES"]) and count <= 200:
        bundle = documents.export_to_temporary_file([access_request], f"dossier-{access_request.reference}", documents.request_scope(access_request))
        response = send_file(bundle, mimetype="application/zip", as_attachment=True,
                             download_name=documents.request_dossier_name(access_request), conditional=False, etag=False)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    run = document_jobs.start_export(current_user, access_request=access_request)
    return redirect(url_for("documents.export_job", run_id=run.id), 303)


@bp.post("/campagnes/<int:campaign_id>/dossier")
def export_campaign(campaign_id: int):
    campaign = get_campaign_or_404(campaign_id, current_user)
    run = document_jobs.start_export(current_user, campaign=campaign)
    return redirect(url_for("documents.export_job", run_id=run.id), 303)


def _export_run_or_404(run_id: int) -> JobRun:
    run = db.session.get(JobRun, run_id)
    if run is None or run.kind not in ("request_export", "campaign_export"):
        abort(404)
    if run.campaign_id:
        get_campaign_or_404(run.campaign_id, current_user)
    else:
        get_request_or_404(run.request_id, current_user)
    return run


@bp.route("/dossiers/<int:run_id>")
def export_job(run_id: int):
    run = _export_run_or_404(run_id)
    subject = db.session.get(Campaign, run.campaign_id) if run.campaign_id else db.session.get(AccessRequest, run.request_id)
    return render_template("documents/job.html", run=run, subject=subject)


@bp.route("/dossiers/<int:run_id>/resultat")
def export_result(run_id: int):
    run = _export_run_or_404(run_id)
    if run.status != "done":
        abort(409, "L'export n'est pas terminé.")
    return send_stored(run.result_sha256, run.result_name, "application/zip")
