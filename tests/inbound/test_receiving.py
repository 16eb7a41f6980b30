"""Received e-mail: stored first (exact bytes, once), then placed by the rules in order,
filed on its request, and the event it announces only proposed."""
from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.documents.samples import make_pdf
from tests.helpers import make_request
from tests.inbound import mails
from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.inbound import receiving
from workflow.mail import addresses
from workflow.models import Document, Event, InboundMessage, Notification, OutgoingMail
from workflow.requests import lifecycle

MAX = 60 * 1024 * 1024




def test_a_message_is_stored_as_received_and_only_once(app, inbound, sent_request):
    raw = mails.answer(to=addresses.reply_address(sent_request))
    first = receiving.receive(raw, "pipe", MAX)
    assert not first.duplicate
    assert file_store().read(first.message.sha256) == raw
    assert first.message.sha256 == hashlib.sha256(raw).hexdigest()
    again = receiving.receive(raw, "imap", MAX)
    # Same Message-ID, other bytes (a server added a header): the same message.
    rewrapped = b"X-Spam-Score: 0\r\n" + raw
    third = receiving.receive(rewrapped, "import", MAX)
    assert again.duplicate and third.duplicate
    assert again.message.id == third.message.id == first.message.id
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(Document).where(Document.parent_id.is_(None))) == 1


def test_a_forged_message_id_does_not_hide_the_real_message(app, inbound, sent_request):
    forged = mails.answer(to=addresses.reply_address(sent_request), sender="Farceur <x@ailleurs.example>",
                          subject="Faux", message_id="<real-1@metz.example>")
    real = mails.answer(to=addresses.reply_address(sent_request), subject="Vrai", message_id="<real-1@metz.example>")
    receiving.receive(forged, "pipe", MAX)
    assert not receiving.receive(real, "pipe", MAX).duplicate
    assert sorted(db.session.scalars(select(InboundMessage.subject))) == ["Faux", "Vrai"]


def test_empty_or_oversized_messages_are_refused_with_a_reason(app):
    with pytest.raises(receiving.NotStored, match="vide"):
        receiving.receive(b"  \r\n", "pipe", MAX)
    with pytest.raises(receiving.NotStored, match="limite"):
        receiving.receive(mails.answer(body="x" * 5000), "pipe", 1000)
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_the_reply_address_tag_places_it_first(app, inbound, sent_request, alice, metz):
    other = make_request(alice, metz, "LNT-2026-0043")
    status_before = sent_request.status
    # The subject names another request: the tag wins, and the page says it did.
    raw = mails.answer(to=f"Lanterne <{addresses.reply_address(sent_request).upper()}>",
                       subject="RE: Demande – Réf. LNT-2026-0043",
                       attachments=[("deliberation.pdf", "application/pdf", make_pdf(["Délibération vidéoprotection"]))])
    message = receiving.receive(raw, "pipe", MAX).message
    assert message.request_id == sent_request.id != other.id
    assert message.matched_by == "tag"
    assert message.matched_by_label == "adresse de réponse propre à la demande"
    envelope = db.session.get(Document, message.document_id)
    assert envelope.request_id == sent_request.id and envelope.came_by == "email"
    assert envelope.received_on == date(2026, 12, 1)
    assert [child.original_name for child in envelope.children] == ["deliberation.pdf"]
    assert message.proposed_event == {"type": "answered", "occurred_on": "2026-12-01",
                                      "why": "Le courriel apporte 1 pièce(s) jointe(s) : deliberation.pdf."}
    assert message.proposal_status == "proposed"
    # Proposed, not recorded: the status has not moved.
    assert sent_request.status == status_before == "awaiting_response"
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.type == "answered")) == 0
    notice = db.session.scalar(select(Notification).where(Notification.kind == "inbound_mail"))
    assert notice.user_id == alice.id and "LNT-2026-0042" in notice.title


def test_a_reply_to_a_letter_lanterne_sent_is_placed_by_its_thread(app, sent_request, alice):
    db.session.add(OutgoingMail(dedupe_key="letter:1", purpose="request_letter", request_id=sent_request.id,
                                to_address="prada@metz.example", subject="Demande", message_id="<abc.1@lanterne.test>",
                                eml_sha256="0" * 64, status="sent"))
    db.session.commit()
    raw = mails.answer(to="alice@example.org", subject="RE: Demande", in_reply_to="<abc.1@lanterne.test>",
                       sender="Service courrier <courrier@autre.example>")
    message = receiving.receive(raw, "pipe", MAX).message
    assert (message.request_id, message.matched_by) == (sent_request.id, "thread")


