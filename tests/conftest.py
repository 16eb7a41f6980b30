"""Fixtures: one migrated database and one Redis per run, emptied before each test.

With TEST_DATABASE_URL / TEST_REDIS_URL the suite uses those servers (a fresh PostgreSQL
schema per run, the Redis database named in the URL); otherwise the embedded default:
a SQLite file and an embedded Redis in a temporary folder.
"""
from __future__ import annotations

import os
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.helpers import PASSWORD
from tests.inbound.imap_server import imap_mailbox, imap_server  # noqa: F401  (a real dovecot, for any test)
from workflow.core import embedded_redis


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("instance")
    os.environ["LANTERNE_INSTANCE_PATH"] = str(path)
    return path


@pytest.fixture(scope="session")
def database_settings(instance_path):
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        yield {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'test.sqlite3'}"}
        return
    from workflow.core.config import normalise_database_url

    url = normalise_database_url(url)
    schema = f"lanterne_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
            "TEST_SCHEMA": schema,
        }
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL", "").strip()
    if url:
        yield url
        return
    url, process = embedded_redis.start(tmp_path_factory.mktemp("redis"))
    try:
        yield url
    finally:
        embedded_redis.stop(process)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as in
    production.

    Each test runs inside one app context (see _clean_state), and a request pushed into
    it would share its `flask.g`: Flask-Login keeps the signed-in user there, so a
    request would see the user of the previous request, whoever's cookies it carries.
    A fresh context per request gives it a fresh `g` and its own database session (the
    test's session does not see what the request wrote until it reads it again)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(instance_path, database_settings, redis_url):
    from flask_migrate import upgrade

    from app import create_app

    application = create_app({
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": redis_url,
        "REDIS_EMBEDDED": False,
        **database_settings,
    })
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()  # the schema comes from the reviewed migrations, as in production
    yield application
    with application.app_context():
        from workflow.core.extensions import db

        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and the Redis database before each test that uses the app."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    from workflow.core.extensions import db
    from workflow.jobs.queues import redis_connection

    from workflow.cli.backup import NOT_BACKED_UP
    from workflow.models.versions import raise_versions

    with application.app_context():
        # data_versions keeps its rows, as after the migration, and they are raised: a part
        # of a page rendered in an earlier test is out of date, as after any change.
        tables = [table.name for table in reversed(db.metadata.sorted_tables) if table.name not in NOT_BACKED_UP]
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                db.session.execute(text(f'DELETE FROM "{name}"'))
        db.session.execute(raise_versions())
        db.session.commit()
        redis_connection(application).flushdb()
    with application.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def signup(self, email="alice@example.org", password=PASSWORD, name="Alice"):
        return self._client.post("/inscription", data={
            "display_name": name, "email": email, "password": password, "confirm": password,
        })

    def login(self, email="alice@example.org", password=PASSWORD):
        return self._client.post("/connexion", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/deconnexion")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    from workflow.accounts import users as accounts

    def make(email="alice@example.org", password=PASSWORD, name=""):
        return accounts.create_user(email, password, name)

    return make


@pytest.fixture
def client_for(app):
    """Another browser: a new test client (cookies of its own) signed in as `email`."""

    def sign_in(email, password=PASSWORD):
        browser = app.test_client()
        response = browser.post("/connexion", data={"email": email, "password": password})
        assert response.status_code == 302, f"{email} could not sign in"
        return browser

    return sign_in


@pytest.fixture
def alice(client, make_user):
    """Alice's account, signed in on `client`; no weekly digest (a sweep sends her
    nothing she did not ask for in the test)."""
    from workflow.core.extensions import db

    user = make_user("alice@example.org")
    user.weekly_digest = False
    db.session.commit()
    response = client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    assert response.status_code == 302
    return user


@pytest.fixture
def metz(app):
    """The reference directory, seeded; its city hall."""
    from sqlalchemy import select

    from workflow.directory.authorities import seed_authorities
    from workflow.core.extensions import db
    from workflow.models import Authority

    seed_authorities()
    return db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))


class MailSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def subjects(self):
        return [str(message["Subject"]) for message in self.messages]


@pytest.fixture(scope="session")
def smtp_server():
    from aiosmtpd.controller import Controller

    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd needs a real one to check it started)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(app, smtp_server, monkeypatch):
    """Point the application at the SMTP server; the box starts empty for each test."""
    sink, port = smtp_server
    sink.messages.clear()
    sink.port = port
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_FROM", "lanterne@lanterne.test")
    return sink
