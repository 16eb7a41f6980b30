"""E-mails received, as real mail writes them: .eml files (RFC 5322 and its many
deviations) and Outlook .msg files, read into one summary: who sent it, to whom, when,
about what, its text and its attachments.

Pure: no Flask, no database. The e-mail itself is kept whole as received (its headers are
evidence); what is parsed here is a copy whose header block was tidied.
"""
from __future__ import annotations

import binascii
import email
import email.header
import email.message
import email.policy
import email.utils
import functools
import io
import quopri
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from workflow.documents.formats import EML, HEADER_LINE, MSG, Member, damaged, text_of_html

_PARSING = email.policy.default
_KEEPING = email.policy.default.clone(refold_source="none")  # an attached message, written back as it came


@dataclass
class EmailSummary:
    sender: str
    recipients: str
    subject: str
    sent_at: datetime | None
    body: str
    attachments: list[Member] = field(default_factory=list)

    @property
    def sent_on(self) -> date | None:
        return self.sent_at.date() if self.sent_at else None

    @property
    def text(self) -> str:
        header = [f"De : {self.sender}", f"À : {self.recipients}",
                  f"Date : {self.sent_at.strftime('%d/%m/%Y %H:%M') if self.sent_at else ''}", f"Objet : {self.subject}"]
        return "\n".join(header) + "\n\n" + self.body

    def headers(self) -> dict[str, str]:
        """What the document's page shows of the message (JSON-ready)."""
        return {"sender": self.sender, "recipients": self.recipients, "subject": self.subject,
                "sent_at": self.sent_at.isoformat() if self.sent_at else ""}


def read_message(path: Path, media_type: str) -> EmailSummary:
    """An .eml or .msg file's summary. Raises Unreadable for a message that cannot be read
    at all (it is kept whole all the same)."""
    if media_type == MSG:
        return read_msg(path)
    if media_type != EML:
        raise ValueError(media_type)
    return read_email(path)


# ---------------------------------------------------------------------- .eml


def tidy_header_block(raw: bytes) -> bytes:
    """The header block as Python's parser expects it: "To :" written "To:", stray lines
    that are no header dropped (the parser would take them for the start of the body and
    lose every header after them). The body is left untouched."""
    match = re.search(rb"\r?\n\r?\n", raw)
    end = match.start() if match else len(raw)
    lines, kept = raw[:end].split(b"\n"), list[bytes]()
    for number, line in enumerate(lines):
        if line[:1] in (b" ", b"\t") and kept:
            kept.append(line)
        elif number == 0 and line.startswith(b"From "):
            kept.append(line)
        elif (header := HEADER_LINE.match(line)) is not None:
            colon = line.index(b":", len(header.group(1)))
            kept.append(header.group(1) + b":" + line[colon + 1:])
    return b"\n".join(kept) + raw[end:]


_DELIMITER = re.compile(r"^--(.{1,200}?)(--)?[ \t]*$", re.M)
_REPAIRED = "lanterne-frontiere-{}"


def _body_delimiter(payload: str) -> str | None:
    """The delimiter a multipart body really uses: the first "--token" line that comes back."""
    tokens = [found.group(1) for found in _DELIMITER.finditer(payload)]
    return next((token for token in tokens if tokens.count(token) >= 2), None)


def _broken_multipart(part, parent=None, index=0):
    """The first multipart whose parts were not found, with its parent and place there."""
    if part.get_content_maintype() == "multipart":
        if isinstance(part._payload, str):
            return part, parent, index
        for number, sub in enumerate(part.get_payload()):
            found = _broken_multipart(sub, part, number)
            if found is not None:
                return found
    return None


