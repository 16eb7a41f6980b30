"""The sample files the document tests build (tests/documents/samples.py) are what they
claim to be."""
import io
import zipfile

from tests.documents.samples import make_eml, make_odt, make_pdf


def test_the_samples_are_what_they_claim():
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(make_pdf(["a", "b"]))).pages) == 2
    assert zipfile.ZipFile(io.BytesIO(make_odt("x"))).namelist()[0] == "mimetype"
    assert b"Content-Disposition: attachment" in make_eml("x", attachments=[("a.pdf", b"%PDF-1.4")])
