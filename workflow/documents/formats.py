"""Received files, judged by their bytes: what type they are (the name is never trusted),
whether they are sound, and what they contain (ZIP archives, e-mails).

Pure: no Flask, no database. `workflow.documents.filing` calls it with paths of staged files;
`workflow.documents.extraction` reads their text and draws their thumbnails.
Every message of `BadFile` is French and shown to the user as it is.
"""
from __future__ import annotations

import functools
import html
import io
import re
import stat
import struct
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Callable
from xml.etree import ElementTree

from markupsafe import Markup

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"
DOCM = "application/vnd.ms-word.document.macroEnabled.12"
DOTX = "application/vnd.openxmlformats-officedocument.wordprocessingml.template"
DOTM = "application/vnd.ms-word.template.macroEnabled.12"
XLSM = "application/vnd.ms-excel.sheet.macroEnabled.12"
XLTX = "application/vnd.openxmlformats-officedocument.spreadsheetml.template"
XLSB = "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
PPTM = "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
PPSX = "application/vnd.openxmlformats-officedocument.presentationml.slideshow"
XPS, OXPS = "application/vnd.ms-xpsdocument", "application/oxps"
EML, ZIP, PDF = "message/rfc822", "application/zip", "application/pdf"
MSG = "application/vnd.ms-outlook"
OLE = "application/x-ole-storage"  # an old Office file whose kind we could not tell
# An Office file encrypted with a password: an OLE file holding the encrypted package.
ENCRYPTED_OFFICE = "application/x-encrypted-office"

# What Lanterne files: media type -> (French label, extensions; the first one is canonical).
ACCEPTED: dict[str, tuple[str, tuple[str, ...]]] = {
    PDF: ("un document PDF", (".pdf",)),
    "image/png": ("une image PNG", (".png",)),
    "image/jpeg": ("une image JPEG", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "image/gif": ("une image GIF", (".gif",)),
    "image/tiff": ("une image TIFF", (".tif", ".tiff")),
    "image/webp": ("une image WebP", (".webp",)),
    DOCX: ("un document Word", (".docx",)),
    XLSX: ("un classeur Excel", (".xlsx",)),
    PPTX: ("une présentation PowerPoint", (".pptx",)),
    DOCM: ("un document Word avec macros", (".docm",)),
    DOTX: ("un modèle de document Word", (".dotx",)),
    DOTM: ("un modèle de document Word avec macros", (".dotm",)),
    XLSM: ("un classeur Excel avec macros", (".xlsm",)),
    XLTX: ("un modèle de classeur Excel", (".xltx",)),
    XLSB: ("un classeur Excel binaire", (".xlsb",)),
    PPTM: ("une présentation PowerPoint avec macros", (".pptm",)),
    PPSX: ("un diaporama PowerPoint", (".ppsx",)),
    XPS: ("un document XPS", (".xps",)),
    OXPS: ("un document OpenXPS", (".oxps",)),
    ODT: ("un texte OpenDocument", (".odt",)),
    ODS: ("un classeur OpenDocument", (".ods",)),
    ODP: ("une présentation OpenDocument", (".odp",)),
    DOC: ("un document Word (ancien format)", (".doc",)),
    XLS: ("un classeur Excel (ancien format)", (".xls",)),
    PPT: ("une présentation PowerPoint (ancien format)", (".ppt",)),
    "application/rtf": ("un document RTF", (".rtf",)),
    "text/plain": ("un fichier texte", (".txt", ".text", ".md", ".log")),
    "text/csv": ("un tableau CSV", (".csv",)),
    EML: ("un message électronique", (".eml",)),
    MSG: ("un message Outlook", (".msg",)),
    ZIP: ("une archive ZIP", (".zip",)),
}
ACCEPTED_SUMMARY = ("PDF, images (PNG, JPEG, GIF, TIFF, WebP), documents Word, Excel, PowerPoint et OpenDocument, "
                    "RTF, texte, CSV, messages électroniques (.eml, .msg d'Outlook) et archives ZIP")
# Types recognised only to be named: kept as received, not read.
OTHER_LABELS = {
    ENCRYPTED_OFFICE: "un document Office protégé par mot de passe",
    OLE: "un fichier Office ancien d'un type inconnu",
    "image/bmp": "une image BMP",
    "image/svg+xml": "une image SVG",
    "text/html": "une page HTML",
    "application/x-msdownload": "un programme Windows",
    "application/x-executable": "un programme",
    "application/x-7z-compressed": "une archive 7z",
    "application/vnd.rar": "une archive RAR",
    "application/gzip": "une archive gzip",
    "application/x-bzip2": "une archive bzip2",
    "application/x-xz": "une archive xz",
    "application/x-tar": "une archive tar",
    "application/octet-stream": "un fichier binaire de type inconnu",
}
MESSAGES = (EML, MSG)
CONTAINERS = (ZIP, EML, MSG)
OLE_FAMILY = (DOC, XLS, PPT)
WORD_X, EXCEL_X, POWERPOINT_X = (DOCX, DOCM, DOTX, DOTM), (XLSX, XLSM, XLTX), (PPTX, PPTM, PPSX)
OPEN_DOCUMENT = (ODT, ODS, ODP)
OFFICE_ZIP = WORD_X + EXCEL_X + POWERPOINT_X + (XLSB, XPS, OXPS)
# The main part each Office Open XML file declares in its [Content_Types].xml.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.ms-word.document.macroenabled.main+xml": DOCM,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": DOTX,
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml": DOTM,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": XLSM,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": XLTX,
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": XLSB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": PPTM,
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": PPSX,
    "application/vnd.ms-package.xps-fixeddocumentsequence+xml": XPS,
    "application/oxps": OXPS,
}
# Without [Content_Types].xml's word, a main part's name tells the family.
_OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "xl/workbook.bin": XLSB,
                "ppt/presentation.xml": PPTX, "FixedDocumentSequence.fdseq": XPS}