def _repair_boundaries(message):
    """A multipart whose declared boundary never appears (quoted twice, spaces unquoted,
    illegal characters): its body's delimiter lines are rewritten to a clean boundary,
    and that part parsed again."""
    for attempt in range(5):
        found = _broken_multipart(message)
        if found is None:
            return message
        broken, parent, index = found
        raw = broken._payload  # as parsed: 8-bit bytes kept as surrogate escapes
        token = _body_delimiter(raw)
        if token is None:
            return message
        boundary = _REPAIRED.format(attempt)
        payload = re.sub(rf"^--{re.escape(token)}(--)?[ \t]*$", lambda line: f"--{boundary}{line.group(1) or ''}",
                         raw, flags=re.M)
        headers = [f"{name}: {value}" for name, value in broken._headers if name.lower() != "content-type"]
        headers.append(f'Content-Type: multipart/{broken.get_content_subtype()}; boundary="{boundary}"')
        data = ("\n".join(headers) + "\n\n").encode("utf-8", "surrogateescape") \
            + payload.encode("utf-8", "surrogateescape")
        repaired = email.message_from_bytes(data, policy=_PARSING)
        if parent is None:
            message = repaired
        else:
            parent.get_payload()[index] = repaired
    return message


def _header(message, name: str) -> str:
    try:
        value = message.get(name, "") or ""
        return " ".join(str(value).split())[:500]
    except Exception:  # noqa: BLE001 - a malformed header is shown as nothing; the file keeps it
        try:
            raw = message.get_all(name) or [""]
            return " ".join(str(raw[0]).split())[:500]
        except Exception:  # noqa: BLE001
            return ""


