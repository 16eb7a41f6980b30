"""Sample received files, built here (no fixture files in the repository): PDFs with a
real text layer (WeasyPrint), Word and OpenDocument files, spreadsheets, images, e-mails
and ZIP archives, for the document tests (test_documents_samples checks them)."""
import functools
import io
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone

from markupsafe import escape


@functools.cache
def _pdf(pages: tuple[str, ...]) -> bytes:
    import weasyprint

    body = "".join(f'<p style="page-break-after: always">{escape(text)}</p>' for text in pages[:-1])
    body += f"<p>{escape(pages[-1])}</p>"
    return weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def make_pdf(pages) -> bytes:
    """A PDF with a real text layer, one page per string (cached: WeasyPrint is slow)."""
    return _pdf(tuple(pages))


def make_png(size=(60, 40), colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_docx(text: str) -> bytes:
    from docx import Document

    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_odt(text: str) -> bytes:
    """An OpenDocument text written by hand: mimetype first and stored, then the XML."""
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:text>'
               + "".join(f"<text:p>{escape(line)}</text:p>" for line in text.split("\n"))
               + "</office:text></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def make_xlsx(rows: list[list[str]]) -> bytes:
    """A minimal spreadsheet (inline strings), as Excel and LibreOffice read it."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    cells = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
                                   for c, value in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, start=1))
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} {rel}><sheets><sheet name="Feuille1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {ns}><sheetData>{cells}</sheetData></worksheet>',
    }
    return make_zip({name: content.encode() for name, content in files.items()})


def make_eml(body: str, subject: str = "Votre demande", attachments=()) -> bytes:
    message = EmailMessage()
    message["From"] = "Mairie <mairie@example.org>"
    message["To"] = "alice@example.org"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 2, 3, 10, 30, tzinfo=timezone.utc))
    message["Message-ID"] = "<reponse-1@example.org>"
    message.set_content(body)
    for name, data in attachments:
        if name.endswith(".eml"):
            from email import message_from_bytes, policy

            message.add_attachment(message_from_bytes(data, policy=policy.default), filename=name)
        else:
            maintype, subtype = ("application", "pdf") if name.endswith(".pdf") else ("application", "octet-stream")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(message)


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()

