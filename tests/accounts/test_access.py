"""A user sees their own requests and those of their organisations, nobody else's."""
import re

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from tests.helpers import PASSWORD, make_request, page_text
from workflow.accounts import users as accounts
from workflow.accounts.access import get_request_or_404
from workflow.core.extensions import db
from workflow.models import Campaign


def test_another_user_cannot_see_my_requests(client_for, make_user, metz):
    alice = make_user("alice@example.org")
    make_user("bob@example.org")
    private = make_request(alice, metz, "LNT-2026-0001", "Marchés de vidéoprotection de la ville")

    as_alice = client_for("alice@example.org")
    assert "Marchés de vidéoprotection de la ville" in page_text(as_alice.get("/"))
    assert as_alice.get(f"/demandes/{private.id}").status_code == 200

    as_bob = client_for("bob@example.org")
    assert "Marchés de vidéoprotection" not in page_text(as_bob.get("/"))
    response = as_bob.get(f"/demandes/{private.id}")
    assert response.status_code == 404
    assert "Marchés de vidéoprotection" not in page_text(response)


def test_organisation_members_share_its_requests(client_for, make_user, metz):
    alice = make_user("alice@example.org")
    make_user("bob@example.org")
    make_user("carol@example.org")
    collective = accounts.create_organisation(alice, "Collectif Technopolice Metz")
    accounts.add_member(collective, "bob@example.org", "viewer")
    shared = make_request(alice, metz, "LNT-2026-0002", "Essai de reconnaissance faciale au stade", organisation=collective)

    as_bob = client_for("bob@example.org")
    assert "Essai de reconnaissance faciale au stade" in page_text(as_bob.get("/"))
    assert as_bob.get(f"/demandes/{shared.id}").status_code == 200

    as_carol = client_for("carol@example.org")
    assert as_carol.get(f"/demandes/{shared.id}").status_code == 404


def test_viewers_read_but_do_not_change(app, make_user, metz):
    alice = make_user("alice@example.org")
    bob = make_user("bob@example.org")
    erin = make_user("erin@example.org")
    collective = accounts.create_organisation(alice, "Ligue des droits, section de Metz")
    accounts.add_member(collective, "bob@example.org", "viewer")
    accounts.add_member(collective, "erin@example.org", "editor")
    shared = make_request(alice, metz, "LNT-2026-0003", "Délibérations du plan de vidéoprotection", organisation=collective)

    with app.test_request_context():
        assert get_request_or_404(shared.id, bob) == shared
        with pytest.raises(Forbidden):
            get_request_or_404(shared.id, bob, for_change=True)
        assert get_request_or_404(shared.id, erin, for_change=True) == shared
        with pytest.raises(NotFound):
            get_request_or_404(10_000, alice)


def test_campaigns_are_private_too(client_for, make_user, metz):
    alice = make_user("alice@example.org")
    make_user("bob@example.org")
    campaign = Campaign(owner_id=alice.id, title="Vidéoprotection à Metz", subject="Contrats et autorisations")
    db.session.add(campaign)
    db.session.commit()
    make_request(alice, metz, "LNT-2026-0004", "Contrats de vidéoprotection", campaign=campaign)

    as_alice = client_for("alice@example.org")
    assert "Vidéoprotection à Metz" in page_text(as_alice.get("/campagnes/"))
    assert "LNT-2026-0004" in page_text(as_alice.get(f"/campagnes/{campaign.id}"))
    as_bob = client_for("bob@example.org")
    assert "Vidéoprotection à Metz" not in page_text(as_bob.get("/campagnes/"))
    assert as_bob.get(f"/campagnes/{campaign.id}").status_code == 404


def test_organisation_management(app, client_for, make_user):
    make_user("alice@example.org")
    make_user("bob@example.org")
    client = client_for("alice@example.org")
    response = client.post("/compte/associations", data={"name": "Quadrature locale"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Quadrature locale" in page_text(page)

    organisation_path = response.headers["Location"]
    # Members are invited (tests/accounts/test_invitations.py); Bob joins when he signs in.
    response = client.post(organisation_path, data={"email": "bob@example.org", "role": "viewer"}, follow_redirects=True)
    assert "L'invitation de bob@example.org est enregistrée" in page_text(response)
    link = re.search(r"/invitation/\S+", page_text(response)).group(0)
    bob_browser = app.test_client()
    bob_browser.get(link)
    bob_browser.post("/connexion", data={"email": "bob@example.org", "password": PASSWORD})
    assert "Lecteur" in page_text(client.get(organisation_path))

    # The last owner cannot leave the organisation without an owner.
    alice_id = accounts.find_user("alice@example.org").id
    response = client.post(f"{organisation_path}/membres/{alice_id}/retirer", follow_redirects=True)
    assert "Une association doit garder au moins un responsable." in page_text(response)

    # A viewer cannot manage members, and an outsider cannot even see the organisation.
    as_bob = client_for("bob@example.org")
    assert as_bob.post(organisation_path, data={"email": "alice@example.org", "role": "viewer"}).status_code == 403
    make_user("carol@example.org")
    as_carol = client_for("carol@example.org")
    assert as_carol.get(organisation_path).status_code == 404
