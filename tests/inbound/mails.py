"""Received e-mails built for the tests, as administrations' mailers write them."""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone


def answer(to="demandes@asso.example", sender="PRADA Ville de Metz <prada@metz.example>", subject="Votre demande",
           body="Bonjour,\n\nVeuillez trouver ci-joint les documents demandés.\n", attachments=(), in_reply_to=None,
           received=datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc), message_id=None, headers=None) -> bytes:
    message = EmailMessage()
    message["Received"] = (f"from mx.metz.example by mail.asso.example; "
                           f"{format_datetime(received)}")
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(received)
    message["Message-ID"] = message_id or make_msgid(domain="metz.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, media_type, content in attachments:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)  # CRLF, as a mail server delivers it


def bounce(original_message_id: str, recipient="prada@metz.example") -> bytes:
    """A delivery status notification (RFC 3464) returning the headers of our message."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@lanterne.test>\r\n"
        "To: lanterne@lanterne.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
        "Message-ID: <bounce-1@lanterne.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\r\n\r\n'
        "--BOUNDARY\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--BOUNDARY\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mail.lanterne.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected\r\n\r\n"
        "--BOUNDARY\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: lanterne@lanterne.test\r\nTo: {recipient}\r\nMessage-ID: {original_message_id}\r\n"
        "Subject: Demande\r\n\r\n"
        "--BOUNDARY--\r\n").encode()
