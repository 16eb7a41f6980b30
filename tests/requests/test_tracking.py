"""Tracking from the user's side: the dashboard, notifications, reminder settings, the
calendar feed, the events API, and sending a request by e-mail from Lanterne."""
import hashlib
import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from tests.helpers import make_request, page_text, run_worker
from workflow.accounts import users as accounts
from workflow.core import clock
from workflow.jobs import sweep
from workflow.requests import lifecycle as service
from workflow.law.deadlines import add_months, format_date_fr
from workflow.core.extensions import db
from workflow.models import CalendarFeed, Event, Letter, OutgoingMail


def test_the_dashboard_shows_what_is_overdue_and_what_falls_due(client, alice, metz):
    today = clock.today()
    late = make_request(alice, metz, "LNT-2026-0101")
    service.record_event(late, "sent", today - timedelta(days=100))  # CADA window over
    soon = make_request(alice, metz, "LNT-2026-0102")
    service.record_event(soon, "sent", add_months(today + timedelta(days=3), -1))  # refusal born in 3 days
    make_request(alice, metz, "LNT-2026-0103")  # a draft
    text = page_text(client.get("/"))
    overdue = text[text.index("En retard"):text.index("Cette semaine")]
    assert "LNT-2026-0101" in overdue and "Saisir la CADA" in overdue
    week = text[text.index("Cette semaine"):text.index("Ce mois-ci")]
    assert "LNT-2026-0102" in week and "Naissance du refus implicite" in week
    assert format_date_fr(today + timedelta(days=3)) in week
    assert "Rédiger la saisine de la CADA" in text  # the next action of the late one, as a button
    body = client.get("/").get_data(as_text=True)
    assert f'href="/demandes/{late.id}/courriers/cada_referral"' in body

    filtered = page_text(client.get("/?statut=draft"))
    assert "LNT-2026-0103" in filtered and "LNT-2026-0101" not in filtered


