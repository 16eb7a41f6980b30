"""The directory is shared: a second user cannot change what a first user's letters use,
by page or API. Maintainers edit and verify; others propose, or keep coordinates for their
own organisation's letters; every change is in the history; before an e-mail leaves, the
user sees the exact recipient and confirms it again when it changed since drafting."""
import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.helpers import page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.directory import sharing
from workflow.directory.authorities import seed_authorities
from workflow.letters import request_letters
from workflow.models import (Authority, AuthorityChange, AuthorityOverride, AuthorityProposal, OutgoingMail, AccessRequest,
                             RequesterIdentity, RequestItem)

ATTACKER = "collecte@mallory.example"
PRADA = "prada@metz.example"


def _form(authority, **changes):
    """The edit form as the page fills it for `authority`, with `changes`."""
    fields = ("name", "kind", "address_lines", "postal_code", "city", "email", "prada_name", "prada_email", "website",
              "online_request_url", "department_code", "notes")
    return {**{name: getattr(authority, name) for name in fields}, **changes}


@pytest.fixture
def people(app, make_user):
    seed_authorities()
    alice, mallory, maud = make_user("alice@example.org"), make_user("mallory@example.org"), make_user("maud@example.org")
    maud.directory_maintainer = True
    metz = db.session.scalar(select(Authority).where(Authority.slug == "ville-de-metz"))
    metz.prada_email = PRADA
    identity = RequesterIdentity(owner_id=alice.id, name="Alice Martin", address="3 rue Haute\n57000 Metz",
                                 email="alice@example.org")
    access_request = AccessRequest(reference="LNT-2026-0801", owner_id=alice.id, authority_id=metz.id, channel="email",
                    subject="Vidéoprotection", requester=identity,
                    items=[RequestItem(position=1, description="Marché des caméras")])
    db.session.add(access_request)
    db.session.commit()
    return {"alice": alice, "mallory": mallory, "maud": maud, "metz": metz, "request": access_request}


def _api(client, user):
    return {"Authorization": f"Bearer {accounts.issue_token(user)}"}


def _alices_letter_goes_to_prada(people, client_for):
    assert request_letters.email_recipient(people["request"]) == PRADA
    alice = client_for("alice@example.org")
    config = current_app.config
    saved = config.get("MAIL_SERVER")
    config["MAIL_SERVER"] = "localhost"  # the page offers the sending only with a mail server
    try:
        assert f"Envoyer à {PRADA}" in page_text(alice.get(f"/demandes/{people['request'].id}/courriers/request"))
    finally:
        config["MAIL_SERVER"] = saved


def test_a_second_user_editing_the_page_only_proposes(client, client_for, people):
    metz = people["metz"]
    mallory = client_for("mallory@example.org")
    form = mallory.get(f"/autorites/{metz.id}/modifier")
    assert "Proposer la modification aux responsables de l'annuaire" in page_text(form)
    assert 'name="verified"' not in form.get_data(as_text=True)
    response = mallory.post(f"/autorites/{metz.id}/modifier", data={
        **_form(metz, prada_email=ATTACKER), "scope": "proposal", "reason": "Trouvé sur leur site"}, follow_redirects=True)
    assert "Votre proposition est transmise aux responsables de l'annuaire" in page_text(response)
    db.session.refresh(metz)
    assert metz.prada_email == PRADA and not metz.verified
    proposal = db.session.scalar(select(AuthorityProposal))
    assert proposal.changes == {"prada_email": ATTACKER} and proposal.before == {"prada_email": PRADA}
    assert proposal.status == "pending" and proposal.reason == "Trouvé sur leur site"
    _alices_letter_goes_to_prada(people, client_for)


