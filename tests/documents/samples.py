"""Sample received files, built here (no fixture files in the repository): PDFs with a
real text layer (WeasyPrint), Word and OpenDocument files, spreadsheets, images, e-mails
and ZIP archives, for the document tests (test_documents_samples checks them)."""
import functools
import io
import re
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



# ------------------------------------------------------- real-world file classes


def make_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file (OLE2, what old Office files and Outlook .msg are), written by hand:
    `streams` maps paths ("__attach_version1.0_#00000000/__substg1.0_3701000D") to bytes;
    storages are made for the folders. Version 3, 512-byte sectors, small streams in the
    mini stream. Siblings are chained to the right (a valid, if unbalanced, tree)."""
    import struct

    end, free, fat_mark, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    entries = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]
    by_path = {"": 0}
    for path in sorted(streams):
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in by_path:
                leaf = depth == len(parts)
                entries.append({"name": parts[depth - 1], "type": 2 if leaf else 1, "children": [],
                                "data": streams[path] if leaf else b""})
                by_path[key] = len(entries) - 1
                entries[by_path["/".join(parts[:depth - 1])]]["children"].append(by_path[key])
    mini, minifat = bytearray(), []
    big = []
    for entry in entries[1:]:
        data = entry["data"]
        if entry["type"] != 2:
            continue
        if len(data) < 4096:
            entry["start"], count = len(mini) // 64, (len(data) + 63) // 64
            minifat += [entry["start"] + n + 1 for n in range(count - 1)] + [end] if count else []
            mini += data + b"\0" * (count * 64 - len(data))
            if not count:
                entry["start"] = end
        else:
            big.append(entry)

    def sectors(data: bytes) -> list[bytes]:
        data = data + b"\0" * (-len(data) % 512)
        return [data[i:i + 512] for i in range(0, len(data), 512)]

    directory = bytearray()
    chunks: list[tuple[str, list[bytes], object]] = []
    minifat_bytes = b"".join(struct.pack("<I", value) for value in minifat)
    chunks.append(("minifat", sectors(minifat_bytes) if minifat else [], None))
    chunks.append(("ministream", sectors(bytes(mini)) if mini else [], entries[0]))
    for entry in big:
        chunks.append(("stream", sectors(entry["data"]), entry))
    # Directory last but laid out now: its size is known (128 bytes an entry).
    directory_sectors = (len(entries) * 128 + 511) // 512
    content_sectors = sum(len(chunk[1]) for chunk in chunks) + directory_sectors
    fat_sectors = 1
    while fat_sectors * 128 < content_sectors + fat_sectors:
        fat_sectors += 1
    fat = [fat_mark] * fat_sectors
    layout = {}
    position = fat_sectors
    for name, chunk, entry in chunks + [("directory", [b""] * directory_sectors, None)]:
        start = position if chunk else end
        fat += [position + n + 1 for n in range(len(chunk) - 1)] + ([end] if chunk else [])
        position += len(chunk)
        if entry is not None:
            entry["start"] = start
        layout[name] = start
    entries[0]["size"] = len(mini)
    for entry in entries[1:]:
        entry["size"] = len(entry["data"])

    def sort_key(index):
        name = entries[index]["name"]
        return (len(name), name.upper())

    for entry in entries:
        ordered = sorted(entry["children"], key=sort_key)
        entry["child"] = ordered[0] if ordered else no_stream
        for number, index in enumerate(ordered):
            entries[index]["right"] = ordered[number + 1] if number + 1 < len(ordered) else no_stream
    for entry in entries:
        name = entry["name"].encode("utf-16-le") + b"\0\0"
        start = entry.get("start", end) if entry["type"] != 1 else 0
        directory += struct.pack("<64sHBBIII16sIQQIQ", name, len(name), entry["type"], 1, no_stream,
                                 entry.get("right", no_stream), entry["child"], b"\0" * 16, 0, 0, 0,
                                 start, entry["size"] if entry["type"] != 1 else 0)
    directory += b"\0" * (-len(directory) % 512)
    fat += [free] * (fat_sectors * 128 - len(fat))
    difat = list(range(fat_sectors)) + [free] * (109 - fat_sectors)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3, 0xFFFE,
                         9, 6, b"\0" * 6, 0, fat_sectors, layout["directory"], 0, 4096,
                         layout["minifat"], len(chunks[0][1]) if minifat else 0, end, 0)
    header += b"".join(struct.pack("<I", value) for value in difat)
    body = b"".join(struct.pack("<I", value) for value in fat)
    for _name, chunk, _entry in chunks:
        body += b"".join(chunk)
    return header + body + bytes(directory)


def make_msg(subject: str, body: str, sender=("Mairie de Metz", "mairie@example.org"),
             recipients=(("Alice Martin", "alice@example.org"),), sent=datetime(2026, 2, 3, 10, 30, tzinfo=timezone.utc),
             attachments=()) -> bytes:
    """An Outlook message (.msg, [MS-OXMSG]): properties in __properties_version1.0, strings
    in __substg1.0_ streams (UTF-16), recipients and attachments in their storages."""
    import struct

    def filetime(moment):
        return int((moment - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds() * 10_000_000)

    def props(prefix: str, header: bytes, strings: dict[int, str], binaries: dict[int, bytes] = (),
              times: dict[int, datetime] = (), ints: dict[int, int] = ()) -> dict[str, bytes]:
        out, table = {}, bytearray(header)
        for pid, text in strings.items():
            data = text.encode("utf-16-le")
            out[f"{prefix}__substg1.0_{pid:04X}001F"] = data
            table += struct.pack("<IIII", (pid << 16) | 0x001F, 6, len(data) + 2, 0)  # size counts the NUL
        for pid, data in dict(binaries).items():
            out[f"{prefix}__substg1.0_{pid:04X}0102"] = data
            table += struct.pack("<IIII", (pid << 16) | 0x0102, 6, len(data), 0)
        for pid, moment in dict(times).items():
            table += struct.pack("<IIQ", (pid << 16) | 0x0040, 6, filetime(moment))
        for pid, value in dict(ints).items():
            table += struct.pack("<IIii", (pid << 16) | 0x0003, 6, value, 0)
        out[f"{prefix}__properties_version1.0"] = bytes(table)
        return out

    streams = props("", struct.pack("<8xIIII8x", len(recipients), len(attachments), len(recipients), len(attachments)),
                    {0x001A: "IPM.Note", 0x0037: subject, 0x1000: body, 0x0C1A: sender[0], 0x0C1F: sender[1],
                     0x0E04: "; ".join(name for name, _ in recipients)},
                    times={0x0039: sent, 0x0E06: sent}, ints={0x340D: 0x00040000})
    for number, (name, address) in enumerate(recipients):
        streams |= props(f"__recip_version1.0_#{number:08X}/", b"\0" * 8,
                         {0x3001: name, 0x39FE: address, 0x3003: address}, ints={0x0C15: 1})
    for number, (name, data) in enumerate(attachments):
        streams |= props(f"__attach_version1.0_#{number:08X}/", b"\0" * 8, {0x3707: name, 0x3704: name[:8]},
                         binaries={0x3701: data}, ints={0x3705: 1})
    streams["__nameid_version1.0/__substg1.0_00020102"] = b""
    return make_cfb(streams)


def make_stored_zip(members: dict[str, bytes]) -> bytes:
    """An uncompressed ("stored") ZIP: its first member's bytes lie as they are near the start."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_streamed_zip(members: dict[str, bytes]) -> bytes:
    """A ZIP written to a stream that cannot seek, as servers that zip on the fly write
    them: sizes and CRC in a data descriptor after each member (flag bit 3)."""

    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, chunk):
            self.data += chunk
            return len(chunk)

    out = Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            with archive.open(name, "w") as member:
                member.write(data)
    return bytes(out.data)


