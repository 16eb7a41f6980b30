"""Drafting: requester identities, the draft form (one or several authorities), editing a
draft, users' own subjects."""
import pytest
from sqlalchemy import func, select

from tests.helpers import page_text
from workflow.accounts import users as accounts
from workflow.directory.authorities import seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, Campaign, AccessRequest, RequesterIdentity, Subject


@pytest.fixture
def directory(app):
    seed_authorities()
    return {row.slug: row for row in db.session.scalars(select(Authority))}


@pytest.fixture
def identity(alice):
    person = RequesterIdentity(owner_id=alice.id, kind="person", name="Alice Martin",
                               address="12 rue des Jardins\n57000 Metz", email="alice@example.org")
    db.session.add(person)
    db.session.commit()
    return person


ITEMS = "Acte d'engagement du marché de vidéoprotection\nCCTP du marché\n\n  Avenants au marché  "


def draft_form(authority_ids, identity, **overrides):
    return {"authority_ids": [str(i) for i in authority_ids], "subject": "Marchés de vidéoprotection de Metz",
            "items": ITEMS, "requester_id": str(identity.id), "channel": "email", "access_format": "email",
            "organisation_id": "", **overrides}


def test_an_association_identity_needs_its_representative_and_a_well_formed_rna_number(client, alice):
    data = {"kind": "association", "name": "Technopolice Metz", "address": "1 rue X\n57000 Metz",
            "email": "contact@technopolice-metz.example", "organisation_id": ""}
    response = client.post("/compte/identites/nouvelle", data=data)
    assert response.status_code == 422
    text = page_text(response)
    assert "Indiquez qui représente l'association." in text
    assert "Indiquez le numéro RNA" not in text  # a missing number is a warning, not an error

    response = client.post("/compte/identites/nouvelle", data={**data, "rna_number": "w573012345x"})
    assert "Un numéro RNA s'écrit W suivi de neuf chiffres" in page_text(response)
    response = client.post("/compte/identites/nouvelle", data={**data, "rna_number": "W57301234"})
    assert "Un numéro RNA s'écrit W suivi de neuf chiffres" in page_text(response)

    response = client.post("/compte/identites/nouvelle", data={
        **data, "rna_number": "w573012345", "representative": "Jeanne Martin", "representative_role": "présidente"})
    assert response.status_code == 302
    saved = db.session.scalar(select(RequesterIdentity))
    assert (saved.rna_number, saved.representative, saved.address_lines) == (
        "W573012345", "Jeanne Martin", ("1 rue X", "57000 Metz"))


def test_a_person_identity_needs_an_address_and_an_email(client, alice):
    response = client.post("/compte/identites/nouvelle", data={"kind": "person", "name": "Alice", "organisation_id": ""})
    assert response.status_code == 422
    assert page_text(response).count("Ce champ est obligatoire.") >= 2
    assert db.session.scalar(select(func.count()).select_from(RequesterIdentity)) == 0


def test_draft_a_request_to_one_authority(client, alice, directory, identity):
    metz = directory["ville-de-metz"]
    response = client.post("/demandes/nouvelle", data=draft_form([metz.id], identity))
    assert response.status_code == 302
    access_request = db.session.scalar(select(AccessRequest))
    assert access_request.reference.startswith("LNT-") and access_request.status == "draft"
    assert [item.description for item in access_request.items] == [
        "Acte d'engagement du marché de vidéoprotection", "CCTP du marché", "Avenants au marché"]
    assert access_request.campaign_id is None
    text = page_text(client.get(response.headers["Location"]))
    assert f"La demande {access_request.reference} est enregistrée comme brouillon." in text
    assert "Brouillon" in text and "Envoyer la demande" in text


def test_several_authorities_make_a_campaign_with_one_request_each(client, alice, directory, identity):
    chosen = [directory["ville-de-metz"].id, directory["metz-metropole"].id, directory["prefecture-moselle"].id]
    response = client.post("/demandes/nouvelle", data=draft_form(chosen, identity, campaign_title="Vidéoprotection 2026"))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.title == "Vidéoprotection 2026"
    references = sorted(access_request.reference for access_request in campaign.requests)
    assert len(references) == 3 and len(set(references)) == 3
    assert {access_request.authority.slug for access_request in campaign.requests} == {"ville-de-metz", "metz-metropole", "prefecture-moselle"}
    text = page_text(client.get(response.headers["Location"]))
    assert "3 demandes sont prêtes, une par autorité" in text
    # The matrix: one row per document, one column per authority.
    assert "Documents demandés à chaque autorité" in text
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert body.count("<td>demandé</td>") == 9
    assert body.count('<th scope="row">') == 3


