"""Received files, judged by their bytes: what type they are (the name is never trusted),
whether they are sound, and what they contain (ZIP archives, e-mails).

Pure: no Flask, no database. `workflow.documents.filing` calls it with paths of staged files;
`workflow.documents.extraction` reads their text and draws their thumbnails.
Every message of `BadFile` is French and shown to the user as it is.
"""
from __future__ import annotations

import email
import email.policy
import email.utils
import functools
import html
import io
import re
import stat
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Callable, Iterator
from xml.etree import ElementTree

from markupsafe import Markup

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"
EML, ZIP, PDF = "message/rfc822", "application/zip", "application/pdf"
OLE = "application/x-ole-storage"  # an old Office file whose kind we could not tell

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
    ZIP: ("une archive ZIP", (".zip",)),
}
ACCEPTED_SUMMARY = ("PDF, images (PNG, JPEG, GIF, TIFF, WebP), documents Word, Excel, PowerPoint et OpenDocument, "
                    "RTF, texte, CSV, messages électroniques (.eml) et archives ZIP")
# Types recognised only to be named in a refusal.
REFUSED_LABELS = {
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
CONTAINERS = (ZIP, EML)
OLE_FAMILY = (DOC, XLS, PPT)
OFFICE_ZIP_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml", PPTX: "ppt/presentation.xml"}
_BY_EXTENSION = {extension: media for media, (_label, extensions) in ACCEPTED.items() for extension in extensions}
_HEAD = 64 * 1024


class BadFile(ValueError):
    """A file that cannot be filed; the message (French) names it and says why."""


class Unsupported(BadFile):
    """A sound file of a type Lanterne does not file (inside an archive or an e-mail it is
    left in its container, not refused)."""


def label_of(media_type: str) -> str:
    return ACCEPTED.get(media_type, (REFUSED_LABELS.get(media_type, "un fichier de type inconnu"),))[0]


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


_HEADER_LINE = re.compile(rb"^([A-Za-z0-9-]{2,40}):[ \t]?")
_MAIL_HEADERS = {b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"mime-version",
                 b"return-path", b"reply-to", b"delivered-to", b"x-mailer", b"content-type"}


def _looks_like_email(head: bytes) -> bool:
    """An RFC 5322 header block first: only header lines (and folded continuations) up
    to a blank line, with at least From or Date, and three mail headers in all."""
    seen, lines = set(), head.replace(b"\r\n", b"\n").split(b"\n")
    for number, line in enumerate(lines):
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and number:
            continue
        if number == 0 and line.startswith(b"From "):  # mbox separator
            continue
        match = _HEADER_LINE.match(line)
        if not match:
            return False
        seen.add(match.group(1).lower())
    return bool(seen & {b"from", b"date"}) and len(seen & _MAIL_HEADERS) >= 3


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in (ODT, ODS, ODP):
                    return declared
            if "[Content_Types].xml" in names:
                for media, part in OFFICE_ZIP_PARTS.items():
                    if part in names:
                        return media
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        pass  # judged by inspect(): a damaged archive
    return ZIP


def _ole_kind(path: Path) -> str:
    data = path.read_bytes()
    for media, stream in ((DOC, "WordDocument"), (XLS, "Workbook"), (XLS, "Book"), (PPT, "PowerPoint Document")):
        if stream.encode("utf-16-le") in data:
            return media
    return OLE


def sniff(path: Path) -> str:
    """The media type the bytes say, whatever the name says."""
    head = _read_head(path)
    if b"%PDF-" in head[:1024]:
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


def identify(path: Path, name: str, label: str) -> str:
    """The type to file `path` under: what its bytes are, if the name does not say
    otherwise. Raises BadFile when the name lies, Unsupported for a type not filed."""
    sniffed = sniff(path)
    extension = extension_of(name)
    claimed = _BY_EXTENSION.get(extension)
    if sniffed == OLE and claimed in OLE_FAMILY:
        return claimed
    if claimed is None or claimed == sniffed:
        if sniffed not in ACCEPTED:
            raise Unsupported(f"« {label} » est {label_of(sniffed)} : ce type de fichier n'est pas pris en charge "
                              f"(acceptés : {ACCEPTED_SUMMARY}).")
        return sniffed
    if claimed in ("text/plain", "text/csv") and sniffed in ("text/plain", EML):
        return claimed
    if claimed in OLE_FAMILY and sniffed in OLE_FAMILY:
        return claimed  # .doc saved with an .xls name happens; both are old Office files
    raise BadFile(f"« {label} » se présente comme {label_of(claimed)} (extension « {extension} ») mais son contenu "
                  f"est {label_of(sniffed)} : il n'a pas été classé. Vérifiez sa provenance, ou renommez-le s'il "
                  "s'agit d'une simple erreur de nom.")


# ------------------------------------------------------------------ soundness


def _broken(media_type: str) -> str:
    label = label_of(media_type)
    return label + (" endommagée ou tronquée" if label.startswith("une ") else " endommagé ou tronqué")


def _damaged(label: str, what: str) -> BadFile:
    """`what`: "un document Word endommagé ou tronqué", agreed in gender by the caller."""
    return BadFile(f"« {label} » est {what} : ce fichier n'a pas été classé. Demandez-en une nouvelle copie si besoin.")


def pdf_reader(path: Path):
    from pypdf import PdfReader

    reader = PdfReader(str(path), strict=False)
    if reader.is_encrypted:
        try:
            reader.decrypt("")  # many "protected" PDFs only restrict printing or copying
        except Exception:  # noqa: BLE001 - pypdf raises several kinds here
            pass
    return reader


def _pdf_pages(path: Path, label: str) -> int | None:
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - 2048))
        tail = handle.read()
    if b"%%EOF" not in tail:
        raise BadFile(f"« {label} » est un PDF tronqué (sa fin manque) : il n'a pas été classé. "
                      "Il a sans doute été mal téléchargé ou mal envoyé : demandez-en une nouvelle copie.")
    reader = None
    try:
        reader = pdf_reader(path)
        try:  # the page tree's own count: no need to load every page object
            count = reader.root_object["/Pages"].get_object()["/Count"]
            if isinstance(count, int) and count > 0:
                return int(count)
        except Exception:  # noqa: BLE001 - a damaged tree: count the pages one by one
            pass
        return len(reader.pages)
    except Exception as error:  # noqa: BLE001 - pypdf's errors are many; all mean "unreadable"
        if reader is not None and reader.is_encrypted:
            return None  # protected by a password: kept as received, pages and text unknown
        raise _damaged(label, "un PDF endommagé ou illisible") from error


