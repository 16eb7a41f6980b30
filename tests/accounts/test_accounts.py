"""Sign-up, log-in, log-out; every page but those needs an account."""
import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD, page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.models import Organisation, RequesterIdentity, User


def test_sign_up_logs_in_and_stores_an_argon2id_hash(client, auth):
    response = auth.signup()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    page = client.get("/", follow_redirects=True)
    assert "Votre compte est créé. Bienvenue sur Lanterne." in page_text(page)
    user = db.session.scalar(select(User).where(User.email == "alice@example.org"))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(("fields", "message"), [
    ({"email": ""}, "Ce champ est obligatoire."),
    ({"email": "not-an-address"}, "Adresse électronique non valide."),
    ({"password": "short", "confirm": "short"}, "Le mot de passe doit compter entre 10 et 256 caractères."),
    ({"confirm": "something else entirely"}, "Les deux mots de passe ne sont pas identiques."),
])
def test_bad_sign_up_is_refused_with_a_french_message_and_keeps_what_was_typed(client, fields, message):
    data = {"display_name": "Alice", "email": "alice@example.org", "password": PASSWORD, "confirm": PASSWORD, **fields}
    response = client.post("/inscription", data=data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert 'value="Alice"' in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_an_address_can_only_sign_up_once(client, auth):
    auth.signup()
    auth.logout()
    response = auth.signup(email="ALICE@example.org ")
    assert response.status_code == 422
    assert "Un compte existe déjà pour cette adresse électronique." in page_text(response)


def test_log_in_and_log_out(client, auth, make_user):
    make_user()
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    response = auth.logout()
    assert response.headers["Location"].endswith("/connexion")
    assert client.get("/").status_code == 302


def test_another_browser_without_cookies_is_not_signed_in(app, client, auth, make_user):
    """Who is signed in comes from the request's cookies alone, never from the request
    before it (each request of the test clients runs in its own app context)."""
    make_user("alice@example.org")
    auth.login()
    assert "alice@example.org" in page_text(client.get("/compte"))
    stranger = app.test_client()
    response = stranger.get("/compte")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")
    assert "alice@example.org" not in page_text(stranger.get("/compte", follow_redirects=True))
    assert "alice@example.org" in page_text(client.get("/compte"))  # the first browser is still signed in


def test_wrong_password_gets_a_clear_message(client, auth, make_user):
    make_user()
    response = auth.login(password="wrong password!")
    assert response.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect." in page_text(response)
    assert client.get("/").status_code == 302


def test_log_out_needs_a_post(client, auth, make_user):
    make_user()
    auth.login()
    assert client.get("/deconnexion").status_code == 405
    assert client.get("/").status_code == 200


def test_log_in_returns_to_the_page_asked_for_but_never_off_site(app, client, make_user):
    make_user()
    data = {"email": "alice@example.org", "password": PASSWORD}
    response = client.post("/connexion?next=/autorites/", data=data)
    assert response.headers["Location"] == "/autorites/"
    response = app.test_client().post("/connexion?next=//evil.example/", data=data)  # another browser
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/", "/autorites/", "/autorites/nouvelle", "/campagnes/", "/documents/",
                                  "/calendrier/", "/compte", "/demandes/1", "/autorites/1/modifier"])
