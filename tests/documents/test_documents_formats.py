"""What a received file is, judged by its bytes: sniffing, lying names, damaged files,
archives and e-mails, text extraction, the French search words and the excerpts."""
from pathlib import Path

import pytest

from workflow.documents import extraction as extracting
from workflow.documents import formats, mail
from workflow.documents import text_search
from tests.documents.samples import (make_docx, make_eml, make_odt, make_pdf, make_pdf_page_tree, make_png, make_xlsx,
                                     make_zip)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name, maker, media_type", [
    ("a.pdf", lambda: make_pdf(["Bonjour"]), formats.PDF),
    ("a.png", make_png, "image/png"),
    ("a.docx", lambda: make_docx("Bonjour"), formats.DOCX),
    ("a.xlsx", lambda: make_xlsx([["Montant", "1200"]]), formats.XLSX),
    ("a.odt", lambda: make_odt("Bonjour"), formats.ODT),
    ("a.txt", lambda: "Délibération du conseil".encode("cp1252"), "text/plain"),
    ("a.eml", lambda: make_eml("Bonjour"), formats.EML),
    ("a.zip", lambda: make_zip({"x.txt": b"bonjour"}), formats.ZIP),
])
def test_the_type_comes_from_the_bytes_not_the_name(tmp_path, name, maker, media_type):
    path = write(tmp_path, "sans-nom", maker())
    assert formats.sniff(path) == media_type
    assert formats.identify(path, name) == (media_type, "")
    assert formats.identify(path, "ATT00001") == (media_type, "")  # no extension: the bytes decide


def test_a_name_that_lies_is_noted_with_both_types_named(tmp_path):
    path = write(tmp_path, "x", make_png())
    media_type, note = formats.identify(path, "contrat.pdf")
    assert media_type == "image/png"
    assert note.startswith("son nom (extension « .pdf ») annonce un document PDF, mais son contenu est une image PNG")


def test_unsupported_types_are_named(tmp_path):
    path = write(tmp_path, "x", b"MZ\x90\x00" + b"\x00" * 200)
    assert formats.identify(path, "setup.bin") == ("application/x-msdownload", "")
    with pytest.raises(formats.Unsupported, match="format non lu \\(un programme Windows\\)"):
        formats.inspect(path, "application/x-msdownload", "setup.bin")


