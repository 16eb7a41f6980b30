"""Batch letters for a campaign: a real RQ job on the test Redis, progress in the row."""
import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import PASSWORD, page_text, run_worker
from workflow.directory.authorities import seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, Campaign, JobRun, RequesterIdentity
from workflow.jobs.queues import queue


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: date(2026, 3, 1))


@pytest.fixture
def campaign(client, make_user):
    user = make_user("alice@example.org")
    client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    seed_authorities()
    identity = RequesterIdentity(owner_id=user.id, name="Alice Martin", address="1 rue X\n57000 Metz", email="a@example.org")
    db.session.add(identity)
    db.session.commit()
    slugs = ["ville-de-metz", "metz-metropole", "prefecture-moselle"]
    ids = [str(db.session.scalar(select(Authority.id).where(Authority.slug == slug))) for slug in slugs]
    client.post("/demandes/nouvelle", data={
        "authority_ids": ids, "subject": "Vidéoprotection", "items": "Marchés de vidéoprotection\nDélibérations",
        "requester_id": str(identity.id), "channel": "email", "access_format": "email", "organisation_id": ""})
    return db.session.scalar(select(Campaign))


def test_batch_letters_run_as_a_job_with_visible_progress(client, campaign):
    response = client.post(f"/campagnes/{campaign.id}/courriers", data={"kind": "request"})
    assert response.status_code == 302
    run = db.session.scalar(select(JobRun))
    waiting = client.get(response.headers["Location"])
    assert "En attente d'un worker" in page_text(waiting)
    assert '<meta http-equiv="refresh"' in waiting.get_data(as_text=True)

    run_worker()
    db.session.refresh(run)
    assert (run.status, run.done, run.total) == ("done", 3, 3)
    assert queue().fetch_job(run.rq_job_id).meta["progress"] == {"done": 3, "total": 3}
    page = client.get(response.headers["Location"])
    assert "Les 3 courriers sont prêts." in page_text(page)
    assert '<meta http-equiv="refresh"' not in page.get_data(as_text=True)

    archive = client.get(f"/campagnes/{campaign.id}/travaux/{run.id}/resultat")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        names = sorted(bundle.namelist())
        assert len(names) == 3 and all(name.endswith(".pdf") for name in names)
        assert all(bundle.read(name).startswith(b"%PDF") for name in names)


def test_letters_not_ready_are_listed_not_lost(client, campaign):
    client.post(f"/campagnes/{campaign.id}/courriers", data={"kind": "court_application"})
    run_worker()
    run = db.session.scalar(select(JobRun))
    assert run.status == "done"
    with zipfile.ZipFile(io.BytesIO(client.get(f"/campagnes/{campaign.id}/travaux/{run.id}/resultat").data)) as bundle:
        assert bundle.namelist() == ["non-prets.txt"]
        assert "Il manque" in bundle.read("non-prets.txt").decode() or "ne peut pas" in bundle.read("non-prets.txt").decode()


def test_running_the_job_twice_does_the_work_once(client, campaign):
    from workflow.jobs.tasks import render_campaign_letters

    client.post(f"/campagnes/{campaign.id}/courriers", data={"kind": "request"})
    run_worker()
    run = db.session.scalar(select(JobRun))
    first = run.result_sha256
    assert render_campaign_letters(run.id, "request") == first


def test_another_users_campaign_job_is_hidden(client, client_for, campaign, make_user):
    client.post(f"/campagnes/{campaign.id}/courriers", data={"kind": "request"})
    run = db.session.scalar(select(JobRun))
    make_user("bob@example.org")
    as_bob = client_for("bob@example.org")
    assert as_bob.get(f"/campagnes/{campaign.id}/travaux/{run.id}").status_code == 404
    assert as_bob.post(f"/campagnes/{campaign.id}/courriers", data={"kind": "request"}).status_code == 404
