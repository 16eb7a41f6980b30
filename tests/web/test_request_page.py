"""What the request page and its neighbours show: only the events that make sense, unique
element ids, day counts in words, the favicon, the e-mail form only with a mail server,
text letters with one charset."""
import html
import re
from collections import Counter
from datetime import date

from tests.helpers import make_request, page_text
from workflow.core.extensions import db
from workflow.law.calendar import days_away_fr
from workflow.requests import lifecycle


def _event_options(body: str) -> list[str]:
    select = re.search(r'<select[^>]*id="evenement-type"[^>]*>(.*?)</select>', body, re.S).group(1)
    return [html.unescape(re.sub(r"\s+", " ", label)).strip() for label in re.findall(r"<option[^>]*>(.*?)</option>", select, re.S)]


def test_a_draft_offers_only_its_sending(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0801")
    response = client.get(f"/demandes/{access_request.id}")
    body = response.get_data(as_text=True)
    assert _event_options(body) == ["Envoi de la demande", "Clôture de la demande"]
    text = page_text(response)
    assert "La demande est un brouillon : seuls son envoi ou sa clôture peuvent être enregistrés." in text
    assert "Saisine de la CADA" not in text and "Avis de la CADA" not in text


def test_a_sent_request_offers_what_may_follow_and_a_closed_one_nothing(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0802")
    lifecycle.record_event(access_request, "sent", date.today(), {"channel": "email"}, author=alice)
    db.session.commit()
    options = _event_options(client.get(f"/demandes/{access_request.id}").get_data(as_text=True))
    assert "Réception par l'administration" in options and "Envoi de la demande" not in options
    lifecycle.record_event(access_request, "closed", date.today(), {}, author=alice)
    db.session.commit()
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Aucun événement ne peut plus être enregistré : la demande est close." in text


def test_the_request_page_has_no_duplicate_ids(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0803")
    lifecycle.record_event(access_request, "sent", date.today(), {"channel": "email"}, author=alice)
    db.session.commit()
    body = client.get(f"/demandes/{access_request.id}").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', body))
    assert [name for name, count in ids.items() if count > 1] == []
    assert 'id="evenement-csrf_token"' in body or "csrf_token" not in ids  # CSRF off in most tests
    assert 'for="classement-received_on"' in body and 'for="evenement-occurred_on"' in body


def test_days_are_counted_in_words():
    assert days_away_fr(0) == "aujourd'hui"
    assert days_away_fr(1) == "dans 1 jour"
    assert days_away_fr(2) == "dans 2 jours"
    assert days_away_fr(-1) == "il y a 1 jour"
    assert days_away_fr(-5) == "il y a 5 jours"


def test_every_page_names_a_favicon_that_exists(client, alice):
    body = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)"', body).group(1)
    icon = client.get(href)
    assert icon.status_code == 200 and b"<svg" in icon.data
    old_style = client.get("/favicon.ico")
    assert old_style.status_code == 301 and old_style.headers["Location"].endswith(href)


def test_without_a_mail_server_the_letter_page_says_why_and_offers_no_sending(client, alice, metz, app, monkeypatch):
    metz.prada_email = "prada@metz.example"
    db.session.commit()
    access_request = make_request(alice, metz, "LNT-2026-0804")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    text = page_text(client.get(f"/demandes/{access_request.id}/courriers/request"))
    assert "Envoyer à" not in text
    assert "aucun serveur d'envoi n'est configuré" in text and "envoyez-le vous-même à prada@metz.example" in text
    monkeypatch.setitem(app.config, "MAIL_SERVER", "localhost")
    assert "Envoyer à prada@metz.example" in page_text(client.get(f"/demandes/{access_request.id}/courriers/request"))


def test_a_text_letter_names_its_charset_once(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0805")
    response = client.get(f"/demandes/{access_request.id}/courriers/request.txt")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_pages_load_the_script_that_brings_errors_into_view(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0806")
    response = client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="error-summary"' in body and re.search(r'<script src="[^"]*/js/forms.js" defer>', body)
    assert client.get("/static/js/forms.js").status_code == 200


def test_the_acknowledgement_is_to_check_until_the_user_says_there_was_none(client, alice, metz, monkeypatch):
    # "No acknowledgement recorded" is not "none received" (crpa.md §3.2): the page asks.
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 2, 20))
    access_request = make_request(alice, metz, "LNT-2026-0807")
    lifecycle.record_event(access_request, "sent", date(2026, 1, 11), {"channel": "email"}, author=alice)
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Saisir la CADA à venir à vérifier" in text
    assert "À vérifier : le délai de saisine de la CADA ne vous est opposable que si l'administration vous a adressé" in text
    response = client.post(f"/demandes/{access_request.id}/evenements",
                           data={"type": "no_acknowledgement", "occurred_on": "2026-02-20"})
    assert response.status_code == 302, page_text(response)
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Aucun accusé de réception reçu" in text
    assert "Saisir la CADA à venir non opposable" in text
    assert "ne comptez pas sur cette limite" in text and "Par prudence, agissez avant la date sûre du 11 avril 2026" in text


def test_a_partial_communication_with_redactions_through_the_form(client, alice, metz, monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 2, 15))
    access_request = make_request(alice, metz, "LNT-2026-0808")
    lifecycle.record_event(access_request, "sent", date(2026, 1, 11), {"channel": "email"}, author=alice)
    response = client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "partially_answered", "occurred_on": "2026-01-20", "refuses_rest": "y",
        "partial_redactions": "public_security", "partial_appeal_routes_stated": "y",
        "partial_grounds": "Localisation des caméras"})
    assert response.status_code == 302, page_text(response)
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Réponse partielle" in text
    assert "Refus exprès des autres documents" in text
    assert "Documents communiqués avec des occultations : sécurité publique" in text
    assert "Naissance du refus implicite sans objet" in text
    assert ("deux mois après la communication partielle refusant le reste du 20 janvier 2026, jour de sa "
            "notification") in text


def test_an_unticked_box_shows_no_line(client, alice, metz, monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 2, 15))
    access_request = make_request(alice, metz, "LNT-2026-0809")
    lifecycle.record_event(access_request, "sent", date(2026, 1, 11), {"channel": "email"}, author=alice)
    response = client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "refused", "occurred_on": "2026-01-20", "appeal_routes_stated": "y", "grounds": "Sécurité publique"})
    assert response.status_code == 302, page_text(response)
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Voies et délais de recours indiqués Motifs : Sécurité publique Corriger la date" in text
    assert "False" not in text and "Refus pour demande abusive" not in text
