"""/api/v1: documents received. File them on a request (multipart, field `files`), read
one, download it, search every document the caller may see, export a request's dossier."""
from __future__ import annotations

from flask import g, request, send_file, url_for
from werkzeug.datastructures import CombinedMultiDict

from workflow import documents
from workflow.accounts.access import get_request_or_404
from workflow.api import ApiError, bp
from workflow.api.openapi import SPEC, error_responses
from workflow.models import Document
from workflow.core.params import page_number
from workflow.core.downloads import send_stored
from workflow.forms import upload_form


def document_json(document: Document, duplicate: bool = False) -> dict:
    descriptions = {item.id: item.description for item in document.request.items}
    return {
        "id": document.id,
        "request_id": document.request_id,
        "parent_id": document.parent_id,
        "filename": document.filename,
        "original_name": document.original_name,
        "origin_path": document.origin_path,
        "sha256": document.sha256,
        "media_type": document.media_type,
        "size": document.size,
        "pages": document.pages,
        "received_on": document.received_on.isoformat() if document.received_on else None,
        "came_by": document.came_by,
        "sender": document.sender,
        "notes": document.notes,
        "text_status": document.text_status,
        "text_note": document.text_note,
        "filing_note": document.filing_note,
        "contents": document.contents,
        "items": [{"item_id": link.item_id, "description": descriptions.get(link.item_id, ""), "outcome": link.outcome}
                  for link in document.item_links],
        "children": [child.id for child in document.children],
        "duplicate": duplicate,
        "file_url": url_for("api.get_document_file", document_id=document.id),
    }


@bp.post("/requests/<int:request_id>/documents")
def create_documents(request_id: int):
    access_request = get_request_or_404(request_id, g.api_user, for_change=True)
    uploads = [upload for upload in request.files.getlist("files") if upload and upload.filename]
    if not uploads:
        raise ApiError(400, "Envoyez un ou plusieurs fichiers dans le champ « files » (multipart/form-data).")
    form = upload_form(access_request, formdata=CombinedMultiDict((request.files, request.form)), meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, "Données invalides.", fields=form.errors)
    try:
        report = documents.file_documents(access_request, [documents.Upload(upload.filename, upload.stream) for upload in uploads],
                                          form.meta_for(access_request), g.api_user)
    except documents.FilingError as error:
        raise ApiError(422, f"{error} Rien de cet envoi n'a été enregistré.")
    body = {"documents": [document_json(entry.document, entry.duplicate) for entry in report.filed],
            "notices": report.notices, "text_extraction_queued": report.queued}
    return body, 201


def _document_or_404(document_id: int) -> Document:
    document = documents.visible_document(document_id, g.api_user)
    if document is None:
        raise ApiError(404, "Document introuvable, ou vous n'y avez pas accès.")
    return document


@bp.get("/documents/<int:document_id>")
def get_document(document_id: int):
    return document_json(_document_or_404(document_id))


@bp.get("/documents/<int:document_id>/file")
def get_document_file(document_id: int):
    document = _document_or_404(document_id)
    return send_stored(document.sha256, document.filename, document.media_type)


@bp.get("/search")
def search_documents():
    query = request.args.get("q", "").strip()
    if not query:
        raise ApiError(400, "Indiquez les mots à chercher : /api/v1/search?q=...")
    page = request.args.get("page", 1, type=page_number)
    per_page = min(request.args.get("per_page", 20, type=page_number), 100)
    results = documents.search(g.api_user, query, page, per_page)
    return {
        "query": results.query, "total": results.total, "capped": results.capped, "page": results.page,
        "pages": results.pages,
        "results": [{
            "request": {"id": hit.request.id, "reference": hit.request.reference, "subject": hit.request.subject},
            "document": {"id": hit.document.id, "filename": hit.document.filename, "media_type": hit.document.media_type},
            "page": hit.page,
            "other_pages": hit.other_pages,
            "excerpt_html": str(hit.excerpt),
            "excerpt": documents.formats.plain_excerpt(hit.excerpt),
        } for hit in results.hits],
    }


