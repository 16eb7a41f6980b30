"""The Metz scenario of crpa.md §7, end to end through the API, the pages and the letters:
an association asks the Ville de Metz by e-mail on 1 Sept 2026 for its CCTV contracts; no
answer (implicit refusal 1 Oct); referral to the CADA 5 Oct, registered 9 Oct; the city
refuses explicitly on 15 Oct, with appeal routes. The court window runs from 15 Oct (safe
date 15 Dec 2026, legal last day 16 Dec in the Alsace-Moselle calendar) and no confirmed
refusal is born on 9 Dec."""
from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD, page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.directory.authorities import seed_authorities
from workflow.models import Authority

TODAY = date(2026, 12, 1)


@pytest.fixture
def scenario(client, make_user, monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)
    seed_authorities()
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    user = make_user("asso@example.org")
    headers = {"Authorization": f"Bearer {accounts.issue_token(user)}"}
    created = client.post("/api/v1/requests", headers=headers, json={
        "authority_ids": [metz.id], "subject": "Marchés de vidéoprotection de la ville",
        "items": ["Acte d'engagement du marché de vidéoprotection", "CCTP du marché"], "channel": "email",
        "requester": {"name": "Alice Martin", "address": "12 rue des Jardins\n57000 Metz", "email": "asso@example.org"},
    })
    assert created.status_code == 201, created.json
    request_id = created.json["requests"][0]["id"]
    for event in ({"type": "sent", "date": "2026-09-01"},
                  {"type": "cada_referred", "date": "2026-10-05", "how": "online_form"},
                  {"type": "cada_registered", "date": "2026-10-09", "case_number": "20265678"},
                  {"type": "refused", "date": "2026-10-15", "appeal_routes_stated": True,
                   "grounds": "Atteinte à la sécurité publique"}):
        response = client.post(f"/api/v1/requests/{request_id}/events", headers=headers, json=event)
        assert response.status_code == 201, response.json
    return request_id, headers


def test_the_api_gives_the_dates_the_states_and_the_next_step(client, scenario) -> None:
    request_id, headers = scenario
    body = client.get(f"/api/v1/requests/{request_id}", headers=headers).json
    assert body["status"] == "refused_during_review"
    assert body["status_label"] == "Refus explicite pendant l'examen par la CADA"
    assert body["next_action"]["key"] == "court_application"
    deadlines = {deadline["kind"]: deadline for deadline in body["deadlines"]}
    assert (deadlines["implicit_refusal"]["date"], deadlines["implicit_refusal"]["state"]) == ("2026-10-01", "passed")
    assert deadlines["cada_referral"]["state"] == "met"
    assert (deadlines["confirmed_refusal"]["date"], deadlines["confirmed_refusal"]["state"]) == ("2026-12-09", "superseded")
    court = deadlines["court_appeal"]
    assert (court["safe_date"], court["legal_date"], court["state"]) == ("2026-12-15", "2026-12-16", "open")
    assert "le refus explicite du 15 octobre 2026, jour de sa notification" in court["explanation"]
    assert "tribunal administratif de Strasbourg" in court["explanation"]
    assert court["enforceability"] == "enforceable"  # an explicit refusal stating the routes


def test_the_request_page_shows_the_court_date_not_the_met_referral(client, scenario) -> None:
    request_id, _headers = scenario
    assert client.post("/connexion", data={"email": "asso@example.org", "password": PASSWORD}).status_code == 302
    text = page_text(client.get(f"/demandes/{request_id}"))
    assert "Prochaine échéance : Saisir le tribunal administratif , le 15 décembre 2026 (dans 14 jours)" in text
    assert "Préparer la requête au tribunal administratif contre le refus explicite" in text
    assert "Saisir la CADA respecté CADA saisie le 5 octobre 2026." in text
    assert "Naissance du refus confirmé sans objet" in text
    assert "Dernier jour légal : 16 décembre 2026" in text
    assert "aucun refus confirmé ne naît après elle (CJA, art. R421-1)" in text
    # An unticked box says nothing, and a met deadline warns of nothing.
    assert "Motifs : Atteinte à la sécurité publique Corriger la date" in text
    assert "À vérifier" not in text