def test_a_number_taken_meanwhile_by_another_user_is_counted_again(client, alice, directory, identity,
                                                                  monkeypatch):
    """Two users drafting at the same moment read the same last number: the second to
    commit counts again instead of failing (seen under load on PostgreSQL)."""
    from workflow.requests import lifecycle as service

    chosen = [directory["ville-de-metz"].id, directory["metz-metropole"].id]
    assert client.post("/demandes/nouvelle", data=draft_form([chosen[0]], identity)).status_code == 302
    taken = db.session.scalar(select(AccessRequest.reference))
    counted = service._next_reference
    calls = []

    def stale_then_fresh(year):
        calls.append(year)
        return taken if len(calls) == 1 else counted(year)  # as if read before the other commit

    monkeypatch.setattr(service, "_next_reference", stale_then_fresh)
    response = client.post("/demandes/nouvelle", data=draft_form(chosen, identity, campaign_title="Vidéoprotection"))
    assert response.status_code == 302 and len(calls) == 2
    references = sorted(db.session.scalars(select(AccessRequest.reference)))
    assert len(references) == 3 and len(set(references)) == 3


@pytest.mark.parametrize(("overrides", "message"), [
    ({"authority_ids": []}, "Choisissez au moins une autorité."),
    ({"items": "   \n  "}, "Indiquez au moins un document demandé."),
    ({"subject": ""}, "Ce champ est obligatoire."),
    ({"requester_id": ""}, "Choisissez au nom de qui la demande est faite."),
    ({"channel": "pigeon"}, "Not a valid choice"),
])
def test_bad_drafts_are_refused_and_keep_what_was_typed(client, alice, directory, identity, overrides, message):
    response = client.post("/demandes/nouvelle", data={**draft_form([directory["ville-de-metz"].id], identity), **overrides})
    assert response.status_code == 422
    text = page_text(response)
    assert message in text or "choix valide" in text
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0
    if "subject" not in overrides:
        assert "Marchés de vidéoprotection de Metz" in response.get_data(as_text=True)


def test_someone_elses_identity_cannot_be_used(client, alice, directory, make_user):
    bob = make_user("bob@example.org")
    bobs = RequesterIdentity(owner_id=bob.id, kind="person", name="Bob", address="x", email="bob@example.org")
    db.session.add(bobs)
    db.session.commit()
    response = client.post("/demandes/nouvelle", data=draft_form([directory["ville-de-metz"].id], bobs))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0


def test_a_draft_is_editable_until_it_is_sent(client, alice, directory, identity):
    client.post("/demandes/nouvelle", data=draft_form([directory["ville-de-metz"].id], identity))
    access_request = db.session.scalar(select(AccessRequest))
    form = client.get(f"/demandes/{access_request.id}/modifier").get_data(as_text=True)
    assert "CCTP du marché" in form
    response = client.post(f"/demandes/{access_request.id}/modifier", data={
        **draft_form([], identity, items="Délibérations du conseil communautaire sur la vidéoprotection"),
        "authority_id": str(directory["metz-metropole"].id)})
    assert response.status_code == 302
    db.session.refresh(access_request)
    assert access_request.authority.slug == "metz-metropole"
    assert [item.description for item in access_request.items] == ["Délibérations du conseil communautaire sur la vidéoprotection"]

    client.post(f"/demandes/{access_request.id}/evenements", data={"type": "sent", "occurred_on": "2026-01-05", "channel": "email"})
    response = client.get(f"/demandes/{access_request.id}/modifier", follow_redirects=True)
    assert "Cette demande est déjà envoyée : elle ne peut plus être modifiée." in page_text(response)