_BY_EXTENSION = {extension: media for media, (_label, extensions) in ACCEPTED.items() for extension in extensions}
_HEAD = 64 * 1024


class BadFile(ValueError):
    """Something wrong with a received file; the message is French."""


class Refused(BadFile):
    """A file that would harm the server (a bomb, a path leaving its folder, over the size
    limit) or is no file (empty): the upload is refused; the message names it and says
    what to do."""


class Unreadable(BadFile):
    """A file Lanterne keeps as received but cannot (fully) read. The message is a short
    French note without the file's name: "protégé par mot de passe", "format non lu (une
    archive 7z)", "document PDF endommagé ou tronqué"."""

    def __init__(self, note: str, kind: str = "damaged"):
        super().__init__(note)
        self.note, self.kind = note, kind  # kind: damaged | protected | unsupported

    def kept_note(self) -> str:
        """The note shown beside a file kept as received."""
        then = {"damaged": "fichier gardé tel quel ; demandez-en une nouvelle copie si besoin.",
                "protected": "fichier gardé tel quel, son texte n'a pas pu être lu.",
                "unsupported": "fichier gardé tel quel, sans texte ni aperçu."}[self.kind]
        return f"{self.note[:1].upper()}{self.note[1:]} : {then}"


class Unsupported(Unreadable):
    """A sound file of a type Lanterne does not read: kept as received, without text."""

    def __init__(self, note: str):
        super().__init__(note, "unsupported")


PROTECTED_NOTE = "protégé par mot de passe"


def protected() -> Unreadable:
    return Unreadable(PROTECTED_NOTE, "protected")


def not_read(media_type: str) -> Unsupported:
    return Unsupported(f"format non lu ({label_of(media_type)})")


def label_of(media_type: str) -> str:
    return ACCEPTED.get(media_type, (OTHER_LABELS.get(media_type, "un fichier de type inconnu"),))[0]


def extension_of(name: str) -> str:
    base = re.split(r"[\\/]", name)[-1]
    return ("." + base.rsplit(".", 1)[1].lower()) if "." in base.strip(".") else ""


def canonical_extension(media_type: str) -> str:
    return ACCEPTED[media_type][1][0] if media_type in ACCEPTED else ""


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} Ko"
    value = size / (1024 * 1024)
    return f"{value:.1f} Mo".replace(".", ",").replace(",0 Mo", " Mo")


# ----------------------------------------------------------------------- names

_UNSAFE_NAME = re.compile(r"[^\w .,;()\[\]{}@&+=#'-]+", re.UNICODE)


