"""The request's lifecycle on a real database: events, derived status, stored deadlines,
corrections, and the request page's timeline."""
from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import page_text
from workflow.accounts import users as accounts
from workflow.requests import lifecycle as service
from workflow.directory.authorities import seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, Deadline, Event, AccessRequest, RequestItem
from workflow.law.states import TransitionError

TODAY = date(2026, 3, 1)


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)
    return TODAY


@pytest.fixture
def access_request(app, alice):
    seed_authorities()
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    created = AccessRequest(reference="LNT-2026-0001", owner_id=alice.id, authority_id=metz.id, channel="email",
                      subject="Marchés de vidéoprotection de la ville de Metz",
                      items=[RequestItem(position=1, description="Acte d'engagement du marché de vidéoprotection"),
                             RequestItem(position=2, description="CCTP du marché")])
    db.session.add(created)
    db.session.commit()
    return created


def stored_deadlines(access_request):
    rows = db.session.scalars(select(Deadline).where(Deadline.request_id == access_request.id)).all()
    return {row.kind: row for row in rows}


def test_an_email_request_is_received_on_its_sending_date(access_request):
    service.record_event(access_request, "sent", date(2026, 1, 11), {"channel": "email"}, today=date(2026, 2, 11))
    assert access_request.status == "awaiting_response"
    deadlines = stored_deadlines(access_request)
    assert deadlines["implicit_refusal"].due_on == date(2026, 2, 11)
    assert deadlines["cada_referral"].safe_date == date(2026, 4, 11)
    assert deadlines["cada_referral"].legal_date == date(2026, 4, 13)
    assert "Sans réponse au 11 février 2026, la demande est implicitement rejetée" in deadlines["implicit_refusal"].explanation


def test_the_status_follows_the_calendar(access_request):
    service.record_event(access_request, "sent", date(2026, 1, 11), {"channel": "email"}, today=date(2026, 1, 11))
    assert service.situation(access_request, date(2026, 2, 11)).status == "awaiting_response"
    assert service.situation(access_request, date(2026, 2, 12)).status == "implicitly_refused"
    assert service.situation(access_request, date(2026, 2, 12)).next_action == ("cada_referral", "Rédiger la saisine de la CADA")


def test_a_postal_request_gets_an_estimated_receipt_until_the_card_is_recorded(access_request):
    access_request.channel = "postal"
    service.record_event(access_request, "sent", date(2026, 1, 8), today=date(2026, 1, 20))
    current = service.situation(access_request, date(2026, 1, 20))
    assert current.received_is_estimate
    assert stored_deadlines(access_request)["implicit_refusal"].estimated

    service.record_event(access_request, "received", date(2026, 1, 12), today=date(2026, 1, 20))
    current = service.situation(access_request, date(2026, 1, 20))
    assert (current.received_on, current.received_is_estimate) == (date(2026, 1, 12), False)
    assert stored_deadlines(access_request)["implicit_refusal"].due_on == date(2026, 2, 12)
    assert not stored_deadlines(access_request)["implicit_refusal"].estimated


@pytest.mark.parametrize(("type_", "on", "message"), [
    ("cada_opinion", date(2026, 2, 1), "avant la saisine de la CADA"),
    ("received", date(2026, 1, 5), "La réception ne peut pas précéder l'envoi"),
    ("sent", date(2026, 1, 20), "déjà enregistré"),
])
def test_events_that_make_no_sense_are_refused_and_nothing_is_stored(access_request, type_, on, message):
    service.record_event(access_request, "sent", date(2026, 1, 11), {"channel": "email"}, today=TODAY)
    with pytest.raises(TransitionError, match=message):
        service.record_event(access_request, type_, on, today=TODAY)
    db.session.rollback()
    assert [event.type for event in db.session.scalars(select(Event))] == ["sent"]


def test_a_date_in_the_future_is_refused(access_request):
    with pytest.raises(TransitionError, match="Cette date est dans le futur"):
        service.record_event(access_request, "sent", date(2026, 3, 2), today=TODAY)


