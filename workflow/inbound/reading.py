"""What Lanterne reads in a received message before it files it: the headers that place it
(Message-ID, In-Reply-To / References, every address it was delivered to, a Lanterne
reference in the subject), whether a robot wrote it (an auto-reply, RFC 3834, or a bounce,
RFC 3464), when it reached the mailbox, and the event it may announce.

Pure: no Flask, no database. Nothing here decides anything: the event read is only
proposed to the user, who confirms it or not.
"""
from __future__ import annotations

import email.utils
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone

from workflow.documents import mail
from workflow.documents.formats import text_of_html
from workflow.law.events import EV_ACKNOWLEDGED, EV_ANSWERED, EV_REFUSED

# A Lanterne reference, as requests are numbered (workflow/requests/lifecycle.py).
REFERENCE = re.compile(r"\bLNT-(\d{4})-(\d{4,6})\b", re.I)
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,498})>")
_ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
# Subjects of out-of-office replies from servers that do not say Auto-Submitted.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(r[ée]ponse automatique|message d'absence|absence|absent|out of (the )?office|automatic reply|"
    r"auto[- ]?reply|autoreply|abwesenheit)\b", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery status notification|delivery failure|returned mail|failure notice|mail delivery failed|"
    r"non remis|non distribu|[ée]chec de (la )?remise|message non délivré)", re.I)


@dataclass(frozen=True)
class InboundFacts:
    message_id: str | None
    thread_ids: list[str]            # In-Reply-To, then References (newest first)
    delivered_to: list[str]          # every address it was sent or delivered to, lower-case
    sender: str                      # From, as written
    sender_address: str              # From's address, lower-case
    recipients: str                  # To, as written
    subject: str
    sent_at: datetime | None         # its Date header
    arrived_at: datetime | None      # its newest Received header: when it reached the mailbox
    kind: str                        # message | auto_reply | bounce
    references: list[str] = field(default_factory=list)   # LNT-AAAA-NNNN in the subject
    bounced_ids: list[str] = field(default_factory=list)  # a bounce: the Message-IDs it returns
    bounce_diagnostic: str = ""
    body: str = ""
    attachment_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProposedEvent:
    type: str
    why: str  # French: what in the message suggested it


def message_ids(value: str) -> list[str]:
    """The ids written <...> in a header, in order (without the brackets)."""
    return _MESSAGE_ID.findall(value or "")


def normalise_message_id(value: str) -> str | None:
    found = message_ids(value)
    if found:
        return found[0]
    value = (value or "").strip()
    return value[:498] or None


def _addresses(message, name: str) -> list[str]:
    try:
        values = [str(value) for value in message.get_all(name) or []]
    except Exception:  # noqa: BLE001 - a malformed address header: read it as written
        values = [mail.header(message, name)]
    return [address.lower() for _name, address in email.utils.getaddresses(values) if "@" in address]


def _newest_received(message) -> datetime | None:
    """The date after the last ";" of the first (newest) Received header that has one."""
    try:
        received = [str(value) for value in message.get_all("Received") or []]
    except Exception:  # noqa: BLE001
        return None
    for value in received:
        if ";" not in value:
            continue
        try:
            when = email.utils.parsedate_to_datetime(" ".join(value.rsplit(";", 1)[1].split()))
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if when is not None and when.tzinfo is not None:
            return when
    return None


def _date(message) -> datetime | None:
    value = mail.header(message, "Date")
    try:
        when = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)  # RFC 5322's "-0000": no zone given
    return when


def _is_auto_reply(message, subject: str) -> bool:
    auto_submitted = mail.header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if mail.header(message, "X-Autoreply") or mail.header(message, "X-Autorespond"):
        return True
    if mail.header(message, "Precedence").lower() in ("auto_reply", "auto-reply"):
        return True
    return bool(_AUTO_REPLY_SUBJECT.search(subject))


def _bounce(message, subject: str, sender_address: str) -> tuple[bool, list[str], str]:
    """Whether it is a delivery failure report, the Message-IDs of the messages it returns,
    and the reason the mail server gave."""
    report = message.get_content_type() == "multipart/report" and \
        str(message.get_param("report-type", "")).lower() == "delivery-status"
    robot_sender = sender_address.split("@")[0] in ("mailer-daemon", "postmaster")
    if not (report or (robot_sender and _BOUNCE_SUBJECT.search(subject)) or mail.header(message, "X-Failed-Recipients")):
        return False, [], ""
    returned: list[str] = []
    diagnostic = ""
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                returned += message_ids(mail.header(payload[0], "Message-ID"))
            else:
                text = payload if isinstance(payload, str) else ""
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.I | re.M)
                if found:
                    returned += message_ids(found.group(1))
        elif kind == "message/delivery-status":
            text = part.as_string() if not part.is_multipart() else "\n".join(
                sub.as_string() for sub in part.get_payload())
            found = re.search(r"^Diagnostic-Code:\s*(.+(?:\n[ \t].+)*)", text, re.I | re.M)
            status = re.search(r"^Status:\s*(\S+)", text, re.I | re.M)
            if found:
                diagnostic = " ".join(found.group(1).split())
            elif status:
                diagnostic = f"Status {status.group(1)}"
    if not returned:  # some servers only quote the original in the text
        body = _body_text(message)
        returned = message_ids(" ".join(re.findall(r"Message-ID:\s*(<[^>]+>)", body, re.I)))
    return True, returned, diagnostic[:1000]