def test_every_page_but_log_in_and_sign_up_needs_an_account(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_log_in_and_sign_up_pages_are_open(client):
    assert client.get("/connexion").status_code == 200
    assert client.get("/inscription").status_code == 200


def test_navigation_lists_the_areas(client, auth):
    auth.signup()
    text = page_text(client.get("/"))
    for label in ("Demandes", "Campagnes", "Autorités", "Documents", "Calendrier"):
        assert label in text


def test_unknown_page_gets_a_french_404(client, auth):
    auth.signup()
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Cette page n'existe pas" in page_text(response)


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/connexion")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Nothing is loaded from another site.
    assert "http://" not in response.get_data(as_text=True)
    assert "https://" not in response.get_data(as_text=True)


def test_a_form_posted_without_its_csrf_token_gets_a_french_400(client, auth, app, monkeypatch):
    auth.signup()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/autorites/nouvelle", data={"name": "Commune forgée", "kind": "commune"})
    assert response.status_code == 400
    assert "Le formulaire a expiré ou n'a pas été envoyé depuis Lanterne" in page_text(response)


def test_an_unexpected_error_shows_a_french_page_without_a_trace(client, auth, monkeypatch):
    auth.signup()

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("workflow.directory.authorities.search_query", broken)
    response = client.get("/autorites/")
    assert response.status_code == 500
    text = page_text(response)
    assert "Une erreur interne est survenue." in text
    assert "secret internal detail" not in text and "Traceback" not in text


def test_log_out_leaves_nothing_for_the_next_person(client, auth, make_user):
    make_user("alice@example.org")
    make_user("bob@example.org")
    auth.login("alice@example.org")
    client.post("/autorites/nouvelle", data={"name": "Commune privée de test", "kind": "commune"})  # flash left pending
    auth.logout()
    auth.login("bob@example.org")
    assert "Commune privée de test" not in page_text(client.get("/autorites/nouvelle"))


# Guessing and its delays: tests/accounts/test_login_throttle.py (with a clock the tests move).
def test_a_success_resets_the_count_for_the_account(client, auth, make_user):
    make_user("alice@example.org")
    for _ in range(4):
        auth.login(password="wrong password!")
    assert auth.login().status_code == 302
    auth.logout()
    for _ in range(4):
        assert auth.login(password="wrong password!").status_code == 401
    assert auth.login().status_code == 302


def test_fields_are_labelled_and_errors_tied_to_them(client):
    response = client.post("/inscription", data={"email": "pas-une-adresse"})
    body = response.get_data(as_text=True)
    assert '<label for="email">Adresse électronique</label>' in body
    assert 'aria-invalid="true"' in body and 'aria-describedby="email-erreurs"' in body
    assert '"None"' not in body  # no attribute rendered from an absent value


def test_save_identity_takes_plain_values(app, make_user):
    user = make_user("alice@example.org")
    other = Organisation(name="Collectif d'à côté")
    db.session.add(other)
    db.session.commit()
    identity = RequesterIdentity(owner_id=user.id)
    accounts.save_identity(identity, {
        "kind": "person", "name": "Alice Martin", "address": "1 rue X\n57000 Metz", "email": "alice@example.org",
        "rna_number": "W573012345", "representative": "Bob", "organisation_id": other.id, "owner_id": 999,
    }, user)
    stored = db.session.get(RequesterIdentity, identity.id)
    assert (stored.name, stored.email, stored.owner_id) == ("Alice Martin", "alice@example.org", user.id)
    # A person has no RNA number nor representative; an organisation the user cannot write for is dropped.
    assert stored.rna_number is None and stored.representative is None and stored.organisation_id is None


@pytest.mark.parametrize("password", ["azertyuiop", "qwertyuiop", "password1234", "motdepasse123", "1234567890",
                                      "alice@example.org"])
def test_the_most_common_passwords_are_refused(client, password):
    response = client.post("/inscription", data={"display_name": "Alice", "email": "alice@example.org",
                                                 "password": password, "confirm": password})
    assert response.status_code == 422
    assert "Ce mot de passe fait partie des plus courants, ou en est trop proche" in page_text(response)
    assert db.session.scalar(select(User)) is None


def test_a_password_too_short_gets_one_message(client):
    response = client.post("/inscription", data={"email": "alice@example.org", "password": "short", "confirm": "short"})
    text = page_text(response)
    assert "Le mot de passe doit compter entre 10 et 256 caractères." in text
    assert "plus courants" not in text


def test_addresses_are_one_form_whatever_the_unicode_compatibility_characters(client, auth, make_user):
    make_user("alice@example.org")
    # Capitals and full-width letters are the same address, not a second account.
    for twin in ("ALICE@EXAMPLE.ORG", "\uff41lice@example.org"):
        response = auth.signup(email=twin)
        assert response.status_code == 422, twin
        assert "Un compte existe déjà pour cette adresse électronique." in page_text(response)
    kelvin = make_user("\u212aarl@example.org")  # a Kelvin sign, not a K
    assert kelvin.email == "karl@example.org"
    assert auth.signup(email="karl@example.org").status_code == 422
