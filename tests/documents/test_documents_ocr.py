"""Scans: a French letter rendered as an image and degraded as a scanner and a fax would
(turned slightly, blurred, specks, JPEG), filed as an image and as a PDF without a text
layer, is read by Tesseract in the extraction job and found by a word of its text; without
Tesseract it is kept with a note that says how to have it read."""
import os

import pytest
from sqlalchemy import select

from tests.documents.helpers import make_request, upload
from tests.documents.samples import make_scanned_jpeg, make_scanned_pdf
from tests.helpers import page_text, run_worker
from workflow.core.extensions import db
from workflow.documents import extraction as extracting
from workflow.jobs import documents as document_jobs
from workflow.models import Document
from workflow.models.documents import DocumentPage

# On a developer's machine without Tesseract (and its French data) these tests are skipped;
# CI installs them and sets LANTERNE_REQUIRE_OCR, so that a missing engine fails there.
requires_ocr = pytest.mark.skipif(
    extracting.ocr_engine() is None and not os.environ.get("LANTERNE_REQUIRE_OCR"),
    reason="Tesseract absent : installez les paquets Debian tesseract-ocr et tesseract-ocr-fra (.ci/run le fait)")


@pytest.fixture
def access_request(alice):
    return make_request(alice)


def search(client, words: str) -> str:
    response = client.get("/documents/recherche", query_string={"q": words})
    assert response.status_code == 200
    return page_text(response)


@requires_ocr
def test_a_degraded_scan_is_read_and_found_by_a_word_of_its_text(client, access_request):
    assert extracting.ocr_engine(), "Tesseract with its French data is required here (LANTERNE_REQUIRE_OCR)"
    response = upload(client, access_request, [("courrier préfecture.jpg", make_scanned_jpeg()),
                                               ("réponse numérisée.pdf", make_scanned_pdf())])
    assert "2 documents classés" in page_text(response)
    assert "Aucun document ne contient" in search(client, "vidéoprotection")  # nothing read yet

    run_worker()
    scans = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [(scan.media_type, scan.text_status, scan.pages) for scan in scans] == [
        ("image/jpeg", "ocr", 1), ("application/pdf", "ocr", 1)]
    assert all("OCR" in scan.text_note for scan in scans)
    for scan in scans:
        text = db.session.scalar(select(DocumentPage.text).where(DocumentPage.document_id == scan.id)).lower()
        assert "préfecture de la moselle" in text and "vidéoprotection" in text and "caméras" in text

    found = search(client, "vidéoprotection")
    assert "courrier préfecture.jpg" in found and "réponse numérisée.pdf" in found
    for word in ("arrêté préfectoral", "enregistrements", "camera"):  # accents and plurals as for any text
        assert "réponse numérisée.pdf" in search(client, word)


@requires_ocr
def test_the_extraction_job_reads_a_scan_again_and_keeps_one_text(client, access_request):
    upload(client, access_request, [("scan.pdf", make_scanned_pdf())])
    run_worker()
    scan = db.session.scalar(select(Document))
    first = db.session.scalars(select(DocumentPage.text).where(DocumentPage.document_id == scan.id)).all()
    assert document_jobs.extract_document_text(scan.id) == "ocr"  # done: a second run changes nothing
    scan.text_status = "pending"
    db.session.commit()
    assert document_jobs.extract_document_text(scan.id) == "ocr"  # asked again: the same one page
    assert db.session.scalars(select(DocumentPage.text).where(DocumentPage.document_id == scan.id)).all() == first


def test_without_tesseract_a_scan_is_kept_with_a_note_saying_how_to_read_it(client, access_request, monkeypatch):
    monkeypatch.setattr(extracting, "ocr_engine", lambda: None)
    upload(client, access_request, [("courrier.jpg", make_scanned_jpeg(dpi=100)), ("scan.pdf", make_scanned_pdf(dpi=100))])
    run_worker()
    scans = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [scan.text_status for scan in scans] == ["no_text", "no_text"]
    for scan in scans:
        assert scan.text_note.startswith("Texte non lu")
        assert "Installez Tesseract" in scan.text_note and "tesseract-ocr-fra" in scan.text_note
        shown = page_text(client.get(f"/documents/{scan.id}"))
        assert "Texte non lu" in shown and "tesseract-ocr-fra" in shown


def test_a_failing_ocr_engine_fails_the_job_and_says_so(client, access_request, monkeypatch):
    upload(client, access_request, [("courrier.jpg", make_scanned_jpeg(dpi=100))])
    scan = db.session.scalar(select(Document))
    monkeypatch.setattr(extracting, "ocr_engine", lambda: "/bin/false")  # an engine that exits with an error
    with pytest.raises(extracting.OcrFailed):
        document_jobs.extract_document_text(scan.id)
    db.session.expire_all()
    scan = db.session.get(Document, scan.id)
    assert scan.text_status == "failed" and "Tesseract a échoué" in scan.text_note
    monkeypatch.undo()  # the engine is back (or absent): asked again, the job runs anew
    scan.text_status = "pending"
    db.session.commit()
    assert document_jobs.extract_document_text(scan.id) in ("ocr", "no_text")
