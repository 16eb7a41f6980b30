"""The sample files the document tests build (tests/documents/samples.py) are what they
claim to be."""
import io
import zipfile

from tests.documents.samples import make_doc, make_encrypted_docx, make_eml, make_msg, make_odt, make_pdf


def test_the_samples_are_what_they_claim():
    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(make_pdf(["a", "b"]))).pages) == 2
    assert zipfile.ZipFile(io.BytesIO(make_odt("x"))).namelist()[0] == "mimetype"
    assert b"Content-Disposition: attachment" in make_eml("x", attachments=[("a.pdf", b"%PDF-1.4")])


def test_the_compound_files_are_what_readers_expect():
    import olefile
    from oxmsg import Message

    message = Message.load(make_msg("Objet", "Corps", attachments=[("a.pdf", b"%PDF-1.4")]))
    assert (message.subject, message.body, [a.file_name for a in message.attachments]) == ("Objet", "Corps", ["a.pdf"])
    assert olefile.OleFileIO(make_doc("Texte")).exists("WordDocument")
    assert olefile.OleFileIO(make_encrypted_docx("Texte")).exists("EncryptedPackage")