def test_a_lanterne_reference_in_the_subject_places_it(app, sent_request):
    raw = mails.answer(to="alice@example.org", subject="Accusé de réception – Réf. lnt-2026-0042",
                       sender="Mairie <accueil@ailleurs.example>", body="Nous accusons réception de votre demande.")
    message = receiving.receive(raw, "pipe", MAX).message
    assert (message.request_id, message.matched_by) == (sent_request.id, "reference")
    assert message.proposed_event["type"] == "acknowledged"


def test_the_sender_places_it_only_when_one_open_request_fits(app, sent_request, alice, metz):
    raw = mails.answer(to="alice@example.org", subject="Votre demande", sender="Agent <jean.dupont@metz.example>")
    message = receiving.receive(raw, "pipe", MAX).message
    assert (message.request_id, message.matched_by) == (sent_request.id, "sender")

    second = make_request(alice, metz, "LNT-2026-0044")
    lifecycle.record_event(second, "sent", date(2026, 11, 25))
    raw = mails.answer(to="alice@example.org", subject="Autre réponse", sender="PRADA <prada@metz.example>")
    message = receiving.receive(raw, "pipe", MAX).message
    assert message.request_id is None and message.matched_by is None
    assert message.suggested_authority_id == metz.id
    notice = db.session.scalar(select(Notification).where(Notification.kind == "inbound_offer"))
    assert (notice.user_id, notice.title, notice.link) == (
        alice.id, "Un courriel est peut-être pour vous : Autre réponse", "/courriels/#pour-vous")
    assert notice.body == "De PRADA <prada@metz.example>, reçu le 01/12/2026."
    offered = receiving.offered_to(select(type(sent_request)).where(type(sent_request).owner_id == alice.id))
    assert [(found.id, sorted(r.reference for r in requests)) for found, requests in offered] == [
        (message.id, ["LNT-2026-0042", "LNT-2026-0044"])]


def test_a_webmail_domain_says_nothing_about_the_administration(app, sent_request, metz):
    metz.email = "mairie.metz@orange.fr"
    db.session.commit()
    raw = mails.answer(to="alice@example.org", subject="Bonjour", sender="Quelqu'un <autre@orange.fr>")
    message = receiving.receive(raw, "pipe", MAX).message
    assert message.request_id is None and message.suggested_authority_id is None


def test_an_auto_reply_is_filed_but_never_proposed_as_an_answer(app, inbound, sent_request):
    raw = mails.answer(to=addresses.reply_address(sent_request), subject="Réponse automatique : absence",
                       body="Je suis absent jusqu'au 3 décembre. Veuillez trouver ci-joint mon planning.",
                       headers={"Auto-Submitted": "auto-replied"})
    message = receiving.receive(raw, "pipe", MAX).message
    assert message.kind == "auto_reply" and message.request_id == sent_request.id
    assert message.document_id is not None
    assert message.proposed_event is None and message.proposal_status is None


def test_a_bounce_marks_the_sending_failed_on_its_request(app, sent_request, alice):
    outgoing = OutgoingMail(dedupe_key="letter:9", purpose="request_letter", request_id=sent_request.id,
                            to_address="prada@metz.example", subject="Demande", message_id="<sent.9@lanterne.test>",
                            eml_sha256="0" * 64, status="sent")
    db.session.add(outgoing)
    db.session.commit()
    message = receiving.receive(mails.bounce("<sent.9@lanterne.test>"), "pipe", MAX).message
    assert message.kind == "bounce" and message.request_id == sent_request.id
    assert message.bounced_mail_id == outgoing.id and message.proposed_event is None
    db.session.refresh(outgoing)
    assert outgoing.status == "bounced"
    assert "550 5.1.1 <prada@metz.example>: Recipient address rejected" in outgoing.last_error
    notice = db.session.scalar(select(Notification).where(Notification.kind == "inbound_mail"))
    assert notice.title == "Courriel non distribué (LNT-2026-0042)"


def test_confirming_records_the_event_with_the_arrival_date(app, inbound, sent_request, alice):
    raw = mails.answer(to=addresses.reply_address(sent_request), subject="Accusé de réception",
                       body="Nous accusons réception de votre demande du 20 novembre.")
    message = receiving.receive(raw, "pipe", MAX).message
    receiving.confirm(message, alice)
    event = db.session.get(Event, message.event_id)
    assert (event.type, event.occurred_on, event.author_id) == ("acknowledged", date(2026, 12, 1), alice.id)
    assert "D'après le courriel reçu le 01/12/2026 de PRADA Ville de Metz <prada@metz.example>" in event.note
    assert message.proposal_status == "confirmed"
    with pytest.raises(receiving.InboundError):
        receiving.confirm(message, alice)


def test_an_unreadable_message_is_kept_for_an_administrator(app, inbound):
    raw = b"\x00\x01garbage without headers\xff\xfe" * 10
    message = receiving.receive(raw, "pipe", MAX).message
    assert file_store().read(message.sha256) == raw
    assert message.request_id is None
    assert [found.id for found in receiving.unplaced()] == [message.id]