def safe_filename(name: str, media_type: str, fallback: str = "document") -> str:
    """A name safe in a download header, a ZIP and on any disk: the last path part, no
    control or shell-special characters, no leading dot, at most 150 characters, ending
    with the extension of the type the bytes have. The original is kept apart, as metadata."""
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", name or "")[-1])
    base = _UNSAFE_NAME.sub("_", "".join(c for c in base if unicodedata.category(c)[0] != "C"))
    base = re.sub(r"\s+", " ", base).strip(" ._")
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    wanted = canonical_extension(media_type)
    if wanted and "." + extension.lower() not in ACCEPTED[media_type][1]:
        stem, extension = base, wanted[1:]
    stem = (stem.strip(" ._") or fallback)[: 150 - len(extension) - 1]
    return f"{stem}.{extension}" if extension else stem


# ------------------------------------------------------------------- sniffing


def _read_head(path: Path, size: int = _HEAD) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 4:  # a character cut by the end of the sample
            return True
    decoded = head.decode("cp1252", errors="replace")
    controls = sum(1 for c in decoded if ord(c) < 32 and c not in "\r\n\t\f")
    return controls <= len(decoded) // 100


# A header line as real mail writes it: RFC 5322's field name (any printable character but
# the colon, so "X_Mailer" too) and the obsolete white space before the colon ("To :").
HEADER_LINE = re.compile(rb"^([\x21-\x39\x3b-\x7e]{1,76})[ \t]*:")
_MAIL_HEADERS = {b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"mime-version",
                 b"return-path", b"reply-to", b"delivered-to", b"x-mailer", b"content-type", b"sender"}