def test_a_correction_recomputes_and_the_history_keeps_both(access_request):
    access_request.channel = "postal"
    service.record_event(access_request, "sent", date(2026, 1, 5), today=TODAY)
    wrong = service.record_event(access_request, "received", date(2026, 1, 15), today=TODAY)
    assert stored_deadlines(access_request)["implicit_refusal"].due_on == date(2026, 2, 15)

    service.correct_event(access_request, wrong.id, date(2026, 1, 11), note="Erreur de saisie de l'avis de réception", today=TODAY)
    assert stored_deadlines(access_request)["implicit_refusal"].due_on == date(2026, 2, 11)
    received = db.session.scalars(select(Event).where(Event.type == "received").order_by(Event.id)).all()
    assert [(event.occurred_on, event.corrects_id) for event in received] == [
        (date(2026, 1, 15), None), (date(2026, 1, 11), wrong.id)]
    entries = [entry for entry in service.timeline(access_request, service.situation(access_request, TODAY)) if entry.kind == "event"]
    assert [(entry.title, entry.day, entry.corrected_from) for entry in entries] == [
        ("Envoi de la demande", date(2026, 1, 5), ()),
        ("Réception par l'administration", date(2026, 1, 11), (date(2026, 1, 15),)),
    ]


def test_a_correction_that_breaks_the_history_is_refused(access_request):
    sent = service.record_event(access_request, "sent", date(2026, 1, 5), today=TODAY)
    service.record_event(access_request, "received", date(2026, 1, 8), today=TODAY)
    with pytest.raises(TransitionError, match="avec cette date, l'historique ne serait plus cohérent"):
        service.correct_event(access_request, sent.id, date(2026, 1, 10), note="autre date", today=TODAY)
    db.session.rollback()
    assert service.situation(access_request, TODAY).received_on == date(2026, 1, 8)


def test_the_court_deadline_in_moselle_follows_the_alsace_moselle_calendar(access_request):
    service.record_event(access_request, "sent", date(2026, 9, 1), {"channel": "email"}, today=date(2026, 11, 26))
    service.record_event(access_request, "acknowledged", date(2026, 9, 2), {"r112_5": True}, today=date(2026, 11, 26))
    service.record_event(access_request, "cada_referred", date(2026, 10, 20), today=date(2026, 11, 26))
    service.record_event(access_request, "cada_registered", date(2026, 11, 25), {"case_number": "20266789"}, today=date(2026, 11, 26))
    deadlines = stored_deadlines(access_request)
    assert deadlines["confirmed_refusal"].due_on == date(2027, 1, 25)
    assert deadlines["court_appeal"].safe_date == date(2027, 3, 25)
    assert deadlines["court_appeal"].legal_date == date(2027, 3, 30)


# --- the request page -------------------------------------------------------------------

def test_record_from_the_page_and_read_the_timeline(client, access_request, frozen_today):
    response = client.post(f"/demandes/{access_request.id}/evenements",
                           data={"type": "sent", "occurred_on": "2026-01-11", "channel": "email"})
    assert response.status_code == 302
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "L'événement est enregistré ; les échéances sont recalculées." in text
    assert "Refus implicite" in text  # the status on 1 March 2026
    assert "Prochaine étape Rédiger la saisine de la CADA" in text
    assert "Envoi de la demande" in text and "11 janvier 2026" in text
    assert "Naissance du refus implicite" in text
    assert "Sans réponse au 11 février 2026, la demande est implicitement rejetée (CRPA, art. R311-12 et R311-13)" in text
    assert "Date sûre : 11 avril 2026" in text and "Dernier jour légal : 13 avril 2026" in text
    assert "Aujourd'hui, 1er mars 2026" in text
    assert "Prochaine échéance : Saisir la CADA , le 11 avril 2026 (dans 41 jours)" in text
    # On the timeline, the past comes before today, the dates to come after it.
    chronology = text[text.index("Chronologie"):]
    assert chronology.index("Naissance du refus implicite") < chronology.index("Aujourd'hui, 1er mars 2026") \
        < chronology.index("Saisir la CADA")


