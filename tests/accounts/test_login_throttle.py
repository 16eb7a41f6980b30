"""Log-in throttling: a progressive delay per account and per address that does not lock
the rightful owner out, and client addresses believed only from trusted proxies (issue 18,
finding 5). The clock is moved, never waited for."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD, page_text
from workflow.accounts import users as accounts
from workflow.core import clock
from workflow.core.extensions import db
from workflow.models import LoginAttempt

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.moment = START

    def __call__(self):
        return self.moment

    def advance(self, seconds: float):
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def moments(monkeypatch):
    current = Clock()
    monkeypatch.setattr(clock, "now", current)
    return current


def log_in(client, password=PASSWORD, address="198.51.100.1", email="alice@example.org"):
    return client.post("/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_the_wait_grows_with_the_failures_and_ends(client, make_user, moments):
    make_user("alice@example.org")
    for _ in range(accounts.FREE_FAILURES_PER_ACCOUNT):
        assert log_in(client, "wrong password!").status_code == 401
    response = log_in(client)  # even the right password waits, one second
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert "Trop de tentatives de connexion : réessayez dans 1 seconde." in page_text(response)
    moments.advance(1)
    assert log_in(client, "wrong password!").status_code == 401  # sixth failure: two seconds
    moments.advance(1)
    assert log_in(client).status_code == 429
    moments.advance(1)
    assert log_in(client, "wrong password!").status_code == 401  # seventh: four seconds
    response = log_in(client)
    assert "réessayez dans 4 secondes" in page_text(response)
    moments.advance(4)
    assert log_in(client).status_code == 302


def test_the_wait_is_capped_never_a_lock_out(client, make_user, moments):
    make_user("alice@example.org")
    for _ in range(20):  # a guesser who tries again as soon as allowed
        moments.advance(accounts.login_wait("alice@example.org", "203.0.113.9", moments()))
        assert log_in(client, "wrong password!", address="203.0.113.9").status_code == 401
    response = log_in(client, address="203.0.113.9")
    assert response.status_code == 429 and response.headers["Retry-After"] == str(accounts.MAX_WAIT_SECONDS)
    assert "réessayez dans 5 minutes" in page_text(response)
    moments.advance(accounts.MAX_WAIT_SECONDS)
    assert log_in(client, address="203.0.113.9").status_code == 302


def test_someone_elses_failures_do_not_keep_the_owner_out(client, make_user, moments):
    make_user("alice@example.org")
    assert log_in(client, address="198.51.100.1").status_code == 302  # her usual address
    client.post("/deconnexion")
    moments.advance(3600 * 24)

    attacker = client.application.test_client()
    for _ in range(12):
        log_in(attacker, "wrong password!", address="203.0.113.66")
    # The guesser waits; elsewhere too, for an address the account never logged in from.
    assert log_in(attacker, address="203.0.113.66").status_code == 429
    assert log_in(attacker, address="203.0.113.67").status_code == 429
    # Alice, from her known address, logs in at once.
    assert log_in(client, address="198.51.100.1").status_code == 302


def test_failures_on_many_accounts_from_one_address_are_slowed(client, make_user, moments):
    make_user("alice@example.org")
    for n in range(accounts.FREE_FAILURES_PER_ADDRESS):
        log_in(client, "wrong password!", address="203.0.113.5", email=f"user{n}@example.org")
    assert log_in(client, address="203.0.113.5").status_code == 429
    assert log_in(client, address="198.51.100.1").status_code == 302


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(app, client, make_user, monkeypatch, moments):
    make_user("alice@example.org")
    forwarded = {"X-Forwarded-For": "192.0.2.44"}
    client.post("/connexion", data={"email": "alice@example.org", "password": "wrong password!"}, headers=forwarded)
    assert db.session.scalar(select(LoginAttempt.ip_address)) == "127.0.0.1"  # TRUSTED_PROXIES = 0: ignored

    from app import trust_proxies

    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # restored after the test
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    trust_proxies(app)
    client.post("/connexion", data={"email": "alice@example.org", "password": "wrong password!"},
                headers={"X-Forwarded-For": "10.0.0.1, 192.0.2.45"})
    addresses = db.session.scalars(select(LoginAttempt.ip_address).order_by(LoginAttempt.id)).all()
    assert addresses == ["127.0.0.1", "192.0.2.45"]  # the proxy's word, not what the client added before it


def test_old_attempts_are_forgotten_but_known_addresses_kept(app, make_user):
    accounts.record_login_attempt("alice@example.org", "198.51.100.1", True, START)
    accounts.record_login_attempt("alice@example.org", "203.0.113.66", False, START)
    assert accounts.forget_old_login_attempts(START + timedelta(days=2)) == 1
    assert accounts.forget_old_login_attempts(START + timedelta(days=accounts.KNOWN_ADDRESS_DAYS + 1)) == 1
