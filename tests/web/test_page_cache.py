"""The dashboard and the request pages are rendered once and reused while nothing they
show changes: every change, from a page, the API, a worker or another user, shows on the
next visit."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.helpers import PASSWORD, make_request, page_text, run_worker
from workflow.accounts import users as accounts
from workflow.core import clock
from workflow.web import page_cache
from workflow.requests import lifecycle as service
from workflow.core.extensions import db
from workflow.models import Authority, Document, Notification, AccessRequest
from workflow.web import requests as request_views


def count_renders(monkeypatch, name: str) -> list[int]:
    """How many times a page's content was rendered (not taken from the cache)."""
    count = [0]
    render = getattr(request_views, name)

    def counting(*args, **kwargs):
        count[0] += 1
        return render(*args, **kwargs)

    monkeypatch.setattr(request_views, name, counting)
    return count


@pytest.fixture
def renders(monkeypatch):
    return count_renders(monkeypatch, "_render_dashboard")


def section(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin:text.index(end, begin)]


def without_tokens(page: str) -> str:
    """The page without its CSRF tokens (the menu's log-out form): they carry the second
    they were signed in, so two renders a second apart differ there and nowhere else."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def test_a_dashboard_is_rendered_once_while_nothing_changes(client, alice, metz, renders):
    access_request = make_request(alice, metz, "LNT-2026-0301")
    assert "Vous êtes connecté" in page_text(client.get("/"))  # the flash, outside the cached part
    second = without_tokens(client.get("/").get_data(as_text=True))
    assert "Vous êtes connecté" not in second and "LNT-2026-0301" in second
    assert without_tokens(client.get("/").get_data(as_text=True)) == second
    # Reading pages changes nothing: the dashboard is still the one rendered.
    for path in ("/", f"/demandes/{access_request.id}", "/documents/", "/notifications", "/autorites/", "/campagnes/"):
        assert client.get(path).status_code == 200
    assert renders[0] == 1
    # Another filter or page is another part.
    assert "LNT-2026-0301" in page_text(client.get("/?statut=draft"))
    assert renders[0] == 2


def test_an_event_recorded_on_a_page_shows_on_the_next_visit(client, alice, metz, renders):
    access_request = make_request(alice, metz, "LNT-2026-0302")
    assert "Brouillon" in section(page_text(client.get("/")), "Référence", "Lanterne —")
    today = clock.today()
    response = client.post(f"/demandes/{access_request.id}/evenements",
                           data={"type": "sent", "occurred_on": (today - timedelta(days=100)).isoformat(),
                                 "channel": "email"})
    assert response.status_code == 302
    text = page_text(client.get("/"))
    overdue = section(text, "En retard", "Cette semaine")
    assert "LNT-2026-0302" in overdue and "Rédiger la saisine de la CADA" in overdue
    assert renders[0] == 2


def test_changes_made_elsewhere_show_too(client, alice, metz, renders):
    access_request = make_request(alice, metz, "LNT-2026-0303")
    client.get("/")
    # A worker recording through the service layer, in its own session.
    service.record_event(access_request, "sent", clock.today() - timedelta(days=100))
    assert "LNT-2026-0303" in section(page_text(client.get("/")), "En retard", "Cette semaine")
    # The directory: another user renames the city hall.
    db.session.execute(update(Authority).where(Authority.id == metz.id).values(name="Mairie de Metz (Hôtel de ville)"))
    db.session.commit()
    assert "Mairie de Metz (Hôtel de ville)" in page_text(client.get("/"))
    assert renders[0] == 3


def test_joining_an_organisation_shows_its_requests(client, alice, metz, make_user):
    bob = make_user("bob@example.org", name="Bob")
    collective = accounts.create_organisation(bob, "Technopolice Metz")
    shared = make_request(bob, metz, "LNT-2026-0304")
    shared.organisation_id = collective.id
    db.session.commit()
    assert "LNT-2026-0304" not in page_text(client.get("/"))
    accounts.add_member(collective, "alice@example.org", "viewer")
    assert "LNT-2026-0304" in page_text(client.get("/"))


def test_each_user_has_their_own_dashboard(client, client_for, alice, metz, make_user):
    make_request(alice, metz, "LNT-2026-0305")
    assert "LNT-2026-0305" in page_text(client.get("/"))
    make_user("bob@example.org", name="Bob")
    text = page_text(client_for("bob@example.org").get("/"))
    assert "Bob" in text and "LNT-2026-0305" not in text and "Aucune demande pour l'instant" in text


def test_a_new_day_moves_the_deadlines(client, alice, metz, monkeypatch):
    today = clock.today()
    access_request = make_request(alice, metz, "LNT-2026-0306")
    service.record_event(access_request, "sent", today - timedelta(days=20))  # refusal born in about ten days
    assert "LNT-2026-0306" in section(page_text(client.get("/")), "Ce mois-ci", "Demandes")
    monkeypatch.setattr(clock, "today", lambda: today + timedelta(days=9))
    assert "LNT-2026-0306" in section(page_text(client.get("/")), "Cette semaine", "Ce mois-ci")


def test_what_surrounds_the_dashboard_is_rendered_on_every_visit(client, alice, metz, renders):
    make_request(alice, metz, "LNT-2026-0307")
    assert "non lue" not in page_text(client.get("/"))
    db.session.add(Notification(user_id=alice.id, kind="deadline", dedupe_key="test",
                                title="Dans 7 jours : naissance du refus implicite"))
    db.session.commit()
    assert "Notifications 1 non lue" in page_text(client.get("/"))
    assert renders[0] == 1  # the notifications are not in the cached part
    alice.display_name = "Alice Martin"
    db.session.commit()
    assert "Alice Martin" in page_text(client.get("/"))
    assert renders[0] == 2  # the part names users (assignees): a changed account renders it again


def test_the_version_rises_once_per_transaction_that_changes_the_dashboard(alice, metz):
    start = page_cache.version(page_cache.DASHBOARD)
    access_request = make_request(alice, metz, "LNT-2026-0308")  # one commit
    assert page_cache.version(page_cache.DASHBOARD) == start + 1
    access_request.subject = "Marché de vidéoprotection 2024"
    db.session.rollback()
    assert page_cache.version(page_cache.DASHBOARD) == start + 1
    db.session.add(Notification(user_id=alice.id, kind="deadline", dedupe_key="test", title="Rappel"))
    db.session.commit()
    assert page_cache.version(page_cache.DASHBOARD) == start + 1  # notifications are not on the dashboard
    db.session.execute(update(AccessRequest).values(subject="Objet corrigé"))  # a bulk statement
    db.session.commit()
    assert page_cache.version(page_cache.DASHBOARD) == start + 2
    assert db.session.scalar(select(AccessRequest.subject)) == "Objet corrigé"


def test_a_user_row_changes_the_pages_only_through_the_name_they_show(client, alice, metz):
    make_request(alice, metz, "LNT-2026-0309")
    start = page_cache.version(page_cache.DASHBOARD)
    client.post("/deconnexion")  # raises the account's session version: nothing a page shows
    db.session.expire_all()
    assert page_cache.version(page_cache.DASHBOARD) == start
    user = db.session.get(type(alice), alice.id)
    user.display_name = "Alice Martin"  # shown as the assignee of requests
    db.session.commit()
    assert page_cache.version(page_cache.DASHBOARD) == start + 1


def test_a_worker_s_change_raises_the_version(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0309")
    client.get("/")
    start = page_cache.version(page_cache.DASHBOARD)
    service.record_event(access_request, "sent", clock.today() - timedelta(days=40))
    from workflow.jobs import sweep

    sweep.run(clock.today())  # queues and recomputes in the worker
    run_worker()
    assert page_cache.version(page_cache.DASHBOARD) > start
    assert "Refus implicite" in page_text(client.get("/"))


def test_the_version_read_with_the_account_is_dropped_when_the_request_changes_data(app, alice, metz):
    from flask import g

    with app.test_request_context("/"):
        g.data_versions = {part: page_cache.version(part) for part in page_cache.PART_TABLES}
        make_request(alice, metz, "LNT-2026-0310")
        assert "data_versions" not in g
        assert page_cache.version(page_cache.DASHBOARD) == db.session.scalar(page_cache.version_query(page_cache.DASHBOARD))


def test_one_query_reads_the_account_its_unread_count_and_the_version(alice):
    db.session.add(Notification(user_id=alice.id, kind="deadline", dedupe_key="a", title="Rappel"))
    db.session.commit()
    account = accounts.signed_in(alice.id)
    assert account.user.email == "alice@example.org"
    assert account.unread_notifications == 1
    assert account.data_versions == {part: db.session.scalar(page_cache.version_query(part))
                                   for part in (page_cache.DASHBOARD, page_cache.REQUEST_PAGE)}
    assert accounts.signed_in(alice.id + 1000) is None


@pytest.fixture
def page_renders(monkeypatch):
    return count_renders(monkeypatch, "_render_show_content")


def csrf_values(body: str) -> set[str]:
    return set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', body))


def test_a_request_page_is_kept_for_its_session_until_the_request_changes(app, client, alice, metz, page_renders):
    access_request = make_request(alice, metz, "LNT-2026-0311")
    assert "Vous êtes connecté" in page_text(client.get(f"/demandes/{access_request.id}"))  # the flash, outside
    first = client.get(f"/demandes/{access_request.id}").get_data(as_text=True)
    assert client.get(f"/demandes/{access_request.id}").get_data(as_text=True) == first
    assert page_renders[0] == 1 and csrf_values(first)
    # The same account in another browser gets forms with its own session's tokens.
    other = app.test_client()
    other.post("/connexion", data={"email": "alice@example.org", "password": PASSWORD})
    elsewhere = other.get(f"/demandes/{access_request.id}").get_data(as_text=True)
    assert page_renders[0] == 2 and csrf_values(elsewhere).isdisjoint(csrf_values(first))

    # An event recorded shows at once, from either session.
    client.post(f"/demandes/{access_request.id}/evenements",
                data={"type": "sent", "occurred_on": clock.today().isoformat(), "channel": "email"})
    text = page_text(other.get(f"/demandes/{access_request.id}"))
    assert "Envoi de la demande" in text and "En attente de réponse" in text


def test_a_document_filed_by_a_worker_shows_on_the_request_page(client, alice, metz):
    access_request = make_request(alice, metz, "LNT-2026-0312")
    assert "reponse-mairie.txt" not in page_text(client.get(f"/demandes/{access_request.id}"))
    from workflow import documents

    documents.file_documents(access_request, [documents.Upload("reponse-mairie.txt", io.BytesIO(b"Le marche de videoprotection"))],
                             documents.FilingMeta(received_on=clock.today()), alice)
    text = page_text(client.get(f"/demandes/{access_request.id}"))
    assert "reponse-mairie.txt" in text
    run_worker()  # text extraction updates the document's row
    assert db.session.scalar(select(Document.text_status)) != "pending"
    assert "en attente" not in page_text(client.get(f"/demandes/{access_request.id}")).lower()


def test_a_refused_event_shows_the_form_as_sent_not_the_kept_page(client, alice, metz, page_renders):
    access_request = make_request(alice, metz, "LNT-2026-0313")
    client.get(f"/demandes/{access_request.id}")
    response = client.post(f"/demandes/{access_request.id}/evenements", data={"type": "received", "occurred_on": "2026-01-05"})
    assert response.status_code == 422
    assert "enregistrez l'envoi de la demande avant la réception" in page_text(response)
    # The form as the user sent it, not the kept page's (which offers "sent").
    assert re.search(r'<option[^>]*selected[^>]*value="received"|<option[^>]*value="received"[^>]*selected',
                     response.get_data(as_text=True))
    assert page_renders[0] == 2


def test_a_kept_request_page_is_not_served_once_access_is_withdrawn(client_for, alice, metz, make_user):
    collective = accounts.create_organisation(alice, "Technopolice Metz")
    shared = make_request(alice, metz, "LNT-2026-0314")
    shared.organisation_id = collective.id
    db.session.commit()
    make_user("bob@example.org", name="Bob")
    accounts.add_member(collective, "bob@example.org", "viewer")
    client = client_for("bob@example.org")
    assert "LNT-2026-0314" in page_text(client.get(f"/demandes/{shared.id}"))
    assert client.get(f"/demandes/{shared.id}").status_code == 200  # kept
    accounts.remove_member(collective, accounts.find_user("bob@example.org").id)
    assert client.get(f"/demandes/{shared.id}").status_code == 404
    # And a request taken back from the organisation.
    accounts.add_member(collective, "bob@example.org", "viewer")
    assert client.get(f"/demandes/{shared.id}").status_code == 200
    shared.organisation_id = None
    db.session.commit()
    assert client.get(f"/demandes/{shared.id}").status_code == 404
