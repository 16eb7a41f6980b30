"""The upload form on the request page: an upload over the size limit gets a page that
states the limit and gives back the form as the user filled it (413), nothing filed."""
import re

from sqlalchemy import select

from tests.documents.helpers import make_request, upload
from tests.helpers import page_text
from workflow.core.extensions import db
from workflow.models import Document


def test_an_upload_over_the_limit_states_it_and_keeps_the_form(app, client, alice, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200_000)
    access_request = make_request(alice)
    chosen_item = access_request.items[1]
    response = upload(client, access_request, [("annexes.pdf", b"%PDF-1.4\n" + b"0" * 300_000)], follow=False,
                      received_on="2026-02-20", came_by="post", sender="Service juridique de la mairie",
                      notes="Reçu avec un bordereau", item_ids=[str(chosen_item.id)], outcome="redacted")
    assert response.status_code == 413
    shown = page_text(response)
    assert "dépasse la limite de 195 Ko par envoi" in shown and "rien n'a été enregistré" in shown
    assert "Vos choix sont gardés" in shown
    body = response.get_data(as_text=True)
    assert 'value="Service juridique de la mairie"' in body and 'value="2026-02-20"' in body
    assert "Reçu avec un bordereau</textarea>" in body
    assert re.search(r'<option selected value="post">|<option value="post" selected', body)
    assert re.search(r'<option selected value="redacted">|<option value="redacted" selected', body)
    assert re.search(rf'<input checked[^>]*value="{chosen_item.id}"|value="{chosen_item.id}"[^>]*checked', body)
    assert db.session.scalar(select(Document)) is None


def test_a_body_far_over_the_limit_still_gets_the_page_with_the_limit(app, client, alice, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 50_000)
    access_request = make_request(alice)
    response = upload(client, access_request, [("scan.pdf", b"%PDF-1.4\n" + b"0" * 400_000)], follow=False,
                      sender="Mairie")
    assert response.status_code == 413
    assert "dépasse la limite de 49 Ko par envoi" in page_text(response)
