"""Inviting someone to an organisation by e-mail, changing roles, leaving; e-mail
verification at sign-up when the setting is on."""
import re

from sqlalchemy import select

from tests.helpers import PASSWORD, page_text, run_worker
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.models import Invitation, Membership, Organisation, User


def _collective(owner):
    return accounts.create_organisation(owner, "Collectif Metz")


def _link(message, app, path):
    body = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://\S+{path}\S+", body).group(0).removeprefix(app.config["BASE_URL"])


def _members(organisation_id):
    return {m.user.email: m.role for m in db.session.scalars(
        select(Membership).where(Membership.organisation_id == organisation_id))}


def test_an_owner_invites_an_address_that_joins_by_signing_up(app, client, alice, mailbox):
    collective = _collective(alice)
    response = client.post(f"/compte/associations/{collective.id}", data={"email": "Bob@Example.org", "role": "editor"},
                           follow_redirects=True)
    assert "L'invitation est envoyée à bob@example.org." in page_text(response)
    assert "Invitations en attente" in page_text(response) and "bob@example.org Rédacteur" in page_text(response)
    invitation = db.session.scalar(select(Invitation))
    run_worker()
    (message,) = mailbox.messages
    assert message["To"] == "bob@example.org"
    assert message["Subject"] == "[Lanterne] Invitation à rejoindre « Collectif Metz »"
    link = _link(message, app, "/invitation/")
    assert invitation.token_hash not in link  # only the hash is stored

    bob = app.test_client()
    page = bob.get(link)
    assert "Invitation à rejoindre « Collectif Metz »" in page_text(page)
    assert "/inscription?email=bob@example.org" in page.get_data(as_text=True)
    signed_up = bob.post("/inscription", data={"display_name": "Bob", "email": "bob@example.org", "password": PASSWORD,
                                               "confirm": PASSWORD}, follow_redirects=True)
    assert "Vous avez rejoint l'association « Collectif Metz », qui vous y avait invité." in page_text(signed_up)
    assert _members(collective.id) == {"alice@example.org": "owner", "bob@example.org": "editor"}
    assert "Cette invitation n'est plus valable" in page_text(bob.get(link, follow_redirects=True))


def test_an_existing_account_joins_when_it_signs_in_after_opening_the_link(app, client, alice, make_user, mailbox):
    collective = _collective(alice)
    make_user("bob@example.org")
    client.post(f"/compte/associations/{collective.id}", data={"email": "bob@example.org", "role": "viewer"})
    assert _members(collective.id) == {"alice@example.org": "owner"}  # not before Bob says so
    run_worker()
    bob = app.test_client()
    page = bob.get(_link(mailbox.messages[0], app, "/invitation/"))
    assert "Se connecter pour accepter" in page_text(page)
    response = bob.post("/connexion", data={"email": "bob@example.org", "password": PASSWORD}, follow_redirects=True)
    assert "Vous avez rejoint l'association « Collectif Metz »" in page_text(response)
    assert _members(collective.id)["bob@example.org"] == "viewer"


def test_an_invited_address_is_not_enough_without_the_link(app, client, alice, make_user, mailbox):
    """Without e-mail verification an address typed at sign-up proves nothing: the
    invitation's link, opened in the same browser, does."""
    collective = _collective(alice)
    client.post(f"/compte/associations/{collective.id}", data={"email": "bob@example.org", "role": "owner"})
    stranger = app.test_client()
    stranger.post("/inscription", data={"display_name": "X", "email": "bob@example.org", "password": PASSWORD,
                                        "confirm": PASSWORD})
    assert "bob@example.org" not in _members(collective.id)


def test_only_owners_invite_and_invitations_can_be_cancelled(app, client, alice, make_user, client_for, mailbox):
    collective = _collective(alice)
    make_user("bob@example.org")
    accounts.add_member(collective, "bob@example.org", "editor")
    bob = client_for("bob@example.org")
    assert bob.post(f"/compte/associations/{collective.id}", data={"email": "eve@example.org", "role": "owner"}).status_code == 403
    assert "Inviter" not in page_text(bob.get(f"/compte/associations/{collective.id}"))
    client.post(f"/compte/associations/{collective.id}", data={"email": "eve@example.org", "role": "owner"})
    invitation = db.session.scalar(select(Invitation))
    response = client.post(f"/compte/associations/{collective.id}/invitations/{invitation.id}/annuler", follow_redirects=True)
    assert "L'invitation est annulée" in page_text(response)
    run_worker()
    eve = app.test_client()
    assert "Cette invitation n'est plus valable" in page_text(eve.get(_link(mailbox.messages[0], app, "/invitation/"),
                                                                      follow_redirects=True))


