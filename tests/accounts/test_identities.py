"""Requester identities: an association déclarée (RNA number), inscrite under the local law
of Moselle, Bas-Rhin and Haut-Rhin (register entry) or with neither yet, a group without
legal personality. A missing number is a warning (CRPA R112-9-1), never an error: on the
identity's pages, the draft, the request page and the API."""
import pytest
from sqlalchemy import select

from tests.helpers import page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.models import AccessRequest, RequesterIdentity

WARNING = "Ni le numéro RNA de l'association (association déclarée) ni son inscription au registre des associations"
REASON = ("une demande adressée par voie électronique doit mentionner ce numéro (CRPA, art. R112-9-1) ; devant le "
          "tribunal administratif, l'association devra en outre produire ses statuts et le mandat")
ASSOCIATION = {"kind": "association", "name": "Les Amis de la transparence messine", "address": "5 rue Mazelle\n57000 Metz",
               "email": "amis@transparence.example", "representative": "Paul Schmitt", "organisation_id": ""}


def _saved() -> RequesterIdentity:
    return db.session.scalar(select(RequesterIdentity).order_by(RequesterIdentity.id.desc()))


def test_an_association_inscrite_gives_its_register_entry(client, alice):
    response = client.post("/compte/identites/nouvelle", data={
        **ASSOCIATION, "local_register": "Tribunal judiciaire de Metz, volume 148, folio 12"}, follow_redirects=True)
    assert response.status_code == 200
    assert WARNING not in page_text(response)
    saved = _saved()
    assert (saved.kind, saved.rna_number, saved.local_register) == (
        "association", None, "Tribunal judiciaire de Metz, volume 148, folio 12")


def test_an_association_without_number_is_saved_with_a_warning(client, alice):
    response = client.post("/compte/identites/nouvelle", data=ASSOCIATION, follow_redirects=True)
    text = page_text(response)
    assert "L'identité « Les Amis de la transparence messine » est enregistrée." in text
    assert WARNING in text and REASON in text
    assert "Ni numéro RNA ni inscription au registre des associations (CRPA, art. R112-9-1)." in text  # the list
    edit = page_text(client.get(f"/compte/identites/{_saved().id}/modifier"))
    assert WARNING in edit and REASON in edit


def test_an_association_is_declaree_or_inscrite_not_both(client, alice):
    response = client.post("/compte/identites/nouvelle", data={
        **ASSOCIATION, "rna_number": "W573012345", "local_register": "Tribunal judiciaire de Metz, volume 148, folio 12"})
    assert response.status_code == 422
    assert ("Une association est soit déclarée (numéro RNA), soit inscrite au registre des associations du tribunal "
            "judiciaire (droit local de la Moselle, du Bas-Rhin et du Haut-Rhin) : n'indiquez que l'un des deux."
            ) in page_text(response)
    assert db.session.scalar(select(RequesterIdentity)) is None


def test_a_group_needs_the_person_who_writes_for_it(client, alice):
    data = {"kind": "group", "name": "Technopolice Metz", "address": "8 rue du Pont-des-Morts\n57000 Metz",
            "email": "technopolice@example.org", "organisation_id": "", "rna_number": "W573012345"}
    response = client.post("/compte/identites/nouvelle", data=data)
    assert response.status_code == 422
    assert "Indiquez le nom et le prénom de la personne qui écrit pour le collectif." in page_text(response)
    response = client.post("/compte/identites/nouvelle", data={**data, "representative": "Jeanne Martin"},
                           follow_redirects=True)
    assert "Collectif sans personnalité juridique" in page_text(response)
    saved = _saved()
    assert (saved.kind, saved.representative, saved.rna_number) == ("group", "Jeanne Martin", None)


