"""Team work on a request: an assignee among the owner and the organisation's members,
internal notes that no letter shows, "Assignée à …" on the request page and the
dashboard, and the "mes demandes" filter."""
from sqlalchemy import select

from tests.helpers import make_request, page_text
from workflow.accounts import users as accounts
from workflow.core.extensions import db
from workflow.models import HistoryEntry


def shared_request(alice, metz, make_user, reference="LNT-2026-0901"):
    organisation = accounts.create_organisation(alice, "Collectif Metz")
    bob = make_user("bob@example.org", name="Bob Dupont")
    make_user("lea@example.org", name="Léa Lectrice")
    accounts.add_member(organisation, "bob@example.org", "editor")
    accounts.add_member(organisation, "lea@example.org", "viewer")
    db.session.commit()
    return make_request(alice, metz, reference, organisation=organisation), bob


def test_assign_a_member_and_see_it_on_the_page_the_timeline_and_the_dashboard(client, client_for, alice, metz, make_user):
    access_request, bob = shared_request(alice, metz, make_user)
    page = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "Assignée à personne" in page
    options = client.get(f"/demandes/{access_request.id}").get_data(as_text=True)
    assert "Bob Dupont" in options and "Léa Lectrice" in options  # every member may follow it

    response = client.post(f"/demandes/{access_request.id}/equipe",
                           data={"assignee_id": str(bob.id), "internal_notes": "Relancer le service juridique par téléphone."},
                           follow_redirects=True)
    text = page_text(response)
    assert "Le suivi de la demande est enregistré." in text
    assert "Assignée à Bob Dupont" in text
    assert "Notes internes (jamais dans les courriers) : Relancer le service juridique par téléphone." in text
    timeline = text[text.index("Chronologie"):]
    assert "Assignée à Bob Dupont Par alice@example.org, le " in timeline
    assert db.session.scalar(select(HistoryEntry)).kind == "assigned"

    dashboard = page_text(client.get("/"))
    assert "Assignée à Bob Dupont" in dashboard
    assert "LNT-2026-0901" not in page_text(client.get("/?mes=1"))  # not Alice's to follow
    bob_client = client_for("bob@example.org")
    assert "LNT-2026-0901" in page_text(bob_client.get("/?mes=1"))


def test_only_the_owner_or_a_member_can_be_assigned(client, alice, metz, make_user):
    access_request = make_request(alice, metz, "LNT-2026-0902")
    stranger = make_user("eve@example.org", name="Ève")
    response = client.post(f"/demandes/{access_request.id}/equipe", data={"assignee_id": str(stranger.id)})
    assert response.status_code == 422
    assert "Cette personne ne peut pas suivre la demande" in page_text(response)
    db.session.refresh(access_request)
    assert access_request.assignee_id is None
    client.post(f"/demandes/{access_request.id}/equipe", data={"assignee_id": str(alice.id)})
    db.session.refresh(access_request)
    assert access_request.assignee_id == alice.id


def test_a_reader_sees_the_notes_but_cannot_change_them(client, client_for, alice, metz, make_user):
    access_request, bob = shared_request(alice, metz, make_user, "LNT-2026-0903")
    client.post(f"/demandes/{access_request.id}/equipe", data={"assignee_id": "", "internal_notes": "Dossier sensible."})
    reader = client_for("lea@example.org")
    text = page_text(reader.get(f"/demandes/{access_request.id}"))
    assert "Dossier sensible." in text and "Enregistrer le suivi" not in text
    assert reader.post(f"/demandes/{access_request.id}/equipe", data={"assignee_id": str(bob.id)}).status_code in (403, 404)


def test_internal_notes_never_reach_a_letter(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0904")
    client.post(f"/demandes/{access_request.id}/equipe", data={"assignee_id": "", "internal_notes": "Note-secrète-équipe"})
    letter = client.get(f"/demandes/{access_request.id}/courriers/request.txt").get_data(as_text=True)
    assert "Marché de vidéoprotection" in letter and "Note-secrète-équipe" not in letter
    preview = client.get(f"/demandes/{access_request.id}/courriers/request.html").get_data(as_text=True)
    assert "Note-secrète-équipe" not in preview


def test_the_exported_chronology_leaves_the_team_history_out(client, alice, metz, make_user):
    from workflow.documents.export import chronology_rows

    access_request, bob = shared_request(alice, metz, make_user, "LNT-2026-0905")
    client.post(f"/demandes/{access_request.id}/equipe", data={"assignee_id": str(bob.id), "internal_notes": "Interne"})
    db.session.refresh(access_request)
    rows = chronology_rows(access_request, {})
    assert not [row for row in rows if "Assignée" in str(row) or "Interne" in str(row)]
