"""The request page shows its reply address and e-mails; the proposed event is confirmed
in one click; the unmatched inbox is for site administrators; a team claims what is
offered to it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.helpers import PASSWORD, make_request, page_text
from tests.inbound import mails
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.inbound import receiving
from workflow.mail import addresses, notify
from workflow.models import Event, InboundMessage
from workflow.requests import lifecycle

MAX = 60 * 1024 * 1024




def test_the_request_page_shows_the_reply_address_and_confirms_the_proposal(client, inbound, sent_request):
    reply = addresses.reply_address(sent_request)
    page = page_text(client.get(f"/demandes/{sent_request.id}"))
    assert f"Adresse de réponse de cette demande : {reply}" in page
    assert "Aucun courriel reçu pour cette demande." in page

    raw = mails.answer(to=reply, subject="Accusé de réception de votre demande",
                       body="Nous accusons réception de votre demande.")
    message = receiving.receive(raw, "pipe", MAX).message
    page = page_text(client.get(f"/demandes/{sent_request.id}"))
    assert ("reçu 1er décembre 2026 à 10 h 30 — de PRADA Ville de Metz <prada@metz.example> — "
            "« Accusé de réception de votre demande »") in page
    assert "Classé par : adresse de réponse propre à la demande." in page
    assert ("Lanterne propose d'enregistrer : Accusé de réception de l'administration , le 1er décembre 2026. "
            "Le courriel se présente comme un accusé de réception.") in page

    response = client.post(f"/courriels/demandes/{sent_request.id}/{message.id}/confirmer", follow_redirects=True)
    page = page_text(response)
    assert "L'événement proposé est enregistré ; les délais sont recalculés." in page
    assert "Événement enregistré d'après ce courriel : Accusé de réception de l'administration." in page
    event = db.session.scalar(select(Event).where(Event.type == "acknowledged"))
    assert event.occurred_on == date(2026, 12, 1)
    raw_download = client.get(f"/courriels/{message.id}.eml")
    assert raw_download.status_code == 200 and raw_download.data == raw
    assert raw_download.headers["Content-Disposition"].startswith("attachment")


def test_html_in_a_message_is_shown_as_text(client, alice, make_user, sent_request):
    raw = mails.answer(to="x@ailleurs.example", sender="Inconnu <x@inconnu.example>",
                       subject="<script>alert(1)</script>", body="<b>gras</b><script>alert(2)</script>")
    receiving.receive(raw, "pipe", MAX)
    admin = make_user("root@example.org")
    accounts.set_site_admin(admin, True)
    browser = client.application.test_client()
    browser.post("/connexion", data={"email": "root@example.org", "password": PASSWORD})
    body = browser.get("/courriels/").get_data(as_text=True)
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_only_administrators_see_and_assign_unmatched_mail(client, alice, make_user, sent_request):
    raw = mails.answer(to="inconnu@ailleurs.example", sender="Inconnu <x@inconnu.example>", subject="Question")
    message = receiving.receive(raw, "pipe", MAX).message
    page = page_text(client.get("/courriels/"))
    assert "Question" not in page and "Tous les courriels non classés" not in page
    refused = client.post(f"/courriels/{message.id}/classer", data={"reference": "LNT-2026-0042"})
    assert refused.status_code == 403
    assert client.get(f"/courriels/{message.id}.eml").status_code == 403

    admin = make_user("root@example.org")
    accounts.set_site_admin(admin, True)
    browser = client.application.test_client()
    browser.post("/connexion", data={"email": "root@example.org", "password": PASSWORD})
    page = page_text(browser.get("/courriels/"))
    assert "Tous les courriels non classés (1)" in page and "« Question »" in page
    unknown = browser.post(f"/courriels/{message.id}/classer", data={"reference": "LNT-2099-0001"}, follow_redirects=True)
    assert "Aucune demande n'a la référence « LNT-2099-0001 »." in page_text(unknown)
    done = browser.post(f"/courriels/{message.id}/classer", data={"reference": "lnt-2026-0042"}, follow_redirects=True)
    assert "Le courriel est classé sur la demande LNT-2026-0042." in page_text(done)
    db.session.refresh(message)
    assert (message.request_id, message.matched_by, message.assigned_by_id) == (sent_request.id, "assigned", admin.id)
    assert message.document_id is not None
    assert "Classé par : classé par un administrateur." in page_text(client.get(f"/demandes/{sent_request.id}"))


def test_a_team_claims_a_message_offered_to_it(client, alice, metz, sent_request, make_user, client_for):
    second = make_request(alice, metz, "LNT-2026-0044")
    lifecycle.record_event(second, "sent", date(2026, 11, 25))
    raw = mails.answer(to="alice@example.org", subject="Votre demande de contrats", sender="PRADA <prada@metz.example>")
    message = receiving.receive(raw, "pipe", MAX).message
    assert message.request_id is None
    page = page_text(client.get("/courriels/"))
    assert "Peut-être pour vous" in page and "« Votre demande de contrats »" in page
    # Someone else, with no request to that administration, is offered nothing.
    make_user("bob@example.org")
    assert "Votre demande de contrats" not in page_text(client_for("bob@example.org").get("/courriels/"))
    response = client.post(f"/courriels/{message.id}/rattacher", data={"request_id": second.id}, follow_redirects=True)
    assert "Le courriel est rattaché à la demande LNT-2026-0044." in page_text(response)
    db.session.refresh(message)
    assert (message.request_id, message.matched_by) == (second.id, "claimed")
    assert db.session.scalar(select(InboundMessage).where(InboundMessage.request_id.is_(None))) is None


def test_letters_e_mailed_reply_to_the_request_s_own_address(client, app, inbound, alice, metz, mailbox, monkeypatch):
    from tests.helpers import run_worker

    metz.prada_email = "prada@metz.example"
    access_request = make_request(alice, metz, "LNT-2026-0601")
    client.post(f"/demandes/{access_request.id}/courriers/request/courriel", data={"recipient": "prada@metz.example"})
    run_worker()
    [sent] = mailbox.messages
    reply = addresses.reply_address(access_request)
    assert (sent["Reply-To"], sent["From"]) == (reply, "lanterne@lanterne.test")
    # Where the SMTP server lets Lanterne send as the reply address, the letter comes from it.
    monkeypatch.setitem(app.config, "MAIL_FROM_REPLY_ADDRESS", True)
    message = notify.build_message("prada@metz.example", "Objet", "Texte", reply_to=reply)
    assert (message["From"], message["Reply-To"]) == (reply, reply)


def test_a_bounce_shows_on_the_request_page(client, sent_request):
    from workflow.models import OutgoingMail

    db.session.add(OutgoingMail(dedupe_key="letter:9", purpose="request_letter", request_id=sent_request.id,
                                to_address="prada@metz.example", subject="Demande", message_id="<sent.9@lanterne.test>",
                                eml_sha256="0" * 64, status="sent"))
    db.session.commit()
    receiving.receive(mails.bounce("<sent.9@lanterne.test>"), "pipe", MAX)
    page = page_text(client.get(f"/demandes/{sent_request.id}"))
    assert ("Courriel non distribué : le courriel envoyé à prada@metz.example est revenu "
            "(smtp; 550 5.1.1 <prada@metz.example>: Recipient address rejected). L'administration ne l'a pas reçu") in page
    assert "avis de non-distribution" in page