def _body_text(message) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001
        part = None
    if part is None or part.is_multipart():
        return ""
    try:
        text = part.get_content()
    except Exception:  # noqa: BLE001 - an unknown charset: what the bytes say in Latin-1
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("latin-1")
    return text_of_html(text) if part.get_content_type() == "text/html" else text


def read_inbound(raw: bytes) -> InboundFacts:
    """The facts Lanterne places a message by. A message Python cannot parse at all still
    gives facts (empty ones): it is kept and left for an administrator to place."""
    try:
        message = mail.parse_email(raw)
    except Exception:  # noqa: BLE001 - kept whole all the same
        return InboundFacts(message_id=None, thread_ids=[], delivered_to=[], sender="", sender_address="",
                            recipients="", subject="", sent_at=None, arrived_at=None, kind="message")
    subject = mail.header(message, "Subject")
    sender = mail.header(message, "From")
    senders = _addresses(message, "From")
    sender_address = senders[0] if senders else ""
    thread_ids = message_ids(mail.header(message, "In-Reply-To")) + list(
        reversed(message_ids(mail.header(message, "References"))))
    delivered: list[str] = []
    for name in _ADDRESS_HEADERS:
        delivered += [address for address in _addresses(message, name) if address not in delivered]
    is_bounce, bounced, diagnostic = _bounce(message, subject, sender_address)
    kind = "bounce" if is_bounce else "auto_reply" if _is_auto_reply(message, subject) else "message"
    try:
        summary = mail.read_email_bytes(raw)
        body, attachments = summary.body, [member.name for member in summary.attachments]
    except Exception:  # noqa: BLE001 - read what can be: the file itself is kept
        body, attachments = "", []
    return InboundFacts(
        message_id=normalise_message_id(mail.header(message, "Message-ID")), thread_ids=thread_ids,
        delivered_to=delivered, sender=sender, sender_address=sender_address,
        recipients=mail.header(message, "To"), subject=subject, sent_at=_date(message),
        arrived_at=_newest_received(message), kind=kind,
        references=[f"LNT-{year}-{number}" for year, number in REFERENCE.findall(subject)],
        bounced_ids=bounced, bounce_diagnostic=diagnostic, body=body, attachment_names=attachments)


# -- the event a message may announce (only proposed)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).split())


_ACKNOWLEDGEMENT = re.compile(r"\b(accuse|accuser) (de )?(bonne )?reception\b|\bavis de reception\b")
_REFUSAL = re.compile(
    r"\b(refus|refuse|refusons|rejet|rejetee|rejette)\b|ne (peut|pouvons|pourrons|saurait|saurions) (pas )?"
    r"(donner suite|vous (communiquer|transmettre|adresser))|(ne sont pas|n'est pas|non) communicables?|"
    r"ne peu(t|vent) (pas )?etre communique")
_ANSWER = re.compile(
    r"\b(ci-joint|ci-jointe?s?|en piece jointe|en pieces jointes|veuillez trouver|vous trouverez|je vous transmets|"
    r"nous vous transmettons|vous adresser les documents|communiquer les documents)\b")
# Files that come with most messages without being an answer (signatures, logos).
_DECORATION = re.compile(r"^(image\d*|logo|signature|outlook-|banner)[^/]*\.(png|jpe?g|gif|bmp)$", re.I)


def propose_event(facts: InboundFacts) -> ProposedEvent | None:
    """The event of the chain the message seems to announce, with why; None when nothing
    clear (or a robot wrote it). The user decides."""
    if facts.kind != "message":
        return None
    subject, head = _folded(facts.subject), _folded(facts.body[:3000])
    documents = [name for name in facts.attachment_names if not _DECORATION.match(name)]
    if _ACKNOWLEDGEMENT.search(subject) or (_ACKNOWLEDGEMENT.search(head) and not documents):
        return ProposedEvent(EV_ACKNOWLEDGED, "Le courriel se présente comme un accusé de réception.")
    if _REFUSAL.search(subject) or _REFUSAL.search(head):
        return ProposedEvent(EV_REFUSED, "Le courriel contient des mots d'un refus : lisez-le avant de confirmer "
                                         "(refus total, partiel, documents inexistants ?).")
    if documents:
        names = ", ".join(documents[:3]) + (" …" if len(documents) > 3 else "")
        return ProposedEvent(EV_ANSWERED, f"Le courriel apporte {len(documents)} pièce(s) jointe(s) : {names}.")
    if _ANSWER.search(head):
        return ProposedEvent(EV_ANSWERED, "Le courriel annonce une transmission de documents.")
    return None
