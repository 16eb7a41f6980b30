"""Letters of the CRPA chain: request, reminder, CADA referral (and, for a series, the
notice of it to the other administrations), letter after the CADA's opinion, recours gracieux and application to the tribunal administratif.

Pure rendering: no Flask, no database, no network. A `LetterContext` goes in; HTML, PDF,
DOCX or plain text comes out. The public API of the letters lives here.

- `facts.py` derives the facts a letter states (dates from `context.deadlines`, which
  refusal, which items, flags) and raises `LetterNotReady` when one is missing;
- the letter's template in `letters/` says them in French: ONE template per letter,
  the single source of the wording;
- `html.py` renders it (autoescaped, typeset): the preview and, through `pdf.py`
  (WeasyPrint), the PDF;
- `structure.py` walks that HTML back into parts, which `word.py` (DOCX) and `text.py`
  (plain text) lay out.

So the wording, the items and the dates are always the same in every format.
Code and comments are in English; the letters are in French.
"""

from __future__ import annotations

import re

from workflow.law.deadlines import format_date_fr
from workflow.letters.context import (
    CADA_PARTY,
    LETTER_KINDS,
    LETTERS_DIR,
    STYLESHEET,
    LetterContext,
    LetterNotReady,
    Party,
    Precedent,
    SeriesEntry,
    SeriesReferral,
)
from workflow.letters.facts import letter_facts
from workflow.letters.html import email_subject, letter_html, render_html
from workflow.letters.pdf import AssetRefused, html_to_pdf, letter_asset_path
from workflow.letters.structure import LetterDocument, Part, parse
from workflow.letters.text import text_body
from workflow.letters.word import docx_bytes

__all__ = [
    "CADA_PARTY",
    "LETTERS_DIR",
    "LETTER_KINDS",
    "STYLESHEET",
    "letter_for_action",
    "AssetRefused",
    "LetterContext",
    "LetterDocument",
    "LetterNotReady",
    "Part",
    "Party",
    "Precedent",
    "SeriesEntry",
    "SeriesReferral",
    "build_letter",
    "check_letter",
    "format_date_fr",
    "letter_asset_path",
    "letter_filename",
    "render_docx",
    "render_html",
    "render_pdf",
    "render_text",
]


def letter_for_action(action: str) -> str | None:
    """The letter that carries out a next action (workflow.law.states.next_action's key),
    if one does: the pages offer it as a button."""
    kind = "request" if action == "send" else action
    return kind if kind in LETTER_KINDS else None


_FILENAME_SLUGS: dict[str, str] = {
    "request": "demande",
    "reminder": "relance",
    "cada_referral": "saisine-cada",
    "cada_series_notice": "information-saisine-cada",
    "after_opinion": "apres-avis-cada",
    "recours_gracieux": "recours-gracieux",
    "court_application": "requete-tribunal",
    "court_withdrawal": "desistement",
}


def check_letter(context: LetterContext) -> None:
    """Raises LetterNotReady (with every missing fact) when the letter cannot be written
    yet; cheap: derives the facts without rendering the template."""
    letter_facts(context)


def build_letter(context: LetterContext) -> LetterDocument:
    """The letter rendered once from its template, and read back into parts (what the
    DOCX and the text lay out); raises LetterNotReady when a fact is missing."""
    facts = letter_facts(context)
    html = letter_html(context, None, facts)
    title, parts = parse(html)
    return LetterDocument(
        kind=context.kind,
        html=html,
        email_subject=email_subject(context, facts),
        document_title=title,
        parts=parts,
    )


def render_pdf(context: LetterContext) -> bytes:
    """The letter as an A4 PDF (WeasyPrint; reads nothing outside letters/)."""
    # Same HTML as render_html, but the stylesheet is the pre-parsed one, not inlined.
    return html_to_pdf(letter_html(context, None))


def render_docx(context: LetterContext) -> bytes:
    """The letter as an editable Word document (A4, 2 cm margins, page numbers)."""
    return docx_bytes(build_letter(context))


def render_text(context: LetterContext) -> tuple[str, str]:
    """(e-mail subject line, plain-text body) with the same content as the PDF."""
    letter = build_letter(context)
    return letter.email_subject, text_body(letter)


def letter_filename(context: LetterContext, extension: str) -> str:
    """'LNT-2026-0001-demande.pdf': safe for a Content-Disposition header."""
    if context.kind not in _FILENAME_SLUGS:
        raise ValueError(f"Unknown letter kind: {context.kind!r}")
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", context.reference).strip("-") or "courrier"
    ext = re.sub(r"[^a-z0-9]", "", extension.lower().lstrip("."))
    if not ext:
        raise ValueError(f"Invalid extension: {extension!r}")
    return f"{reference}-{_FILENAME_SLUGS[context.kind]}.{ext}"
