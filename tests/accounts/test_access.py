"""A user sees their own requests and those of their organisations, nobody else's."""
import pytest
from werkzeug.exceptions import Forbidden, NotFound

from tests.helpers import PASSWORD, page_text
from workflow.accounts import users as accounts
from workflow.accounts.access import get_request_or_404
from workflow.directory.authorities import seed_authorities
from workflow.core.extensions import db
from workflow.models import Authority, Campaign, Request, RequestItem


@pytest.fixture
def metz(app):
    seed_authorities()
    return db.session.scalar(db.select(Authority).where(Authority.slug == "ville-de-metz"))


def make_request(owner, authority, reference, subject, organisation=None, campaign=None):
    found = Request(reference=reference, owner_id=owner.id, authority_id=authority.id, subject=subject,
                    organisation_id=organisation.id if organisation else None,
                    campaign_id=campaign.id if campaign else None,
                    items=[RequestItem(position=1, description="Acte d'engagement du marché de vidéoprotection")])
    db.session.add(found)
    db.session.commit()
    return found


def login_as(client, email):
    client.post("/deconnexion")
    return client.post("/connexion", data={"email": email, "password": PASSWORD})


def test_another_user_cannot_see_my_requests(client, make_user, metz):
    alice = make_user("alice@example.org")
    make_user("bob@example.org")
    private = make_request(alice, metz, "LNT-2026-0001", "Marchés de vidéoprotection de la ville")

    login_as(client, "alice@example.org")
    assert "Marchés de vidéoprotection de la ville" in page_text(client.get("/"))
    assert client.get(f"/demandes/{private.id}").status_code == 200

    login_as(client, "bob@example.org")
    assert "Marchés de vidéoprotection" not in page_text(client.get("/"))
    response = client.get(f"/demandes/{private.id}")
    assert response.status_code == 404
    assert "Marchés de vidéoprotection" not in page_text(response)


def test_organisation_members_share_its_requests(client, make_user, metz):
    alice = make_user("alice@example.org")
    make_user("bob@example.org")
    make_user("carol@example.org")
    collective = accounts.create_organisation(alice, "Collectif Technopolice Metz")
    accounts.add_member(collective, "bob@example.org", "viewer")
    shared = make_request(alice, metz, "LNT-2026-0002", "Essai de reconnaissance faciale au stade", organisation=collective)

    login_as(client, "bob@example.org")
    assert "Essai de reconnaissance faciale au stade" in page_text(client.get("/"))
    assert client.get(f"/demandes/{shared.id}").status_code == 200

    login_as(client, "carol@example.org")
    assert client.get(f"/demandes/{shared.id}").status_code == 404


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


def test_campaigns_are_private_too(client, make_user, metz):
    alice = make_user("alice@example.org")
    make_user("bob@example.org")
    campaign = Campaign(owner_id=alice.id, title="Vidéoprotection à Metz", subject="Contrats et autorisations")
    db.session.add(campaign)
    db.session.commit()
    make_request(alice, metz, "LNT-2026-0004", "Contrats de vidéoprotection", campaign=campaign)

    login_as(client, "alice@example.org")
    assert "Vidéoprotection à Metz" in page_text(client.get("/campagnes/"))
    assert "LNT-2026-0004" in page_text(client.get(f"/campagnes/{campaign.id}"))
    login_as(client, "bob@example.org")
    assert "Vidéoprotection à Metz" not in page_text(client.get("/campagnes/"))
    assert client.get(f"/campagnes/{campaign.id}").status_code == 404


def test_organisation_management(client, make_user):
    make_user("alice@example.org")
    make_user("bob@example.org")
    login_as(client, "alice@example.org")
    response = client.post("/compte/associations", data={"name": "Quadrature locale"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Quadrature locale" in page_text(page)

    organisation_path = response.headers["Location"]
    response = client.post(organisation_path, data={"email": "nobody@example.org", "role": "editor"})
    assert "Aucun compte n'existe pour cette adresse" in page_text(response)
    response = client.post(organisation_path, data={"email": "bob@example.org", "role": "viewer"}, follow_redirects=True)
    assert "Le membre est enregistré." in page_text(response)
    assert "Lecteur" in page_text(response)

    # The last owner cannot leave the organisation without an owner.
    alice_id = accounts.find_user("alice@example.org").id
    response = client.post(f"{organisation_path}/membres/{alice_id}/retirer", follow_redirects=True)
    assert "Une association doit garder au moins un responsable." in page_text(response)

    # A viewer cannot manage members, and an outsider cannot even see the organisation.
    login_as(client, "bob@example.org")
    assert client.post(organisation_path, data={"email": "alice@example.org", "role": "viewer"}).status_code == 403
    make_user("carol@example.org")
    login_as(client, "carol@example.org")
    assert client.get(organisation_path).status_code == 404
