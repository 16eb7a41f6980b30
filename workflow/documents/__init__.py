"""Documents received on a request.

- `formats`: what a file is, judged by its bytes; whether it is sound; what a ZIP or an
  e-mail contains (pure).
- `extraction`: its text page by page, OCR, its thumbnail (pure).
- `filing`: filing uploads all or nothing; who may see a document.
- `index`: the stored text and its full-text index.
- `text_search`: the French word keys, the search and its excerpts.
- `items_obtained`: what each requested item obtained.
- `deletion`: deleting a document filed by mistake, noted in the request's history.
- `export`: the dossier ZIP (letters, documents, proofs, chronology, manifest).

The names below are the package's interface for the pages, the API, the jobs and the CLI
(`from workflow import documents`).
"""
from workflow.documents import formats
from workflow.documents.deletion import DeletionRefused, delete_document, deletion_refused
from workflow.documents.export import (ExportError, campaign_requests, campaign_scope, export_size, export_to_store,
                                       export_to_temporary_file, request_dossier_name, request_scope, write_dossier)
from workflow.documents.filing import (Filed, FilingError, FilingMeta, FilingReport, Upload, documents_filed,
                                       file_documents, same_file_elsewhere, visible_document)
from workflow.documents.index import extract_and_index, include_in_migrations, index_pages, init_app, rebuild_search_index
from workflow.documents.items_obtained import (CampaignObtained, ItemStatus, Obtained, RequestDocuments, campaign_obtained,
                                               obtained, request_documents)
from workflow.documents.text_search import SearchHit, SearchResults, search

__all__ = [
    "formats",
    "DeletionRefused", "delete_document", "deletion_refused",
    "ExportError", "campaign_requests", "campaign_scope", "export_size", "export_to_store", "export_to_temporary_file",
    "request_dossier_name", "request_scope", "write_dossier",
    "Filed", "FilingError", "FilingMeta", "FilingReport", "Upload", "documents_filed", "file_documents",
    "same_file_elsewhere", "visible_document",
    "extract_and_index", "include_in_migrations", "index_pages", "init_app", "rebuild_search_index",
    "CampaignObtained", "ItemStatus", "Obtained", "RequestDocuments", "campaign_obtained", "obtained", "request_documents",
    "SearchHit", "SearchResults", "search",
]
