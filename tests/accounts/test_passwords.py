"""Forgotten password (a link e-mailed through the real SMTP server of the `mailbox`
fixture) and password change from the account page."""
import re

from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from tests.helpers import PASSWORD, page_text, run_worker
from workflow.core.extensions import db
from workflow.models import OutgoingMail

NEW_PASSWORD = "lanterne allumée sur le quai"
SAME_ANSWER = "Si un compte existe pour cette adresse, un courriel vient de lui être envoyé"


def _reset_link(mailbox, app):
    (message,) = mailbox.messages
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/mot-de-passe-oublie/\S+", body).group(0)
    return link.removeprefix(app.config["BASE_URL"])


def test_a_reset_link_is_emailed_sets_a_new_password_once_and_ends_every_session(app, client, client_for, make_user,
                                                                                  mailbox):
    make_user("alice@example.org")
    other_device = client_for("alice@example.org")
    assert "Mot de passe oublié ?" in page_text(client.get("/connexion"))
    response = client.post("/mot-de-passe-oublie", data={"email": "Alice@Example.org"}, follow_redirects=True)
    assert SAME_ANSWER in page_text(response)
    run_worker()
    (message,) = mailbox.messages
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "[Lanterne] Changer votre mot de passe"
    assert "dans l'heure" in message.get_body(("plain",)).get_content()
    link = _reset_link(mailbox, app)

    page = client.get(link)
    assert "Compte : alice@example.org" in page_text(page)
    refused = client.post(link, data={"password": "password123", "confirm": "password123"})
    assert refused.status_code == 422 and "fait partie des plus courants" in page_text(refused)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Votre mot de passe est changé" in page_text(done)

    assert other_device.get("/").status_code == 302  # the other session is over
    assert client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD}).status_code == 401
    assert client.post("/connexion", data={"email": "alice@example.org", "password": NEW_PASSWORD}).status_code == 302
    client.post("/deconnexion")
    again = client.get(link, follow_redirects=True)  # single use
    assert "Ce lien n'est plus valable" in page_text(again)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, make_user, mailbox):
    make_user("alice@example.org")
    response = client.post("/mot-de-passe-oublie", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert SAME_ANSWER in page_text(response)
    run_worker()
    assert mailbox.messages == []


def test_a_reset_link_expires_after_an_hour(app, client, make_user, mailbox, monkeypatch):
    make_user("alice@example.org")
    signed_at = TimestampSigner.get_timestamp(None)  # type: ignore[arg-type]
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at)
    client.post("/mot-de-passe-oublie", data={"email": "alice@example.org"})
    run_worker()
    link = _reset_link(mailbox, app)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at + 59 * 60)
    assert "Nouveau mot de passe" in page_text(client.get(link))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at + 61 * 60)
    assert "Ce lien n'est plus valable" in page_text(client.get(link, follow_redirects=True))


def test_a_forged_link_is_refused(client, make_user):
    make_user("alice@example.org")
    assert "Ce lien n'est plus valable" in page_text(client.get("/mot-de-passe-oublie/abc.def.ghi", follow_redirects=True))


def test_repeated_requests_send_one_mail_per_ten_minutes(client, make_user, mailbox):
    make_user("alice@example.org")
    for _ in range(3):
        client.post("/mot-de-passe-oublie", data={"email": "alice@example.org"})
    assert len(db.session.scalars(select(OutgoingMail)).all()) == 1


def test_without_a_mail_server_the_page_says_so(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    text = page_text(client.get("/mot-de-passe-oublie"))
    assert "n'a pas de serveur de messagerie configuré" in text
    assert "Recevoir le lien" not in text


def test_change_password_needs_the_current_one_and_ends_the_other_sessions(client, alice, client_for):
    other_device = client_for("alice@example.org")
    assert "Changer de mot de passe" in page_text(client.get("/compte"))
    wrong = client.post("/compte/mot-de-passe", data={"current": "not my password", "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "Le mot de passe actuel est incorrect." in page_text(wrong)
    done = client.post("/compte/mot-de-passe", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Votre mot de passe est changé." in page_text(done)
    assert client.get("/compte").status_code == 200  # this session goes on
    assert other_device.get("/").status_code == 302
    client.post("/deconnexion")
    assert client.post("/connexion", data={"email": "alice@example.org", "password": NEW_PASSWORD}).status_code == 302


def _api_status(client, token):
    return client.get("/api/v1/authorities", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_password_change_revokes_the_api_tokens_and_says_so(app, client, alice):
    from workflow.accounts import users as accounts

    tokens = [accounts.issue_token(alice, "script"), accounts.issue_token(alice, "tableur")]
    bob_token = accounts.issue_token(accounts.create_user("bob@example.org", PASSWORD), "script de Bob")
    assert [_api_status(client, token) for token in tokens] == [200, 200]
    assert "Vos jetons d'accès à l'API et les adresses de vos flux d'agenda seront révoqués" in page_text(
        client.get("/compte/mot-de-passe"))
    done = client.post("/compte/mot-de-passe", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Votre mot de passe est changé." in page_text(done)
    assert "Vos jetons d'accès à l'API ont été révoqués" in page_text(done)
    assert [_api_status(client, token) for token in tokens] == [401, 401]
    assert client.get("/api/v1/authorities", headers={"Authorization": f"Bearer {tokens[0]}"}).json["error"]["message"] \
        == "Jeton d'API inconnu ou révoqué."
    assert _api_status(client, bob_token) == 200  # only Alice's
    assert page_text(client.get("/compte")).count("révoqué") == 2
    new_token = accounts.issue_token(alice, "script")
    assert _api_status(client, new_token) == 200


def test_a_password_change_revokes_the_calendar_feeds_and_says_so(client, alice, make_user):
    from workflow.requests import calendar_feeds

    feed = calendar_feeds.create_feed(alice)
    bob_feed = calendar_feeds.create_feed(make_user("bob@example.org"))
    assert client.get(f"/calendrier/ics/{feed}.ics").status_code == 200
    done = client.post("/compte/mot-de-passe", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert ("L'adresse de votre flux d'agenda a été révoquée : créez-en une nouvelle dans « Calendrier »."
            in page_text(done))
    assert client.get(f"/calendrier/ics/{feed}.ics").status_code == 404
    assert client.get(f"/calendrier/ics/{bob_feed}.ics").status_code == 200  # only Alice's


def test_a_password_change_without_tokens_mentions_none(client, alice):
    done = client.post("/compte/mot-de-passe", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Votre mot de passe est changé." in page_text(done)
    assert "révoqué" not in page_text(done)


def test_a_password_reset_revokes_the_api_token_and_says_so(app, client, make_user, mailbox):
    from workflow.accounts import users as accounts

    token = accounts.issue_token(make_user("alice@example.org"), "script")
    assert _api_status(client, token) == 200
    client.post("/mot-de-passe-oublie", data={"email": "alice@example.org"})
    run_worker()
    link = _reset_link(mailbox, app)
    assert "ses jetons d'accès à l'API et ses flux d'agenda révoqués" in page_text(client.get(link))
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Votre mot de passe est changé" in page_text(done)
    assert "Votre jeton d'accès à l'API a été révoqué" in page_text(done)
    assert _api_status(client, token) == 401
