"""Log-out ends the session everywhere: no saved session cookie or "remember me" cookie
opens the account again, on this device or another."""
from datetime import datetime, timedelta, timezone

from tests.helpers import PASSWORD


def _log_in(client, remember=False):
    data = {"email": "alice@example.org", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/connexion", data=data)
    assert response.status_code == 302
    return response


def _opens_dashboard(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def test_a_remember_me_cookie_saved_before_log_out_no_longer_opens_the_account(app, make_user):
    make_user()
    browser = app.test_client()
    _log_in(browser, remember=True)
    saved = browser.get_cookie("remember_token")
    assert saved is not None and saved.expires is not None
    # Valid a month, not Flask-Login's default year.
    assert saved.expires - datetime.now(timezone.utc) <= timedelta(days=30, minutes=1)

    other = app.test_client()
    other.set_cookie("remember_token", saved.value)
    assert _opens_dashboard(other)  # the cookie works while the user is logged in

    response = browser.post("/deconnexion")
    cleared = [header for header in response.headers.getlist("Set-Cookie") if header.startswith("remember_token=")]
    assert cleared and "Expires=Thu, 01 Jan 1970" in cleared[0]  # the browser forgets it

    thief = app.test_client()
    thief.set_cookie("remember_token", saved.value)
    response = thief.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_a_session_cookie_saved_before_log_out_no_longer_opens_the_account(app, make_user):
    make_user()
    browser = app.test_client()
    _log_in(browser)
    saved = browser.get_cookie("session").value
    browser.post("/deconnexion")

    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_log_out_on_one_device_ends_the_sessions_on_the_others(app, make_user):
    make_user()
    laptop, phone = app.test_client(), app.test_client()
    _log_in(laptop)
    _log_in(phone, remember=True)
    assert _opens_dashboard(laptop) and _opens_dashboard(phone)

    laptop.post("/deconnexion")
    assert not _opens_dashboard(phone)
    _log_in(phone)  # logging in again works
    assert _opens_dashboard(phone)


def test_a_session_opened_before_versions_existed_is_refused(app, make_user):
    """A session holding the bare account id (as before this change) must log in again."""
    user = make_user()
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert not _opens_dashboard(browser)