def _looks_like_email(head: bytes) -> bool:
    """An RFC 5322 header block first: header lines (and folded continuations) up to a
    blank line, with at least From or Date, and three mail headers in all. A stray line
    or two (a gateway's garbage) does not make it something else."""
    seen, stray, lines = set(), 0, head.replace(b"\r\n", b"\n").split(b"\n")
    for number, line in enumerate(lines):
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and number:
            continue
        if number == 0 and line.startswith(b"From "):  # mbox separator
            continue
        match = HEADER_LINE.match(line)
        if not match:
            if number == 0:
                return False
            stray += 1
            continue
        seen.add(match.group(1).lower().replace(b"_", b"-"))
    return (bool(seen & {b"from", b"date"}) and len(seen & _MAIL_HEADERS) >= 3
            and stray <= max(2, len(seen) // 4))


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in OPEN_DOCUMENT:
                    return declared
            if "[Content_Types].xml" in names:
                types = archive.read("[Content_Types].xml")[:200_000].decode("utf-8", "replace").lower()
                for content_type in re.findall(r'contenttype="([^"]+)"', types):
                    if content_type in _OOXML_MAIN:
                        return _OOXML_MAIN[content_type]
                for part, media in _OOXML_PARTS.items():
                    if part in names:
                        return media
            elif "FixedDocumentSequence.fdseq" in names:
                return XPS
    except Exception:  # noqa: BLE001 - zipfile raises BadZipFile, zlib.error, EOFError...: judged by inspect()
        pass
    return ZIP


def ole_streams(path: Path) -> list[str] | None:
    """The stream paths of an OLE (compound) file, or None when it cannot be read."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return ["/".join(entry) for entry in ole.listdir(streams=True, storages=False)]
    except Exception:  # noqa: BLE001 - olefile raises OSError, struct.error, IndexError...
        return None


def _ole_kind(path: Path) -> str:
    streams = ole_streams(path)
    if streams is not None:
        top = {stream.split("/")[0] for stream in streams}
        if "__properties_version1.0" in top or any(name.startswith("__substg1.0_") for name in top):
            return MSG
        if {"EncryptedPackage", "EncryptionInfo"} <= top:
            return ENCRYPTED_OFFICE
        for stream, media in (("WordDocument", DOC), ("Workbook", XLS), ("Book", XLS), ("PowerPoint Document", PPT)):
            if stream in top:
                return media
        return OLE
    data = path.read_bytes()  # a damaged directory: the streams' names may still be there
    for media, stream in ((DOC, "WordDocument"), (XLS, "Workbook"), (XLS, "Book"), (PPT, "PowerPoint Document")):
        if stream.encode("utf-16-le") in data:
            return media
    return OLE


def sniff(path: Path) -> str:
    """The media type the bytes say, whatever the name says."""
    head = _read_head(path)
    if head.startswith(b"%PDF-"):
        return PDF
    signatures = (
        (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"), (b"BM", "image/bmp"),
        (b"{\\rtf", "application/rtf"), (b"MZ", "application/x-msdownload"), (b"\x7fELF", "application/x-executable"),
        (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"), (b"Rar!\x1a\x07", "application/vnd.rar"),
        (b"\x1f\x8b", "application/gzip"), (b"BZh", "application/x-bzip2"), (b"\xfd7zXZ\x00", "application/x-xz"),
    )
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _ole_kind(path)
    for signature, media in signatures:
        if head.startswith(signature):
            return media
    if b"%PDF-" in head[:1024]:  # a PDF after some junk (a mail gateway's line): readers accept it
        return PDF
    if head[257:262] == b"ustar":
        return "application/x-tar"
    if _looks_like_text(head):
        start = head.lstrip()[:200].lower()
        if start.startswith((b"<!doctype html", b"<html")):
            return "text/html"
        if start.startswith(b"<?xml") and b"<svg" in head.lower() or start.startswith(b"<svg"):
            return "image/svg+xml"
        return EML if _looks_like_email(head) else "text/plain"
    return "application/octet-stream"


def _family(media_type: str) -> tuple[str, ...]:
    for family in (WORD_X, EXCEL_X, POWERPOINT_X, OLE_FAMILY, ("text/plain", "text/csv", EML)):
        if media_type in family:
            return family
    return (media_type,)


def identify(path: Path, name: str) -> tuple[str, str]:
    """The type to file `path` under, and a note when its name said otherwise. The bytes
    decide; a name that lies is noted, never a reason to refuse the file."""
    sniffed = sniff(path)
    extension = extension_of(name)
    claimed = _BY_EXTENSION.get(extension)
    if claimed is None or claimed == sniffed:
        return sniffed, ""
    if sniffed == OLE and claimed in OLE_FAMILY:
        return claimed, ""
    if sniffed == ENCRYPTED_OFFICE and claimed in WORD_X + EXCEL_X + POWERPOINT_X:
        return claimed, ""
    if claimed in ("text/plain", "text/csv") and sniffed in ("text/plain", EML):
        return claimed, ""
    if sniffed in _family(claimed):
        return sniffed, ""  # a .doc saved as .xls, a .docm named .docx: the same kind of file
    return sniffed, (f"son nom (extension « {extension} ») annonce {label_of(claimed)}, mais son contenu est "
                     f"{label_of(sniffed)} : il est classé comme tel.")


# ------------------------------------------------------------------ soundness


def _broken(media_type: str) -> str:
    label = label_of(media_type)
    label = label[label.index(" ") + 1:]  # "un document Word" -> "document Word"
    return label + (" endommagée ou tronquée" if label_of(media_type).startswith("une ") else " endommagé ou tronqué")


def damaged(media_type: str, detail: str = "") -> Unreadable:
    return Unreadable(f"{_broken(media_type)}{detail}")


def pdf_reader(path: Path):
    """A pypdf reader, decrypted when the PDF opens without a password (many "protected"
    PDFs only restrict printing or copying; AES needs the `cryptography` package).
    Raises Unreadable (protected) when it needs a password."""
    from pypdf import PdfReader

    reader = PdfReader(str(path), strict=False)
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # noqa: BLE001 - pypdf raises several kinds here
            opened = False
        if not opened:
            raise protected()
    return reader


def _has_pdf_end(path: Path) -> bool:
    """Whether %%EOF is anywhere in the last megabytes: what follows it (a signature, an
    appended scan, a mail gateway's padding) is normal."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        handle.seek(max(0, size - 8 * 1024 * 1024))
        return b"%%EOF" in handle.read()


def _lone_object(reader, value):
    """`value`, resolved when it is a reference, reading that object alone. pypdf parses
    every object of an object stream to return one of them (a WeasyPrint letter's stream
    holds its fonts' widths: thousands of numbers, 3 ms a PDF), where the page count needs
    two small dictionaries. Raises ValueError on anything unusual in the stream's header;
    the caller then lets pypdf read the file its own way."""
    from pypdf.generic import IndirectObject, StreamObject, read_object

    if not isinstance(value, IndirectObject):
        return value
    located = reader.xref_objStm.get(value.idnum) if value.generation == 0 else None
    if located is None:
        return value.get_object()  # a top-level object: pypdf reads it alone
    container = reader.get_object(located[0])  # the object stream itself (decrypted if need be)
    if not isinstance(container, StreamObject) or container.get("/Type") != "/ObjStm":
        raise ValueError("not an object stream")
    data = container.get_data()
    count, first = container.get("/N"), container.get("/First")
    if not (isinstance(count, int) and isinstance(first, int) and 0 <= first <= len(data)):
        raise ValueError("object stream header")
    header = data[:first].split()[: 2 * count]
    if len(header) != 2 * count or not all(token.isdigit() for token in header):
        raise ValueError("object stream header")
    numbers, offsets = [int(token) for token in header[::2]], [int(token) for token in header[1::2]]
    if any(later <= earlier for earlier, later in zip(offsets, offsets[1:])) or value.idnum not in numbers:
        raise ValueError("object stream header")  # pypdf refuses decreasing offsets too
    stream = io.BytesIO(data)
    stream.seek(first + offsets[numbers.index(value.idnum)])
    while stream.read(1).isspace():
        pass
    stream.seek(-1, 1)
    return read_object(stream, reader)


def _declared_page_count(reader) -> int | None:
    """The /Count of the page tree's root, read without loading anything else, when it is
    plausible: at least one page, at most one per object of the file (a page is an
    object), no fewer than the root's own kids. None when it is missing, implausible or
    not found that way: the caller then counts the pages one by one."""
    from pypdf.generic import ArrayObject, DictionaryObject

    try:
        catalog = _lone_object(reader, reader.trailer.raw_get("/Root"))
        if not (isinstance(catalog, DictionaryObject) and catalog.get("/Type") == "/Catalog"):
            catalog = reader.root_object  # pypdf's own search for a catalog
        tree = _lone_object(reader, catalog.raw_get("/Pages"))
        count = _lone_object(reader, tree.raw_get("/Count"))
        kids = _lone_object(reader, dict.get(tree, "/Kids"))
    except Exception:  # noqa: BLE001 - a damaged or unusual file: counted the long way
        return None
    objects = len(reader.xref_objStm) + sum(len(numbers) for numbers in reader.xref.values())
    if not isinstance(count, int) or not 0 < count <= objects:
        return None
    if isinstance(kids, ArrayObject) and len(kids) > count:
        return None
    return int(count)


def _pdf_pages(path: Path) -> int | None:
    try:
        reader = pdf_reader(path)
        declared = _declared_page_count(reader)  # the page tree's own count: no page object loaded
        if declared is not None:
            return declared
        pages = len(reader.pages)
    except Unreadable:
        raise
    except Exception as error:  # noqa: BLE001 - pypdf's errors are many; all mean "unreadable"
        raise damaged(PDF, "" if _has_pdf_end(path) else " (sa fin manque)") from error
    if not _has_pdf_end(path):
        raise damaged(PDF, " (sa fin manque)")
    return pages


_DECODE_BELOW = 512 * 1024  # smaller images are decoded whole; larger ones checked by their structure


def _image_pages(path: Path, media_type: str, label: str) -> int:
    from PIL import Image

    expected = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/tiff": "TIFF", "image/webp": "WEBP"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format != expected[media_type]:
                    raise damaged(media_type)
                frames = getattr(image, "n_frames", 1)
                image.verify()  # PNG: every chunk's checksum, up to the end marker
            if media_type == "image/jpeg" and path.stat().st_size > _DECODE_BELOW:
                with open(path, "rb") as handle:  # a cut-off JPEG lacks its end-of-image marker
                    handle.seek(-min(path.stat().st_size, 64 * 1024), 2)
                    if b"\xff\xd9" not in handle.read():
                        raise damaged(media_type)
            elif media_type != "image/png" or path.stat().st_size <= _DECODE_BELOW:
                with Image.open(path) as image:
                    image.load()  # the pixels: a cut-off image fails here
    except BadFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Refused(f"« {label} » annonce une image démesurée (plus de {Image.MAX_IMAGE_PIXELS // 1_000_000} "
                      "millions de pixels) : elle n'a pas été classée. Enregistrez-la dans une taille raisonnable, "
                      "ou en PDF, puis envoyez-la.") from error
    except Exception as error:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError...
        raise damaged(media_type) from error
    return frames if media_type == "image/tiff" else 1


def parse_xml(data: bytes):
    return ElementTree.fromstring(data)


def check_protection(path: Path, media_type: str) -> None:
    """Raise Unreadable (protected) for an Office or OpenDocument file that needs a password."""
    if media_type == ENCRYPTED_OFFICE:
        raise protected()
    if media_type in OFFICE_ZIP and _read_head(path, 8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise protected()  # an encrypted Office Open XML file is an OLE file around the package
    if media_type in OPEN_DOCUMENT:
        try:
            with zipfile.ZipFile(path) as archive:
                encrypted = b"encryption-data" in archive.read("META-INF/manifest.xml")
        except Exception:  # noqa: BLE001 - no manifest, or a damaged file: judged elsewhere
            encrypted = False
        if encrypted:
            raise protected()
    if media_type in OLE_FAMILY:
        _old_office_check(path, media_type)


def _office_pages(path: Path, media_type: str, label: str, budget: ArchiveBudget | None) -> int | None:
    check_protection(path, media_type)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            limit = budget.max_total_bytes if budget else 1 << 30
            if declared > limit:
                raise Refused(f"« {label} » ferait {human_size(declared)} une fois décompressé (limite : "
                              f"{human_size(limit)}) : il ressemble à une bombe de décompression et n'a pas été "
                              "classé. Demandez le document sous une autre forme (PDF).")
            names = {info.filename for info in infos}
            if ("content.xml" if media_type in OPEN_DOCUMENT else "[Content_Types].xml") not in names \
                    and media_type not in (XPS, OXPS):
                raise damaged(media_type)
            if archive.testzip() is not None:
                raise damaged(media_type)
            if media_type in WORD_X + POWERPOINT_X and "docProps/app.xml" in names:
                tag = "Pages" if media_type in WORD_X else "Slides"
                for element in parse_xml(archive.read("docProps/app.xml")).iter():
                    if element.tag.endswith("}" + tag) and (element.text or "").strip().isdigit():
                        return int(element.text.strip()) or None
            if media_type in POWERPOINT_X:
                return sum(1 for name in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)) or None
            if media_type in (XPS, OXPS):
                return sum(1 for name in names if name.lower().endswith(".fpage")) or None
            if media_type in OPEN_DOCUMENT and "meta.xml" in names:
                for element in parse_xml(archive.read("meta.xml")).iter():
                    if element.tag.endswith("}document-statistic"):
                        for key, value in element.attrib.items():
                            if key.endswith("}page-count") and value.isdigit():
                                return int(value) or None
    except BadFile:
        raise
    except Exception as error:  # noqa: BLE001 - zipfile, zlib and the XML parser raise many kinds
        raise damaged(media_type) from error
    return None


def _old_office_check(path: Path, media_type: str) -> None:
    """An old Office file protected by a password is kept as protected."""
    import msoffcrypto

    try:
        with open(path, "rb") as handle:
            encrypted = msoffcrypto.OfficeFile(handle).is_encrypted()
    except Exception:  # noqa: BLE001 - msoffcrypto does not know every variant: judged by the extractor
        return
    if encrypted:
        raise protected()


def inspect(path: Path, media_type: str, label: str, budget: ArchiveBudget | None = None) -> int | None:
    """Check that the file is sound for its type; return its page count where it has one.
    Raises Refused (empty, a bomb) or Unreadable (damaged, protected, a format not read:
    the file is kept, with the note)."""
    if path.stat().st_size == 0:
        raise Refused(f"« {label} » est vide (0 octet) : il n'a pas été classé. Enregistrez de nouveau le fichier "
                      "reçu, puis envoyez-le.")
    if media_type == PDF:
        return _pdf_pages(path)
    if media_type.startswith("image/") and media_type in ACCEPTED:
        return _image_pages(path, media_type, label)
    if media_type in OFFICE_ZIP or media_type in OPEN_DOCUMENT:
        return _office_pages(path, media_type, label, budget)
    check_protection(path, media_type)
    if media_type == ZIP:
        try:
            with zipfile.ZipFile(path) as archive:
                archive.infolist()
        except Exception as error:  # noqa: BLE001 - BadZipFile, EOFError, struct errors...
            raise damaged(ZIP) from error
    if media_type not in ACCEPTED:
        raise not_read(media_type)
    return None


# ------------------------------------------------------------------- archives


@dataclass
class ArchiveBudget:
    """What unpacking may still produce, shared by every archive and e-mail of one upload."""

    max_file_bytes: int
    max_total_bytes: int
    max_files: int
    max_depth: int
    max_ratio: int
    files: int = 0
    total_bytes: int = 0

    @property
    def bytes_left(self) -> int:
        return max(0, self.max_total_bytes - self.total_bytes)


@dataclass
class Member:
    """One part of a container: its name as given there, where it was, and its bytes; or,
    when its bytes cannot be had, `problem` (a French note) and no `open`."""

    name: str
    path: str
    open: Callable[[], IO[bytes]] | None
    declared_size: int | None = None
    problem: str = ""


_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.I)


def _escapes(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return ("\x00" in name or name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name))
            or any(part == ".." for part in parts))


def _unicode_path_extra(extra: bytes) -> str | None:
    """Info-ZIP's Unicode Path field (0x7075), which 7-Zip, WinRAR and others write beside
    a name in the local code page."""
    position = 0
    while position + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[position:position + 4])
        body = extra[position + 4:position + 4 + size]
        if kind == 0x7075 and len(body) > 5 and body[0] == 1:
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        position += 4 + size
    return None


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]")
_FRENCH = set("éèêëàâäçùûüôöîïœæÉÈÊÀÂÇÙÛÔÎŒÆ")
_LATIN = re.compile(r"[À-ÖØ-öø-ÿŒœ]")


