"""Receiving a message: one code path for the three ways in (IMAP, a mail server's pipe,
an import). The exact bytes are stored first and committed (the same message twice, by
bytes, or Message-ID and sender, is stored once); only then is it placed: matched to a request by the
rules below, in this order, filed there through the documents' e-mail filing, read for the
event it may announce (proposed, never recorded), and the request's people told.

Matching, in order (the page says which rule placed it):
1. the request's reply address (its tag) among the addresses it was delivered to;
2. In-Reply-To / References naming a letter Lanterne e-mailed;
3. a Lanterne reference (LNT-AAAA-NNNN) in the subject;
4. the sender's address (or, failing that, domain) is an authority's, and exactly one open
   request to it fits; otherwise the message is only offered to that authority's requests.
A bounce (RFC 3464) is placed by the message it returns and marks that sending failed.
A tag, a thread or a reference can only add a message (and a proposal) to a request:
nothing here changes a status or records an event.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from workflow.core import clock
from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.documents import filing
from workflow.inbound.reading import InboundFacts, propose_event, read_inbound
from workflow.law.states import CLOSED, DRAFT, JUDGED, WITHDRAWN
from workflow.mail import addresses, notify
from workflow.models import AccessRequest, Authority, InboundMessage, OutgoingMail, User
from workflow.models.base import utcnow
from workflow.requests import lifecycle

log = logging.getLogger(__name__)

# Requests an administration's mail may still be about.
NOT_OPEN = (DRAFT, CLOSED, WITHDRAWN, JUDGED)
# Domains anyone can write from: a sender there says nothing about the administration.
_SHARED_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "hotmail.fr", "hotmail.com", "outlook.fr", "outlook.com",
    "live.fr", "live.com", "msn.com", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "laposte.net",
    "bbox.fr", "icloud.com", "me.com", "gmx.fr", "gmx.com", "protonmail.com", "proton.me", "aol.com", "numericable.fr",
})


class NotStored(ValueError):
    """A message Lanterne refuses to store (French): empty, or over the size limit."""


@dataclass
class Receipt:
    message: InboundMessage
    duplicate: bool


@dataclass
class Match:
    request: AccessRequest | None = None
    rule: str | None = None
    suggested_authority_id: int | None = None
    bounced: OutgoingMail | None = None


# -- storing


def store(raw: bytes, source: str, max_bytes: int) -> Receipt:
    """Keep the exact bytes and a row for them, committed; the same message again (same
    bytes, or same Message-ID and sender) returns the one already stored."""
    if not raw.strip():
        raise NotStored("Message vide : rien à conserver.")
    if len(raw) > max_bytes:
        raise NotStored(f"Message de {len(raw) // 1_048_576} Mo, au-delà de la limite de "
                        f"{max_bytes // 1_048_576} Mo (INBOUND_MAX_BYTES).")
    facts = read_inbound(raw)
    sha256 = file_store().put(raw)
    existing = _stored(sha256, facts.message_id, facts.sender_address)
    if existing is not None:
        return Receipt(existing, True)
    now = utcnow()
    message = InboundMessage(
        sha256=sha256, message_id=facts.message_id, size=len(raw), source=source, stored_at=now,
        arrived_at=facts.arrived_at or facts.sent_at or now, sent_at=facts.sent_at, sender=facts.sender[:500],
        sender_address=facts.sender_address[:254], recipients=facts.recipients, subject=facts.subject[:500],
        kind=facts.kind, bounce_diagnostic=facts.bounce_diagnostic)
    db.session.add(message)
    try:
        db.session.commit()
    except IntegrityError:  # stored by another fetch at this very moment
        db.session.rollback()
        existing = _stored(sha256, facts.message_id, facts.sender_address)
        if existing is None:
            raise
        return Receipt(existing, True)
    return Receipt(message, False)


def _stored(sha256: str, message_id: str | None, sender_address: str) -> InboundMessage | None:
    same = InboundMessage.sha256 == sha256
    if message_id:
        same = or_(same, (InboundMessage.message_id == message_id) & (InboundMessage.sender_address == sender_address))
    return db.session.scalars(select(InboundMessage).where(same).order_by(InboundMessage.id)).first()


def receive(raw: bytes, source: str, max_bytes: int) -> Receipt:
    """Store, then place. Once stored, a failure to place it is noted on the message (an
    administrator sees it in the inbox) and does not undo the storing."""
    receipt = store(raw, source, max_bytes)
    if not receipt.duplicate:
        message_id = receipt.message.id
        try:
            place(message_id)
        except Exception as error:  # noqa: BLE001 - the message is safe; say why it was not filed
            db.session.rollback()
            log.exception("inbound message %s stored but not placed", message_id)
            message = db.session.get(InboundMessage, message_id)
            if message is not None:
                message.filing_note = f"Classement automatique impossible : {error}"[:2000]
                db.session.commit()
                receipt.message = message
    return receipt


# -- placing


def raw_bytes(message: InboundMessage) -> bytes:
    return file_store().read(message.sha256)


def place(message_id: int) -> InboundMessage:
    """Match a stored message and file it on its request; safe to run twice (a message
    already placed is left as it is)."""
    message = db.session.get(InboundMessage, message_id)
    if message is None:
        raise LookupError(f"inbound message {message_id}")
    if message.request_id is not None or message.matched_by is not None:
        return message
    facts = read_inbound(raw_bytes(message))
    found = match(facts)
    if found.bounced is not None:
        message.bounced_mail_id = found.bounced.id
        found.bounced.status = "bounced"
        found.bounced.last_error = facts.bounce_diagnostic or "Avis de non-distribution reçu."
    message.suggested_authority_id = found.suggested_authority_id
    if found.request is None:
        message.matched_by = found.rule  # a bounce of a mail of no request: placed, on nothing
        if found.suggested_authority_id is not None:
            _offer(message, found.suggested_authority_id)
        db.session.commit()
        return message
    attach(message, found.request, found.rule or "", facts)
    return message


def attach(message: InboundMessage, access_request: AccessRequest, rule: str, facts: InboundFacts | None = None,
           by: User | None = None) -> None:
    """Put a message on a request: file it, read the event it may announce, tell the
    request's people. Commits."""
    facts = facts or read_inbound(raw_bytes(message))
    message.request_id, message.matched_by, message.matched_at = access_request.id, rule, utcnow()
    message.suggested_authority_id = None
    if by is not None:
        message.assigned_by_id = by.id
    if message.kind != "bounce":
        _file(message, access_request, facts)
    proposal = propose_event(facts)
    arrived_on = clock.paris_day(message.arrived_at)
    if proposal is not None and proposal.type in lifecycle.possible_events(access_request):
        message.proposed_event = {"type": proposal.type, "occurred_on": arrived_on.isoformat(), "why": proposal.why}
        message.proposal_status = "proposed"
    _tell(message, access_request)
    db.session.commit()