def test_a_refused_event_on_the_page_gets_a_french_message(client, access_request, frozen_today):
    response = client.post(f"/demandes/{access_request.id}/evenements", data={"type": "cada_registered", "occurred_on": "2026-02-01"})
    assert response.status_code == 422
    text = page_text(response)
    assert "CADA" in text and "saisine" in text
    assert db.session.scalar(select(Event)) is None


def test_missing_date_on_the_page(client, access_request, frozen_today):
    response = client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": ""})
    assert response.status_code == 422
    assert "Indiquez la date de l'événement." in page_text(response)


def test_correct_from_the_page(client, access_request, frozen_today):
    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-01-20", "channel": "email"})
    sent = db.session.scalar(select(Event))
    response = client.post(f"/demandes/{access_request.id}/evenements/{sent.id}/corriger",
                           data={"occurred_on": "2026-01-11", "note": "Le courriel est parti le 11"})
    assert response.status_code == 302
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Date corrigée ; date d'origine : 20 janvier 2026" in text
    assert "Sans réponse au 11 février 2026" in text
    response = client.post(f"/demandes/{access_request.id}/evenements/{sent.id}/corriger", data={"occurred_on": "2026-01-12", "note": "x"})
    assert response.status_code == 422
    assert "Cet événement n'existe pas ou a déjà été corrigé." in page_text(response)


def test_estimated_receipt_is_shown_as_an_estimate(client, access_request, frozen_today):
    access_request.channel = "postal"
    db.session.commit()
    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-02-20", "registered_number": "1A 234 567 8901 2"})
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Réception estimée par l'administration" in text
    assert "Date estimée : enregistrez la date de l'avis de réception" in text
    assert "Recommandé n° 1A 234 567 8901 2" in text


def test_only_members_with_write_rights_record_events(client_for, access_request, make_user, alice, frozen_today):
    make_user("bob@example.org")
    make_user("carol@example.org")
    collective = accounts.create_organisation(alice, "Collectif")
    accounts.add_member(collective, "bob@example.org", "viewer")
    access_request.organisation_id = collective.id
    db.session.commit()
    bob = client_for("bob@example.org")
    assert bob.get(f"/demandes/{access_request.id}").status_code == 200
    assert bob.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-01-11"}).status_code == 403
    carol = client_for("carol@example.org")
    assert carol.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-01-11"}).status_code == 404
    assert db.session.scalar(select(Event)) is None


def test_an_event_carries_its_proof_filed_with_the_documents(client, access_request, frozen_today):
    import io

    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-01-08"})
    response = client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "received", "occurred_on": "2026-01-12",
        "proof": (io.BytesIO(b"Avis de reception signe le 12 janvier 2026"), "avis-de-reception.txt")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    received = db.session.scalar(select(Event).where(Event.type == "received"))
    from workflow.models import Document

    proof = db.session.get(Document, received.data["proof_document_id"])
    assert proof.request_id == access_request.id and proof.filename == "avis-de-reception.txt"
    page = client.get(f"/demandes/{access_request.id}").get_data(as_text=True)
    assert f'href="/documents/{proof.id}">Justificatif</a>' in page


def test_a_refused_event_files_no_proof(client, access_request, frozen_today):
    import io

    from workflow.models import Document

    response = client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "cada_opinion", "occurred_on": "2026-01-12",
        "proof": (io.BytesIO(b"Avis de la CADA"), "avis.txt")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(select(Document)) is None


def test_the_event_form_offers_the_likely_next_event(client, access_request, frozen_today):
    assert '<option selected value="sent">' in client.get(f"/demandes/{access_request.id}").get_data(as_text=True)
    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-01-08"})
    body = client.get(f"/demandes/{access_request.id}").get_data(as_text=True)
    # On 1 March the refusal is born: the CADA referral is what comes next.
    assert '<option selected value="cada_referred">' in body
    assert 'value="2026-03-01"' in body