def test_users_write_and_share_their_own_subjects(client, client_for, alice, make_user, directory, identity):
    collective = accounts.create_organisation(alice, "Collectif")
    make_user("bob@example.org")
    accounts.add_member(collective, "bob@example.org", "editor")
    response = client.post("/sujets/nouveau", data={
        "title": "Caméras du parc de la Seille", "items": "Plan des caméras\nFactures", "legal_grounds": "CRPA, art. L311-1",
        "organisation_id": str(collective.id)})
    assert response.status_code == 302
    subject = db.session.scalar(select(Subject))
    as_bob = client_for("bob@example.org")
    library_page = as_bob.get("/sujets/")
    assert library_page.status_code == 200
    assert "Caméras du parc de la Seille" in page_text(library_page)
    form = as_bob.get(f"/demandes/nouvelle?sujet=user:{subject.id}").get_data(as_text=True)
    assert "Plan des caméras\nFactures" in form
    make_user("carol@example.org")
    as_carol = client_for("carol@example.org")
    assert "Caméras du parc de la Seille" not in page_text(as_carol.get("/sujets/"))
    assert "Plan des caméras" not in as_carol.get(f"/demandes/nouvelle?sujet=user:{subject.id}").get_data(as_text=True)


def test_the_form_picks_authorities_through_the_search_without_javascript(client, alice, directory, identity):
    page = client.get("/demandes/nouvelle").get_data(as_text=True)
    assert 'src="/static/js/authority-picker.js"' in page and 'name="autorite_q"' in page
    assert "Ville de Metz" not in page  # the directory is searched, never listed whole

    metz = directory["ville-de-metz"]
    response = client.post("/demandes/nouvelle", data={
        **draft_form([metz.id], identity), "autorite_q": "prefecture MOSELLE", "chercher": "1"})
    assert response.status_code == 200
    text = page_text(response)
    assert "1 autorité trouvée pour « prefecture MOSELLE »." in text
    assert "Préfecture de la Moselle" in text and "Ville de Metz" in text  # the result, and what was chosen
    assert "Marchés de vidéoprotection de Metz" in response.get_data(as_text=True)  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(AccessRequest)) == 0

    prefecture = directory["prefecture-moselle"]
    response = client.post("/demandes/nouvelle", data=draft_form([metz.id, prefecture.id], identity,
                                                                 campaign_title="Vidéoprotection à Metz"))
    assert response.status_code == 302
    assert {r.authority.slug for r in db.session.scalars(select(AccessRequest))} == {"ville-de-metz", "prefecture-moselle"}


def test_the_picker_script_gets_search_results_as_json(client, alice, directory):
    items = client.get("/autorites/choix.json?q=prefecture+57").json["items"]
    assert items == [{"id": directory["prefecture-moselle"].id, "label": "Préfecture de la Moselle (57034 Metz Cedex 1)"}]
    assert client.get("/autorites/choix.json?q=").json == {"items": []}


def test_the_edit_form_searches_too(client, alice, directory, identity):
    client.post("/demandes/nouvelle", data=draft_form([directory["ville-de-metz"].id], identity))
    access_request = db.session.scalar(select(AccessRequest))
    page = client.get(f"/demandes/{access_request.id}/modifier").get_data(as_text=True)
    assert "Ville de Metz" in page and "Metz Métropole" not in page
    response = client.post(f"/demandes/{access_request.id}/modifier", data={
        **draft_form([], identity), "authority_id": str(directory["ville-de-metz"].id), "autorite_q": "metropole",
        "chercher": "1"})
    assert response.status_code == 200 and "Metz Métropole" in page_text(response)


def test_concurrent_campaigns_are_numbered_without_failing(app, alice, directory, identity):
    """Threaded web workers draft at the same moment: on PostgreSQL the numbering takes a
    transaction lock; on SQLite the retries wait a random while, so they do not collide
    again in step. None fails (seen in bench/load.py)."""
    import threading

    from workflow.requests import lifecycle as service

    user_id, identity_id = alice.id, identity.id
    chosen = [directory["ville-de-metz"].id, directory["metz-metropole"].id]
    db.session.commit()
    failures, barrier = [], threading.Barrier(8)

    def draft():
        with app.app_context():
            try:
                owner = db.session.get(type(alice), user_id)
                authorities = list(db.session.scalars(select(Authority).where(Authority.id.in_(chosen))))
                requester = db.session.get(RequesterIdentity, identity_id)
                barrier.wait()
                for _ in range(3):
                    service.create_requests(owner, authorities, service.Draft("Caméras", ["CCTP"], requester))
            except Exception as error:  # noqa: BLE001  (reported below)
                failures.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=draft) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    references = list(db.session.scalars(select(AccessRequest.reference)))
    assert len(references) == 48 and len(set(references)) == 48
