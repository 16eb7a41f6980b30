"""E-mail and in-application notifications.

Every e-mail is first written to the outbox (`OutgoingMail`): its exact bytes are stored,
then a job hands them to the SMTP server. A row is claimed before sending, so a duplicated
job sends nothing twice; a failure is retried with back-off, then shown to the user."""
from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from typing import Callable, Sequence, cast
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError

from workflow.core.extensions import db
from workflow.models import Notification, OutgoingMail, AccessRequest, User
from workflow.models.base import utcnow
from workflow.core.storage import file_store

# Seconds before each retry; after the last one the message is marked failed.
RETRY_DELAYS = (60, 300, 1800)


class MailNotConfigured(RuntimeError):
    pass


def notify(user: User, dedupe_key: str, kind: str, title: str, body: str = "", link: str = "",
           request_id: int | None = None) -> Notification | None:
    """Add an in-application notice unless this user already has the one with this key."""
    existing = db.session.scalar(select(Notification).where(
        Notification.user_id == user.id, Notification.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    notice = Notification(user_id=user.id, dedupe_key=dedupe_key, kind=kind, title=title, body=body, link=link,
                          request_id=request_id)
    db.session.add(notice)
    return notice


def unread_count_of(user_id):
    """The query counting a user's unread notifications (`user_id` a value or a column)."""
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))


def unread_count(user: User) -> int:
    return db.session.scalar(unread_count_of(user.id)) or 0


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def build_message(to_address: str, subject: str, body: str,
                  attachments: Sequence[tuple[str, str, bytes]] = (), reply_to: str | None = None) -> EmailMessage:
    """`reply_to`: a request's own reply address, so that answers file themselves; it is
    also the From when the server lets Lanterne send as it (MAIL_FROM_REPLY_ADDRESS)."""
    # Long lines allowed in headers: Python's folding of encoded words doubles spaces.
    message = EmailMessage(policy=SMTP.clone(max_line_length=998))
    from_reply = bool(reply_to and current_app.config.get("MAIL_FROM_REPLY_ADDRESS"))
    message["From"] = reply_to if from_reply else current_app.config["MAIL_FROM"]
    message["To"] = to_address
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "lanterne.local"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    for filename, media_type, content in attachments:
        maintype, _, subtype = media_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype.split(";")[0], filename=filename)
    return message


def queue_mail(dedupe_key: str, purpose: str, message: EmailMessage, user_id: int | None = None,
               request_id: int | None = None, payload: dict | None = None) -> OutgoingMail | None:
    """Put a message in the outbox (in the caller's transaction). None if one with this
    key already exists: the same reminder is never queued twice."""
    if db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.dedupe_key == dedupe_key)) is not None:
        return None
    raw = message.as_bytes()
    outgoing = OutgoingMail(
        dedupe_key=dedupe_key, purpose=purpose, user_id=user_id, request_id=request_id,
        to_address=str(message["To"]), subject=str(message["Subject"]), message_id=str(message["Message-ID"]),
        eml_sha256=file_store().put(raw), payload=payload or {}, next_attempt_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(outgoing)
    except IntegrityError:  # a concurrent writer queued it first
        return None
    return outgoing


def _smtp_send(raw: bytes, sender: str, recipient: str) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailNotConfigured("Aucun serveur SMTP n'est configuré (MAIL_SERVER).")
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    client: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        client = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=30)
    with client:
        if config.get("MAIL_USE_TLS"):
            client.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        client.sendmail(sender, [recipient], raw)


def deliver(outgoing_id: int, now: datetime | None = None,
            after_sent: Callable[[OutgoingMail], None] | None = None) -> str:
    """Send one outbox message if it is still to be sent; returns its status. `after_sent`
    records what the message was for (a letter's sending) before the "sent" mark commits.

    The row is claimed (queued -> sending) by one UPDATE, so two workers never both send
    it. If a worker dies between the SMTP hand-off and the commit, the row stays
    'sending' and is later marked 'uncertain' for the user to check, never re-sent."""
    now = now or utcnow()
    claimed = cast(CursorResult, db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == outgoing_id, OutgoingMail.status == "queued")
        .values(status="sending", attempts=OutgoingMail.attempts + 1, next_attempt_at=now)
    )).rowcount
    db.session.commit()
    outgoing = db.session.get(OutgoingMail, outgoing_id)
    if not claimed or outgoing is None:
        return outgoing.status if outgoing else "missing"
    try:
        _smtp_send(file_store().read(outgoing.eml_sha256), current_app.config["MAIL_FROM"], outgoing.to_address)
    except (OSError, smtplib.SMTPException, MailNotConfigured) as error:
        outgoing.last_error = str(error)[:2000] or error.__class__.__name__
        if outgoing.attempts > len(RETRY_DELAYS):
            outgoing.status = "failed"
            _tell_about_failure(outgoing)
        else:
            outgoing.status = "queued"
            outgoing.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[outgoing.attempts - 1])
        db.session.commit()
        raise
    outgoing.status, outgoing.sent_at, outgoing.last_error = "sent", now, ""
    if after_sent is not None:
        after_sent(outgoing)  # in the same transaction as the "sent" mark
    db.session.commit()
    return "sent"


def _tell_about_failure(outgoing: OutgoingMail) -> None:
    """A message that could not be sent is never dropped silently: its owner sees it."""
    user = db.session.get(User, outgoing.user_id) if outgoing.user_id else None
    if user is None and outgoing.request_id:
        access_request = db.session.get(AccessRequest, outgoing.request_id)
        user = access_request.owner if access_request else None
    if user is not None:
        notify(user, f"mail-failed:{outgoing.id}", "mail_failed", f"Échec de l'envoi du courriel « {outgoing.subject} »",
               f"Le serveur de messagerie a refusé ou n'a pas répondu après {outgoing.attempts} tentatives : "
               f"{outgoing.last_error}", request_id=outgoing.request_id)


def mark_stalled_as_uncertain(older_than: timedelta = timedelta(minutes=30), now: datetime | None = None) -> int:
    """Rows left 'sending' by a worker that died: say so rather than risk a double send.
    (A claimed row's next_attempt_at is the time its sending started.)"""
    now = now or utcnow()
    stalled = db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.status == "sending", OutgoingMail.next_attempt_at < now - older_than)).all()
    for outgoing in stalled:
        outgoing.status = "uncertain"
        outgoing.last_error = "Le worker s'est arrêté pendant l'envoi : vérifiez si le message est parti."
        _tell_about_failure(outgoing)
    db.session.commit()
    return len(stalled)