_DECODE_BELOW = 512 * 1024  # smaller images are decoded whole; larger ones checked by their structure


def _image_pages(path: Path, media_type: str, label: str) -> int:
    from PIL import Image

    expected = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/tiff": "TIFF", "image/webp": "WEBP"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format != expected[media_type]:
                    raise _damaged(label, _broken(media_type))
                frames = getattr(image, "n_frames", 1)
                image.verify()  # PNG: every chunk's checksum, up to the end marker
            if media_type == "image/jpeg" and path.stat().st_size > _DECODE_BELOW:
                with open(path, "rb") as handle:  # a cut-off JPEG lacks its end-of-image marker
                    handle.seek(-min(path.stat().st_size, 64 * 1024), 2)
                    if b"\xff\xd9" not in handle.read():
                        raise _damaged(label, _broken(media_type))
            elif media_type != "image/png" or path.stat().st_size <= _DECODE_BELOW:
                with Image.open(path) as image:
                    image.load()  # the pixels: a cut-off image fails here
    except BadFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise BadFile(f"« {label} » annonce une image démesurée (plus de {Image.MAX_IMAGE_PIXELS // 1_000_000} "
                      "millions de pixels) : elle n'a pas été classée.") from error
    except Exception as error:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError...
        raise _damaged(label, _broken(media_type)) from error
    return frames if media_type == "image/tiff" else 1


def parse_xml(data: bytes):
    return ElementTree.fromstring(data)


