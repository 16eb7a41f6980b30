"""Who may do what with shared requests and identities (README, "Who may do what";
workflow/accounts/access.py), by page and by API."""
from sqlalchemy import select

from tests.helpers import make_request, page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.models import AccessRequest, RequesterIdentity


def _association_identity(owner, organisation, name="Technopolice Metz"):
    identity = RequesterIdentity(owner_id=owner.id, organisation_id=organisation.id, kind="association", name=name,
                                 rna_number="W573012345", representative="Alice Martin",
                                 address="1 rue X\n57000 Metz", email="contact@technopolice.example")
    db.session.add(identity)
    db.session.commit()
    return identity


def _shared_request(owner, authority, organisation, identity, reference="LNT-2026-0001"):
    access_request = make_request(owner, authority, reference, organisation=organisation)
    access_request.requester = identity
    db.session.commit()
    return access_request


def _edit_form(access_request, **overrides):
    return {"subject": access_request.subject, "items": "Marché de vidéoprotection",
            "requester_id": str(access_request.requester_id), "channel": "email", "access_format": "email",
            "authority_id": str(access_request.authority_id),
            "organisation_id": str(access_request.organisation_id or ""), **overrides}


def _api(make_user, email):
    return {"Authorization": f"Bearer {accounts.issue_token(accounts.find_user(email) or make_user(email))}"}


def test_an_editor_cannot_move_a_shared_request_into_another_organisation(client_for, make_user, metz):
    alice, erin = make_user("alice@example.org"), make_user("erin@example.org")
    collective = accounts.create_organisation(alice, "Collectif Technopolice Metz")
    accounts.add_member(collective, "erin@example.org", "editor")
    elsewhere = accounts.create_organisation(erin, "Autre association")
    identity = _association_identity(alice, collective)
    shared = _shared_request(alice, metz, collective, identity)

    as_erin = client_for("erin@example.org")
    response = as_erin.post(f"/demandes/{shared.id}/modifier",
                            data=_edit_form(shared, organisation_id=str(elsewhere.id)))
    assert response.status_code == 422
    assert "Seuls l'auteur de la demande et les responsables de l'association" in page_text(response)
    db.session.refresh(shared)
    assert shared.organisation_id == collective.id
    # Editing within the organisation still works.
    response = as_erin.post(f"/demandes/{shared.id}/modifier", data=_edit_form(shared, subject="Nouvel objet"))
    assert response.status_code == 302

    # Its owner may not move it either while it is written in the association's name.
    accounts.add_member(elsewhere, "alice@example.org", "editor")
    as_alice = client_for("alice@example.org")
    response = as_alice.post(f"/demandes/{shared.id}/modifier",
                             data=_edit_form(shared, organisation_id=str(elsewhere.id)))
    assert response.status_code == 422
    assert "doit être partagée avec cette association" in page_text(response)
    db.session.refresh(shared)
    assert shared.organisation_id == collective.id


def test_a_viewer_cannot_write_in_the_associations_name(client_for, make_user, metz):
    make_user("bob@example.org")
    alice = make_user("alice@example.org")
    collective = accounts.create_organisation(alice, "Collectif Technopolice Metz")
    accounts.add_member(collective, "bob@example.org", "viewer")
    identity = _association_identity(alice, collective)

    as_bob = client_for("bob@example.org")
    response = as_bob.post("/demandes/nouvelle", data={
        "authority_ids": [str(metz.id)], "subject": "Au nom de l'association", "items": "Marché",
        "requester_id": str(identity.id), "channel": "email", "access_format": "email", "organisation_id": ""})
    assert response.status_code == 422
    assert db.session.scalar(select(AccessRequest)) is None
    assert "Technopolice Metz (association)" not in page_text(as_bob.get("/demandes/nouvelle"))  # not offered