def test_notifications_bell_and_page(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0201")
    today = clock.today()
    service.record_event(access_request, "sent", today)
    sweep.run(add_months(today, 1) - timedelta(days=7))
    page = page_text(client.get("/"))
    assert "Notifications 1 non lue" in page
    text = page_text(client.get("/notifications"))
    assert "Dans 7 jours : naissance du refus implicite" in text and "nouveau" in text
    client.post("/notifications/lues")
    assert "non lue" not in page_text(client.get("/"))


def test_reminder_settings(client, alice):
    assert "-7, -1, 0" in client.get("/compte").get_data(as_text=True)
    response = client.post("/compte/rappels", data={
        "implicit_refusal": "-10, -2", "cada_referral": "-20", "cada_opinion_expected": "2", "court_appeal": "-30, -5",
        "email_notifications": "y"})
    assert response.status_code == 302
    db.session.refresh(alice)
    assert alice.reminder_offsets["implicit_refusal"] == [-10, -2]
    assert alice.email_notifications and not alice.weekly_digest
    response = client.post("/compte/rappels", data={"implicit_refusal": "une semaine", "cada_referral": "",
                                                   "cada_opinion_expected": "", "court_appeal": ""},
                           follow_redirects=True)
    assert "des nombres entiers séparés par des virgules" in page_text(response)
    db.session.refresh(alice)
    assert alice.reminder_offsets["implicit_refusal"] == [-10, -2]


def test_the_private_calendar_feed(app, client, client_for, alice, metz, make_user):
    access_request = make_request(alice, metz, "LNT-2026-0301")
    service.record_event(access_request, "sent", clock.today())
    response = client.post("/calendrier/flux", data={"organisation_id": ""})
    url = re.search(r'id="feed-url" class="token" readonly value="([^"]+)"', response.get_data(as_text=True)).group(1)
    path = "/" + url.split("/", 3)[3]
    assert path.startswith("/calendrier/ics/") and path.endswith(".ics")
    feed = app.test_client().get(path)  # the feed needs no session: a calendar app has none
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    events = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    born = add_months(clock.today(), 1)
    summary = "Naissance du refus implicite — LNT-2026-0301 (Ville de Metz)"
    assert events[summary].decoded("dtstart") == born
    assert "Sans réponse au" in str(events[summary]["description"])

    feed_id = db.session.scalar(select(CalendarFeed.id))
    make_user("bob@example.org")
    assert client_for("bob@example.org").post(f"/calendrier/flux/{feed_id}/revoquer").status_code == 404
    assert app.test_client().get(path).status_code == 200  # still there
    client.post(f"/calendrier/flux/{feed_id}/revoquer")
    assert client.get(path).status_code == 404


def test_the_month_calendar(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0401")
    service.record_event(access_request, "sent", clock.today())
    born = add_months(clock.today(), 1)
    text = page_text(client.get(f"/calendrier/?mois={born.strftime('%Y-%m')}"))
    assert "Naissance du refus implicite — LNT-2026-0401" in text
    assert "Mois invalide" in page_text(client.get("/calendrier/?mois=2026-13"))


def test_events_api(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0501", channel="postal")
    headers = {"Authorization": f"Bearer {accounts.issue_token(alice)}"}
    response = client.post(f"/api/v1/requests/{access_request.id}/events", json={"type": "sent", "date": "2026-01-08",
                                                                        "registered_number": "1A 0001"}, headers=headers)
    assert response.status_code == 201
    body = response.json
    deadlines = {item["kind"]: item for item in body["deadlines"]}
    assert deadlines["implicit_refusal"]["estimated"] is True
    response = client.post(f"/api/v1/requests/{access_request.id}/events", json={"type": "received", "date": "2026-01-12"},
                           headers=headers)
    deadlines = {item["kind"]: item for item in response.json["deadlines"]}
    assert deadlines["implicit_refusal"]["date"] == "2026-02-12"
    assert deadlines["cada_referral"]["safe_date"] == "2026-04-12"
    assert deadlines["cada_referral"]["legal_date"] == "2026-04-13"
    assert response.json["status"] == "implicitly_refused"

    response = client.post(f"/api/v1/requests/{access_request.id}/events", json={"type": "cada_opinion", "date": "2026-01-20"},
                           headers=headers)
    assert response.status_code == 409 and "CADA" in response.json["error"]["message"]
    response = client.post(f"/api/v1/requests/{access_request.id}/events", json={"type": "teleported", "date": "2026-01-20"},
                           headers=headers)
    assert response.status_code == 422
    response = client.post(f"/api/v1/requests/{access_request.id}/events", json={"type": "refused", "date": "20/01/2026"},
                           headers=headers)
    assert response.status_code == 422 and "date" in response.json["error"]["fields"]
    response = client.post(f"/api/v1/requests/{access_request.id}/events", json={"type": "received", "date": "2026-01-20", "colour": 1},
                           headers=headers)
    assert response.status_code == 400
    assert [event.type for event in db.session.scalars(select(Event).order_by(Event.id))] == ["sent", "received"]


def test_send_the_request_by_email_from_lanterne(client, alice, metz, mailbox):
    metz.prada_email = "prada@metz.example"
    db.session.commit()
    access_request = make_request(alice, metz, "LNT-2026-0601")
    page = client.get(f"/demandes/{access_request.id}/courriers/request")
    assert "Envoyer à prada@metz.example" in page_text(page)
    response = client.post(f"/demandes/{access_request.id}/courriers/request/courriel", data={"recipient": "prada@metz.example"},
                           follow_redirects=True)
    assert "Le courriel part vers prada@metz.example" in page_text(response)
    run_worker()
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == "prada@metz.example" and message["From"] == "lanterne@lanterne.test"
    assert "LNT-2026-0601" in str(message["Subject"])
    attachment = next(part for part in message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content().startswith(b"%PDF")
    assert "Marché de vidéoprotection" in message.get_body(("plain",)).get_content()

    outgoing = db.session.scalar(select(OutgoingMail))
    assert outgoing.status == "sent"
    sent = db.session.scalar(select(Event).where(Event.type == "sent"))
    assert sent.data["message_id"] == message["Message-ID"] == outgoing.message_id
    assert sent.occurred_on == clock.today() and sent.data["channel"] == "email"
    letter = db.session.scalar(select(Letter))
    assert letter.pdf_sha256 == hashlib.sha256(attachment.get_content()).hexdigest()
    proof = client.get(f"/demandes/{access_request.id}/courriers/courriels/{outgoing.id}.eml")
    assert proof.status_code == 200 and b"Message-ID" in proof.data
    assert hashlib.sha256(proof.data).hexdigest() == outgoing.eml_sha256
    again = client.post(f"/demandes/{access_request.id}/courriers/request/courriel", data={"recipient": "prada@metz.example"},
                        follow_redirects=True)
    assert "L'envoi de cette demande est déjà enregistré." in page_text(again)


def test_without_an_address_or_a_server_the_user_is_told(client, alice, metz, app, monkeypatch):
    access_request = make_request(alice, metz, "LNT-2026-0701")
    response = client.post(f"/demandes/{access_request.id}/courriers/request/courriel", follow_redirects=True)
    assert "L'annuaire ne connaît pas d'adresse électronique pour cette autorité" in page_text(response)
    metz.email = "mairie@metz.example"
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    response = client.post(f"/demandes/{access_request.id}/courriers/request/courriel", data={"recipient": "mairie@metz.example"},
                           follow_redirects=True)
    assert "Aucun serveur d'envoi n'est configuré" in page_text(response)
    assert db.session.scalar(select(OutgoingMail)) is None
