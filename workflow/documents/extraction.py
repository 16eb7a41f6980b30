"""The text of a received file, page by page (OCR for scans when the machine has an
engine), and a thumbnail of its first page.

Pure: no Flask, no database. `workflow.documents.index` stores and indexes what it reads.
"""
from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from workflow.documents.formats import (DOC, EXCEL_X, MESSAGES, ODP, ODS, ODT, OLE_FAMILY, OXPS, PDF, POWERPOINT_X,
                                        PPT, WORD_X, XLS, XLSB, XPS, ZIP, Unreadable, check_protection, parse_xml,
                                        pdf_reader)
from workflow.documents.mail import EmailSummary, read_message

PAGE_CHARS = 20_000  # text without pages is cut into parts this long (tsvector limits, excerpts)
# The text kept (and indexed) per document: about 600 pages of a dense letter. A 50 MB
# export or log would otherwise fill the index with millions of words for one file.
MAX_TEXT_CHARS = 2_000_000


@dataclass
class Extraction:
    """Text of a document, page by page (or part by part when it has no pages)."""

    pages: list[str]
    paginated: bool
    page_count: int | None
    status: str  # done | ocr | no_text | failed
    note: str = ""


_UNWANTED = re.compile(r"[\ud800-\udfff\x00]")  # lone surrogates (broken PDF fonts), NUL: no database takes them


def clean_text(text: str) -> str:
    """Text any database stores: a lone surrogate becomes U+FFFD, the rest is kept."""
    return _UNWANTED.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)


def _chunks(text: str) -> list[str]:
    text = clean_text(text[:MAX_TEXT_CHARS + PAGE_CHARS]).strip()  # past the cap: _capped cuts it and says so
    parts = []
    while len(text) > PAGE_CHARS:
        cut = text.rfind("\n", 0, PAGE_CHARS)
        cut = cut if cut > PAGE_CHARS // 2 else text.rfind(" ", 0, PAGE_CHARS)
        cut = cut if cut > 0 else PAGE_CHARS
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    return parts + ([text] if text else [])


class OcrFailed(RuntimeError):
    """The OCR engine itself failed (crashed, timed out): not the file's fault, so the
    extraction job fails and says so, rather than filing the scan as "no text"."""


OCR_LANGUAGE = "fra"
OCR_PAGE_TIMEOUT = 300  # seconds for one page; a long scan is read page by page
# One thread per Tesseract: its OpenMP threads spin and, on a shared machine, made a page
# 3-4x slower (2.0 s against 0.55 s for an A4 letter at 200 dpi on 2 cores). Parallelism
# comes from running more workers.
_OCR_ENVIRONMENT = {"OMP_THREAD_LIMIT": "1"}


