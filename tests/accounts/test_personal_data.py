"""Exporting one's data (a ZIP of JSON and the files of one's own requests) and deleting
one's account: private data goes, what was shared with an organisation stays with it."""
import io
import json
import zipfile
from datetime import date

from sqlalchemy import func, select

from tests.helpers import PASSWORD, make_request, page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.core.storage import file_store
from workflow.models import AccessRequest, Document, Event, Letter, RequesterIdentity, User


def _with_evidence(access_request, author):
    store = file_store()
    db.session.add_all([
        Event(request_id=access_request.id, type="sent", occurred_on=date(2026, 1, 8), author_id=author.id),
        Document(request_id=access_request.id, uploaded_by_id=author.id, sha256=store.put(b"%PDF-1.4 reponse"),
                 filename="reponse-mairie.pdf", media_type="application/pdf", size=16),
        Letter(request_id=access_request.id, kind="request", version=1, pdf_sha256=store.put(b"%PDF-1.4 courrier")),
    ])
    db.session.commit()


def test_export_is_a_zip_of_json_and_the_files_of_ones_own_requests(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0001")
    _with_evidence(access_request, alice)
    assert "Télécharger mes données" in page_text(client.get("/compte"))
    response = client.get("/compte/mes-donnees.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("donnees.json"))
    assert data["account"]["email"] == "alice@example.org"
    assert "password_hash" not in data["account"]
    assert [r["reference"] for r in data["requests"]] == ["LNT-2026-0001"]
    assert [e["type"] for e in data["events"]] == ["sent"]
    assert data["identities"][0]["name"] == "Alice Martin"
    assert data["letters"][0]["kind"] == "request" and data["documents"][0]["filename"] == "reponse-mairie.pdf"
    names = archive.namelist()
    document_name = f"fichiers/LNT-2026-0001/documents/{data['documents'][0]['id']}-reponse-mairie.pdf"
    assert archive.read(document_name) == b"%PDF-1.4 reponse"
    assert archive.read("fichiers/LNT-2026-0001/courriers/request-v1.pdf") == b"%PDF-1.4 courrier"
    assert "LISEZMOI.txt" in names


def test_export_holds_nothing_of_others(client, alice, metz, make_user):
    bob = make_user("bob@example.org")
    make_request(bob, metz, "LNT-2026-0002")
    data = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/compte/mes-donnees.zip").data)).read("donnees.json"))
    assert data["requests"] == [] and data["identities"] == []


def test_deleting_the_account_needs_the_password_and_removes_private_data(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0001")
    _with_evidence(access_request, alice)
    page = page_text(client.get("/compte/supprimer"))
    assert "1 demande privée sera supprimée, avec ses événements, courriers, documents et courriels reçus" in page
    assert "demande partagée" not in page  # nothing shared: nothing to say about it
    assert ("Les fichiers de vos demandes (documents reçus, courriers, courriels) sont effacés du stockage dans la "
            "foulée") in page
    wrong = client.post("/compte/supprimer", data={"password": "not my password"})
    assert wrong.status_code == 422 and "Mot de passe incorrect : le compte n'est pas supprimé." in page_text(wrong)
    done = client.post("/compte/supprimer", data={"password": PASSWORD}, follow_redirects=True)
    assert "Votre compte est supprimé" in page_text(done)
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    for model in (AccessRequest, Event, Document, Letter, RequesterIdentity):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert client.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD}).status_code == 401


def test_requests_shared_with_an_organisation_stay_with_it(client, alice, metz, make_user, client_for):
    collective = accounts.create_organisation(alice, "Collectif Metz")
    bob = make_user("bob@example.org", name="Bob")
    accounts.add_member(collective, "bob@example.org", "owner")
    shared = make_request(alice, metz, "LNT-2026-0001", organisation=collective)
    _with_evidence(shared, alice)
    make_request(alice, metz, "LNT-2026-0002")  # private
    page = page_text(client.get("/compte/supprimer"))
    assert "1 demande partagée avec une association reste à l'association : elle passe à l'un de ses responsables (Bob)" in page
    client.post("/compte/supprimer", data={"password": PASSWORD})
    db.session.expire_all()
    (kept,) = db.session.scalars(select(AccessRequest)).all()
    assert kept.reference == "LNT-2026-0001" and kept.owner_id == bob.id
    assert kept.requester.owner_id == bob.id  # the identity it was sent under stays with it
    assert [event.author_id for event in kept.events] == [None]
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 1
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1
    as_bob = client_for("bob@example.org")
    assert as_bob.get(f"/demandes/{kept.id}").status_code == 200


def test_the_only_owner_of_an_organisation_with_members_must_name_another_first(client, alice, metz, make_user):
    collective = accounts.create_organisation(alice, "Collectif Metz")
    make_user("bob@example.org")
    accounts.add_member(collective, "bob@example.org", "editor")
    page = page_text(client.get("/compte/supprimer"))
    assert "Vous êtes le seul responsable de « Collectif Metz » : nommez d'abord un autre responsable" in page
    assert client.post("/compte/supprimer", data={"password": PASSWORD}).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_an_organisation_whose_only_member_leaves_goes_with_the_account(client, alice, metz):
    collective = accounts.create_organisation(alice, "Seule")
    make_request(alice, metz, "LNT-2026-0001", organisation=collective)
    assert "L'association « Seule », dont vous êtes le seul membre, sera supprimée." in page_text(client.get("/compte/supprimer"))
    client.post("/compte/supprimer", data={"password": PASSWORD})
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0


def test_an_account_without_private_requests_is_told_so(client, alice):
    page = page_text(client.get("/compte/supprimer"))
    assert "Aucune demande privée à supprimer ; vos identités, campagnes et sujets privés seront supprimés." in page
    assert "0 demande" not in page