def test_the_letters_name_the_refusals_as_they_happened(client, scenario) -> None:
    request_id, _headers = scenario
    assert client.post("/connexion", data={"email": "asso@example.org", "password": PASSWORD}).status_code == 302
    court = " ".join(client.get(f"/demandes/{request_id}/courriers/court_application.txt").get_data(as_text=True).split())
    assert ("Décision attaquée : La décision du 15 octobre 2026 par laquelle l'administration (Ville de Metz) a refusé, "
            "pendant l'examen de ma saisine par la CADA, de communiquer les documents administratifs demandés") in court
    # The refusal referred to the CADA was the implicit one of 1 Oct, not the explicit one.
    assert "une décision implicite de refus est née le 1er octobre 2026" in court
    assert "refus confirmé" not in court.replace("décision de refus", "")
    gracieux = " ".join(client.get(f"/demandes/{request_id}/courriers/recours_gracieux.txt").get_data(as_text=True).split())
    assert "retirer votre décision du 15 octobre 2026 refusant la communication de ces documents" in gracieux
    assert "sans préjudice du recours que je peux porter devant le tribunal administratif dans le délai de deux mois courant depuis le 15 octobre 2026" in gracieux
    page = page_text(client.get(f"/demandes/{request_id}/courriers/recours_gracieux"))
    assert "Un recours gracieux ne prolonge pas le délai de recours devant le tribunal administratif" in page
    assert "date sûre du 15 décembre 2026" in page


def test_the_court_application_is_recorded_before_the_9_december(client, scenario) -> None:
    request_id, headers = scenario
    response = client.post(f"/api/v1/requests/{request_id}/events", headers=headers,
                           json={"type": "court_filed", "date": "2026-11-20"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "before_court"
    court = next(d for d in response.json["deadlines"] if d["kind"] == "court_appeal")
    assert (court["state"], court["state_note"]) == ("met", "Requête déposée le 20 novembre 2026.")


def test_documents_during_the_proceedings_lead_to_the_withdrawal_letter(client, scenario) -> None:
    request_id, headers = scenario
    for event in ({"type": "court_filed", "date": "2026-11-20", "case_number": "2608765"},
                  {"type": "documents_during_proceedings", "date": "2026-11-28"}):
        response = client.post(f"/api/v1/requests/{request_id}/events", headers=headers, json=event)
        assert response.status_code == 201, response.json
    assert response.json["next_action"]["key"] == "court_withdrawal"
    assert client.post("/connexion", data={"email": "asso@example.org", "password": PASSWORD}).status_code == 302
    page = client.get(f"/demandes/{request_id}").get_data(as_text=True)
    assert f'href="/demandes/{request_id}/courriers/court_withdrawal"' in page
    letter = " ".join(client.get(f"/demandes/{request_id}/courriers/court_withdrawal.txt").get_data(as_text=True).split())
    assert "Tribunal administratif de Strasbourg" in letter
    assert "Par une requête enregistrée au greffe le 20 novembre 2026 sous le n° 2608765, j'ai demandé" in letter
    assert "L'administration a communiqué des documents le 28 novembre 2026, après l'enregistrement de la requête." in letter
    response = client.post(f"/demandes/{request_id}/courriers/court_withdrawal/envoye", data={"sent_on": "2026-12-01"})
    assert response.status_code == 302
    body = client.get(f"/api/v1/requests/{request_id}", headers=headers).json
    assert body["status"] == "withdrawn" and body["next_action"]["label"] == "Clore la demande"
    assert [event["type"] for event in body["events"]][-1] == "court_withdrawn"