@functools.lru_cache(maxsize=4)
def _languages(engine: str) -> frozenset[str]:
    try:
        listed = subprocess.run([engine, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(listed.split())


def ocr_engine() -> str | None:
    """Tesseract's path when the machine has it with its French data (Debian's packages
    tesseract-ocr and tesseract-ocr-fra), else None: a scan is then kept without text, with
    OCR_MISSING_NOTE."""
    engine = shutil.which("tesseract")
    return engine if engine and OCR_LANGUAGE in _languages(engine) else None


def ocr_image(image_bytes: bytes) -> str:
    """The text of one page image (PNG, JPEG...) read by Tesseract in French. Raises
    OcrFailed when the engine fails; "" when there is no engine."""
    engine = ocr_engine()
    if engine is None:
        return ""
    try:
        result = subprocess.run([engine, "stdin", "stdout", "-l", OCR_LANGUAGE], input=image_bytes,
                                capture_output=True, timeout=OCR_PAGE_TIMEOUT,
                                env={**os.environ, **_OCR_ENVIRONMENT})
    except subprocess.TimeoutExpired as error:
        raise OcrFailed(f"la reconnaissance d'une page a pris plus de {OCR_PAGE_TIMEOUT} s") from error
    except OSError as error:
        raise OcrFailed(f"Tesseract n'a pas pu être lancé ({error})") from error
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrFailed(f"Tesseract a échoué ({message[-1][:200] if message else result.returncode})")
    return clean_text(result.stdout.decode("utf-8", errors="replace")).strip()


def _render_pdf_page(path: Path, number: int, width: int | None = None, dpi: int = 200,
                     for_ocr: bool = False) -> bytes | None:
    """One page as PNG, or for OCR as an uncompressed grey PGM (encoding the PNG took 1.5 s
    of an A4 page at 200 dpi, the PGM 0.08 s): pdftoppm when the machine has it (Debian's
    poppler-utils), else the page's largest image (a scan is one picture per page) as PNG,
    else None."""
    renderer = shutil.which("pdftoppm")
    if renderer:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "page"
            size = ["-scale-to", str(width)] if width else ["-r", str(dpi)]
            kind = ["-gray"] if for_ocr else ["-png"]
            try:
                subprocess.run([renderer, *kind, "-f", str(number), "-l", str(number), *size, "-singlefile",
                                str(path), str(out)], capture_output=True, timeout=120, check=True)
                return (out.with_suffix(".pgm" if for_ocr else ".png")).read_bytes()
            except (OSError, subprocess.SubprocessError):
                pass
    try:
        page = pdf_reader(path).pages[number - 1]
        images = sorted(page.images, key=lambda image: len(image.data), reverse=True)
        if images:
            buffer = io.BytesIO()
            images[0].image.save(buffer, format="PNG")
            return buffer.getvalue()
    except Exception:  # noqa: BLE001 - no image to take: no thumbnail, no OCR
        pass
    return None


OCR_MISSING_NOTE = ("Texte non lu : c'est un document numérisé (une image, sans couche texte) et la reconnaissance "
                    "de caractères (OCR) n'est pas installée sur le serveur. Installez Tesseract et sa langue "
                    "française (paquets Debian tesseract-ocr et tesseract-ocr-fra), puis relancez l'extraction du "
                    "texte : il apparaîtra alors dans la recherche.")
OCR_NOTE = "Texte des pages numérisées reconnu par OCR : il peut contenir des erreurs."


def _pdf_text(path: Path) -> Extraction:
    reader = pdf_reader(path)
    pages = []
    for page in reader.pages:
        try:
            pages.append(clean_text(page.extract_text() or "").strip())
        except Exception:  # noqa: BLE001 - one unreadable page does not lose the others
            pages.append("")
    empty = [number for number, text in enumerate(pages, start=1) if len(re.sub(r"\s", "", text)) < 3]
    if not empty:
        return Extraction(pages, True, len(pages), "done")
    if ocr_engine():
        for number in empty:  # page by page: one picture in memory at a time
            image = _render_pdf_page(path, number, for_ocr=True)
            pages[number - 1] = ocr_image(image) if image else ""
        return Extraction(pages, True, len(pages), "ocr", OCR_NOTE)
    if len(empty) == len(pages):
        return Extraction(pages, True, len(pages), "no_text", OCR_MISSING_NOTE)
    return Extraction(pages, True, len(pages), "done",
                      f"{len(empty)} page{'s' if len(empty) > 1 else ''} sans couche texte (numérisée"
                      f"{'s' if len(empty) > 1 else ''}), non lue{'s' if len(empty) > 1 else ''} : installez "
                      "Tesseract et sa langue française (paquets Debian tesseract-ocr et tesseract-ocr-fra) sur "
                      "le serveur, puis relancez l'extraction du texte.")


def _image_pages(path: Path, media_type: str) -> list[str]:
    """OCR of each frame of an image (a multi-page TIFF is one page a frame). PNG and JPEG
    go to Tesseract as they are; other types are converted to PNG first."""
    from PIL import Image

    with Image.open(path) as image:
        frames = getattr(image, "n_frames", 1)
        if frames == 1 and media_type in ("image/png", "image/jpeg"):
            return [ocr_image(path.read_bytes())]
        pages = []
        for frame in range(frames):
            image.seek(frame)
            buffer = io.BytesIO()
            image.convert("L" if image.mode in ("1", "L", "P", "LA") else "RGB").save(buffer, format="PNG")
            pages.append(ocr_image(buffer.getvalue()))
    return pages


def _zip_xml_texts(path: Path, pattern: str) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        names = sorted((name for name in archive.namelist() if re.fullmatch(pattern, name)),
                       key=lambda name: [int(n) if n.isdigit() else n for n in re.split(r"(\d+)", name)])
        return [(name, archive.read(name)) for name in names]


def _xml_paragraphs(data: bytes, paragraph_tags: tuple[str, ...]) -> list[str]:
    paragraphs = []
    for element in parse_xml(data).iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in paragraph_tags:
            text = "".join(element.itertext()).strip()
            if text:
                paragraphs.append(text)
    return paragraphs


_WORD_PARTS = (r"word/document\.xml|word/header\d*\.xml|word/footer\d*\.xml|word/footnotes\.xml|"
               r"word/endnotes\.xml|word/comments\.xml")
_WORD_SKIPPED = {"Fallback", "delText", "delInstrText", "instrText"}  # a text box's VML copy, deletions, field codes


def _word_paragraphs(element, buffer: list[str], out: list[str]) -> None:
    local = element.tag.rsplit("}", 1)[-1]
    if local in _WORD_SKIPPED:
        return
    if local == "p":  # a paragraph: of the body, a table cell, a text box, a note, a comment
        own: list[str] = []
        for child in element:
            _word_paragraphs(child, own, out)
        text = "".join(own).strip()
        if text:
            out.append(text)
        return
    if local == "t" and element.text:
        buffer.append(element.text)
    elif local == "tab":
        buffer.append("\t")
    elif local in ("br", "cr"):
        buffer.append("\n")
    for child in element:
        _word_paragraphs(child, buffer, out)


def _docx_text(path: Path) -> str:
    """Every text of a Word file: body and tables, headers, footers, footnotes, endnotes,
    comments, text boxes, content controls and tracked insertions (not deletions)."""
    out: list[str] = []
    for _name, data in _zip_xml_texts(path, _WORD_PARTS):
        root = parse_xml(data)
        loose: list[str] = []
        _word_paragraphs(root, loose, out)
    return "\n".join(out)


def _xlsb_strings(path: Path) -> str:
    """The shared strings of a binary Excel workbook (xl/sharedStrings.bin, BIFF12 records:
    BrtSSTItem holds a flags byte, then a length-prefixed UTF-16 string)."""
    texts = []
    for _name, data in _zip_xml_texts(path, r"xl/sharedStrings\.bin"):
        position = 0
        while position < len(data):
            kind, position = _varint(data, position, 2)
            size, position = _varint(data, position, 4)
            body = data[position:position + size]
            position += size
            if kind == 19 and len(body) >= 5:
                length = int.from_bytes(body[1:5], "little")
                texts.append(body[5:5 + 2 * length].decode("utf-16-le", "replace"))
    return "\n".join(texts)


def _varint(data: bytes, position: int, most: int) -> tuple[int, int]:
    value = 0
    for shift in range(most):
        if position >= len(data):
            break
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << (7 * shift)
        if not byte & 0x80:
            break
    return value, position


def _xps_pages(path: Path) -> list[str]:
    pages = []
    for _name, data in _zip_xml_texts(path, r"(?i).*\.fpage"):
        pages.append(" ".join(element.get("UnicodeString", "") for element in parse_xml(data).iter()
                              if element.tag.endswith("Glyphs")).strip())
    return pages


_OLD_OFFICE_TOOLS = {DOC: (["catdoc", "-d", "utf-8", "-w"], ["antiword", "-m", "UTF-8.txt"]),
                     XLS: (["xls2csv", "-d", "utf-8"],), PPT: (["catppt", "-d", "utf-8"],)}
OLD_OFFICE_NOTE = ("Ancien format Office (.doc, .xls, .ppt) non lu : aucun outil pour le lire n'est installé sur le "
                   "serveur (catdoc ou antiword). Le fichier est gardé tel quel ; enregistrez-le en .docx ou en PDF "
                   "pour qu'il apparaisse dans la recherche.")


def _old_office_text(path: Path, media_type: str) -> str | None:
    """Text read by a real extractor (Debian's catdoc, antiword), or None when the machine
    has none that reads it: never strings pulled out of the binary."""
    for command in _OLD_OFFICE_TOOLS.get(media_type, ()):
        program = shutil.which(command[0])
        if program is None:
            continue
        try:
            result = subprocess.run([program, *command[1:], str(path)], capture_output=True, timeout=120)
        except (OSError, subprocess.SubprocessError):
            continue
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.decode("utf-8", "replace")
    return None


def _xlsx_text(path: Path) -> str:
    shared = []
    for _name, data in _zip_xml_texts(path, r"xl/sharedStrings\.xml"):
        shared = ["".join(item.itertext()) for item in parse_xml(data) if item.tag.endswith("}si")]
    rows = []
    for _name, data in _zip_xml_texts(path, r"xl/worksheets/sheet\d+\.xml"):
        for row in parse_xml(data).iter():
            if not row.tag.endswith("}row"):
                continue
            cells = []
            for cell in row:
                value = next((child for child in cell if child.tag.endswith(("}v", "}is"))), None)
                if value is None:
                    continue
                text = "".join(value.itertext())
                if cell.get("t") == "s" and text.isdigit() and int(text) < len(shared):
                    text = shared[int(text)]
                cells.append(text)
            if cells:
                rows.append("\t".join(cells))
    return "\n".join(rows)


def _odf_text(path: Path) -> str:
    return "\n".join(_xml_paragraphs(dict(_zip_xml_texts(path, r"content\.xml"))["content.xml"], ("p", "h")))


def _rtf_text(data: str) -> str:
    data = re.sub(r"\\'([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]).decode("cp1252", "replace"), data)
    data = re.sub(r"\\u(-?\d+)\??", lambda m: chr(int(m.group(1)) % 65536), data)
    data = re.sub(r"\{\\\*[^{}]*\}|\\(fonttbl|colortbl|stylesheet|info)\b[^{}]*", "", data)
    data = re.sub(r"\\par[d]?\b ?|\\line\b ?", "\n", data)
    data = re.sub(r"\\[a-zA-Z]+-?\d* ?|[{}]", "", data)
    return data


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def extract_text(path: Path, media_type: str, email_summary: EmailSummary | None = None,
                 member_paths: list[str] | None = None) -> Extraction:
    """The text of a document, page by page, with its page count where it has pages. A
    file that cannot be read gives no text and a French note, never an exception."""
    try:
        return _capped(_extract_text(path, media_type, email_summary, member_paths))
    except Unreadable as error:
        return Extraction([], False, None, "no_text", error.kept_note())
    except OcrFailed:
        raise  # the engine's failure, not the file's: the job fails and can be run again
    except Exception:  # noqa: BLE001 - a file that fooled its reader: kept, without text
        return Extraction([], False, None, "failed", "Le texte n'a pas pu être lu (fichier endommagé ou inhabituel) : "
                                                     "le fichier est gardé tel quel.")


def _capped(extraction: Extraction) -> Extraction:
    """At most MAX_TEXT_CHARS of text, the first ones, with a note when some was left out
    (the file itself is kept whole)."""
    left, pages = MAX_TEXT_CHARS, []
    for page in extraction.pages:
        if left <= 0:
            break
        pages.append(page[:left])
        left -= len(page)
    if left >= 0:
        return extraction
    note = (f"Texte très long : seuls ses {MAX_TEXT_CHARS:,} premiers caractères".replace(",", "\u202f")
            + " sont gardés pour la recherche (le fichier est gardé entier).")
    extraction.pages = pages
    extraction.note = f"{extraction.note} {note}".strip()
    return extraction


def _extract_text(path: Path, media_type: str, email_summary: EmailSummary | None,
                  member_paths: list[str] | None) -> Extraction:
    check_protection(path, media_type)
    if media_type == PDF:
        return _pdf_text(path)
    if media_type.startswith("image/"):
        if not ocr_engine():
            return Extraction([], True, None, "no_text", OCR_MISSING_NOTE)
        pages = _image_pages(path, media_type)
        return Extraction(pages, True, len(pages), "ocr", "Texte reconnu par OCR : il peut contenir des erreurs.")
    if media_type in POWERPOINT_X:
        slides = [clean_text("\n".join(_xml_paragraphs(data, ("p",)))) for _name, data in
                  _zip_xml_texts(path, r"ppt/slides/slide\d+\.xml")]
        return Extraction(slides, True, len(slides) or None, "done")
    if media_type in (XPS, OXPS):
        pages = [clean_text(page) for page in _xps_pages(path)]
        return Extraction(pages, True, len(pages) or None, "done" if any(pages) else "no_text",
                          "" if any(pages) else "Le document ne contient pas de texte.")
    if media_type == ODP:
        data = dict(_zip_xml_texts(path, r"content\.xml"))["content.xml"]
        pages = [clean_text("\n".join(_xml_paragraphs(ElementTree.tostring(page), ("p", "h"))))
                 for page in parse_xml(data).iter() if page.tag.endswith("}page")]
        return Extraction(pages, True, len(pages) or None, "done")
    note = ""
    if media_type in WORD_X:
        text = _docx_text(path)
    elif media_type in EXCEL_X:
        text = _xlsx_text(path)
    elif media_type == XLSB:
        text = _xlsb_strings(path)
    elif media_type in (ODT, ODS):
        text = _odf_text(path)
    elif media_type == "application/rtf":
        text = _rtf_text(decode_text(path.read_bytes()))
    elif media_type in ("text/plain", "text/csv"):
        text = decode_text(path.read_bytes())
    elif media_type in OLE_FAMILY:
        found = _old_office_text(path, media_type)
        if found is None:
            return Extraction([], False, None, "no_text", OLD_OFFICE_NOTE)
        text = found
    elif media_type in MESSAGES:
        text = (email_summary or read_message(path, media_type)).text
    elif media_type == ZIP:
        text = "Contenu de l'archive :\n" + "\n".join(member_paths or [])
    else:
        return Extraction([], False, None, "no_text", "Format non lu : type de fichier sans texte extractible.")
    parts = _chunks(text)
    if not parts:
        return Extraction([], False, None, "no_text", "Le document ne contient pas de texte.")
    return Extraction(parts, False, None, "done", note)


# ------------------------------------------------------------------- thumbnail

THUMBNAIL_WIDTH = 240


def thumbnail(path: Path, media_type: str) -> bytes | None:
    """A PNG of the first page, THUMBNAIL_WIDTH pixels wide, or None when none can be made
    on this machine (the page then says "pas d'aperçu")."""
    from PIL import Image

    try:
        if media_type == PDF:
            rendered = _render_pdf_page(path, 1, width=THUMBNAIL_WIDTH)
            if rendered is None:
                return None
            source = Image.open(io.BytesIO(rendered))
        elif media_type.startswith("image/"):
            source = Image.open(path)
        else:
            return None
        with source:
            source.seek(0)
            image = source.convert("RGB")
            image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 2))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            return buffer.getvalue()
    except Exception:  # noqa: BLE001 - a thumbnail is a convenience; its absence is shown
        return None
