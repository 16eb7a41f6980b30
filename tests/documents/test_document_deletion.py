"""Deleting a received document filed by mistake: editors only, POST with confirmation,
noted on the request's timeline; the stored bytes stay; proofs of events and sent letters
are never deleted."""
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.documents.helpers import make_request, upload
from tests.documents.samples import make_pdf, make_zip
from tests.helpers import page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.models import Document, HistoryEntry
from workflow.models.documents import DocumentPage

TODAY = date(2026, 3, 1)
# Bytes of their own: the file store outlives a test, and other tests count its files.
CONTRACT = make_pdf(["Contrat filé par erreur, à supprimer."])


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("workflow.core.clock.today", lambda: TODAY)


@pytest.fixture
def access_request(alice):
    return make_request(alice)


def filed(client, access_request, name="Contrat vidéo.pdf", content=CONTRACT) -> Document:
    upload(client, access_request, [(name, content)])
    return db.session.scalar(select(Document).where(Document.filename == name))


def test_an_editor_deletes_with_confirmation_and_the_timeline_keeps_it(client, access_request):
    document = filed(client, access_request)
    document_id, sha256 = document.id, document.sha256
    page = page_text(client.get(f"/documents/{document_id}"))
    assert "Supprimer ce document" in page and "le fichier lui-même reste conservé sur le serveur" in page
    assert client.get(f"/documents/{document_id}/supprimer").status_code == 405

    unconfirmed = client.post(f"/documents/{document_id}/supprimer", follow_redirects=True)
    assert "Cochez la case de confirmation pour supprimer le document." in page_text(unconfirmed)
    assert db.session.get(Document, document_id) is not None

    response = client.post(f"/documents/{document_id}/supprimer", data={"confirm": "oui"}, follow_redirects=True)
    text = page_text(response)
    assert "Le document « Contrat vidéo.pdf » est supprimé ; l'historique de la demande le garde." in text
    db.session.expire_all()
    assert db.session.get(Document, document_id) is None
    timeline = text[text.index("Chronologie"):]
    assert "Document reçu supprimé : « Contrat vidéo.pdf »" in timeline and "Par alice@example.org, le " in timeline
    entry = db.session.scalar(select(HistoryEntry))
    assert entry.data["files"][0]["sha256"] == sha256
    assert file_store().read(sha256) == CONTRACT  # the bytes stay: evidence is never lost silently
    assert client.get(f"/documents/{document_id}").status_code == 404


def test_a_container_goes_with_its_contents_and_their_text(client, access_request):
    archive = make_zip({"a.txt": "Marché supprimé".encode(), "b.txt": "Caméras supprimées".encode()})
    document = filed(client, access_request, "envoi.zip", archive)
    assert len(document.children) == 2
    from tests.helpers import run_worker
    run_worker()
    assert db.session.scalar(select(func.count()).select_from(DocumentPage)) > 0
    response = client.post(f"/documents/{document.id}/supprimer", data={"confirm": "oui"}, follow_redirects=True)
    assert "Document reçu supprimé : « envoi.zip » et les 2 fichiers qu'il contenait" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert db.session.scalar(select(func.count()).select_from(DocumentPage)) == 0
    assert "Aucun document ne contient" in page_text(client.get("/documents/recherche?q=supprimées"))


def test_a_reader_or_a_stranger_cannot_delete(client, client_for, access_request, make_user, alice):
    document = filed(client, access_request)
    organisation = accounts.create_organisation(alice, "Collectif")
    make_user("lecteur@example.org", name="Lecteur")
    make_user("inconnu@example.org", name="Inconnu")
    accounts.add_member(organisation, "lecteur@example.org", "viewer")
    access_request.organisation_id = organisation.id
    db.session.commit()
    reader = client_for("lecteur@example.org")
    assert "Supprimer ce document" not in page_text(reader.get(f"/documents/{document.id}"))
    assert reader.post(f"/documents/{document.id}/supprimer", data={"confirm": "oui"}).status_code in (403, 404)
    stranger = client_for("inconnu@example.org")
    assert stranger.post(f"/documents/{document.id}/supprimer", data={"confirm": "oui"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Document, document.id) is not None


def test_the_proof_of_an_event_cannot_be_deleted(client, access_request):
    response = client.post(f"/demandes/{access_request.id}/evenements", data={
        "type": "sent", "occurred_on": "2026-02-01", "channel": "postal",
        "proof": (io.BytesIO(CONTRACT), "preuve-de-depot.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    proof = db.session.scalar(select(Document))
    assert "justificatif d'un événement de la chronologie : il ne peut pas être supprimé" in page_text(
        client.get(f"/documents/{proof.id}"))
    refused = client.post(f"/documents/{proof.id}/supprimer", data={"confirm": "oui"}, follow_redirects=True)
    assert "il ne peut pas être supprimé" in page_text(refused)
    db.session.expire_all()
    assert db.session.get(Document, proof.id) is not None