def _file(message: InboundMessage, access_request: AccessRequest, facts: InboundFacts) -> None:
    """File the e-mail as a document of the request (headers kept, attachments filed and
    read). A filing refused (a bomb, a part over the limits) leaves the message itself
    kept and says why."""
    name = (re.sub(r"[^\w.,' -]+", " ", facts.subject).strip()[:80] or "courriel") + ".eml"
    meta = filing.FilingMeta(received_on=clock.paris_day(message.arrived_at), came_by="email",
                             sender=message.sender[:200],
                             notes=f"Reçu par la messagerie de Lanterne ({message.matched_by_label}).")
    request_id, message_id = access_request.id, message.id
    db.session.flush()
    try:
        report = filing.file_documents(access_request, [filing.Upload(name, io.BytesIO(raw_bytes(message)))], meta, None)
    except filing.FilingError as error:
        message = db.session.get(InboundMessage, message_id) or message
        message.filing_note = str(error)[:2000]
        return
    message = db.session.get(InboundMessage, message_id) or message
    message.document_id = report.filed[0].document.id if report.filed else None
    notes = "; ".join(report.notices)
    message.filing_note = notes[:2000]
    log.info("inbound message %s filed on request %s", message_id, request_id)


def _tell(message: InboundMessage, access_request: AccessRequest) -> None:
    people = {access_request.owner}
    if access_request.assignee is not None:
        people.add(access_request.assignee)
    if message.kind == "bounce":
        title = f"Courriel non distribué ({access_request.reference})"
        body = message.bounce_diagnostic or "Le serveur de messagerie a renvoyé le courriel."
    else:
        title = f"Courriel reçu pour {access_request.reference} : {message.subject or '(sans objet)'}"[:300]
        body = f"De {message.sender}" + (" — réponse automatique" if message.kind == "auto_reply" else "")
    for person in people:
        notify.notify(person, f"inbound:{message.id}", "inbound_mail", title, body,
                      f"/demandes/{access_request.id}#courriels", request_id=access_request.id)