def test_a_member_turned_viewer_no_longer_changes_the_requests_they_wrote(client_for, make_user, metz):
    alice = make_user("alice@example.org")
    collective = accounts.create_organisation(make_user("carol@example.org"), "Collectif")
    accounts.add_member(collective, "alice@example.org", "editor")
    shared = make_request(alice, metz, "LNT-2026-0001", organisation=collective)
    accounts.add_member(collective, "alice@example.org", "viewer")

    as_alice = client_for("alice@example.org")
    assert as_alice.get(f"/demandes/{shared.id}").status_code == 200
    event = {"type": "sent", "occurred_on": "2026-01-05", "channel": "email"}
    assert as_alice.post(f"/demandes/{shared.id}/evenements", data=event).status_code == 403
    assert as_alice.post(f"/demandes/{shared.id}/courriers/request/envoye", data={"sent_on": "2026-01-05"}).status_code == 403
    response = as_alice.post(f"/demandes/{shared.id}/modifier", data=_edit_form(shared, organisation_id=""))
    assert response.status_code == 403
    response = as_alice.post(f"/api/v1/requests/{shared.id}/events", json={"type": "sent", "date": "2026-01-05"},
                             headers=_api(make_user, "alice@example.org"))
    assert response.status_code == 403
    db.session.refresh(shared)
    assert shared.organisation_id == collective.id and not shared.events


def test_a_removed_member_loses_the_organisations_requests_and_identities(client_for, make_user, metz):
    alice, carol = make_user("alice@example.org"), make_user("carol@example.org")
    collective = accounts.create_organisation(alice, "Collectif Technopolice Metz")
    accounts.add_member(collective, "carol@example.org", "owner")
    identity = _association_identity(alice, collective)
    shared = _shared_request(alice, metz, collective, identity)
    # Written before the rules, or shared afterwards: a private request in the association's name.
    private = _shared_request(alice, metz, None, identity, "LNT-2026-0002")
    headers = _api(make_user, "alice@example.org")
    accounts.remove_member(collective, alice.id)

    as_alice = client_for("alice@example.org")
    assert as_alice.get(f"/demandes/{shared.id}").status_code == 404
    assert as_alice.get(f"/demandes/{shared.id}/courriers/request.html").status_code == 404
    assert as_alice.get(f"/api/v1/requests/{shared.id}/letters/request.txt", headers=headers).status_code == 404
    assert "Technopolice Metz" not in page_text(as_alice.get("/compte/identites"))

    response = as_alice.get(f"/demandes/{private.id}/courriers/request.html")
    assert response.status_code == 403
    assert "une identité de l'association « Collectif Technopolice Metz » : seuls ses membres" in page_text(response)
    response = as_alice.get(f"/api/v1/requests/{private.id}/letters/request.txt", headers=headers)
    assert response.status_code == 403
    assert "seuls ses membres peuvent voir ses courriers" in response.get_json()["error"]["message"]
    assert as_alice.post(f"/demandes/{private.id}/courriers/request/envoye",
                         data={"sent_on": "2026-01-05"}).status_code == 403
    # Kept as is, the draft is refused: she must choose another identity.
    response = as_alice.post(f"/demandes/{private.id}/modifier", data=_edit_form(private))
    assert response.status_code == 422

    # The API does not reuse the organisation's identity she created.
    response = as_alice.post("/api/v1/requests", headers=headers, json={
        "authority_ids": [metz.id], "subject": "Encore", "items": ["Marché"],
        "requester": {"kind": "association", "name": identity.name, "address": identity.address,
                      "email": identity.email, "rna_number": "W573012345"}})
    assert response.status_code == 201
    created = db.session.get(AccessRequest, response.get_json()["requests"][0]["id"])
    assert created.requester_id != identity.id and created.requester.organisation_id is None

    # Carol, still an owner, keeps everything.
    as_carol = client_for("carol@example.org")
    assert "Technopolice Metz" in page_text(as_carol.get(f"/demandes/{shared.id}/courriers/request.html"))
    assert carol


def test_an_organisations_identity_stays_with_it(client_for, make_user):
    alice = make_user("alice@example.org")
    make_user("erin@example.org")
    collective = accounts.create_organisation(alice, "Collectif")
    accounts.add_member(collective, "erin@example.org", "editor")
    identity = _association_identity(alice, collective)
    as_erin = client_for("erin@example.org")
    response = as_erin.post(f"/compte/identites/{identity.id}/modifier", data={
        "kind": "association", "name": identity.name, "rna_number": "W573012345", "representative": "Erin",
        "address": identity.address, "email": identity.email, "organisation_id": ""})
    assert response.status_code == 302
    db.session.refresh(identity)
    assert identity.organisation_id == collective.id and identity.representative == "Erin"