def _date(message) -> datetime | None:
    value = _header(message, "Date")
    try:
        return email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _decoded_words(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:  # noqa: BLE001 - an encoded word that decodes to nothing: keep it as written
        return value


def _attachment_name(part) -> str:
    """RFC 2231 (filename*=UTF-8''...), encoded words (filename="=?UTF-8?B?...?="), or the
    Content-Type's name parameter."""
    for getter in (part.get_filename, lambda: part.get_param("name")):
        try:
            name = getter()
        except Exception:  # noqa: BLE001 - a malformed parameter: try the next way
            continue
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
        if name:
            return _decoded_words(str(name)).strip()[:255]
    return ""


def _disposition(part) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:  # noqa: BLE001
        return ""


def _payload(part) -> bytes:
    try:
        return part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - undecodable: what the part holds, as written
        payload = part.get_payload()
        return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _part_text(part) -> str:
    payload = _payload(part)
    try:
        charset = part.get_content_charset() or "utf-8"
        text = payload.decode(charset, errors="replace")
    except (LookupError, ValueError):
        text = payload.decode("cp1252", errors="replace")
    text = text.replace("\r\n", "\n")
    return text_of_html(text) if part.get_content_type() == "text/html" else text


def _is_attachment(part) -> bool:
    return (_disposition(part) == "attachment" or bool(_attachment_name(part))
            or part.get_content_maintype() not in ("text", "multipart", "message"))


def _walk_parts(part) -> Iterator:
    """Every part, without going inside attached messages (they are filed whole)."""
    yield part
    if part.get_content_type() != "message/rfc822" and part.is_multipart():
        for sub in part.get_payload():
            yield from _walk_parts(sub)


def _attached_message(part) -> bytes:
    """The bytes of a message/rfc822 part, including GroupWise's, which encodes it in
    base64 (the parser then reads the base64 text as a message without headers)."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    encoding = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    if inner is None:
        return _payload(part)
    data = inner.as_bytes(policy=_KEEPING)
    if encoding == "base64":
        try:
            return binascii.a2b_base64(re.sub(rb"[^A-Za-z0-9+/=]", b"", data))
        except binascii.Error:
            return data
    if encoding == "quoted-printable":
        return quopri.decodestring(data)
    return data


_UUENCODED = re.compile(r"^begin [0-7]{3,4} ([^\r\n]+)\r?\n(.*?)^end[ \t]*$", re.M | re.S)


def _uudecode(block: str) -> bytes:
    out = bytearray()
    for line in block.splitlines():
        if not line or line in ("`", " "):
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:  # some encoders pad lines oddly: decode what the length byte says
            length = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(line[:length])
            except binascii.Error:
                break
    return bytes(out)


def _member(name: str, data: bytes) -> Member:
    return Member(name=name, path=name, open=functools.partial(io.BytesIO, data), declared_size=len(data))


def read_email(path: Path) -> EmailSummary:
    return read_email_bytes(path.read_bytes())


def read_email_bytes(raw: bytes) -> EmailSummary:
    try:
        return _read_email(parse_email(raw))
    except Exception as error:  # noqa: BLE001 - the parser's last word on a tangled message: kept whole
        raise damaged(EML) from error


def parse_email(raw: bytes) -> email.message.EmailMessage:
    """The message as Python's parser reads it once its header block is tidied and its
    broken boundaries repaired (may raise on a tangled message)."""
    message = email.message_from_bytes(tidy_header_block(raw), policy=_PARSING)
    return _repair_boundaries(message)


def header(message, name: str) -> str:
    """A header's value on one line (at most 500 characters), or "" when absent or unreadable."""
    return _header(message, name)


def _read_email(message) -> EmailSummary:
    attachments: list[Member] = []
    body_part = None
    if not message.is_multipart():
        if message.get_content_type() == "message/rfc822" or _is_attachment(message):
            body_part = None  # a message that is only its attachment
        else:
            body_part = message
    else:
        try:
            body_part = message.get_body(preferencelist=("plain", "html"))
        except Exception:  # noqa: BLE001 - a tangled structure: the parts below still come
            body_part = None
    body = _part_text(body_part) if body_part is not None and not body_part.is_multipart() else ""
    for number, part in enumerate(_walk_parts(message)):
        if part is body_part:
            continue
        kind = part.get_content_type()
        if part is message and message.is_multipart():
            continue
        if kind != "message/rfc822" and part.is_multipart():
            continue
        filename = _attachment_name(part)
        if kind == "message/rfc822":
            data = _attached_message(part)
            if not filename:
                subject = _header(email.message_from_bytes(data, policy=_PARSING), "Subject")
                filename = f"{subject or 'message-joint'}.eml"
        elif part is message or _is_attachment(part):
            data = _payload(part)
            filename = filename or f"piece-jointe-{number}"
        else:
            continue  # another rendering of the body (the HTML beside the plain text)
        attachments.append(_member(filename, data))
    # Old mailers put attachments in the text itself, uuencoded.
    for found in list(_UUENCODED.finditer(body)):
        attachments.append(_member(found.group(1).strip()[:255], _uudecode(found.group(2))))
    body = _UUENCODED.sub("", body)
    return EmailSummary(sender=_header(message, "From"), recipients=_header(message, "To"),
                        subject=_header(message, "Subject"), sent_at=_date(message), body=body.strip(),
                        attachments=attachments)


# ---------------------------------------------------------------------- .msg


def read_msg(path: Path) -> EmailSummary:
    """An Outlook message (python-oxmsg over olefile): sender, recipients, the time it was
    sent, subject, body (plain, or the HTML's text) and attachments. An attachment Outlook
    stores as an object (an attached Outlook message, an OLE object) comes back with its
    `problem`."""
    from oxmsg import Message

    def clean(value) -> str:  # some writers keep the strings' terminating NUL
        return " ".join(str(value or "").replace("\x00", " ").split())

    try:
        message = Message.load(str(path))
        recipients = []
        for recipient in message.recipients:
            name, address = clean(recipient.name), clean(recipient.email_address)
            recipients.append(f"{name} <{address}>" if name and address and name != address else name or address)
        body = (message.body or "").replace("\x00", "")
        if not body.strip() and message.html_body:
            html_body = message.html_body
            body = text_of_html(html_body if isinstance(html_body, str) else html_body.decode("utf-8", "replace"))
        sender, subject, sent_at = clean(message.sender), clean(message.subject), message.sent_date
        found = list(message.attachments)
    except Exception as error:  # noqa: BLE001 - olefile and oxmsg raise many kinds on a damaged file
        raise damaged(MSG) from error
    attachments = []
    for number, attachment in enumerate(found, start=1):
        try:
            name, data = (clean(attachment.file_name) or f"piece-jointe-{number}"), attachment.file_bytes
        except Exception:  # noqa: BLE001
            name, data = f"piece-jointe-{number}", None
        if data is None:
            attachments.append(Member(name=name, path=name, open=None, problem=(
                "pièce jointe rangée par Outlook comme un objet (message joint, objet incorporé), que Lanterne ne lit "
                "pas (ouvrez le message avec Outlook pour la voir)")))
        else:
            attachments.append(_member(name, data))
    return EmailSummary(sender=sender[:500], recipients=", ".join(recipients)[:500], subject=subject[:500],
                        sent_at=sent_at, body=body.strip(),
                        attachments=attachments)