def _offer(message: InboundMessage, authority_id: int) -> None:
    """Tell the owners of the open requests to the sender's authority that a message may be
    theirs: its sender, subject and date only (it may be another team's)."""
    # Distinct ids, not rows: PostgreSQL cannot compare the users' JSON columns.
    owner_ids = select(AccessRequest.owner_id).where(
        AccessRequest.authority_id == authority_id, AccessRequest.status.not_in(NOT_OPEN)).distinct()
    owners = db.session.scalars(select(User).where(User.id.in_(owner_ids)).order_by(User.id))
    for owner in owners:
        notify.notify(owner, f"inbound-offer:{message.id}", "inbound_offer",
                      f"Un courriel est peut-être pour vous : {message.subject or '(sans objet)'}"[:300],
                      f"De {message.sender}, reçu le {clock.paris_day(message.arrived_at).strftime('%d/%m/%Y')}.",
                      "/courriels/#pour-vous")


def match(facts: InboundFacts) -> Match:
    if facts.kind == "bounce":
        outgoing = _sent_mail(facts.bounced_ids or facts.thread_ids)
        if outgoing is None:
            return Match()
        request = db.session.get(AccessRequest, outgoing.request_id) if outgoing.request_id else None
        return Match(request=request, rule="thread", bounced=outgoing)
    mailbox = addresses.inbound_address()
    if mailbox:
        for address in facts.delivered_to:
            tag = addresses.tag_of(address, mailbox)
            tagged = db.session.scalar(select(AccessRequest).where(AccessRequest.reply_tag == tag)) if tag else None
            if tagged is not None:
                return Match(request=tagged, rule="tag")
    outgoing = _sent_mail(facts.thread_ids, letters_only=True)
    if outgoing is not None and outgoing.request_id is not None:
        return Match(request=db.session.get(AccessRequest, outgoing.request_id), rule="thread")
    for reference in facts.references:
        request = db.session.scalar(select(AccessRequest).where(func.upper(AccessRequest.reference) == reference.upper()))
        if request is not None:
            return Match(request=request, rule="reference")
    return _by_sender(facts.sender_address)


def _sent_mail(ids: list[str], letters_only: bool = False) -> OutgoingMail | None:
    if not ids:
        return None
    written = [f"<{value}>" for value in ids] + ids
    query = select(OutgoingMail).where(OutgoingMail.message_id.in_(written))
    if letters_only:
        query = query.where(OutgoingMail.purpose == "request_letter")
    return db.session.scalars(query.order_by(OutgoingMail.id.desc())).first()


def sender_authorities(sender_address: str) -> list[Authority]:
    """The authorities whose address is the sender's; failing that, those of its domain
    (not a webmail's)."""
    if "@" not in sender_address:
        return []
    address = sender_address.lower()
    exact = list(db.session.scalars(select(Authority).where(
        or_(func.lower(Authority.email) == address, func.lower(Authority.prada_email) == address))))
    if exact:
        return exact
    domain = address.rpartition("@")[2]
    if domain in _SHARED_DOMAINS:
        return []
    return list(db.session.scalars(select(Authority).where(
        or_(func.lower(Authority.email).like(f"%@{domain}"), func.lower(Authority.prada_email).like(f"%@{domain}")))))