def test_damaged_files_are_noted_and_empty_ones_refused(tmp_path):
    pdf = make_pdf(["Bonjour"])
    with pytest.raises(formats.Unreadable, match="document PDF endommagé ou tronqué"):
        formats.inspect(write(tmp_path, "cut.pdf", pdf[: len(pdf) // 2]), formats.PDF, "cut.pdf")
    png = make_png()
    with pytest.raises(formats.Unreadable, match="image PNG endommagée ou tronquée"):
        formats.inspect(write(tmp_path, "cut.png", png[: len(png) // 2]), "image/png", "cut.png")
    docx = make_docx("Bonjour")
    with pytest.raises(formats.Unreadable, match="document Word endommagé"):
        formats.inspect(write(tmp_path, "cut.docx", docx[:-200]), formats.DOCX, "cut.docx")
    with pytest.raises(formats.Refused, match="vide"):
        formats.inspect(write(tmp_path, "empty.txt", b""), "text/plain", "empty.txt")


@pytest.fixture
def object_streams_parsed(monkeypatch):
    """How many times pypdf parsed a whole object stream (every object in it)."""
    from pypdf import PdfReader

    calls = []
    whole = PdfReader._get_object_from_stream
    monkeypatch.setattr(PdfReader, "_get_object_from_stream",
                        lambda reader, reference: calls.append(reference.idnum) or whole(reader, reference))
    return calls


@pytest.mark.parametrize("object_stream", [True, False], ids=["object stream", "xref table"])
@pytest.mark.parametrize("count", [b"/Count 3", b"/Count 6 0 R"], ids=["direct", "indirect"])
def test_a_pdf_page_count_is_its_page_tree_count_read_alone(tmp_path, object_streams_parsed, object_stream, count):
    path = write(tmp_path, "a.pdf", make_pdf_page_tree(3, count, object_stream))
    assert formats.inspect(path, formats.PDF, "a.pdf") == 3
    assert object_streams_parsed == []  # the catalog and the tree only, not their stream's every object


@pytest.mark.parametrize("object_stream", [True, False], ids=["object stream", "xref table"])
@pytest.mark.parametrize("count", [b"/Count 1000", b"", b"/Count 1", b"/Count 0", b"/Count (trois)"],
                         ids=["more pages than objects", "missing", "fewer than its kids", "zero", "not a number"])
def test_a_pdf_whose_page_tree_count_lies_or_is_missing_is_counted_page_by_page(tmp_path, object_stream, count):
    path = write(tmp_path, "a.pdf", make_pdf_page_tree(3, count, object_stream))
    assert formats.inspect(path, formats.PDF, "a.pdf") == 3


def test_an_object_stream_header_read_only_by_pypdf_is_left_to_pypdf(tmp_path, object_streams_parsed):
    path = write(tmp_path, "a.pdf", make_pdf_page_tree(3, sign=b"+"))  # "+1 +0 +2 +34...": pypdf reads it
    assert formats.inspect(path, formats.PDF, "a.pdf") == 3
    assert object_streams_parsed  # pypdf's own reading


@pytest.mark.parametrize("pages", [1, 3])
def test_a_weasyprint_pdf_is_counted_without_parsing_its_fonts(tmp_path, object_streams_parsed, pages):
    from pypdf import PdfReader

    path = write(tmp_path, "a.pdf", make_pdf([f"Page {number}" for number in range(pages)]))
    assert formats.inspect(path, formats.PDF, "a.pdf") == pages
    assert object_streams_parsed == []
    assert len(PdfReader(path).pages) == pages  # what the full read (and the extraction job) finds


def _budget(**overrides):
    values = dict(max_file_bytes=10 * 1024 * 1024, max_total_bytes=20 * 1024 * 1024, max_files=50, max_depth=2,
                  max_ratio=100)
    values.update(overrides)
    return formats.ArchiveBudget(**values)


@pytest.mark.parametrize("member", ["../../etc/passwd", "/etc/passwd", "C:\\Windows\\x.txt", "a/../../b.txt"])
def test_archive_paths_that_escape_are_refused(tmp_path, member):
    path = write(tmp_path, "a.zip", make_zip({"ok.txt": b"bonjour", member: b"x"}))
    with pytest.raises(formats.Refused, match="chemin dangereux"):
        formats.zip_members(path, "a.zip", _budget())


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path):
    path = write(tmp_path, "bomb.zip", make_zip({"zeros.txt": b"\0" * (8 * 1024 * 1024)}))
    with pytest.raises(formats.Refused, match="bombe de décompression"):
        formats.zip_members(path, "bomb.zip", _budget())
    with pytest.raises(formats.Refused, match="trop de fichiers"):
        formats.zip_members(write(tmp_path, "many.zip", make_zip({f"{n}.txt": b"x" for n in range(5)})), "many.zip",
                            _budget(max_files=3))


def test_an_email_is_read_with_its_attachments(tmp_path):
    inner = make_eml("Transfert", subject="Message d'origine")
    raw = make_eml("Veuillez trouver le contrat.", attachments=[("contrat.pdf", make_pdf(["Contrat"])),
                                                                 ("fwd.eml", inner)])
    summary = mail.read_email(write(tmp_path, "m.eml", raw))
    assert summary.sender == "Mairie <mairie@example.org>"
    assert summary.subject == "Votre demande"
    assert summary.sent_on.isoformat() == "2026-02-03"
    assert "Veuillez trouver le contrat." in summary.body
    assert [member.name for member in summary.attachments] == ["contrat.pdf", "fwd.eml"]
    assert summary.attachments[0].open().read().startswith(b"%PDF")


def test_text_page_by_page(tmp_path):
    extraction = extracting.extract_text(write(tmp_path, "a.pdf", make_pdf(["Première page", "Deuxième page"])), formats.PDF)
    assert (extraction.status, extraction.page_count, extraction.paginated) == ("done", 2, True)
    assert "Deuxième" in extraction.pages[1]
    odt = extracting.extract_text(write(tmp_path, "a.odt", make_odt("Procès-verbal")), formats.ODT)
    assert odt.pages == ["Procès-verbal"] and not odt.paginated
    xlsx = extracting.extract_text(write(tmp_path, "a.xlsx", make_xlsx([["Montant", "Titulaire"], ["1200", "Acme"]])),
                                formats.XLSX)
    assert "Titulaire" in xlsx.pages[0] and "Acme" in xlsx.pages[0]
    long_text = ("mot " * 20_000).encode()
    parts = extracting.extract_text(write(tmp_path, "long.txt", long_text), "text/plain").pages
    assert len(parts) > 1 and all(len(part) <= extracting.PAGE_CHARS for part in parts)


def test_a_scan_without_ocr_engine_is_marked(tmp_path, monkeypatch):
    monkeypatch.setattr(extracting, "ocr_engine", lambda: None)
    extraction = extracting.extract_text(write(tmp_path, "scan.png", make_png()), "image/png")
    assert extraction.status == "no_text" and "Texte non lu" in extraction.note and "Tesseract" in extraction.note


def test_safe_names_keep_accents_and_the_real_extension():
    assert formats.safe_filename("../../Délibération n°3.PDF", formats.PDF) == "Délibération n_3.PDF"
    assert formats.safe_filename("ATT00001", formats.PDF) == "ATT00001.pdf"
    assert formats.safe_filename("<script>.txt", "text/plain") == "script.txt"
    assert formats.safe_filename("a/b\\c:d*e?.txt", "text/plain") == "c_d_e.txt"
    assert formats.safe_filename("..", formats.PDF) == "document.pdf"
    assert formats.safe_filename("a\r\nb.pdf", formats.PDF) == "ab.pdf"


@pytest.mark.parametrize("written, searched", [
    ("Caméras", "camera"), ("caméra", "CAMÉRAS"), ("contrats", "contrat"), ("installées", "installés"),
    ("délibérations", "deliberation"), ("Œuvres", "oeuvre"), ("titulaires", "titulaire"),
])
def test_french_words_meet_whatever_their_accents_and_plurals(written, searched):
    assert set(text_search.word_keys(written)) & set(text_search.query_terms(searched)[0])


def test_common_words_are_not_searched():
    assert text_search.query_terms("les délibérations du conseil") == [text_search.keys_of_word("délibérations"),
                                                                    text_search.keys_of_word("conseil")]


def test_excerpts_mark_the_words_and_escape_everything_else():
    text = "Le <script>alert(1)</script> marché des caméras & la vidéoprotection"
    excerpt = str(text_search.highlight(text, text_search.query_keys("camera")))
    assert "<mark>caméras</mark>" in excerpt
    assert "<script" not in excerpt and "</script" not in excerpt
    assert "&lt;/script&gt;" in excerpt and "&amp;" in excerpt


@pytest.mark.skipif(not extracting.ocr_engine(), reason="no OCR engine (tesseract) on this machine")
def test_a_scan_is_read_where_the_machine_has_an_ocr_engine(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (900, 200), 255)
    ImageDraw.Draw(page).text((30, 60), "Contrat de maintenance", fill=0, font=ImageFont.load_default(size=64))
    buffer = tmp_path / "scan.png"
    page.save(buffer)
    extraction = extracting.extract_text(buffer, "image/png")
    assert extraction.status == "ocr" and "maintenance" in extraction.pages[0].lower()
