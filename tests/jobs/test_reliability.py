"""With Redis down, the web application keeps working: drafting, recording, letters;
what had to be scheduled waits in the database for the sweep."""

import pytest
from sqlalchemy import select

from tests.helpers import page_text, run_worker
from workflow.core import clock
from workflow.jobs import sweep
from workflow.directory.authorities import seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, JobRun, OutgoingMail, Reminder, AccessRequest, RequesterIdentity


@pytest.fixture
def redis_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setitem(app.extensions, "lanterne_redis", None)
    return monkeypatch


def test_drafting_recording_and_letters_work_without_redis(client, alice, redis_down, mailbox, app):
    seed_authorities()
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    metz.email = "mairie@metz.example"
    identity = RequesterIdentity(owner_id=alice.id, name="Alice Martin", address="1 rue X\n57000 Metz", email="a@example.org")
    db.session.add(identity)
    db.session.commit()

    response = client.post("/demandes/nouvelle", data={
        "authority_ids": [str(metz.id)], "subject": "Vidéoprotection", "items": "Marchés",
        "requester_id": str(identity.id), "channel": "email", "access_format": "email", "organisation_id": ""})
    assert response.status_code == 302
    access_request = db.session.scalar(select(AccessRequest))
    today = clock.today()
    response = client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": today.isoformat()})
    assert response.status_code == 302
    assert "Naissance du refus implicite" in page_text(client.get(f"/demandes/{access_request.id}"))
    assert db.session.scalar(select(Reminder)) is not None  # the reminders wait in the database
    assert client.get(f"/demandes/{access_request.id}/courriers/request.pdf").data.startswith(b"%PDF")
    assert client.get("/").status_code == 200

    response = client.post(f"/demandes/{access_request.id}/courriers/reminder/courriel", data={"recipient": "mairie@metz.example"},
                           follow_redirects=True)
    assert "il partira dès que le service d'envoi sera disponible" in page_text(response)
    assert db.session.scalar(select(OutgoingMail.status)) == "queued"

    # Redis is back: the sweep hands over what waited, nothing is lost.
    redis_down.undo()  # (this also undoes the mailbox's settings: set them again)
    redis_down.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    redis_down.setitem(app.config, "MAIL_PORT", mailbox.port)
    report = sweep.run(today)
    assert report.mails_requeued == 1
    run_worker()
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["To"] == "mairie@metz.example"


def test_a_campaign_job_without_redis_says_so(client, alice, redis_down):
    seed_authorities()
    identity = RequesterIdentity(owner_id=alice.id, name="Alice", address="x\n57000 Metz", email="a@example.org")
    db.session.add(identity)
    db.session.commit()
    ids = [str(i) for i in db.session.scalars(select(Authority.id).limit(2))]
    client.post("/demandes/nouvelle", data={"authority_ids": ids, "subject": "Vidéoprotection", "items": "Marchés",
                                            "requester_id": str(identity.id), "channel": "email",
                                            "access_format": "email", "organisation_id": ""})
    campaign_id = db.session.scalar(select(AccessRequest.campaign_id))
    response = client.post(f"/campagnes/{campaign_id}/courriers", data={"kind": "request"}, follow_redirects=True)
    assert "La file des tâches (Redis) est indisponible" in page_text(response)
    assert db.session.scalar(select(JobRun.status)) == "failed"


def test_a_database_connection_closed_while_idle_is_replaced_unseen(app, database_settings):
    """What pool_pre_ping did on every checkout is done for connections that sat idle:
    one the server closed meanwhile is replaced before a page uses it."""
    import time

    from sqlalchemy import create_engine, text

    from workflow.core.extensions import ping_idle_connections

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: a SQLite file has no connection to lose")
    engine = create_engine(database_settings["SQLALCHEMY_DATABASE_URI"])
    ping_idle_connections(engine, idle_seconds=0.05)
    try:
        with engine.connect() as connection:
            first_pid = connection.scalar(text("SELECT pg_backend_pid()"))
        with engine.connect() as connection:  # at once: the same connection, not pinged
            assert connection.scalar(text("SELECT pg_backend_pid()")) == first_pid
        with db.engine.connect() as admin:
            assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
        time.sleep(0.2)
        with engine.connect() as connection:  # idle, pinged, found closed, replaced
            assert connection.scalar(text("SELECT pg_backend_pid()")) != first_pid
    finally:
        engine.dispose()
