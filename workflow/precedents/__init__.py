"""Precedents: the CADA's opinions (avis et conseils), shared read-only reference data.

- `importing`: the official CSV file, streamed, idempotent by number (`flask cada import`).
- `search`: French full-text search over the opinions, with filters (both backends).
- `indexing`: the imported opinions into the full-text index, after the import (a job).
- `citations`: the opinions most like a request, and the ones it cites with the sentence
  of their holding its letters quote.

Only the import writes opinions; users cite them on their requests.
"""
from workflow.precedents.citations import (CitationError, Suggestion, cite, cited, opinion_by_number, sentences,
                                           suggested_holding, suggestions, uncite)
from workflow.precedents.importing import ImportFileError, Report, import_opinions, rebuild_search_index
from workflow.precedents.search import (Filters, OpinionHit, OpinionResults, any_imported, awaiting_count, opinion, search,
                                       years)

__all__ = [
    "CitationError", "Suggestion", "cite", "cited", "opinion_by_number", "sentences", "suggested_holding",
    "suggestions", "uncite",
    "ImportFileError", "Report", "import_opinions", "rebuild_search_index",
    "Filters", "OpinionHit", "OpinionResults", "any_imported", "awaiting_count", "opinion", "search", "years",
]