def _office_pages(path: Path, media_type: str, label: str, budget: ArchiveBudget | None) -> int | None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            limit = budget.max_total_bytes if budget else 1 << 30
            if declared > limit:
                raise BadFile(f"« {label} » ferait {human_size(declared)} une fois décompressé (limite : "
                              f"{human_size(limit)}) : il ressemble à une bombe de décompression et n'a pas été classé.")
            names = {info.filename for info in infos}
            required = OFFICE_ZIP_PARTS.get(media_type, "content.xml")
            if required not in names or archive.testzip() is not None:
                raise _damaged(label, _broken(media_type))
            if media_type in (DOCX, PPTX) and "docProps/app.xml" in names:
                tag = "Pages" if media_type == DOCX else "Slides"
                for element in parse_xml(archive.read("docProps/app.xml")).iter():
                    if element.tag.endswith("}" + tag) and (element.text or "").strip().isdigit():
                        return int(element.text.strip()) or None
            if media_type == PPTX:
                return sum(1 for name in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)) or None
            if media_type in (ODT, ODS, ODP) and "meta.xml" in names:
                for element in parse_xml(archive.read("meta.xml")).iter():
                    if element.tag.endswith("}document-statistic"):
                        for key, value in element.attrib.items():
                            if key.endswith("}page-count") and value.isdigit():
                                return int(value) or None
    except BadFile:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, ElementTree.ParseError) as error:
        raise _damaged(label, _broken(media_type)) from error
    return None


def inspect(path: Path, media_type: str, label: str, budget: ArchiveBudget | None = None) -> int | None:
    """Check that the file is sound for its type; return its page count where it has one.
    Raises BadFile (French) for an empty, cut-off or damaged file."""
    if path.stat().st_size == 0:
        raise BadFile(f"« {label} » est vide (0 octet) : il n'a pas été classé.")
    if media_type == PDF:
        return _pdf_pages(path, label)
    if media_type.startswith("image/"):
        return _image_pages(path, media_type, label)
    if media_type in OFFICE_ZIP_PARTS or media_type in (ODT, ODS, ODP):
        return _office_pages(path, media_type, label, budget)
    if media_type == EML:
        with open(path, "rb") as handle:
            if not _looks_like_email(handle.read(_HEAD)):
                raise BadFile(f"« {label} » n'est pas un message électronique valide (en-têtes absents) : "
                              "il n'a pas été classé.")
    if media_type == ZIP:
        try:
            with zipfile.ZipFile(path) as archive:
                archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise BadFile(f"« {label} » est une archive ZIP endommagée ou tronquée : elle n'a pas été classée.") from error
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
    """One file found inside a container: its name as given there, where it was, and its bytes."""

    name: str
    path: str
    open: Callable[[], IO[bytes]]
    declared_size: int | None = None


_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.I)


def _escapes(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return ("\x00" in name or name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name))
            or any(part == ".." for part in parts))


def zip_members(path: Path, label: str, budget: ArchiveBudget) -> list[Member]:
    """The files of a ZIP, checked before a byte is unpacked: no path that would leave the
    archive's folder, no link, no encryption, and sizes within the budget (the declared
    sizes here; `FileStore.stage` holds the real ones to the same limits)."""
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise BadFile(f"« {label} » est une archive ZIP endommagée ou tronquée : elle n'a pas été classée.") from error
    members = []
    for info in infos:
        name = info.filename
        if _escapes(name):
            raise BadFile(f"L'archive « {label} » contient un chemin dangereux (« {name[:120]} ») qui sortirait de son "
                          "dossier : elle a été refusée en entier, rien n'a été classé.")
        if info.is_dir() or _JUNK.search(name):
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BadFile(f"L'archive « {label} » contient un lien symbolique (« {name[:120]} ») : elle a été refusée "
                          "en entier, rien n'a été classé.")
        if info.flag_bits & 0x1:
            raise BadFile(f"L'archive « {label} » est protégée par un mot de passe (« {name[:120]} ») : "
                          "décompressez-la vous-même, puis envoyez les fichiers.")
        budget.files += 1
        if budget.files > budget.max_files:
            raise BadFile(f"L'archive « {label} » contient trop de fichiers (plus de {budget.max_files} pour un envoi) : "
                          "elle a été refusée ; envoyez-la en plusieurs fois.")
        if info.file_size > budget.max_file_bytes:
            raise BadFile(f"« {label} › {name[:120]} » ferait {human_size(info.file_size)} une fois décompressé : la "
                          f"limite est de {human_size(budget.max_file_bytes)} par fichier. L'archive a été refusée.")
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > 1024 * 1024 and ratio > budget.max_ratio:
            raise BadFile(f"L'archive « {label} » ressemble à une bombe de décompression (« {name[:120]} » grossirait "
                          f"{int(ratio)} fois) : elle a été refusée, rien n'a été classé.")
        budget.total_bytes += info.file_size
        if budget.total_bytes > budget.max_total_bytes:
            raise BadFile(f"L'archive « {label} » ferait plus de {human_size(budget.max_total_bytes)} une fois "
                          "décompressée : elle ressemble à une bombe de décompression et a été refusée.")
        members.append(Member(name=name.rsplit("/", 1)[-1], path=name,
                              open=functools.partial(archive.open, info), declared_size=info.file_size))
    if not members:
        raise BadFile(f"L'archive « {label} » ne contient aucun fichier : elle n'a pas été classée.")
    return members