def make_zip_with_raw_names(members: list[tuple[bytes, bytes]], methods: dict[bytes, int] | None = None) -> bytes:
    """A ZIP whose names are the given bytes (6 at least), in whatever code page, without
    the UTF-8 flag (as Windows' own archiver and many others write them); `methods` gives
    a member another compression method's number in its headers (6: implode)."""
    import struct

    placeholders = {raw: f"@{number:05d}".encode().ljust(len(raw), b"@") for number, (raw, _data) in enumerate(members)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for raw, data in members:
            archive.writestr(placeholders[raw].decode(), data)
    out = bytearray(buffer.getvalue())
    for raw, placeholder in placeholders.items():
        start = 0
        while (found := out.find(placeholder, start)) >= 0:
            out[found:found + len(raw)] = raw
            for header, signature, method_at in ((found - 30, b"PK\x03\x04", 8), (found - 46, b"PK\x01\x02", 10)):
                if methods and raw in methods and out[header:header + 4] == signature:
                    out[header + method_at:header + method_at + 2] = struct.pack("<H", methods[raw])
            start = found + 1
    return bytes(out)


def make_encrypted_pdf(pages, user_password: str = "", algorithm: str = "AES-256") -> bytes:
    """A PDF encrypted with AES (pypdf needs `cryptography` to read it); with an empty user
    password it opens without one, as most "protected" PDFs do."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(pages))))
    writer.encrypt(user_password=user_password, owner_password="proprietaire", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_pdf_with_lone_surrogate() -> bytes:
    """A PDF whose font maps a glyph to a lone UTF-16 surrogate (broken fonts do): its text
    comes out of pypdf with a character no database stores."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Broken def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <58> <D800> endbfchar "
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    content = b"BT /F1 18 Tf 50 700 Td (Convention de maintenance X signee) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"]
    return _pdf_with_xref_table(objects)