def _by_sender(sender_address: str) -> Match:
    authorities = sender_authorities(sender_address)
    if not authorities:
        return Match()
    open_requests = list(db.session.scalars(select(AccessRequest).where(
        AccessRequest.authority_id.in_([authority.id for authority in authorities]),
        AccessRequest.status.not_in(NOT_OPEN))))
    if len(open_requests) == 1:
        return Match(request=open_requests[0], rule="sender")
    return Match(suggested_authority_id=authorities[0].id if len(authorities) == 1 else None)


# -- what people do with a message


class InboundError(ValueError):
    """A refused action on a message (French)."""


def confirm(message: InboundMessage, user: User, today: date | None = None) -> None:
    """Record the event Lanterne proposed, as the user confirms it (commits)."""
    proposal = message.proposed_event
    if message.request is None or proposal is None or message.proposal_status != "proposed":
        raise InboundError("Il n'y a plus d'événement proposé pour ce courriel.")
    occurred_on = date.fromisoformat(proposal["occurred_on"])
    note = (f"D'après le courriel reçu le {occurred_on.strftime('%d/%m/%Y')} de {message.sender} "
            f"(« {message.subject} »).")[:1000]
    message.proposal_status, message.decided_by_id = "confirmed", user.id
    try:
        event = lifecycle.record_event(message.request, proposal["type"], occurred_on, {}, author=user, note=note,
                                       today=today)
    except lifecycle.TransitionError:
        db.session.rollback()
        raise
    message.event_id = event.id
    db.session.commit()


def dismiss(message: InboundMessage, user: User) -> None:
    if message.proposal_status != "proposed":
        raise InboundError("Il n'y a plus d'événement proposé pour ce courriel.")
    message.proposal_status, message.decided_by_id = "dismissed", user.id
    db.session.commit()


def assign(message: InboundMessage, access_request: AccessRequest, user: User, rule: str = "assigned") -> None:
    """File an unplaced message on a request (an administrator's choice, or a claim)."""
    if message.request_id is not None:
        raise InboundError("Ce courriel est déjà classé sur une demande.")
    attach(message, access_request, rule, by=user)


def unplaced(limit: int = 200) -> list[InboundMessage]:
    """The inbox of administrators: every message no request holds, newest first."""
    return list(db.session.scalars(select(InboundMessage).where(InboundMessage.request_id.is_(None))
                                   .order_by(InboundMessage.arrived_at.desc(), InboundMessage.id.desc()).limit(limit)))


def offered_to(requests_query) -> list[tuple[InboundMessage, list[AccessRequest]]]:
    """Unplaced messages whose sender fits the authority of one of these requests (the
    user's open requests), with the requests each could go to."""
    open_requests = list(db.session.scalars(requests_query.where(AccessRequest.status.not_in(NOT_OPEN))))
    by_authority: dict[int, list[AccessRequest]] = {}
    for access_request in open_requests:
        by_authority.setdefault(access_request.authority_id, []).append(access_request)
    if not by_authority:
        return []
    messages = db.session.scalars(select(InboundMessage).where(
        InboundMessage.request_id.is_(None), InboundMessage.suggested_authority_id.in_(list(by_authority)))
        .order_by(InboundMessage.arrived_at.desc()))
    return [(message, by_authority[message.suggested_authority_id or 0]) for message in messages]


def of_request(access_request: AccessRequest) -> list[InboundMessage]:
    return list(db.session.scalars(select(InboundMessage).where(InboundMessage.request_id == access_request.id)
                                   .order_by(InboundMessage.arrived_at, InboundMessage.id)))


def sent_of_request(access_request: AccessRequest) -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.request_id == access_request.id, OutgoingMail.purpose == "request_letter")
        .order_by(OutgoingMail.created_at, OutgoingMail.id)))


def arrived_day(message: InboundMessage) -> date:
    return clock.paris_day(message.arrived_at)