@dataclass
class EmailSummary:
    sender: str
    recipients: str
    subject: str
    sent_on: date | None
    body: str
    attachments: list[Member] = field(default_factory=list)

    @property
    def text(self) -> str:
        header = [f"De : {self.sender}", f"À : {self.recipients}",
                  f"Date : {self.sent_on.isoformat() if self.sent_on else ''}", f"Objet : {self.subject}"]
        return "\n".join(header) + "\n\n" + self.body


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


def _part_text(part) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:
        text = payload.decode("cp1252", errors="replace")
    return text_of_html(text) if part.get_content_type() == "text/html" else text


def _walk_parts(part) -> Iterator:
    """Every part, without going inside attached messages (they are filed whole)."""
    yield part
    if part.get_content_type() != "message/rfc822" and part.is_multipart():
        for sub in part.get_payload():
            yield from _walk_parts(sub)


def read_email(path: Path, label: str) -> EmailSummary:
    with open(path, "rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)

    def header(name: str) -> str:
        try:
            return " ".join(str(message.get(name, "") or "").split())[:500]
        except Exception:  # noqa: BLE001 - a malformed header is shown as nothing, the file keeps it
            return ""

    sent_on = None
    try:
        sent_on = email.utils.parsedate_to_datetime(header("Date")).date() if header("Date") else None
    except (TypeError, ValueError, IndexError):
        pass
    body_part = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
    body = _part_text(body_part) if body_part is not None and not body_part.is_multipart() else ""
    attachments: list[Member] = []
    for number, part in enumerate(_walk_parts(message)):
        if part is message or part is body_part:
            continue
        kind = part.get_content_type()
        if kind != "message/rfc822" and part.is_multipart():
            continue
        filename = part.get_filename() or ""
        if kind != "message/rfc822" and not filename and part.get_content_disposition() != "attachment":
            continue  # another rendering of the body (the HTML beside the plain text)
        if kind == "message/rfc822":
            inner = part.get_payload(0) if isinstance(part.get_payload(), list) else None
            data = inner.as_bytes(policy=email.policy.default) if inner is not None else b""
            filename = filename or f"{(inner.get('Subject') if inner else '') or 'message-joint'}.eml"
        else:
            data = part.get_payload(decode=True) or b""
            filename = filename or f"piece-jointe-{number}"
        attachments.append(Member(name=filename, path=filename, open=functools.partial(io.BytesIO, data),
                                  declared_size=len(data)))
    return EmailSummary(sender=header("From"), recipients=header("To"), subject=header("Subject"), sent_on=sent_on,
                        body=body.strip(), attachments=attachments)


def plain_excerpt(excerpt: Markup) -> str:
    """An excerpt as plain text (the API's): the <mark> tags of `search.highlight` removed."""
    return html.unescape(re.sub(r"</?mark>", "", str(excerpt)))