@bp.get("/requests/<int:request_id>/export.zip")
def export_request(request_id: int):
    access_request = get_request_or_404(request_id, g.api_user)
    bundle = documents.export_to_temporary_file([access_request], f"dossier-{access_request.reference}", documents.request_scope(access_request))
    response = send_file(bundle, mimetype="application/zip", as_attachment=True,
                         download_name=documents.request_dossier_name(access_request), conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


_ID = {"type": "integer"}
_DOCUMENT = {
    "type": "object",
    "required": ["id", "sha256", "media_type", "pages"],
    "properties": {
        "id": _ID, "request_id": _ID, "parent_id": {"type": ["integer", "null"]},
        "filename": {"type": "string"}, "original_name": {"type": "string"}, "origin_path": {"type": "string"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "media_type": {"type": "string", "description": "Reconnu au contenu du fichier, jamais à son nom."},
        "size": _ID, "pages": {"type": ["integer", "null"]},
        "received_on": {"type": ["string", "null"], "format": "date"},
        "came_by": {"type": "string", "enum": ["", "post", "email", "link", "hand"]},
        "sender": {"type": "string"}, "notes": {"type": "string"},
        "text_status": {"type": "string", "enum": ["pending", "done", "ocr", "no_text", "failed"]},
        "text_note": {"type": "string"},
        "filing_note": {"type": "string", "description": "Ce que Lanterne n'a pas pu lire du fichier reçu (gardé tel quel)."},
        "contents": {"type": ["object", "null"], "description": (
            "Archive ou message : chaque fichier reçu dedans (status filed, duplicate ou not_filed, avec la raison), "
            "et pour un message son expéditeur, ses destinataires, sa date et son objet.")},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "item_id": _ID, "description": {"type": "string"},
            "outcome": {"type": "string", "enum": ["complete", "redacted", "refused"]}}}},
        "children": {"type": "array", "items": _ID},
        "duplicate": {"type": "boolean", "description": "Déjà classé sur cette demande : relié, pas copié."},
        "file_url": {"type": "string"},
    },
}
_PATH_ID = lambda name: {"name": name, "in": "path", "required": True, "schema": _ID}  # noqa: E731

SPEC["components"]["schemas"]["Document"] = _DOCUMENT
SPEC["paths"].update({
    "/requests/{request_id}/documents": {
        "post": {
            "summary": "Classer un ou plusieurs documents reçus (un .eml est gardé entier et ses pièces jointes classées "
                       "à part ; un ZIP est décompressé). Tout ou rien : un fichier refusé n'en laisse aucun.",
            "parameters": [_PATH_ID("request_id")],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["files"],
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "received_on": {"type": "string", "format": "date"},
                    "came_by": {"type": "string", "enum": ["post", "email", "link", "hand"]},
                    "sender": {"type": "string", "maxLength": 200},
                    "item_ids": {"type": "array", "items": _ID},
                    "outcome": {"type": "string", "enum": ["complete", "redacted", "refused"]},
                    "notes": {"type": "string"},
                },
            }}}},
            "responses": {
                "201": {"description": "Documents classés (et ceux reconnus comme déjà classés)", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "documents": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
                        "notices": {"type": "array", "items": {"type": "string"}},
                        "text_extraction_queued": {"type": "boolean"}}}}}},
                **error_responses(400, 401, 403, 404, 413, 422),
            },
        },
    },
    "/documents/{document_id}": {
        "get": {"summary": "Un document reçu", "parameters": [_PATH_ID("document_id")], "responses": {
            "200": {"description": "Le document", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Document"}}}},
            **error_responses(401, 404)}},
    },
    "/documents/{document_id}/file": {
        "get": {"summary": "Le fichier tel que reçu (en pièce jointe)", "parameters": [_PATH_ID("document_id")],
                "responses": {"200": {"description": "Le fichier", "content": {"application/octet-stream": {}}},
                              **error_responses(401, 404)}},
    },
    "/search": {
        "get": {
            "summary": "Recherche plein texte (en français : accents et pluriels ignorés) dans les documents visibles",
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                           {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                           {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
            "responses": {
                "200": {"description": "Un document par résultat, sa meilleure page", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "query": {"type": "string"}, "total": _ID, "page": _ID, "pages": _ID,
                        "capped": {"type": "boolean", "description": "Trop de pages correspondent : seules les plus "
                                                                      "récentes sont classées, total est un minimum."},
                        "results": {"type": "array", "items": {"type": "object", "properties": {
                            "request": {"type": "object"}, "document": {"type": "object"},
                            "page": {"type": ["integer", "null"]}, "other_pages": _ID,
                            "excerpt_html": {"type": "string", "description": "Extrait échappé, mots trouvés en <mark>"},
                            "excerpt": {"type": "string"}}}}}}}}},
                **error_responses(400, 401),
            },
        },
    },
    "/requests/{request_id}/export.zip": {
        "get": {
            "summary": "Le dossier de la demande (courriers envoyés, documents reçus, chronologie CSV et PDF, "
                       "manifest.json avec l'empreinte SHA-256 de chaque fichier)",
            "parameters": [_PATH_ID("request_id")],
            "responses": {"200": {"description": "L'archive ZIP", "content": {"application/zip": {}}},
                          **error_responses(401, 404)},
        },
    },
})