def test_the_draft_and_the_request_page_warn_until_the_number_is_given(client, alice, metz):
    client.post("/compte/identites/nouvelle", data=ASSOCIATION)
    identity = _saved()
    form = page_text(client.get("/demandes/nouvelle"))
    assert f"« Les Amis de la transparence messine » : {WARNING}" in form
    response = client.post("/demandes/nouvelle", data={
        "authority_ids": [str(metz.id)], "subject": "Délibérations", "items": "Délibérations de 2024",
        "requester_id": str(identity.id), "channel": "email", "access_format": "email", "organisation_id": ""})
    assert response.status_code == 302  # the draft is made
    access_request = db.session.scalar(select(AccessRequest))
    page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert f"Demandeur « Les Amis de la transparence messine » : {WARNING}" in page and REASON in page
    assert WARNING in page_text(client.get(f"/demandes/{access_request.id}/modifier"))

    client.post(f"/compte/identites/{identity.id}/modifier", data={**ASSOCIATION, "rna_number": "W573012345"})
    assert WARNING not in page_text(client.get(f"/demandes/{access_request.id}"))  # the kept page is out of date


def test_identity_rules_are_plain_functions():
    assert accounts.identity_problems("association", "W12", "", "Paul") == {"rna_number": accounts.RNA_FORMAT}
    assert accounts.identity_problems("association", "", "", "Paul") == {}
    assert accounts.identity_problems("person", "", "", "") == {}
    assert accounts.identity_warnings(RequesterIdentity(kind="person")) == []
    assert accounts.identity_warnings(RequesterIdentity(kind="association", local_register="TJ Metz")) == []
    assert accounts.identity_warnings(RequesterIdentity(kind="association")) == [accounts.NO_REGISTER]


# ------------------------------------------------------------------ API


@pytest.fixture
def headers(make_user):
    return {"Authorization": f"Bearer {accounts.issue_token(make_user('script@example.org'))}"}


def _post(client, headers, metz, requester):
    return client.post("/api/v1/requests", headers=headers, json={
        "authority_ids": [metz.id], "subject": "Délibérations", "items": ["Délibérations de 2024"],
        "requester": {"name": "Les Amis", "address": "5 rue Mazelle\n57000 Metz", "email": "amis@example.org",
                      **requester}})


@pytest.mark.parametrize(("requester", "stored", "warned"), [
    ({"kind": "association", "rna_number": "w573012345", "representative": "Paul"}, ("W573012345", None), False),
    ({"kind": "association", "local_register": "Tribunal judiciaire de Metz, volume 148, folio 12"},
     (None, "Tribunal judiciaire de Metz, volume 148, folio 12"), False),
    ({"kind": "association"}, (None, None), True),
    ({"kind": "group", "representative": "Jeanne Martin", "rna_number": "W573012345"}, (None, None), False),
    ({}, (None, None), False),
])
def test_the_api_takes_every_kind_of_requester(client, headers, metz, requester, stored, warned):
    response = _post(client, headers, metz, requester)
    assert response.status_code == 201, response.get_json()
    access_request = db.session.get(AccessRequest, response.get_json()["requests"][0]["id"])
    identity = access_request.requester
    assert identity.kind == requester.get("kind", "person")
    assert (identity.rna_number, identity.local_register) == stored
    warnings = client.get(f"/api/v1/requests/{access_request.id}", headers=headers).get_json()["warnings"]
    assert warnings == ([accounts.NO_REGISTER] if warned else [])


@pytest.mark.parametrize(("requester", "field", "message"), [
    ({"kind": "association", "rna_number": "W12345"}, "requester.rna_number",
     "Un numéro RNA s'écrit W suivi de neuf chiffres (ex. W573012345)."),
    ({"kind": "association", "rna_number": "W573012345", "local_register": "TJ Metz"}, "requester.local_register",
     accounts.BOTH_REGISTERS),
    ({"kind": "collectif"}, "requester.kind", "Un de : person, association, group."),
    ({"kind": ["association"]}, "requester.kind", "Un de : person, association, group."),
])
def test_the_api_refuses_a_malformed_requester_in_french(client, headers, metz, requester, field, message):
    response = _post(client, headers, metz, requester)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][field] == [message]
    assert db.session.scalar(select(AccessRequest)) is None


def test_the_openapi_description_documents_the_requester(client):
    requester = client.get("/api/v1/openapi.json").get_json()["paths"]["/requests"]["post"]["requestBody"][
        "content"]["application/json"]["schema"]["properties"]["requester"]["properties"]
    assert requester["kind"]["enum"] == ["person", "association", "group"]
    assert requester["rna_number"]["pattern"] == "^[Ww][0-9]{9}$"
    assert "Tribunal judiciaire de Metz, volume 148, folio 12" in requester["local_register"]["description"]