def _pdf_with_xref_table(objects: list[bytes]) -> bytes:
    """A PDF 1.4 of these objects (numbered from 1, the first the catalog) and an xref table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_pdf_page_tree(pages: int, count: bytes = b"/Count %(pages)d", object_stream: bool = True,
                       sign: bytes = b"") -> bytes:
    """A PDF of `pages` empty pages whose page tree's root holds `count` as written (a
    lie, nothing, `/Count 6 0 R` for the count in object 6: `pages` then): its catalog and
    page tree in an object stream with a cross-reference stream (PDF 1.5, as WeasyPrint
    writes) or, with `object_stream=False`, as plain objects with an xref table (PDF 1.4).
    `sign` is written before each number of the object stream's header (pypdf reads "+")."""
    count = count % {b"pages": pages}
    kids = b" ".join(b"%d 0 R" % (number + 3) for number in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] %s >>" % (kids, count)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    objects.append(b"%d" % pages)  # object pages + 3: what "/Count N 0 R" may point at
    if not object_stream:
        return _pdf_with_xref_table(objects)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    header, body = [], bytearray()
    for number, content in enumerate(objects, start=1):
        header.append(sign + b"%d " % number + sign + b"%d" % len(body))
        body += content + b"\n"
    header_bytes = b" ".join(header) + b"\n"
    stream_number, xref_number = len(objects) + 1, len(objects) + 2
    stream_offset = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n"
            % (stream_number, len(objects), len(header_bytes), len(header_bytes) + len(body)))
    out += header_bytes + body + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    rows += [bytes([2]) + stream_number.to_bytes(4, "big") + index.to_bytes(2, "big") for index in range(len(objects))]
    rows += [bytes([1]) + offset.to_bytes(4, "big") + (0).to_bytes(2, "big") for offset in (stream_offset, xref_offset)]
    data = b"".join(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
            % (xref_number, xref_number + 1, len(data)))
    out += data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def make_raw_eml(headers: str, body: str) -> bytes:
    """An e-mail written as given, header block and body, CRLF line ends (as on the wire)."""
    return (headers.strip("\n") + "\n\n" + body).replace("\n", "\r\n").encode("utf-8")


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _w_paragraph(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def make_docx_everywhere(words: dict[str, str]) -> bytes:
    """A Word file with text in every place Word puts it: `words` maps a place (body, table,
    header, footer, footnote, endnote, comment, textbox, control, inserted, deleted) to its
    text. The parts are added as Word writes them, with their relationships."""
    from docx import Document

    document = Document()
    document.add_paragraph(words["body"])
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = words["table"], "cellule"
    document.sections[0].header.paragraphs[0].text = words["header"]
    document.sections[0].footer.paragraphs[0].text = words["footer"]
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    parts = {name: source.read(name) for name in source.namelist()}
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    extra = (
        f'<w:p><w:r><mc:AlternateContent {mc}><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
        f'{_w_paragraph(words["textbox"])}</w:txbxContent></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><w:txbxContent>{_w_paragraph(words["textbox"])}</w:txbxContent></w:pict>'
        f'</mc:Fallback></mc:AlternateContent></w:r></w:p>'
        f'<w:sdt><w:sdtPr><w:alias w:val="Objet"/></w:sdtPr><w:sdtContent>{_w_paragraph(words["control"])}'
        f'</w:sdtContent></w:sdt>'
        f'<w:p><w:ins w:id="1" w:author="Mairie" w:date="2026-02-01T00:00:00Z"><w:r><w:t>{escape(words["inserted"])}'
        f'</w:t></w:r></w:ins><w:del w:id="2" w:author="Mairie" w:date="2026-02-01T00:00:00Z"><w:r>'
        f'<w:delText>{escape(words["deleted"])}</w:delText></w:r></w:del></w:p>'
        f'<w:p><w:r><w:t>Voir la note</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
        f'<w:r><w:endnoteReference w:id="1"/></w:r><w:commentRangeStart w:id="0"/><w:r><w:t>ici</w:t></w:r>'
        f'<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>')
    body = parts["word/document.xml"].decode()
    parts["word/document.xml"] = body.replace("<w:sectPr", extra + "<w:sectPr", 1).encode()
    notes = {"footnotes": ("footnote", words["footnote"]), "endnotes": ("endnote", words["endnote"]),
             "comments": ("comment", words["comment"])}
    relations = parts["word/_rels/document.xml.rels"].decode()
    types = parts["[Content_Types].xml"].decode()
    for number, (part, (tag, text)) in enumerate(notes.items(), start=1):
        attributes = ' w:author="Mairie" w:id="0"' if tag == "comment" else ' w:id="1"'
        parts[f"word/{part}.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{part} {W_NS}>'
                                     f'<w:{tag}{attributes}>{_w_paragraph(text)}</w:{tag}></w:{part}>').encode()
        kind = {"footnotes": "footnotes", "endnotes": "endnotes", "comments": "comments"}[part]
        relations = relations.replace("</Relationships>", (
            f'<Relationship Id="rIdNote{number}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/{kind}" Target="{part}.xml"/></Relationships>'))
        types = types.replace("</Types>", (
            f'<Override PartName="/word/{part}.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'wordprocessingml.{part}+xml"/></Types>'))
    parts["word/_rels/document.xml.rels"], parts["[Content_Types].xml"] = relations.encode(), types.encode()
    return make_zip(parts)


def as_office_variant(data: bytes, main_content_type: str) -> bytes:
    """The same Office file declared as another kind of its family (.docm, .dotx, .xlsm):
    only the main part's content type in [Content_Types].xml differs."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: source.read(name) for name in source.namelist()}
    parts["[Content_Types].xml"] = re.sub(rb'(PartName="/(?:word/document|xl/workbook)\.xml" ContentType=")[^"]+',
                                          rb"\g<1>" + main_content_type.encode(), parts["[Content_Types].xml"])
    return make_zip(parts)


def make_xlsb(strings: list[str]) -> bytes:
    """A binary Excel workbook, reduced to what carries its text: the shared strings as
    BIFF12 records (BrtSST, BrtSSTItem each, BrtEndSST)."""
    import struct

    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
            value >>= 7
            if not value:
                return bytes(out)

    def record(kind: int, body: bytes) -> bytes:
        return varint(kind) + varint(len(body)) + body

    items = b"".join(record(19, b"\0" + struct.pack("<I", len(text)) + text.encode("utf-16-le")) for text in strings)
    shared = record(159, struct.pack("<II", len(strings), len(strings))) + items + record(160, b"")
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
             '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
             "</Types>")
    return make_zip({"[Content_Types].xml": types.encode(), "xl/workbook.bin": b"\x83\x01\x00",
                     "xl/sharedStrings.bin": shared})


def make_xps(pages: list[str]) -> bytes:
    """An XPS document: a fixed document sequence, one page per string as Glyphs."""
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="fdseq" ContentType="application/vnd.ms-package.xps-fixeddocumentsequence+xml"/>'
             '<Default Extension="fdoc" ContentType="application/vnd.ms-package.xps-fixeddocument+xml"/>'
             '<Default Extension="fpage" ContentType="application/vnd.ms-package.xps-fixedpage+xml"/></Types>')
    ns = 'xmlns="http://schemas.microsoft.com/xps/2005/06"'
    members = {"[Content_Types].xml": types.encode(),
               "FixedDocumentSequence.fdseq": f'<FixedDocumentSequence {ns}><DocumentReference Source="Documents/1/'
                                              f'FixedDocument.fdoc"/></FixedDocumentSequence>'.encode(),
               "Documents/1/FixedDocument.fdoc": (f"<FixedDocument {ns}>" + "".join(
                   f'<PageContent Source="Pages/{n}.fpage"/>' for n in range(1, len(pages) + 1))
                   + "</FixedDocument>").encode()}
    for number, text in enumerate(pages, start=1):
        members[f"Documents/1/Pages/{number}.fpage"] = (
            f'<FixedPage {ns} Width="816" Height="1056"><Glyphs OriginX="96" OriginY="96" FontRenderingEmSize="16" '
            f'UnicodeString="{escape(text)}" Fill="#000000"/></FixedPage>').encode()
    return make_zip(members)


def make_encrypted_docx(text: str, password: str = "secret") -> bytes:
    """A Word file protected by a password, as Word writes it (msoffcrypto-tool's ECMA-376
    agile encryption: an OLE file around the encrypted package)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(make_docx(text))).encrypt(password, out)
    return out.getvalue()


def make_protected_odt(text: str) -> bytes:
    """An OpenDocument text saved with a password: content.xml encrypted, the manifest says how."""
    source = zipfile.ZipFile(io.BytesIO(make_odt(text)))
    parts = {name: source.read(name) for name in source.namelist()}
    parts["content.xml"] = bytes(range(256)) * 4  # what encrypted content looks like
    parts["META-INF/manifest.xml"] = parts["META-INF/manifest.xml"].replace(
        b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
        b'manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data '
        b'manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm '
        b'manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
        b"</manifest:encryption-data></manifest:file-entry>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), parts.pop("mimetype"), zipfile.ZIP_STORED)
        for name, data in parts.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def make_doc(text: str) -> bytes:
    """An old Word file (Word 97, .doc), reduced to what readers need: a FIB whose text
    range holds 8-bit text, in a WordDocument stream, beside an empty 1Table stream."""
    import struct

    fib = bytearray(1472)
    struct.pack_into("<HHH", fib, 0, 0xA5EC, 0x00C1, 0x0000)  # magic, nFib (Word 97), product
    struct.pack_into("<H", fib, 0x0A, 0x0200)  # flags: fWhichTblStm = 1 (1Table)
    start = len(fib)
    encoded = text.encode("cp1252")
    struct.pack_into("<II", fib, 0x18, start, start + len(encoded))  # fcMin, fcMac
    struct.pack_into("<I", fib, 0x4C, len(encoded))  # ccpText
    stream = bytes(fib) + encoded + b"\r" + b"\0" * (4096 - len(fib) - len(encoded) - 1 if len(encoded) < 2000 else 0)
    return make_cfb({"WordDocument": stream, "1Table": b"\0" * 4096, "\x05SummaryInformation": b"\0" * 64})


SCANNED_LETTER = [
    "Préfecture de la Moselle",
    "Bureau des polices administratives",
    "",
    "Metz, le 12 mars 2026",
    "",
    "Objet : votre demande de communication",
    "",
    "Madame,",
    "",
    "Par courrier du 3 février, vous avez sollicité la communication",
    "de l'arrêté autorisant le système de vidéoprotection installé",
    "sur la voie publique de la commune. Vous trouverez ci-joint",
    "une copie de cet arrêté préfectoral ainsi que la liste des",
    "caméras déclarées. Les enregistrements sont conservés",
    "quinze jours au plus.",
    "",
    "Veuillez agréer, Madame, l'expression de mes salutations.",
    "",
    "Le secrétaire général",
]


def _letter_font(size: int):
    from PIL import ImageFont

    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # Pillow's own scalable font


def scanned_letter_image(lines=tuple(SCANNED_LETTER), dpi: int = 200, seed: int = 14):
    """A French letter as a scanner gives it back: an A4 page at `dpi`, turned slightly,
    blurred, with speckle noise, in grey. A Pillow image (no text layer anywhere)."""
    import random

    from PIL import Image, ImageDraw, ImageFilter

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    font = _letter_font(int(dpi * 0.16))  # 11.5 points
    line_height = int(dpi * 0.24)
    y = int(dpi * 0.9)
    for line in lines:
        draw.text((int(dpi * 0.9), y), line, fill=25, font=font)
        y += line_height
    page = page.rotate(1.3, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=250)
    page = page.filter(ImageFilter.GaussianBlur(0.8))
    rng = random.Random(seed)
    pixels = page.load()
    for _ in range(width * height // 150):  # dust and toner specks
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((0, 60, 255))
    return page


def make_scanned_jpeg(lines=tuple(SCANNED_LETTER), dpi: int = 200, quality: int = 55) -> bytes:
    """The degraded letter as a JPEG (the compression adds its own artefacts)."""
    buffer = io.BytesIO()
    scanned_letter_image(lines, dpi).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def make_scanned_pdf(pages=(tuple(SCANNED_LETTER),), dpi: int = 200) -> bytes:
    """A PDF without a text layer: each page one JPEG picture, as a scanner writes it."""
    from PIL import Image

    images = [Image.open(io.BytesIO(make_scanned_jpeg(lines, dpi))) for lines in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buffer.getvalue()