def test_without_a_mail_server_the_invitation_is_kept_and_the_owner_told(app, client, alice, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    collective = _collective(alice)
    response = client.post(f"/compte/associations/{collective.id}", data={"email": "bob@example.org", "role": "viewer"},
                           follow_redirects=True)
    text = page_text(response)
    assert "aucun courriel n'est parti (pas de serveur de messagerie) : transmettez-lui vous-même ce lien" in text
    link = re.search(r"https?://\S+/invitation/\S+", text).group(0).removeprefix(app.config["BASE_URL"])
    bob = app.test_client()
    bob.get(link)
    signed_up = bob.post("/inscription", data={"display_name": "Bob", "email": "bob@example.org", "password": PASSWORD,
                                               "confirm": PASSWORD}, follow_redirects=True)
    assert "Vous avez rejoint l'association « Collectif Metz »" in page_text(signed_up)


def test_owners_change_roles_but_never_leave_no_owner(client, alice, make_user, client_for):
    collective = _collective(alice)
    make_user("bob@example.org")
    accounts.add_member(collective, "bob@example.org", "viewer")
    bob = db.session.scalar(select(User).where(User.email == "bob@example.org"))
    page = client.post(f"/compte/associations/{collective.id}/membres/{bob.id}/role", data={"role": "editor"},
                       follow_redirects=True)
    assert "Le rôle est changé." in page_text(page)
    assert _members(collective.id)["bob@example.org"] == "editor"
    refused = client.post(f"/compte/associations/{collective.id}/membres/{alice.id}/role", data={"role": "viewer"},
                          follow_redirects=True)
    assert "Une association doit garder au moins un responsable." in page_text(refused)
    assert _members(collective.id)["alice@example.org"] == "owner"
    bob_client = client_for("bob@example.org")
    assert bob_client.post(f"/compte/associations/{collective.id}/membres/{bob.id}/role",
                           data={"role": "owner"}).status_code == 403


def test_members_leave_but_the_last_owner_cannot(client, alice, make_user, client_for):
    collective = _collective(alice)
    make_user("bob@example.org")
    accounts.add_member(collective, "bob@example.org", "editor")
    refused = client.post(f"/compte/associations/{collective.id}/quitter", follow_redirects=True)
    assert "Une association doit garder au moins un responsable. Nommez d'abord un autre responsable." in page_text(refused)
    bob = client_for("bob@example.org")
    left = bob.post(f"/compte/associations/{collective.id}/quitter", follow_redirects=True)
    assert "Vous avez quitté l'association « Collectif Metz »." in page_text(left)
    assert _members(collective.id) == {"alice@example.org": "owner"}
    assert bob.get(f"/compte/associations/{collective.id}").status_code == 404
    assert db.session.get(Organisation, collective.id) is not None


def test_email_verification_when_the_setting_is_on(app, client, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_VERIFICATION", True)
    response = client.post("/inscription", data={"display_name": "Alice", "email": "alice@example.org",
                                                 "password": PASSWORD, "confirm": PASSWORD}, follow_redirects=True)
    assert "Votre compte est créé. Pour l'activer, ouvrez le lien que nous venons d'envoyer à alice@example.org" in page_text(response)
    refused = client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Confirmez d'abord votre adresse électronique" in page_text(refused)
    run_worker()
    (message,) = mailbox.messages  # the refused log-in re-sends the link, but not twice in ten minutes
    assert message["Subject"] == "[Lanterne] Confirmez votre adresse"
    confirmed = client.get(_link(message, app, "/inscription/verifier/"), follow_redirects=True)
    assert "Votre adresse est confirmée : vous pouvez vous connecter." in page_text(confirmed)
    assert client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD}).status_code == 302


def test_a_refused_log_in_resends_the_verification_link(app, client, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_VERIFICATION", True)
    user = accounts.create_user("alice@example.org", PASSWORD, verified=False)
    refused = client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    assert "(un nouveau lien vient de partir)" in page_text(refused)
    run_worker()
    (message,) = mailbox.messages
    assert message["To"] == user.email
    client.get(_link(message, app, "/inscription/verifier/"))
    assert client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD}).status_code == 302


def test_email_verification_is_off_by_default(client, auth):
    assert auth.signup().status_code == 302
    assert "Votre compte est créé. Bienvenue sur Lanterne." in page_text(client.get("/", follow_redirects=True))