def test_a_second_user_cannot_mark_an_address_verified_or_apply_it_directly(client, client_for, people):
    metz = people["metz"]
    mallory = client_for("mallory@example.org")
    response = mallory.post(f"/autorites/{metz.id}/modifier", data={
        **_form(metz, prada_email=ATTACKER), "scope": "directory", "reason": "x"})
    assert response.status_code == 422
    assert "Seuls les responsables de l'annuaire modifient les fiches communes" in page_text(response)
    headers = _api(client, people["mallory"])
    response = client.patch(f"/api/v1/authorities/{metz.id}", json={"prada_email": ATTACKER, "verified": True,
                                                                    "last_checked_on": "2026-11-30", "reason": "x"},
                            headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == ("Seuls les responsables de l'annuaire marquent des "
                                                       "coordonnées comme vérifiées.")
    response = mallory.post("/api/v1/authorities", json={"name": "Ville de Metz (PRADA)", "verified": True,
                                                        "last_checked_on": "2026-11-30"}, headers=headers)
    assert response.status_code == 403
    db.session.refresh(metz)
    assert metz.prada_email == PRADA and not metz.verified
    assert db.session.scalar(select(func.count()).select_from(AuthorityProposal)) == 0
    _alices_letter_goes_to_prada(people, client_for)


def test_the_api_makes_a_proposal_for_anyone_but_a_maintainer(client, people):
    metz = people["metz"]
    response = client.patch(f"/api/v1/authorities/{metz.id}", json={"prada_email": ATTACKER, "reason": "Site"},
                            headers=_api(client, people["mallory"]))
    assert response.status_code == 202
    assert response.get_json()["proposal"]["changes"] == {"prada_email": ATTACKER}
    db.session.refresh(metz)
    assert metz.prada_email == PRADA
    response = client.patch(f"/api/v1/authorities/{metz.id}", json={"postal_code": "57000", "reason": "Courrier"},
                            headers=_api(client, people["maud"]))
    assert response.status_code == 200 and response.get_json()["postal_code"] == "57000"
    change = db.session.scalar(select(AuthorityChange).where(AuthorityChange.source == "api"))
    assert (change.before, change.after, change.user_id) == ({"postal_code": "57036"}, {"postal_code": "57000"},
                                                              people["maud"].id)


def test_a_maintainer_accepts_a_proposal_and_the_history_says_who_what_and_why(client, client_for, people):
    metz = people["metz"]
    proposal = sharing.propose(people["mallory"], metz, {"prada_name": "Mme Exemple"}, "Appel à la mairie", "page")
    mallory = client_for("mallory@example.org")
    assert mallory.post(f"/autorites/propositions/{proposal.id}/accepter").status_code == 403
    maud = client_for("maud@example.org")
    assert "Mme Exemple" in page_text(maud.get("/autorites/propositions"))
    response = maud.post(f"/autorites/propositions/{proposal.id}/accepter", data={"note": "Vérifié"},
                           follow_redirects=True)
    assert "La proposition est acceptée : la fiche commune est modifiée." in page_text(response)
    db.session.refresh(metz)
    assert metz.prada_name == "Mme Exemple"
    history = page_text(maud.get(f"/autorites/{metz.id}"))
    assert "Proposition acceptée" in history
    assert "Proposition n° " in history and "mallory@example.org : Appel à la mairie" in history
    assert "Personne responsable de l'accès aux documents (PRADA) : « » → « Mme Exemple »" in history
    assert "Coordonnées vérifiées : « non »" in history
    assert "Annuaire de référence de Lanterne" in history  # the seed is its first entry
    assert "Type : « Commune »" in history and "slug" not in history  # labels, not the stored keys
    again = maud.post(f"/autorites/propositions/{proposal.id}/refuser", follow_redirects=True)
    assert "Cette proposition a déjà été traitée." in page_text(again)


def test_an_override_serves_only_its_organisations_letters(client, client_for, people):
    metz, mallory = people["metz"], people["mallory"]
    collectif = accounts.create_organisation(mallory, "Collectif de Mallory")
    theirs = AccessRequest(reference="LNT-2026-0802", owner_id=mallory.id, organisation_id=collectif.id,
                     authority_id=metz.id, channel="email", subject="Drones",
                     items=[RequestItem(position=1, description="Autorisations")])
    db.session.add(theirs)
    db.session.commit()
    browser = client_for("mallory@example.org")
    response = browser.post(f"/autorites/{metz.id}/modifier", data={
        **_form(metz, prada_email="juridique@metz.example"), "scope": f"organisation:{collectif.id}"},
        follow_redirects=True)
    assert "Ces coordonnées serviront aux seuls courriers des demandes de « Collectif de Mallory »" in page_text(response)
    assert "juridique@metz.example" in page_text(browser.get(f"/autorites/{metz.id}"))
    assert request_letters.email_recipient(theirs) == "juridique@metz.example"
    db.session.refresh(metz)
    assert metz.prada_email == PRADA
    _alices_letter_goes_to_prada(people, client_for)
    # Alice does not see another organisation's override, nor its history.
    assert "juridique@metz.example" not in page_text(client_for("alice@example.org").get(f"/autorites/{metz.id}"))
    # Only coordinates may differ for one's letters; a new name is for the shared directory.
    response = browser.post(f"/autorites/{metz.id}/modifier", data={
        **_form(metz, name="Mairie de Metz"), "scope": f"organisation:{collectif.id}"})
    assert response.status_code == 422 and "proposez les autres modifications" in page_text(response)
    # Back to the shared entry.
    browser.post(f"/autorites/{metz.id}/coordonnees/{collectif.id}/supprimer")
    assert db.session.scalar(select(AuthorityOverride)) is None
    assert request_letters.email_recipient(theirs) == PRADA


def test_the_api_keeps_an_override_for_the_callers_organisation(client, people):
    metz, mallory = people["metz"], people["mallory"]
    collectif = accounts.create_organisation(mallory, "Collectif de Mallory")
    response = client.patch(f"/api/v1/authorities/{metz.id}", json={"prada_email": "juridique@metz.example",
                                                                    "scope": "organisation"},
                            headers=_api(client, mallory))
    assert response.status_code == 200
    body = response.get_json()
    assert body["override"] == {"organisation_id": collectif.id, "fields": {"prada_email": "juridique@metz.example"}}
    assert body["authority"]["prada_email"] == PRADA
    response = client.patch(f"/api/v1/authorities/{metz.id}", json={"prada_email": "x@metz.example",
                                                                    "scope": "organisation"},
                            headers=_api(client, people["alice"]))
    assert response.status_code == 403  # Alice writes for no organisation


def test_an_email_goes_only_to_the_address_shown_and_a_change_since_drafting_is_confirmed(client, client_for, people, mailbox):
    access_request, metz = people["request"], people["metz"]
    sharing.update(people["maud"], metz, {"prada_email": "acces-documents@metz.example"}, "page", "Courrier du maire")
    alice = client_for("alice@example.org")
    page = page_text(alice.get(f"/demandes/{access_request.id}/courriers/request"))
    assert "L'adresse électronique de Ville de Metz a changé depuis la rédaction de cette demande" in page
    assert f"« {PRADA} » → « acces-documents@metz.example »" in page
    url = f"/demandes/{access_request.id}/courriers/request/courriel"
    stale = alice.post(url, data={"recipient": PRADA, "confirm_recipient": "y"}, follow_redirects=True)
    assert "L'adresse du destinataire a changé depuis l'affichage de la page" in page_text(stale)
    unconfirmed = alice.post(url, data={"recipient": "acces-documents@metz.example"}, follow_redirects=True)
    assert "confirmez l'envoi à « acces-documents@metz.example »" in page_text(unconfirmed)
    assert db.session.scalar(select(OutgoingMail)) is None
    sent = alice.post(url, data={"recipient": "acces-documents@metz.example", "confirm_recipient": "y"},
                       follow_redirects=True)
    assert "Le courriel part vers acces-documents@metz.example" in page_text(sent)
    assert db.session.scalar(select(OutgoingMail.to_address)) == "acces-documents@metz.example"


def test_the_maintainer_command(runner, people):
    result = runner.invoke(args=["user", "maintainer", "mallory@example.org"])
    assert result.exit_code == 0 and "mallory@example.org est responsable de l'annuaire." in result.output
    assert people["mallory"].directory_maintainer
    result = runner.invoke(args=["user", "maintainer", "mallory@example.org", "--revoke"])
    assert result.exit_code == 0
    db.session.refresh(people["mallory"])
    assert not people["mallory"].directory_maintainer
    assert runner.invoke(args=["user", "maintainer", "nobody@example.org"]).exit_code != 0