def _common_ideogram(character: str, encoding: str) -> bool:
    """Whether an ideogram is in the common block of its code page (GB2312's, JIS level 1):
    the wrong code page gives rare ones."""
    try:
        lead, trail = character.encode(encoding)[:2]
    except (UnicodeEncodeError, ValueError):
        return False
    if encoding == "gbk":
        return 0xB0 <= lead <= 0xF7 and trail >= 0xA1
    return 0x88 <= lead <= 0x9F or 0x81 <= lead <= 0x83  # JIS level 1 kanji, kana, punctuation


def _name_score(text: str, encoding: str) -> float:
    """How much a decoded name looks like a real one in that encoding: letters of the
    script the encoding serves, few symbols or half-width katakana, accented letters one
    at a time between plain ones (French), common ideograms rather than rare ones."""
    score = 0.0
    for number, character in enumerate(text):
        if ord(character) < 128:
            continue
        before = text[number - 1] if number else " "
        after = text[number + 1] if number + 1 < len(text) else " "
        if _CJK.match(character):
            if encoding == "cp850":
                score -= 3
            else:
                score += 2 if _common_ideogram(character, encoding) or "\u3040" <= character <= "\u30ff" else 0.5
        elif "\uff61" <= character <= "\uff9f":
            score -= 2  # half-width katakana: what Latin or GBK bytes look like in Shift-JIS
        elif _LATIN.match(character) and encoding == "cp850":
            alone = before.isascii() and after.isascii()
            score += (2 if character in _FRENCH else 1) if alone else -1
        else:
            score -= 2  # box drawing, symbols, private use: a wrong guess
    return score


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author wrote it: UTF-8 when flagged or well formed, the
    Unicode Path field when there is one, else the most plausible of the code pages
    archivers use (cp850/cp437 for Western Europe, GBK, Shift-JIS)."""
    if info.flag_bits & 0x800:
        return info.filename
    from_extra = _unicode_path_extra(info.extra)
    if from_extra:
        return from_extra
    try:
        raw = info.orig_filename.encode("cp437")  # zipfile decoded the raw bytes as cp437
    except UnicodeEncodeError:
        return info.filename
    if raw.isascii():
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, int, str]] = []
    for encoding in ("cp850", "gbk", "shift_jis"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_name_score(text, encoding), -len(candidates), text))
    return max(candidates)[2] if candidates else raw.decode("cp437")


_COMPRESSION_NAMES = {1: "shrink", 2: "reduce", 3: "reduce", 4: "reduce", 5: "reduce", 6: "implode", 9: "deflate64",
                      10: "implode", 18: "terse", 19: "lz77", 97: "wavpack", 98: "ppmd"}
_COMPRESSION_READ = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def zip_members(path: Path, label: str, budget: ArchiveBudget) -> list[Member]:
    """The files of a ZIP, checked before a byte is unpacked: no path that would leave the
    archive's folder, sizes within the budget (the declared sizes here; `FileStore.stage`
    holds the real ones to the same limits). Members that cannot be unpacked (a password,
    an old compression method, a link) come back with their `problem`."""
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except Exception as error:  # noqa: BLE001 - BadZipFile, EOFError, struct errors...
        raise damaged(ZIP) from error
    members = []
    for info in infos:
        name = zip_member_name(info)
        if _escapes(name) or _escapes(info.filename):
            raise Refused(f"L'archive « {label} » contient un chemin dangereux (« {name[:120]} ») qui sortirait de son "
                          "dossier : elle a été refusée en entier, rien n'a été classé. Décompressez-la vous-même "
                          "et envoyez les fichiers.")
        if info.is_dir() or name.endswith(("/", "\\")) or _JUNK.search(name):
            continue
        member = Member(name=re.split(r"[\\/]", name)[-1], path=name, open=functools.partial(archive.open, info),
                        declared_size=info.file_size)
        members.append(member)
        if stat.S_ISLNK(info.external_attr >> 16):
            member.open, member.problem = None, "lien symbolique, pas un fichier"
            continue
        if info.flag_bits & 0x1:
            member.open, member.problem = None, PROTECTED_NOTE
            continue
        if info.compress_type not in _COMPRESSION_READ:
            method = _COMPRESSION_NAMES.get(info.compress_type, f"n° {info.compress_type}")
            member.open, member.problem = None, (f"compressé par une méthode ancienne ({method}) que Lanterne ne "
                                                 "décompresse pas (décompressez l'archive vous-même pour le classer)")
            continue
        budget.files += 1
        if budget.files > budget.max_files:
            raise Refused(f"L'archive « {label} » contient trop de fichiers (plus de {budget.max_files} pour un envoi) : "
                          "elle a été refusée ; décompressez-la et envoyez les fichiers en plusieurs fois.")
        if info.file_size > budget.max_file_bytes:
            raise Refused(f"« {label} › {name[:120]} » ferait {human_size(info.file_size)} une fois décompressé : la "
                          f"limite est de {human_size(budget.max_file_bytes)} par fichier. L'archive a été refusée ; "
                          "envoyez les autres fichiers sans lui.")
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > 1024 * 1024 and ratio > budget.max_ratio:
            raise Refused(f"L'archive « {label} » ressemble à une bombe de décompression (« {name[:120]} » grossirait "
                          f"{int(ratio)} fois) : elle a été refusée, rien n'a été classé.")
        budget.total_bytes += info.file_size
        if budget.total_bytes > budget.max_total_bytes:
            raise Refused(f"L'archive « {label} » ferait plus de {human_size(budget.max_total_bytes)} une fois "
                          "décompressée : elle ressemble à une bombe de décompression et a été refusée. "
                          "Envoyez son contenu en plusieurs fois.")
    return members


def zip_listing(path: Path) -> list[str]:
    """The member paths of a ZIP, as their author wrote them (the archive's text)."""
    with zipfile.ZipFile(path) as archive:
        return [zip_member_name(info) for info in archive.infolist() if not info.is_dir()]


class _TextOfHtml(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in ("p", "br", "div", "tr", "li", "h1", "h2", "h3", "table"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_of_html(markup: str) -> str:
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n\n", "".join(parser.parts))).strip()


def plain_excerpt(excerpt: Markup) -> str:
    """An excerpt as plain text (the API's): the <mark> tags of `search.highlight` removed."""
    return html.unescape(re.sub(r"</?mark>", "", str(excerpt)))
